r"""Word2vec in JAX: the same objectives as ``numpy_impl``, gradients by ``jax.value_and_grad``, jitted.

The equation numbers refer to ``numpy_impl``. Only the forward pass is written
here; ``jax.value_and_grad`` derives the backward pass (W2V-5)-(W2V-8).

Each objective is written in two parts: `gather_rows` reads the rows of ``W_in`` and ``W_out``
a batch uses, shaped like the batch, and `row_losses` computes the per-example losses from
those rows alone. ``train_step`` differentiates `row_losses` with respect to the gathered rows
(so autodiff never touches the big tables) and scatter-adds ``-lr * grad`` back at the ids the
rows came from. The cost of a step does not grow with the vocabulary (except for the full
softmax, which reads all of ``W_out`` anyway).
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
def cbow_hidden(vecs, mask, update="mean"):
    """Eq. (W2V-2): the mean of the unmasked context vectors ``vecs`` ``(B, 2w, d)``, ``(B, d)``.

    ``update="full"``: the same mean, but its backward pass hands every context row the whole
    ``dl/dh`` (the C tool's update) instead of ``dl/dh / n``.
    """
    n = mask.sum(axis=1).astype(vecs.dtype)                       # (B,)      words in each window
    total = (vecs * mask[:, :, None]).sum(axis=1)                 # (B, d)    masked rows count as zero
    return total / n[:, None] if update == "mean" else _mean_passing_full_grad(total, n)


@jax.custom_vjp
def _mean_passing_full_grad(total, n):
    return total / n[:, None]                                     # (B, d)    forward: the mean


def _full_fwd(total, n):
    return total / n[:, None], n


def _full_bwd(n, g):
    return g, jnp.zeros_like(n)                                   # backward: as if h were the sum


_mean_passing_full_grad.defvjp(_full_fwd, _full_bwd)
# --8<-- [end:cbow_hidden]


# --8<-- [start:negative_sampling]
def negative_sampling(h, u):
    """Eq. (W2V-3): per-example losses ``(B,)`` for ``h (B, d)`` and output rows ``u (B, 1 + k, d)``.

    ``u[:, 0]`` is the target word's row ``u_o``, ``u[:, 1:]`` the ``k`` negatives' rows ``u_k``.
    """
    s = jnp.einsum("bjd,bd->bj", u, h)                            # (B, 1+k)  s+ = u_o . h, then s_k = u_k . h
    return -nx.log_sigmoid(s[:, 0]) - nx.log_sigmoid(-s[:, 1:]).sum(axis=1)    # (B,)
# --8<-- [end:negative_sampling]


# --8<-- [start:full_softmax]
def full_softmax(h, W_out, target):
    """Eq. (W2V-4): per-example losses ``(B,)``, ``-log softmax(W_out h)[target]``."""
    z = h @ W_out.T                                               # (B, V)    logits
    return nx.softmax_cross_entropy(z, target)                    # (B,)
# --8<-- [end:full_softmax]


# --- the four objectives: the rows a batch reads, then per-example losses (B,) from those rows -----------

# --8<-- [start:objectives]
def gather_rows(params, batch, config):
    """The rows the objective reads, shaped like the batch, and the ids they came from.

    Returns ``(rows, ids)``: ``rows["W_in"]`` is ``(B, d)`` (skip-gram: the centre words) or
    ``(B, 2w, d)`` (CBOW: the context words); ``rows["W_out"]`` is ``(B, 1 + k, d)`` (negative
    sampling: target, then negatives) or the whole ``(V, d)`` table (softmax, ``ids`` ``None``).
    """
    skipgram = config.model == "skipgram"
    ids = {"W_in": batch["center"] if skipgram else batch["context"]}          # (B,) or (B, 2w)
    target = batch["context"] if skipgram else batch["center"]                 # (B,)
    ids["W_out"] = (jnp.concatenate([target[:, None], batch["negatives"]], axis=1)   # (B, 1+k)
                    if config.objective == "neg" else None)
    rows = {k: params[k] if i is None else params[k][i] for k, i in ids.items()}
    return rows, ids


def row_losses(rows, batch, config):
    """Per-example losses ``(B,)`` from the gathered rows: eq. (W2V-1) or (W2V-2), then (W2V-3) or (W2V-4)."""
    if config.model == "skipgram":
        h, target = rows["W_in"], batch["context"]                # (B, d)    eq. (W2V-1)
    else:
        h = cbow_hidden(rows["W_in"], batch["context_mask"], config.cbow_update)    # (B, d)  eq. (W2V-2)
        target = batch["center"]
    if config.objective == "neg":
        return negative_sampling(h, rows["W_out"])                # eq. (W2V-3)
    return full_softmax(h, rows["W_out"], target)                 # eq. (W2V-4)


def example_losses(params, batch, config):
    """Per-example losses ``(B,)`` of any of the four objectives (skip-gram/CBOW x neg/softmax)."""
    return row_losses(gather_rows(params, batch, config)[0], batch, config)
# --8<-- [end:objectives]


# --8<-- [start:loss_and_grad]
def _mean_loss(params, batch, config):
    """Eq. (W2V-9): the mean of the per-example losses."""
    return example_losses(params, batch, config).mean()


_loss = jax.jit(_mean_loss, static_argnums=2)
_loss_and_grad = jax.jit(jax.value_and_grad(_mean_loss), static_argnums=2)
# --8<-- [end:loss_and_grad]


# --8<-- [start:train_step]
def row_sgd(params, rows, ids, losses_of, lr, weight=None):
    """SGD on the summed losses, differentiated at the gathered ``rows``, scatter-added back at ``ids``.

    ``losses_of(rows)`` gives the per-example losses ``(B,)``; ``weight`` ``(B,)`` (optional)
    scales them (the device pipeline gives its padding examples weight 0). An ``ids`` entry of
    ``None`` marks a table read whole (the softmax's ``W_out``), updated densely. Returns
    ``(new_params, summed loss)``. FastText's steps use it too.
    """
    def summed_loss(rows):
        losses = losses_of(rows)                                  # (B,)
        return (losses if weight is None else losses * weight).sum()

    total, grads = jax.value_and_grad(summed_loss)(rows)          # gradients of the SUM at each row
    new = dict(params)
    for k, i in ids.items():
        step = (-lr * grads[k]).astype(params[k].dtype)
        if i is None:                                             # a dense table
            new[k] = params[k] + step
        else:                                                     # duplicates add up
            new[k] = params[k].at[i.ravel()].add(step.reshape(i.size, -1))
    return new, total


def sgd_step(params, batch, lr, config, weight=None):
    """Eq. (W2V-10): SGD on the summed loss of a batch, through the rows it reads (`row_sgd`).

    Returns ``(new_params, summed loss)``.
    """
    rows, ids = gather_rows(params, batch, config)
    return row_sgd(params, rows, ids, lambda r: row_losses(r, batch, config), lr, weight)


@partial(jax.jit, static_argnums=3, donate_argnums=0)
def _train_step(params, batch, lr, config):
    new, total = sgd_step(params, batch, lr, config)
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
