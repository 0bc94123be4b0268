r"""FastText in JAX: the same functions as ``numpy_impl``, gradients by ``jax.value_and_grad``, jitted.

The equation names are those of ``numpy_impl`` (the fastText page's, and the Word2Vec page's for the
batch). Only the forward pass (FT-2), (FT-3) is written here;
the negative-sampling loss is word2vec's own (``word2vec.jax_impl.negative_sampling``).

``train_step`` differentiates with respect to the *rows a batch touches*: it gathers the
centre words' rows ``(B, d)``, their n-gram rows ``(B, G, d)`` and the output rows
``(B, 1 + k, d)``, takes ``value_and_grad`` of the summed loss with respect to those, and
scatter-adds ``-lr * grad`` back at the ids they came from (padding slots get a zero
gradient). The cost of a step grows with ``B``, ``G`` and ``k``, never with ``V`` or ``bucket``.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from textbook.embeddings.fasttext._batch import check_batch, check_lr, check_params
from textbook.embeddings.fasttext.numpy_impl import _check_lookup
from textbook.embeddings.word2vec.jax_impl import negative_sampling, row_sgd


# --8<-- [start:compose]
def compose(word, grams, mask):
    """Eq. (FT-2): the mean of each centre word's row ``(B, d)`` and its unmasked n-gram rows ``(B, G, d)``."""
    n = mask.sum(axis=1)                                          # (B,)       n-grams per word
    grams = grams * mask[:, :, None]                              # (B, G, d)  padding rows are zero
    return (word + grams.sum(axis=1)) / (1.0 + n)[:, None]        # (B, d)
# --8<-- [end:compose]


# --8<-- [start:objective]
def gather_rows(params, batch):
    """The rows a batch reads, shaped like the batch, and the ids they came from.

    ``W_words``: ``(B, d)`` the centre words; ``W_ngrams``: ``(B, G, d)`` their n-grams (padding
    slots read row 0, masked out); ``W_out``: ``(B, 1 + k, d)`` the context word, then the negatives
    (for whole windows, `window_step`: ``(C, 2w, 1 + k, d)``).
    """
    ids = {"W_words": batch["center"], "W_ngrams": batch["ngrams"],
           "W_out": jnp.concatenate([batch["context"][..., None], batch["negatives"]], axis=-1)}
    return {k: params[k][i] for k, i in ids.items()}, ids


def row_losses(rows, batch):
    """Per-example losses ``(B,)`` from the gathered rows, eqs. (FT-2), (FT-3)."""
    h = compose(rows["W_words"], rows["W_ngrams"], batch["ngram_mask"])   # (B, d)
    return negative_sampling(h, rows["W_out"])


def skipgram_neg(params, batch):
    """Per-example losses ``(B,)``, eqs. (FT-2), (FT-3)."""
    return row_losses(gather_rows(params, batch)[0], batch)
# --8<-- [end:objective]


# --8<-- [start:loss_and_grad]
def _mean_loss(params, batch):
    """Eq. (W2V-9): the mean of the per-example losses."""
    return skipgram_neg(params, batch).mean()


_loss = jax.jit(_mean_loss)
_loss_and_grad = jax.jit(jax.value_and_grad(_mean_loss))
# --8<-- [end:loss_and_grad]


# --8<-- [start:train_step]
def sgd_step(params, batch, lr, config=None, weight=None):
    """Eq. (W2V-10): SGD on the summed loss, differentiated at the gathered rows, scatter-added back.

    ``weight`` ``(B,)`` (optional) scales each pair's loss. ``config`` is not needed (word2vec's
    step takes one). Returns ``(new_params, summed loss)``.
    """
    rows, ids = gather_rows(params, batch)
    return row_sgd(params, rows, ids, lambda r: row_losses(r, batch), lr, weight)


def _step(params, batch, lr):
    new, total = sgd_step(params, batch, lr)
    return new, total / batch["center"].shape[0]


_train_step = jax.jit(_step, donate_argnums=0)
# --8<-- [end:train_step]


# --8<-- [start:window_step]
def window_losses(rows, batch):
    """Losses ``(C,)`` of whole windows: each centre's vector, composed once (FT-2), against each of
    its unmasked context words and their negatives (FT-3), summed over the window."""
    h = compose(rows["W_words"], rows["W_ngrams"], batch["ngram_mask"])      # (C, d)  once per centre
    C, S = batch["context"].shape                                             # S = 2w context slots
    u = rows["W_out"].reshape(C * S, -1, h.shape[1])                          # (C*S, 1+k, d)
    pairs = negative_sampling(jnp.repeat(h, S, axis=0), u)                    # (C*S,)
    return (pairs.reshape(C, S) * batch["context_mask"]).sum(axis=1)          # (C,)


