r"""Word2vec in NumPy: skip-gram and CBOW, negative sampling and full softmax, backward pass by hand.

Notation: ``W_in`` and ``W_out`` are ``(V, d)``; an example has an input side
(skip-gram: the centre word ``c``; CBOW: the context words ``x_1..x_2w`` with a
mask ``m``) and a target word ``o`` (skip-gram: the context word; CBOW: the
centre word).

Forward, per example:

* (W2V-1) skip-gram hidden vector  ``h = W_in[c]``
* (W2V-2) CBOW hidden vector       ``h = (1/n) sum_j m_j W_in[x_j]``, ``n = sum_j m_j``
* (W2V-3) negative sampling        ``l = -log sigma(u_o . h) - sum_k log sigma(-u_k . h)``, ``u = W_out`` rows
* (W2V-4) full softmax             ``l = -log softmax(z)[o]``, ``z = W_out h``  (V logits)

Backward, the same steps in reverse:

* (W2V-5) negative sampling  ``dl/ds+ = sigma(s+) - 1``, ``dl/ds_k = sigma(s_k)``;
  ``dl/dh = (dl/ds+) u_o + sum_k (dl/ds_k) u_k``; ``dl/du_o = (dl/ds+) h``; ``dl/du_k = (dl/ds_k) h``
* (W2V-6) full softmax       ``dl/dz = softmax(z) - onehot(o)``; ``dl/dh = W_out^T dl/dz``; ``dl/dW_out = dl/dz h^T``
* (W2V-7) skip-gram          ``dl/dW_in[c] = dl/dh``
* (W2V-8) CBOW               ``dl/dW_in[x_j] = (m_j / n) dl/dh``
  (with ``Config.cbow_update="full"`` each context row receives the whole ``m_j dl/dh`` instead,
  as in the C tool and gensim: ``n`` times the gradient, so the input rows learn ``n`` times faster)

Over a batch of ``B`` examples:

* (W2V-9)  ``loss = (1/B) sum_b l_b``; its gradient adds up the per-row gradients (W2V-7)/(W2V-8) and (W2V-5)/(W2V-6)
  into dense ``(V, d)`` tables (core's `sum_rows`: a row that appears twice gets both contributions)
* (W2V-10) ``train_step``: ``W[r] <- W[r] - lr * sum_b dl_b/dW[r]`` on the touched rows only (SGD on the
  *sum*, like the per-pair updates of the word2vec C tool)

Every objective returns per-example losses and *row gradients*: for each table
a pair ``(rows (N,), grads (N, d))`` meaning "add ``grads[i]`` to the gradient of
row ``rows[i]``". ``loss_and_grad`` turns them into dense tables, ``train_step``
applies them as sparse updates: one piece of code computes the gradients for both.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from textbook.core.numerics import numpy_impl as nx
from textbook.core.optim.numpy_impl import sparse_sgd
from textbook.core.rows import sum_rows
from textbook.core.validate import as_float
from textbook.embeddings.word2vec._batch import check_batch, check_counts, check_lr, check_params

RowGrads = dict  # {"W_in": (rows (N,), grads (N, d)), "W_out": (rows (M,), grads (M, d))}


# --- building blocks: the hidden vector (W2V-1)/(W2V-2) and the two output losses (W2V-3)/(W2V-4) ----

# --8<-- [start:cbow_hidden]
def cbow_hidden(W_in: np.ndarray, context: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Eq. (W2V-2): the mean of the unmasked context vectors, ``(B, d)``."""
    n = mask.sum(axis=1).astype(W_in.dtype)                       # (B,)      words in each window
    vecs = W_in[context] * mask[:, :, None]                       # (B, 2w, d) masked rows are zero
    return vecs.sum(axis=1) / n[:, None]                          # (B, d)


def cbow_hidden_backward(d_h: np.ndarray, context: np.ndarray, mask: np.ndarray, update: str = "mean"):
    """Eq. (W2V-8): each unmasked context row receives ``dl/dh / n``. Returns ``(rows (N,), grads (N, d))``.

    ``update="full"`` passes the whole ``dl/dh`` to every context row (the C tool's update).
    """
    n = mask.sum(axis=1).astype(d_h.dtype)                        # (B,)
    b, j = np.nonzero(mask)                                       # (N,), (N,) the unmasked slots
    return context[b, j], d_h[b] if update == "full" else d_h[b] / n[b, None]   # (N,), (N, d)
# --8<-- [end:cbow_hidden]


