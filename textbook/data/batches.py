"""Word2vec training batches, one epoch at a time.

``word2vec_batches`` prepares a whole epoch when it is called, in this order
of random draws from ``rng``:

1. subsampling (if ``keep_prob`` is given): one uniform per corpus token,
   exactly as [`subsample`][textbook.data.sampling.subsample];
2. the shrunk windows, exactly as
   [`skipgram_pairs`][textbook.data.windows.skipgram_pairs] /
   [`cbow_windows`][textbook.data.windows.cbow_windows] on the subsampled corpus;
3. the shuffle (a permutation of the examples, if ``shuffle``);

and then, while iterating, one ``(B, k)`` draw of negatives per batch. It
returns an iterator that also has a length (the number of batches), so a
trainer knows the steps of this epoch before the first one. To plan a
learning-rate schedule over all epochs before building any,
[`count_pairs`][textbook.data.batches.count_pairs] gives the expected number of
examples per epoch without drawing anything.

Batch formats (every id ``int64``):

* skip-gram: ``{"center": (B,), "context": (B,), "negatives": (B, k)}``
* CBOW: ``{"context": (B, 2w), "context_mask": (B, 2w) bool, "center": (B,), "negatives": (B, k)}``

``"negatives"`` is left out when ``negatives == 0`` or ``noise is None`` (full
softmax). Negatives are drawn independently of the positive word: a negative
may equal the centre (the C tool skips such draws during its update).
"""

from __future__ import annotations

import math

import numpy as np

from textbook.data._validate import check_corpus, check_int, check_rng, flatten
from textbook.data.windows import context_matrix

__all__ = ["MODELS", "Word2VecBatches", "count_pairs", "word2vec_batches"]

MODELS: tuple[str, ...] = ("skipgram", "cbow")


def _check_model(model: object) -> str:
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    return model


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def _check_keep_prob(keep_prob: object, vocab_size: int | None) -> np.ndarray | None:
    if keep_prob is None:
        return None
    kp = np.asarray(keep_prob)
    if kp.ndim != 1 or kp.dtype.kind not in "iuf":
        raise ValueError(f"keep_prob must be a 1-D array of probabilities, got shape {kp.shape} dtype {kp.dtype}")
    if np.any(~np.isfinite(kp)) or np.any(kp < 0) or np.any(kp > 1):
        raise ValueError("keep_prob must hold probabilities in [0, 1]")
    if vocab_size is not None and kp.size != vocab_size:
        raise ValueError(f"keep_prob must have one entry per word of the noise distribution ({vocab_size}), got {kp.size}")
    return kp.astype(np.float64)


class Word2VecBatches:
    """One prepared epoch of word2vec batches: an iterator of dicts with a ``len``.

    Build it with [`word2vec_batches`][textbook.data.batches.word2vec_batches].

    Attributes:
        num_examples: skip-gram pairs or CBOW windows in the epoch.
        num_words: corpus tokens left after subsampling.
        raw_words: corpus tokens before subsampling.
        examples_done: examples yielded so far.
    """

    def __init__(self, model, centers, contexts, mask, order, batch_size, negatives, noise, rng, num_words, raw_words):
        self.model = model
        self._centers, self._contexts, self._mask = centers, contexts, mask
        self._order = order
        self.batch_size = batch_size
        self.negatives = negatives
        self._noise = noise
        self._rng = rng
        self.num_examples = int(centers.shape[0])
        self.num_words = int(num_words)
        self.raw_words = int(raw_words)
        self.examples_done = 0

    def __len__(self) -> int:
        """Number of batches in the epoch, the last one possibly partial."""
        return math.ceil(self.num_examples / self.batch_size)

    def __iter__(self) -> "Word2VecBatches":
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        start = self.examples_done
        if start >= self.num_examples:
            raise StopIteration
        idx = self._order[start : start + self.batch_size]  # (B,)
        self.examples_done = start + idx.size
        if self.model == "skipgram":
            batch = {"center": self._centers[idx], "context": self._contexts[idx]}
        else:
            batch = {"context": self._contexts[idx], "context_mask": self._mask[idx], "center": self._centers[idx]}
        if self.negatives > 0 and self._noise is not None:
            batch["negatives"] = np.asarray(self._noise.sample(self._rng, (idx.size, self.negatives)), dtype=np.int64)
        return batch

    def __repr__(self) -> str:
        return (
            f"Word2VecBatches(model={self.model!r}, examples={self.num_examples}, batches={len(self)}, "
            f"batch_size={self.batch_size}, negatives={self.negatives})"
        )


