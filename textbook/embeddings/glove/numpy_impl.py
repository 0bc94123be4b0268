r"""GloVe in NumPy: the weighted least-squares loss, its gradients by hand, and AdaGrad on touched rows.

Notation: ``W`` and ``W_tilde`` are ``(V, d)`` (word and context vectors ``w_i``, ``w~_j``),
``b`` and ``b_tilde`` are ``(V,)`` (their biases). A batch holds ``B`` non-zero entries
``(i, j, X_ij)`` of the co-occurrence matrix.

The equation names are those of the GloVe page (docs/embeddings/glove.md).

Forward, per entry:

* (GLOVE-2) weighting  ``f(x) = min(1, (x / x_max) ** alpha)``
* (GLOVE-3) residual   ``e = w_i . w~_j + b_i + b~_j - log X_ij``
* (GLOVE-4) loss       ``l = f(X_ij) e^2``, one term of the page's sum

Backward, per entry (``f`` depends on the data only, so it is a constant weight):

* (GLOVE-5) ``dl/de = 2 f(X_ij) e``;  ``dl/dw_i = (dl/de) w~_j``;  ``dl/dw~_j = (dl/de) w_i``;
  ``dl/db_i = dl/db~_j = dl/de``

Over a batch:

* (GLOVE-4) ``loss = (1/B) sum_b l_b``, the page's sum as a batch mean; its gradient adds up the
  per-row gradients (GLOVE-5) into dense tables (core's `sum_rows`: a row used twice gets both
  contributions)
* (GLOVE-6) ``train_step``: AdaGrad on the rows the batch touched, with ``g`` the row gradients of the
  *sum* of the entries' losses: ``G[r] <- G[r] + g_r^2``, ``theta[r] <- theta[r] - lr g_r / sqrt(G[r] + eps)``
  (``textbook.core.optim.sparse_adagrad``; the biases are ``(V, 1)`` views of ``(V,)``)

As in ``word2vec.numpy_impl``, the forward/backward function returns per-entry losses and
*row gradients*, ``{key: (rows (N,), grads (N, ...))}``; ``loss_and_grad`` turns them into
dense tables and ``train_step`` applies them as sparse updates.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from textbook.core.optim.numpy_impl import sparse_adagrad
from textbook.core.rows import sum_rows
from textbook.embeddings.glove._batch import (
    check_batch,
    check_lr,
    check_order,
    check_params,
    check_state,
    check_weighting_args,
)


# --8<-- [start:weighting]
def weighting(x, x_max: float = 100.0, alpha: float = 0.75) -> np.ndarray:
    """Eq. (GLOVE-2): ``f(x) = min(1, (x / x_max) ** alpha)``, elementwise; ``f(0) = 0`` for ``alpha > 0``."""
    x = check_weighting_args(x, x_max, alpha)
    return np.minimum(1.0, (x / x_max) ** alpha)
# --8<-- [end:weighting]


# --8<-- [start:pairs]
def pair_losses_and_row_grads(params: Mapping[str, np.ndarray], batch: Mapping[str, np.ndarray], config):
    """Eqs. (GLOVE-2)-(GLOVE-5): per-entry losses ``(B,)`` and the row gradients of their SUM."""
    i, j, x = batch["rows"], batch["cols"], batch["counts"]       # (B,), (B,), (B,)
    w, w_t = params["W"][i], params["W_tilde"][j]                 # (B, d), (B, d)
    # forward
    f = np.minimum(1.0, (x / config.x_max) ** config.alpha)      # (B,)  eq. (GLOVE-2)
    e = (np.einsum("bd,bd->b", w, w_t) + params["b"][i] + params["b_tilde"][j]
         - np.log(x))                                             # (B,)  eq. (GLOVE-3)
    losses = f * e ** 2                                           # (B,)  eq. (GLOVE-4), one term
    # backward, eq. (GLOVE-5)
    g = 2.0 * f * e                                               # (B,)  dl/de
    return losses, {
        "W": (i, g[:, None] * w_t),                               # (B, d) dl/dw_i = g w~_j
        "W_tilde": (j, g[:, None] * w),                           # (B, d) dl/dw~_j = g w_i
        "b": (i, g),                                              # (B,)   dl/db_i = g
        "b_tilde": (j, g),                                        # (B,)   dl/db~_j = g
    }
# --8<-- [end:pairs]


def example_losses_and_row_grads(params, batch, config):
    """Check the inputs, then run eqs. (GLOVE-2)-(GLOVE-5)."""
    check_params(params, config)
    batch = check_batch(batch, config)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    return pair_losses_and_row_grads(params, batch, config)


# --- the interface -------------------------------------------------------------------------------------

def loss(params, batch, config) -> float:
    """Mean loss over the batch, eq. (GLOVE-4)."""
    losses, _ = example_losses_and_row_grads(params, batch, config)
    return float(losses.mean())


# --8<-- [start:loss_and_grad]
def loss_and_grad(params, batch, config) -> tuple[float, dict[str, np.ndarray]]:
    """Mean loss over the batch and its dense gradients (keys and shapes of ``params``), eq. (GLOVE-4)."""
    losses, row_grads = example_losses_and_row_grads(params, batch, config)
    B = losses.shape[0]
    grads = {}
    for key, (rows, g) in row_grads.items():
        vector = g.ndim == 1                                      # a bias: (B,) as (B, 1)
        rows, g = sum_rows(rows, g[:, None] if vector else g)     # (U,), (U, d) duplicate rows add up
        dense = np.zeros((config.vocab_size, g.shape[1]))         # (V, d) or (V, 1)
        dense[rows] = g / B
        grads[key] = dense[:, 0] if vector else dense
    return float(losses.mean()), grads
# --8<-- [end:loss_and_grad]


def init_state(params, config) -> dict[str, np.ndarray]:
    """AdaGrad accumulators ``G_0 = config.initial_accumulator``, keyed and shaped like ``params``."""
    check_params(params, config)
    return {k: np.full(np.shape(v), config.initial_accumulator, dtype=np.float64) for k, v in params.items()}


# --8<-- [start:train_step]
def train_step(params, state, batch, config, lr: float | None = None):
    """One AdaGrad step on the SUM of the entries' losses, touching only the rows the batch uses, eq. (GLOVE-6).

    Updates ``params`` and ``state`` in place (and returns them) for speed. ``lr`` defaults to
    ``config.learning_rate``. Returns ``(params, state, loss)`` with the batch-mean loss
    *before* the update.
    """
    lr = check_lr(config.learning_rate if lr is None else lr)
    check_state(state, config)
    losses, row_grads = example_losses_and_row_grads(params, batch, config)
    for key, (rows, g) in row_grads.items():                     # all gradients come from the old params
        for store in (params, state):
            if not (isinstance(store[key], np.ndarray) and store[key].flags.writeable
                    and store[key].dtype == np.float64):
                store[key] = np.array(store[key], dtype=np.float64)   # e.g. JAX arrays: copy once
        table, accum = params[key], state[key]
        if g.ndim == 1:                                           # biases: (V,) seen as (V, 1) views
            table, accum, g = table[:, None], accum[:, None], g[:, None]
        sparse_adagrad(table, accum, rows, g, lr, inplace=True)   # G += g^2; theta -= lr g / sqrt(G + eps)
    return params, state, float(losses.mean())
# --8<-- [end:train_step]


def train_epoch(params, state, data, order, config, lr: float | None = None):
    """``train_step`` on ``{k: data[k][order[s]]}`` for every row ``s`` of ``order``, in turn.

    Args:
        params, state: as for `train_step` (updated in place).
        data: all the entries, a batch-format dict ``{"rows", "cols", "counts": (nnz,)}``.
        order: ``(steps, B)`` integer indices into the entries, one row per step.
        config, lr: as for `train_step`.

    Returns:
        ``(params, state, losses (steps,))``.
    """
    order = check_order(order, data)
    data = check_batch(data, config)                              # once for the epoch
    losses = np.empty(order.shape[0])
    for s, idx in enumerate(order):
        batch = {k: v[idx] for k, v in data.items()}
        params, state, losses[s] = train_step(params, state, batch, config, lr)
    return params, state, losses
