r"""Word2vec in JAX: the same objectives as ``numpy_impl``, gradients by ``jax.value_and_grad``, jitted.

The equation numbers refer to ``numpy_impl``. Only the forward pass is written
here; ``jax.value_and_grad`` derives the backward pass (W2V-5)-(W2V-8).

``train_step`` differentiates with respect to the *rows a batch touches*
rather than the whole tables: it gathers those rows into small tables,
renumbers the batch to index them, takes ``value_and_grad`` of the summed loss
there (the row gradients of ``numpy_impl``), and scatter-adds ``-lr * grad``
back into the big tables. The cost of a step does not grow with the vocabulary
(except for the full softmax, which reads all of ``W_out`` anyway).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from textbook.core.numerics import jax_impl as nx
from textbook.embeddings.word2vec._batch import check_batch, check_counts, check_lr, check_params


# --- building blocks: the hidden vector (W2V-1)/(W2V-2) and the two output losses (W2V-3)/(W2V-4) ----

# --8<-- [start:cbow_hidden]
def cbow_hidden(W_in, context, mask):
    """Eq. (W2V-2): the mean of the unmasked context vectors, ``(B, d)``."""
    n = mask.sum(axis=1)                                          # (B,)      words in each window
    vecs = W_in[context] * mask[:, :, None]                       # (B, 2w, d) masked rows are zero
    return vecs.sum(axis=1) / n[:, None]                          # (B, d)
# --8<-- [end:cbow_hidden]


# --8<-- [start:negative_sampling]
def negative_sampling(h, W_out, target, negatives):
    """Eq. (W2V-3): per-example losses ``(B,)`` for ``h (B, d)``, targets ``(B,)``, negatives ``(B, k)``."""
    u_pos = W_out[target]                                         # (B, d)    u_o
    u_neg = W_out[negatives]                                      # (B, k, d) u_k
    s_pos = jnp.einsum("bd,bd->b", u_pos, h)                      # (B,)      s+ = u_o . h
    s_neg = jnp.einsum("bkd,bd->bk", u_neg, h)                    # (B, k)    s_k = u_k . h
    return -nx.log_sigmoid(s_pos) - nx.log_sigmoid(-s_neg).sum(axis=1)    # (B,)
# --8<-- [end:negative_sampling]


# --8<-- [start:full_softmax]
def full_softmax(h, W_out, target):
    """Eq. (W2V-4): per-example losses ``(B,)``, ``-log softmax(W_out h)[target]``."""
    z = h @ W_out.T                                               # (B, V)    logits
    return nx.softmax_cross_entropy(z, target)                    # (B,)
# --8<-- [end:full_softmax]


# --- the four objectives: per-example losses (B,) ------------------------------------------------------

# --8<-- [start:objectives]
def skipgram_neg(params, batch):
    """Skip-gram with negative sampling: centre word predicts its context word, eqs. (W2V-1), (W2V-3)."""
    h = params["W_in"][batch["center"]]                           # (B, d)    eq. (W2V-1)
    return negative_sampling(h, params["W_out"], batch["context"], batch["negatives"])


def skipgram_softmax(params, batch):
    """Skip-gram with the full softmax, eqs. (W2V-1), (W2V-4)."""
    h = params["W_in"][batch["center"]]                           # (B, d)    eq. (W2V-1)
    return full_softmax(h, params["W_out"], batch["context"])


def cbow_neg(params, batch):
    """CBOW with negative sampling: the mean context vector predicts the centre word, eqs. (W2V-2), (W2V-3)."""
    h = cbow_hidden(params["W_in"], batch["context"], batch["context_mask"])   # (B, d)  eq. (W2V-2)
    return negative_sampling(h, params["W_out"], batch["center"], batch["negatives"])


def cbow_softmax(params, batch):
    """CBOW with the full softmax, eqs. (W2V-2), (W2V-4)."""
    h = cbow_hidden(params["W_in"], batch["context"], batch["context_mask"])   # (B, d)  eq. (W2V-2)
    return full_softmax(h, params["W_out"], batch["center"])
# --8<-- [end:objectives]


OBJECTIVES = {
    ("skipgram", "neg"): skipgram_neg,
    ("skipgram", "softmax"): skipgram_softmax,
    ("cbow", "neg"): cbow_neg,
    ("cbow", "softmax"): cbow_softmax,
}


# --8<-- [start:loss_and_grad]
def _mean_loss(params, batch, config):
    """Eq. (W2V-9): the mean of the per-example losses."""
    return OBJECTIVES[(config.model, config.objective)](params, batch).mean()


_loss = jax.jit(_mean_loss, static_argnums=2)
_loss_and_grad = jax.jit(jax.value_and_grad(_mean_loss), static_argnums=2)
# --8<-- [end:loss_and_grad]


# --8<-- [start:train_step]
def _touched_rows(batch, config):
    """The rows each table reads, and the batch renumbered to index those rows in order.

    Returns ``(rows, local_batch)``: ``rows["W_in"]`` and ``rows["W_out"]`` are id arrays
    (``None`` for all of ``W_out`` under the full softmax); ``local_batch`` indexes
    ``table[rows]`` instead of ``table``.
    """
    B = batch["center"].shape[0]
    local = dict(batch)
    if config.model == "skipgram":
        target = "context"
        rows = {"W_in": batch["center"]}                          # (B,)
        local["center"] = jnp.arange(B)
    else:
        target = "center"
        rows = {"W_in": batch["context"].ravel()}                 # (B*2w,)
        local["context"] = jnp.arange(rows["W_in"].size).reshape(batch["context"].shape)
    if config.objective == "neg":
        rows["W_out"] = jnp.concatenate([batch[target], batch["negatives"].ravel()])   # (B + B*k,)
        local[target] = jnp.arange(B)
        local["negatives"] = B + jnp.arange(batch["negatives"].size).reshape(batch["negatives"].shape)
    else:
        rows["W_out"] = None                                      # the softmax reads every row
    return rows, local


@partial(jax.jit, static_argnums=3, donate_argnums=0)
def _train_step(params, batch, lr, config):
    """Eq. (W2V-10): SGD on the summed loss, through the gathered rows, scatter-added back."""
    rows, local = _touched_rows(batch, config)
    small = {k: params[k] if r is None else params[k][r] for k, r in rows.items()}   # (N, d) tables

    def summed_loss(p):
        return OBJECTIVES[(config.model, config.objective)](p, local).sum()

    total, grads = jax.value_and_grad(summed_loss)(small)         # row gradients of the SUM
    new = {}
    for k, r in rows.items():
        step = (-lr * grads[k]).astype(params[k].dtype)
        new[k] = params[k] + step if r is None else params[k].at[r].add(step)   # duplicates add up
    return new, total / batch["center"].shape[0]
# --8<-- [end:train_step]


# --8<-- [start:expected_sgns]
@partial(jax.jit, static_argnums=2)
def _expected_sgns(params, counts, config):
    counts = counts.astype(params["W_in"].dtype)

    def expected_loss(p):
        total = counts.sum()                                      # |D|
        noise = config.negatives * jnp.outer(counts.sum(axis=1), counts.sum(axis=0) / total)  # k #(w) P(c)
        s = p["W_in"] @ p["W_out"].T                              # (V, V)
        return -(counts * nx.log_sigmoid(s) + noise * nx.log_sigmoid(-s)).sum() / total

    return jax.value_and_grad(expected_loss)(params)
# --8<-- [end:expected_sgns]


# --- the interface (host-side checks, then the jitted functions) ----------------------------------------

def _device_batch(batch, config):
    """Check ``batch`` on the host, then move it to the device (ids as int32, mask as bool)."""
    checked = check_batch(batch, config)
    host = {k: v if v.dtype == bool else v.astype(np.int32) for k, v in checked.items()}
    return jax.device_put(host)                                   # one transfer for the whole dict


def loss(params, batch, config):
    """Mean loss over the batch, eq. (W2V-9). Returns a JAX scalar."""
    check_params(params, config)
    return _loss(params, _device_batch(batch, config), config)


def loss_and_grad(params, batch, config):
    """Mean loss over the batch and its dense gradients ``{"W_in": (V, d), "W_out": (V, d)}``."""
    check_params(params, config)
    return _loss_and_grad(params, _device_batch(batch, config), config)


def train_step(params, batch, config, lr):
    """One SGD step on the SUM of the per-example losses, touching only the rows the batch uses, eq. (W2V-10).

    ``params`` is donated: its buffers are reused for the result, so do not use it afterwards.
    Returns ``(new_params, loss)`` with the batch-mean loss before the update.
    """
    check_params(params, config)
    return _train_step(params, _device_batch(batch, config), check_lr(lr), config)


def expected_sgns_loss_and_grad(params, counts, config):
    """The expected SGNS loss over a ``(V, V)`` co-occurrence matrix and its gradient (see ``numpy_impl``)."""
    check_params(params, config)
    counts = check_counts(counts, config)
    return _expected_sgns(params, jnp.asarray(counts), config)