def word2vec_batches(
    corpus_ids: list[np.ndarray],
    *,
    model: str = "skipgram",
    window: int,
    batch_size: int,
    negatives: int,
    noise,
    keep_prob: np.ndarray | None = None,
    rng: np.random.Generator,
    shuffle: bool = True,
    shrink: bool = True,
) -> Word2VecBatches:
    """Prepare one epoch of word2vec batches (call it again for the next epoch).

    Args:
        corpus_ids: one 1-D int array of word ids per sentence.
        model: ``"skipgram"`` (one example per (centre, context) pair) or
            ``"cbow"`` (one example per centre with its context row).
        window: maximal window ``w >= 1``.
        batch_size: examples per batch (``>= 1``); the last batch may be smaller.
        negatives: noise words per example ``k >= 0``.
        noise: a [`NoiseSampler`][textbook.data.sampling.NoiseSampler], or
            ``None`` for the full softmax (no ``"negatives"`` key).
        keep_prob: ``(V,)`` subsampling keep probabilities
            ([`keep_probabilities`][textbook.data.sampling.keep_probabilities]),
            or ``None`` to keep every token.
        rng: a ``numpy.random.Generator``; it advances, so the next call gives
            a new epoch.
        shuffle: shuffle the examples of the epoch (else corpus order).
        shrink: shrink each centre's window at random, as word2vec does.

    Returns:
        A [`Word2VecBatches`][textbook.data.batches.Word2VecBatches] iterator
        of batch dicts (see the module docstring), with ``len()`` = number of batches.
    """
    model = _check_model(model)
    window = check_int(window, "window", 1)
    batch_size = check_int(batch_size, "batch_size", 1)
    negatives = check_int(negatives, "negatives", 0)
    shuffle = _check_bool(shuffle, "shuffle")
    shrink = _check_bool(shrink, "shrink")
    rng = check_rng(rng)
    vocab_size = None
    if noise is not None:
        if not callable(getattr(noise, "sample", None)) or getattr(noise, "probs", None) is None:
            raise TypeError(f"noise must be a NoiseSampler (with .sample and .probs) or None, got {noise!r}")
        vocab_size = len(noise.probs)
    kp = _check_keep_prob(keep_prob, vocab_size)
    if vocab_size is None and kp is not None:
        vocab_size = kp.size
    ids, sent = flatten(check_corpus(corpus_ids, vocab_size=vocab_size))  # (M,), (M,)
    raw_words = ids.size

    if kp is not None:  # 1. frequent-word subsampling, one uniform per token
        keep = rng.random(ids.size) < kp[ids]
        ids, sent = ids[keep], sent[keep]

    contexts, mask = context_matrix(ids, sent, window, rng, shrink)  # 2. windows: (M, 2w), (M, 2w)
    if model == "skipgram":
        rows, cols = np.nonzero(mask)
        centers, contexts, mask = ids[rows], contexts[rows, cols], None  # (N,), (N,)
    else:
        has_context = mask.any(axis=1)
        centers, contexts, mask = ids[has_context], contexts[has_context], mask[has_context]  # (N,), (N, 2w), (N, 2w)

    n = centers.shape[0]
    order = rng.permutation(n) if shuffle else np.arange(n)  # 3. shuffle
    return Word2VecBatches(model, centers, contexts, mask, order, batch_size, negatives, noise, rng, ids.size, raw_words)


def count_pairs(
    corpus_ids: list[np.ndarray],
    *,
    model: str = "skipgram",
    window: int,
    keep_prob: np.ndarray | None = None,
    shrink: bool = True,
) -> float:
    r"""Expected number of examples in one epoch of `word2vec_batches`, drawing nothing.

    For a sentence of $n$ tokens, skip-gram yields
    $\sum_{o=1}^{w} 2\,\max(n - o, 0)\,q_o$ pairs in expectation, where
    $q_o = P(b \ge o) = (w - o + 1)/w$ with shrinking and 1 without; CBOW
    yields $n$ windows when $n \ge 2$, none otherwise. Without subsampling
    this is exact (the exact count when ``shrink=False``). With ``keep_prob``
    each sentence's length is replaced by its expected kept length
    $\sum_i p_\text{keep}(x_i)$ (formulas interpolated linearly between
    integers): a close approximation for sentences much longer than $w$, good
    enough to plan a learning-rate decay, e.g.
    ``total_steps = epochs * ceil(count_pairs(...) / batch_size)``.

    Args:
        corpus_ids: one 1-D int array of word ids per sentence.
        model: ``"skipgram"`` or ``"cbow"``.
        window: maximal window ``w >= 1``.
        keep_prob: ``(V,)`` subsampling keep probabilities, or ``None``.
        shrink: whether windows are shrunk at random.

    Returns:
        The expected number of examples (a float).
    """
    model = _check_model(model)
    window = check_int(window, "window", 1)
    shrink = _check_bool(shrink, "shrink")
    kp = _check_keep_prob(keep_prob, None)
    corpus = check_corpus(corpus_ids, vocab_size=None if kp is None else kp.size)
    ids, sent = flatten(corpus)  # (M,), (M,)
    weights = None if kp is None else kp[ids]  # expected number of kept copies of each token
    n = np.bincount(sent, weights=weights, minlength=len(corpus)).astype(np.float64)  # (S,) (expected) lengths
    if model == "cbow":
        return float(np.where(n >= 2, n, np.maximum(2 * (n - 1), 0)).sum())
    total = 0.0
    for o in range(1, window + 1):
        q = (window - o + 1) / window if shrink else 1.0  # P(b >= o)
        total += 2 * q * np.maximum(n - o, 0).sum()
    return float(total)
