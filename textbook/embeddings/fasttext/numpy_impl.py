r"""FastText in NumPy: skip-gram with negative sampling on subword-composed vectors, backward by hand.

Notation: ``W_words`` and ``W_out`` are ``(V, d)``, ``W_ngrams`` is ``(bucket, d)``. An example
has a centre word ``c`` with n-gram rows ``r_1..r_G`` and a mask ``m`` (True for a real
n-gram), a context word ``o`` and negatives ``q_1..q_k``.

The equation names are those of the fastText page (docs/embeddings/fasttext.md); the page has no
batch equations, so the batch steps cite the Word2Vec page (W2V-k), which they follow exactly.

Forward, per example:

* (FT-2) composed vector  ``h = (W_words[c] + sum_g m_g W_ngrams[r_g]) / (1 + n)``,  ``n = sum_g m_g``
* (FT-3) negative sampling, exactly word2vec's eq. (W2V-3):
  ``l = -log sigma(u_o . h) - sum_j log sigma(-u_{q_j} . h)``, ``u = W_out`` rows

Backward:

* (W2V-5) negative sampling, word2vec's own backward: ``dl/dh``, and the gradients of the ``k + 1`` rows of ``W_out``
* (FT-4) through the mean (FT-2): ``dl/dW_words[c] = dl/dh / (1 + n)``;
  ``dl/dW_ngrams[r_g] = m_g dl/dh / (1 + n)``: every n-gram row of the centre word gets a share

Over a batch:

* (W2V-9) ``loss = (1/B) sum_b l_b``; its gradient adds up the row gradients (W2V-5), (FT-4)
  (repeated rows add up)
* (W2V-10) ``train_step``: SGD on the *sum* of the per-example losses, touching only the rows used

The negative-sampling block (FT-3), (W2V-5) is word2vec's own ``negative_sampling`` (imported, not
rewritten). A word's vector at inference is the composed vector (FT-2); a word outside the
vocabulary has no word row, so its vector is the mean of its n-gram rows alone, (FT-5)
(`word_vectors`).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from textbook.core.rows import sum_rows
from textbook.core.validate import as_float
from textbook.embeddings.fasttext._batch import check_batch, check_lr, check_params
from textbook.embeddings.word2vec.numpy_impl import negative_sampling, sgd_on_rows


# --8<-- [start:compose]
def compose(W_words: np.ndarray, W_ngrams: np.ndarray, center: np.ndarray, ngrams: np.ndarray,
            mask: np.ndarray) -> np.ndarray:
    """Eq. (FT-2): the mean of each centre word's row and its unmasked n-gram rows, ``(B, d)``."""
    n = mask.sum(axis=1).astype(W_words.dtype)                    # (B,)       n-grams per word
    grams = W_ngrams[ngrams] * mask[:, :, None]                   # (B, G, d)  padding rows are zero
    return (W_words[center] + grams.sum(axis=1)) / (1 + n)[:, None]   # (B, d)


def compose_backward(d_h: np.ndarray, center: np.ndarray, ngrams: np.ndarray, mask: np.ndarray):
    """Eq. (FT-4): the word row and every real n-gram row receive ``dl/dh / (1 + n)``.

    Returns:
        ``((rows (B,), grads (B, d)), (rows (N,), grads (N, d)))`` for ``W_words`` and ``W_ngrams``.
    """
    share = d_h / (1 + mask.sum(axis=1).astype(d_h.dtype))[:, None]   # (B, d)  dl/dh / (1 + n)
    b, g = np.nonzero(mask)                                       # (N,), (N,) the real n-gram slots
    return (center, share), (ngrams[b, g], share[b])              # (B,), (B, d); (N,), (N, d)
# --8<-- [end:compose]


# --8<-- [start:objective]
def skipgram_neg(params: Mapping[str, np.ndarray], batch: Mapping[str, np.ndarray]):
    """Per-example losses ``(B,)`` and row gradients of their SUM, eqs. (FT-2)-(FT-4)."""
    center, ngrams, mask = batch["center"], batch["ngrams"], batch["ngram_mask"]
    h = compose(params["W_words"], params["W_ngrams"], center, ngrams, mask)       # (B, d)  eq. (FT-2)
    # word2vec's negative sampling: the loss (FT-3) and its backward (W2V-5)
    losses, d_h, out_rows = negative_sampling(h, params["W_out"], batch["context"], batch["negatives"])
    word_rows, ngram_rows = compose_backward(d_h, center, ngrams, mask)              # eq. (FT-4)
    return losses, {"W_words": word_rows, "W_ngrams": ngram_rows, "W_out": out_rows}
# --8<-- [end:objective]


def example_losses_and_row_grads(params, batch, config):
    """Check the inputs, then run eqs. (FT-2)-(FT-4)."""
    check_params(params, config)
    batch = check_batch(batch, config)
    params = {k: as_float(v) for k, v in params.items()}           # computed in the params' dtype
    return skipgram_neg(params, batch)


# --- the interface -------------------------------------------------------------------------------------