# --8<-- [start:negative_sampling]
def negative_sampling(h: np.ndarray, W_out: np.ndarray, target: np.ndarray, negatives: np.ndarray):
    """Eq. (W2V-3) forward and eq. (W2V-5) backward.

    Args:
        h: ``(B, d)`` hidden vectors.  W_out: ``(V, d)``.  target: ``(B,)`` ids.  negatives: ``(B, k)`` ids.

    Returns:
        ``(losses (B,), d_h (B, d), (rows (B*(1+k),), grads (B*(1+k), d)))`` for ``W_out``.
    """
    # forward, eq. (W2V-3): column 0 is the target o, columns 1..k the negatives
    ids = np.concatenate([target[:, None], negatives], axis=1)    # (B, 1+k)
    u = W_out[ids]                                                # (B, 1+k, d) u_o, then u_k
    s = np.einsum("bjd,bd->bj", u, h)                             # (B, 1+k)  s+ = u_o . h, then s_k = u_k . h
    losses = -nx.log_sigmoid(s[:, 0]) - nx.log_sigmoid(-s[:, 1:]).sum(axis=1)   # (B,)
    # backward, eq. (W2V-5), in reverse order
    g = nx.sigmoid(s)                                             # (B, 1+k)  dl/ds_k = sigma(s_k) ...
    g[:, 0] -= 1.0                                                #           ... and dl/ds+ = sigma(s+) - 1
    d_h = np.einsum("bj,bjd->bd", g, u)                           # (B, d)    sum_j (dl/ds_j) u_j
    d_u = g[:, :, None] * h[:, None, :]                           # (B, 1+k, d) dl/du_j = (dl/ds_j) h
    return losses, d_h, (ids.ravel(), d_u.reshape(-1, h.shape[1]))
# --8<-- [end:negative_sampling]


# --8<-- [start:full_softmax]
def full_softmax(h: np.ndarray, W_out: np.ndarray, target: np.ndarray):
    """Eq. (W2V-4) forward and eq. (W2V-6) backward.

    Returns:
        ``(losses (B,), d_h (B, d), (rows (V,), grads (V, d)))``: every row of ``W_out`` is touched.
    """
    b = np.arange(len(target))                                    # (B,)
    # forward, eq. (W2V-4)
    z = h @ W_out.T                                               # (B, V)    logits
    log_p = nx.log_softmax(z, axis=-1)                            # (B, V)    log softmax(z)
    losses = -log_p[b, target]                                    # (B,)      -log softmax(z)[o]
    # backward, eq. (W2V-6)
    g = np.exp(log_p)                                             # (B, V)    softmax(z)
    g[b, target] -= 1.0                                           # (B, V)    dl/dz = softmax(z) - onehot(o)
    d_h = g @ W_out                                               # (B, d)    dl/dh
    d_W_out = g.T @ h                                             # (V, d)    sum_b dl_b/dW_out
    return losses, d_h, (np.arange(W_out.shape[0]), d_W_out)
# --8<-- [end:full_softmax]


# --- the four objectives: per-example losses (B,) and row gradients of their SUM ------------------------

# --8<-- [start:objectives]
def skipgram_neg(params: Mapping[str, np.ndarray], batch: Mapping[str, np.ndarray]):
    """Skip-gram, negative sampling (the centre predicts its context word): (W2V-1), (W2V-3), (W2V-5), (W2V-7)."""
    h = params["W_in"][batch["center"]]                           # (B, d)    eq. (W2V-1)
    losses, d_h, out = negative_sampling(h, params["W_out"], batch["context"], batch["negatives"])
    return losses, {"W_in": (batch["center"], d_h), "W_out": out}  # eq. (W2V-7): dl/dW_in[c] = dl/dh


def skipgram_softmax(params: Mapping[str, np.ndarray], batch: Mapping[str, np.ndarray]):
    """Skip-gram with the full softmax, eqs. (W2V-1), (W2V-4), (W2V-6), (W2V-7)."""
    h = params["W_in"][batch["center"]]                           # (B, d)    eq. (W2V-1)
    losses, d_h, out = full_softmax(h, params["W_out"], batch["context"])
    return losses, {"W_in": (batch["center"], d_h), "W_out": out}  # eq. (W2V-7)


def cbow_neg(params: Mapping[str, np.ndarray], batch: Mapping[str, np.ndarray], update: str = "mean"):
    """CBOW, negative sampling (the mean context predicts the centre): (W2V-2), (W2V-3), (W2V-5), (W2V-8)."""
    context, mask = batch["context"], batch["context_mask"]       # (B, 2w), (B, 2w)
    h = cbow_hidden(params["W_in"], context, mask)                # (B, d)    eq. (W2V-2)
    losses, d_h, out = negative_sampling(h, params["W_out"], batch["center"], batch["negatives"])
    return losses, {"W_in": cbow_hidden_backward(d_h, context, mask, update), "W_out": out}  # eq. (W2V-8)


def cbow_softmax(params: Mapping[str, np.ndarray], batch: Mapping[str, np.ndarray], update: str = "mean"):
    """CBOW with the full softmax, eqs. (W2V-2), (W2V-4), (W2V-6), (W2V-8)."""
    context, mask = batch["context"], batch["context_mask"]       # (B, 2w), (B, 2w)
    h = cbow_hidden(params["W_in"], context, mask)                # (B, d)    eq. (W2V-2)
    losses, d_h, out = full_softmax(h, params["W_out"], batch["center"])
    return losses, {"W_in": cbow_hidden_backward(d_h, context, mask, update), "W_out": out}  # eq. (W2V-8)
