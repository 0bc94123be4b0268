"""Optimisers as pure functions on params dicts, plus sparse row updates for embedding tables.

Both backends expose the same functions (``backend("numpy")`` / ``backend("jax")``):

* ``sgd(params, grads, lr)``:                      p <- p - lr * g
* ``adagrad_init`` / ``adagrad``:                  G <- G + g^2;  p <- p - lr * g / sqrt(G + eps)
* ``adam_init`` / ``adam``:                        the bias-corrected Adam of Kingma & Ba (2015)
* ``sparse_sgd``, ``sparse_adagrad``, ``sparse_adam``: the same rules applied only to the rows
  of a (V, d) table that a batch touched (``rows`` (N,) int, ``row_grads`` (N, d)).  Rows that
  occur several times have their gradients summed first, so the result equals the dense update
  with the gradient ``scatter_add(rows, row_grads)``, restricted to the touched rows.

AdaGrad convention.  We follow Duchi, Hazan & Singer (2011) and optax: the squared gradient is
added to the accumulator *before* it is used, and ``eps`` sits inside the square root,

    G_t = G_{t-1} + g_t^2,          p_t = p_{t-1} - lr * g_t / sqrt(G_t + eps).

``adagrad_init(params, initial_accumulator)`` sets G_0 (optax's ``initial_accumulator_value``;
optax defaults to 0.1, we default to 0).  The GloVe reference code starts from G_0 = 1 and divides
by the accumulator *before* adding g_t^2 (and accumulates (lr * g)^2); we do not copy that quirk.

Adam.  With step count t (starting at 1 on the first update),

    m_t = b1 m_{t-1} + (1 - b1) g_t,       v_t = b2 v_{t-1} + (1 - b2) g_t^2,
    p_t = p_{t-1} - lr * m_hat / (sqrt(v_hat) + eps),   m_hat = m_t / (1 - b1^t),  v_hat = v_t / (1 - b2^t),

which is ``optax.adam`` with ``eps_root=0``.  ``sparse_adam`` is the *lazy* variant (as PyTorch's
``SparseAdam``): only touched rows update their moments and values, and t is one global count.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from textbook.core.backend import load_impl


def backend(name: str):
    """The optimiser module of one backend: ``backend("numpy")`` or ``backend("jax")``."""
    return load_impl(__name__, name)


def linear_decay(step: int, total_steps: int, lr: float, min_lr: float = 0.0) -> float:
    """Learning rate at ``step`` decaying linearly from ``lr`` (step 0) to ``min_lr`` (step ``total_steps``).

    lr_t = lr - (lr - min_lr) * clip(step / total_steps, 0, 1), the schedule of the word2vec
    C tool and gensim.  Steps outside ``[0, total_steps]`` are clamped.

    >>> linear_decay(5, 10, 0.025, 0.0001)
    0.01255
    """
    if total_steps <= 0:
        raise ValueError(f"total_steps must be a positive integer, got {total_steps!r}")
    if lr < 0 or min_lr < 0:
        raise ValueError(f"lr and min_lr must be >= 0, got lr={lr!r}, min_lr={min_lr!r}")
    frac = min(max(step / total_steps, 0.0), 1.0)
    return float(lr - (lr - min_lr) * frac)


# ---------------------------------------------------------------- input checks shared by both backends


def check_like(params: Mapping, other: object, name: str) -> None:
    """Raise unless ``other`` is a mapping with exactly the keys and shapes of ``params``."""
    if not isinstance(other, Mapping):
        raise TypeError(f"{name} must be a dict with the keys of params, got {type(other).__name__}")
    if set(other) != set(params):
        missing, extra = sorted(set(params) - set(other)), sorted(set(other) - set(params))
        raise ValueError(f"{name} must have the keys of params: missing {missing}, extra {extra}")
    for k, p in params.items():
        if np.shape(other[k]) != np.shape(p):
            raise ValueError(f"{name}[{k!r}] must have shape {np.shape(p)}, got {np.shape(other[k])}")


def check_rows(table: object, rows: object, row_grads: object, check_range: bool = True) -> None:
    """Raise unless table is (V, d), rows is (N,) integer in [0, V) and row_grads is (N, d)."""
    shape = np.shape(table)
    if len(shape) != 2:
        raise ValueError(f"table must be 2-D (V, d), got shape {shape}")
    rows_dtype = getattr(rows, "dtype", None)
    if rows_dtype is None or not np.issubdtype(rows_dtype, np.integer):
        raise TypeError(f"rows must be an integer array of shape (N,), got {rows_dtype or type(rows).__name__}")
    if len(np.shape(rows)) != 1:
        raise ValueError(f"rows must have shape (N,), got {np.shape(rows)}")
    want = (np.shape(rows)[0], shape[1])
    if np.shape(row_grads) != want:
        raise ValueError(f"row_grads must have shape (N, d) = {want}, got {np.shape(row_grads)}")
    if check_range and np.shape(rows)[0] > 0:
        r = np.asarray(rows)
        lo, hi = int(r.min()), int(r.max())
        if lo < 0 or hi >= shape[0]:
            raise ValueError(f"rows must lie in [0, {shape[0]}) (table has V={shape[0]} rows), got ids in [{lo}, {hi}]")


__all__ = ["backend", "linear_decay", "check_like", "check_rows"]
