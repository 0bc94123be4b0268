"""Optimisers in NumPy: pure functions on params dicts, and sparse row updates for embedding tables.

The equations are in the package docstring (``textbook.core.optim``); each block below cites one.
Dense functions never mutate their inputs.  Sparse functions take ``inplace``: ``False`` (default)
returns fresh arrays, ``True`` updates ``table`` (and the optimiser state) in place and returns them,
which is what a training loop wants for a large table.
"""

from __future__ import annotations

import numpy as np

from textbook.core.optim import check_like, check_rows
from textbook.core.rows import sum_rows as _sum_rows


# ---------------------------------------------------------------- dense updates on params dicts


def sgd(params: dict, grads: dict, lr: float) -> dict:
    """One SGD step: p <- p - lr * g for every key."""
    check_like(params, grads, "grads")
    return {k: p - lr * grads[k] for k, p in params.items()}


def adagrad_init(params: dict, initial_accumulator: float = 0.0) -> dict:
    """AdaGrad state: one accumulator G_0 = ``initial_accumulator`` per entry, keyed like params."""
    return {k: np.full(np.shape(p), initial_accumulator, dtype=np.float64) for k, p in params.items()}


def adagrad(params: dict, grads: dict, state: dict, lr: float, eps: float = 1e-8) -> tuple[dict, dict]:
    """One AdaGrad step: G <- G + g^2;  p <- p - lr * g / sqrt(G + eps).  Returns (params, state)."""
    check_like(params, grads, "grads")
    check_like(params, state, "state")
    new_state = {k: state[k] + grads[k] ** 2 for k in params}
    new_params = {k: p - lr * grads[k] / np.sqrt(new_state[k] + eps) for k, p in params.items()}
    return new_params, new_state


def adam_init(params: dict) -> dict:
    """Adam state: first and second moments (zeros, keyed like params) and the step count t = 0."""
    zeros = {k: np.zeros(np.shape(p), dtype=np.float64) for k, p in params.items()}
    return {"m": zeros, "v": {k: z.copy() for k, z in zeros.items()}, "t": 0}


def adam(params: dict, grads: dict, state: dict, lr: float, b1: float = 0.9, b2: float = 0.999,
         eps: float = 1e-8) -> tuple[dict, dict]:
    """One Adam step (bias-corrected moments).  Returns (params, state)."""
    check_like(params, grads, "grads")
    check_like(params, state["m"], "state['m']")
    check_like(params, state["v"], "state['v']")
    t = state["t"] + 1
    m = {k: b1 * state["m"][k] + (1 - b1) * g for k, g in grads.items()}        # m_t
    v = {k: b2 * state["v"][k] + (1 - b2) * g ** 2 for k, g in grads.items()}   # v_t
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t                                           # bias corrections
    new_params = {k: p - lr * (m[k] / c1) / (np.sqrt(v[k] / c2) + eps) for k, p in params.items()}
    return new_params, {"m": m, "v": v, "t": t}


# ---------------------------------------------------------------- sparse row updates on a (V, d) table


def sparse_sgd(table: np.ndarray, rows: np.ndarray, row_grads: np.ndarray, lr: float,
               inplace: bool = False) -> np.ndarray:
    """SGD on the touched rows only: W[r] <- W[r] - lr * G_r.

    Args:
        table: (V, d) embedding table.
        rows: (N,) integer row ids, duplicates allowed.
        row_grads: (N, d) gradient of the loss with respect to ``table[rows[i]]``.
        lr: learning rate.
        inplace: update ``table`` itself (and return it) instead of a copy.
    """
    rows, row_grads = np.asarray(rows), np.asarray(row_grads)
    check_rows(table, rows, row_grads)
    table = table if inplace else np.array(table, copy=True)
    uniq, g = _sum_rows(rows, row_grads)                              # (U,), (U, d)
    table[uniq] -= lr * g
    return table


def sparse_adagrad(table: np.ndarray, accum: np.ndarray, rows: np.ndarray, row_grads: np.ndarray,
                   lr: float, eps: float = 1e-8, inplace: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """AdaGrad on the touched rows: G[r] <- G[r] + G_r^2;  W[r] <- W[r] - lr * G_r / sqrt(G[r] + eps).

    ``accum`` is the (V, d) accumulator (``np.full_like(table, initial_accumulator)``).
    Returns ``(table, accum)``.
    """
    rows, row_grads = np.asarray(rows), np.asarray(row_grads)
    check_rows(table, rows, row_grads)
    if np.shape(accum) != np.shape(table):
        raise ValueError(f"accum must have the table's shape {np.shape(table)}, got {np.shape(accum)}")
    if not inplace:
        table, accum = np.array(table, copy=True), np.array(accum, copy=True)
    uniq, g = _sum_rows(rows, row_grads)                              # (U,), (U, d)
    a = accum[uniq] + g ** 2                                                # (U, d) G_t on touched rows
    accum[uniq] = a
    table[uniq] -= lr * g / np.sqrt(a + eps)
    return table, accum


def sparse_adam_init(table: np.ndarray) -> dict:
    """Lazy-Adam state for one (V, d) table: moments ``m``, ``v`` (V, d) and the global step ``t``."""
    return {"m": np.zeros(np.shape(table)), "v": np.zeros(np.shape(table)), "t": 0}


def sparse_adam(table: np.ndarray, state: dict, rows: np.ndarray, row_grads: np.ndarray, lr: float,
                b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                inplace: bool = False) -> tuple[np.ndarray, dict]:
    """Lazy Adam: the Adam step on the touched rows only; untouched rows keep their moments.

    t is one global count (incremented on every call), as in PyTorch's ``SparseAdam``.
    Returns ``(table, state)``; with ``inplace=True`` both are updated in place.
    """
    rows, row_grads = np.asarray(rows), np.asarray(row_grads)
    check_rows(table, rows, row_grads)
    for key in ("m", "v"):
        if np.shape(state[key]) != np.shape(table):
            raise ValueError(f"state[{key!r}] must have the table's shape {np.shape(table)}, "
                             f"got {np.shape(state[key])}")
    if not inplace:
        table = np.array(table, copy=True)
        state = {"m": np.array(state["m"], copy=True), "v": np.array(state["v"], copy=True), "t": state["t"]}
    uniq, g = _sum_rows(rows, row_grads)                              # (U,), (U, d)
    state["t"] = t = state["t"] + 1
    m = b1 * state["m"][uniq] + (1 - b1) * g                                # (U, d) m_t on touched rows
    v = b2 * state["v"][uniq] + (1 - b2) * g ** 2                           # (U, d) v_t on touched rows
    state["m"][uniq], state["v"][uniq] = m, v
    table[uniq] -= lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return table, state