# --8<-- [end:objectives]


OBJECTIVES = {
    ("skipgram", "neg"): skipgram_neg,
    ("skipgram", "softmax"): skipgram_softmax,
    ("cbow", "neg"): cbow_neg,
    ("cbow", "softmax"): cbow_softmax,
}


def example_losses_and_row_grads(params, batch, config) -> tuple[np.ndarray, RowGrads]:
    """Check the inputs, run the objective of ``config``: per-example losses ``(B,)`` and row gradients.

    Computed in the dtype of ``params`` (float64 from `init`; float32 tables train faster).
    """
    check_params(params, config)
    batch = check_batch(batch, config)
    params = {k: as_float(v) for k, v in params.items()}
    options = {"update": config.cbow_update} if config.model == "cbow" else {}
    return OBJECTIVES[(config.model, config.objective)](params, batch, **options)


# --- the interface -------------------------------------------------------------------------------------

def loss(params, batch, config) -> float:
    """Mean loss over the batch, eq. (W2V-9)."""
    losses, _ = example_losses_and_row_grads(params, batch, config)
    return float(losses.mean())


# --8<-- [start:loss_and_grad]
def loss_and_grad(params, batch, config) -> tuple[float, dict[str, np.ndarray]]:
    """Mean loss over the batch and its dense gradients ``{"W_in": (V, d), "W_out": (V, d)}``, eq. (W2V-9).

    (With ``config.cbow_update="full"`` the ``W_in`` part is the C tool's update direction, not a gradient.)
    """
    losses, row_grads = example_losses_and_row_grads(params, batch, config)
    B = losses.shape[0]
    grads = {}
    for key, (rows, g) in row_grads.items():
        rows, g = sum_rows(rows, g)                               # (U,), (U, d) duplicate rows add up
        dense = np.zeros((config.vocab_size, config.dim), g.dtype)   # (V, d)
        dense[rows] = g / B
        grads[key] = dense
    return float(losses.mean()), grads
# --8<-- [end:loss_and_grad]


# --8<-- [start:train_step]
def train_step(params, batch, config, lr: float) -> tuple[dict[str, np.ndarray], float]:
    """One SGD step on the SUM of the per-example losses, touching only the rows the batch uses, eq. (W2V-10).

    Updates ``params`` in place (and returns it) for speed; the returned loss is the batch
    mean *before* the update. ``params - lr * B * loss_and_grad(...)[1]`` gives the same numbers.
    """
    lr = check_lr(lr)
    losses, row_grads = example_losses_and_row_grads(params, batch, config)
    return sgd_on_rows(params, row_grads, lr), float(losses.mean())


def sgd_on_rows(params: dict, row_grads: Mapping, lr: float) -> dict:
    """Eq. (W2V-10) in place, table by table: ``W[r] <- W[r] - lr sum_b dl_b/dW[r]`` for its ``(rows, grads)``."""
    for key, (rows, g) in row_grads.items():                      # all gradients come from the old params
        if not (isinstance(params[key], np.ndarray) and params[key].flags.writeable):
            params[key] = np.array(params[key])                   # e.g. JAX arrays: copy once to NumPy
        params[key] = sparse_sgd(params[key], rows, g, lr, inplace=True)
    return params
# --8<-- [end:train_step]


# --8<-- [start:expected_sgns]
def expected_sgns_loss_and_grad(params, counts, config) -> tuple[float, dict[str, np.ndarray]]:
    r"""The expected skip-gram negative-sampling loss over a whole co-occurrence matrix, and its gradient.

    ``L = -(1/|D|) [ sum_{w,c} #(w,c) log sigma(s_wc) + k sum_{w,c} #(w) P(c) log sigma(-s_wc) ]``
    with ``s = W_in W_out^T``, ``|D| = sum #(w,c)``, ``#(w)`` the row sums, ``P(c) = #(c)/|D|`` from the
    column sums (unigram noise, no power) and ``k = config.negatives``. Setting ``dL/ds_wc = 0`` gives
    ``s_wc = PMI(w, c) - log k``: at its optimum SGNS factorises the shifted PMI matrix.
    """
    check_params(params, config)
    counts = check_counts(counts, config)                         # (V, V)  #(w, c)
    W_in = np.asarray(params["W_in"], dtype=np.float64)           # (V, d)
    W_out = np.asarray(params["W_out"], dtype=np.float64)         # (V, d)
    total = counts.sum()                                          # |D|
    noise = config.negatives * np.outer(counts.sum(axis=1), counts.sum(axis=0) / total)  # (V, V) k #(w) P(c)
    s = W_in @ W_out.T                                            # (V, V)
    L = -(counts * nx.log_sigmoid(s) + noise * nx.log_sigmoid(-s)).sum() / total
    g = ((counts + noise) * nx.sigmoid(s) - counts) / total       # (V, V)  dL/ds
    return float(L), {"W_in": g @ W_out, "W_out": g.T @ W_in}
# --8<-- [end:expected_sgns]