def window_step(params, batch, lr, config=None, weight=None):
    """`sgd_step` on every (centre, context) pair of ``C`` whole windows, each centre's n-grams read once.

    ``batch``: ``center (C,)``, ``ngrams``/``ngram_mask (C, G)``, ``context``/``context_mask
    (C, 2w)``, ``negatives (C, 2w, k)``. The update equals `sgd_step` on a batch of those pairs;
    the device pipeline uses it because a word's ``G`` n-gram rows then cost one gather and one
    scatter per centre, not one per pair.
    """
    rows, ids = gather_rows(params, batch)                        # W_out rows: (C, 2w, 1+k, d)
    return row_sgd(params, rows, ids, lambda r: window_losses(r, batch), lr, weight)
# --8<-- [end:window_step]


@partial(jax.jit, donate_argnums=0)
def _train_steps(params, batches, lrs):
    """Many steps in one ``lax.scan``: ``batches`` holds a leading ``steps`` axis, ``lrs`` is ``(steps,)``."""

    def step(p, xs):
        batch, lr = xs
        return _step(p, batch, lr)

    return jax.lax.scan(step, params, (batches, lrs))


# --8<-- [start:word_vectors]
@jax.jit
def _word_vectors(W_words, W_ngrams, word_ids, ngrams, mask):
    known = word_ids >= 0                                         # (B,)
    n = mask.sum(axis=1) + known                                  # (B,)      rows averaged
    total = (W_ngrams[ngrams] * mask[:, :, None]).sum(axis=1)     # (B, d)    sum of the n-gram rows
    total += W_words[jnp.where(known, word_ids, 0)] * known[:, None]   # (B, d)  plus the word row if any
    return total / jnp.maximum(n, 1)[:, None]                     # (B, d)    zero when n == 0
# --8<-- [end:word_vectors]


# --- the interface (host-side checks, then the jitted functions) ----------------------------------------

def _device_batch(batch, config):
    """Check ``batch`` on the host, then move it to the device (ids as int32, mask as bool)."""
    checked = check_batch(batch, config)
    host = {k: v if v.dtype == bool else v.astype(np.int32) for k, v in checked.items()}
    return jax.device_put(host)


def loss(params, batch, config):
    """Mean loss over the batch, eq. (W2V-9). Returns a JAX scalar."""
    check_params(params, config)
    return _loss(params, _device_batch(batch, config))


def loss_and_grad(params, batch, config):
    """Mean loss over the batch and its dense gradients (keys and shapes of ``params``)."""
    check_params(params, config)
    return _loss_and_grad(params, _device_batch(batch, config))


def train_step(params, batch, config, lr):
    """One SGD step on the SUM of the per-example losses, touching only the rows the batch uses, eq. (W2V-10).

    ``params`` is donated: its buffers are reused for the result, so do not use it afterwards.
    Returns ``(new_params, loss)`` with the batch-mean loss before the update.
    """
    check_params(params, config)
    return _train_step(params, _device_batch(batch, config), check_lr(lr))


def train_steps(params, batches, config, lrs):
    """`train_step` on each batch of a list, with its learning rate, in one jitted ``lax.scan``.

    Every batch must have the same shapes. ``params`` is donated. Returns
    ``(new_params, losses (steps,))``. The training loop uses it to run many steps per host call.
    """
    check_params(params, config)
    lrs = [check_lr(lr) for lr in lrs]
    if len(lrs) != len(batches) or not batches:
        raise ValueError(f"give one learning rate per batch and at least one batch, got {len(batches)} "
                         f"batches and {len(lrs)} rates")
    checked = [check_batch(b, config) for b in batches]
    shapes = {k: v.shape for k, v in checked[0].items()}
    for i, b in enumerate(checked):
        if {k: v.shape for k, v in b.items()} != shapes:
            raise ValueError(f"batches[{i}] has shapes {({k: v.shape for k, v in b.items()})}, "
                             f"but batches[0] has {shapes}: stacked steps need one shape")
    stacked = {k: np.stack([b[k] for b in checked]) for k in shapes}
    stacked = {k: v if v.dtype == bool else v.astype(np.int32) for k, v in stacked.items()}
    dtype = jnp.result_type(params["W_words"])
    return _train_steps(params, jax.device_put(stacked), jnp.asarray(lrs, dtype=dtype))


def word_vectors(W_words, W_ngrams, word_ids, ngrams, mask):
    """Vectors of words in or out of the vocabulary, ``(B, d)`` (see ``numpy_impl.word_vectors``)."""
    word_ids, ngrams, mask = _check_lookup(np.shape(W_words), np.shape(W_ngrams), word_ids, ngrams, mask)
    return _word_vectors(jnp.asarray(W_words), jnp.asarray(W_ngrams), jnp.asarray(word_ids, dtype=jnp.int32),
                         jnp.asarray(ngrams, dtype=jnp.int32), jnp.asarray(mask))