def loss(params, batch, config) -> float:
    """Mean loss over the batch, eq. (W2V-9)."""
    losses, _ = example_losses_and_row_grads(params, batch, config)
    return float(losses.mean())


# --8<-- [start:loss_and_grad]
def loss_and_grad(params, batch, config) -> tuple[float, dict[str, np.ndarray]]:
    """Mean loss over the batch and its dense gradients (keys and shapes of ``params``), eq. (W2V-9)."""
    losses, row_grads = example_losses_and_row_grads(params, batch, config)
    B = losses.shape[0]
    grads = {}
    for key, (rows, g) in row_grads.items():
        rows, g = sum_rows(rows, g)                               # (U,), (U, d) duplicate rows add up
        dense = np.zeros(np.shape(params[key]), g.dtype)          # (V, d) or (bucket, d)
        dense[rows] = g / B
        grads[key] = dense
    return float(losses.mean()), grads
# --8<-- [end:loss_and_grad]


# --8<-- [start:train_step]
def train_step(params, batch, config, lr: float) -> tuple[dict[str, np.ndarray], float]:
    """One SGD step on the SUM of the per-example losses, touching only the rows the batch uses, eq. (W2V-10).

    Updates ``params`` in place (and returns it); the returned loss is the batch mean *before*
    the update. ``params - lr * B * loss_and_grad(...)[1]`` gives the same numbers.
    """
    lr = check_lr(lr)
    losses, row_grads = example_losses_and_row_grads(params, batch, config)
    return sgd_on_rows(params, row_grads, lr), float(losses.mean())   # word2vec's sparse step, eq. (W2V-10)
# --8<-- [end:train_step]


# --8<-- [start:word_vectors]
def word_vectors(W_words, W_ngrams, word_ids, ngrams, mask) -> np.ndarray:
    """Vectors of words, in or out of the vocabulary: ``(B, d)``.

    ``word_ids[b] >= 0`` is a vocabulary word: the mean of its word row and its n-gram rows,
    eq. (FT-2). ``word_ids[b] == -1`` is an out-of-vocabulary word: the mean of its n-gram rows
    alone, eq. (FT-5). A word with neither (``-1`` and no n-gram) gets the zero vector, as in fastText.
    """
    W_words, W_ngrams = np.asarray(W_words), np.asarray(W_ngrams)
    word_ids, ngrams, mask = _check_lookup(W_words.shape, W_ngrams.shape, word_ids, ngrams, mask)
    known = word_ids >= 0                                         # (B,)
    n = mask.sum(axis=1) + known                                  # (B,)      rows averaged
    total = (W_ngrams[ngrams] * mask[:, :, None]).sum(axis=1)     # (B, d)    sum of the n-gram rows
    total += W_words[np.where(known, word_ids, 0)] * known[:, None]   # (B, d)  plus the word row if any
    return total / np.maximum(n, 1)[:, None]                      # (B, d)    zero when n == 0
# --8<-- [end:word_vectors]


def _check_lookup(words_shape, ngrams_shape, word_ids, ngrams, mask):
    """Shared by both backends' ``word_vectors``: shapes, dtypes and ranges; returns the id arrays."""
    words_shape, ngrams_shape = tuple(words_shape), tuple(ngrams_shape)
    if len(words_shape) != 2 or len(ngrams_shape) != 2 or words_shape[1] != ngrams_shape[1]:
        raise ValueError(f"W_words (V, d) and W_ngrams (bucket, d) must be 2-D with the same d, got "
                         f"{words_shape} and {ngrams_shape}")
    word_ids, ngrams, mask = np.asarray(word_ids), np.asarray(ngrams), np.asarray(mask)
    if word_ids.ndim != 1 or word_ids.dtype.kind not in "iu":
        raise TypeError(f"word_ids must be a (B,) integer array (-1 for out-of-vocabulary words), got "
                        f"{word_ids.dtype} {word_ids.shape}")
    if mask.dtype != bool or mask.ndim != 2 or mask.shape[0] != word_ids.shape[0]:
        raise ValueError(f"mask must be a boolean (B, G) array with B = {word_ids.shape[0]}, "
                         f"got {mask.dtype} {mask.shape}")
    if ngrams.shape != mask.shape or (ngrams.size and ngrams.dtype.kind not in "iu"):
        raise ValueError(f"ngrams must be an integer array shaped like mask {mask.shape}, "
                         f"got {ngrams.dtype} {ngrams.shape}")
    bad = word_ids[(word_ids < -1) | (word_ids >= words_shape[0])]
    if bad.size:
        raise ValueError(f"word_ids holds {int(bad[0])}, outside [-1, {words_shape[0]}) (-1: out of vocabulary)")
    used = ngrams[mask]
    bad = used[(used < 0) | (used >= ngrams_shape[0])]
    if bad.size:
        raise ValueError(f"ngrams holds row {int(bad[0])} outside [0, {ngrams_shape[0]}) (the bucket)")
    return word_ids.astype(np.int64), np.where(mask, ngrams, 0).astype(np.int64), mask
