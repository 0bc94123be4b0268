r"""Context windows: skip-gram (centre, context) pairs and CBOW context rows.

For a token at position $i$ of a sentence and the maximal window $w$, the
C tool draws an effective window $b_i \sim \mathcal U\{1, \dots, w\}$ (so near
words are used more often than far ones) and takes as context every token at
offset $o$ with $1 \le |o| \le b_i$ that lies in the same sentence. With
``shrink=False``, $b_i = w$ for every position.

Both functions see the corpus as one long array (sentences concatenated, each
token tagged with its sentence index) and loop only over the $2w$ offsets, so
the work is vectorised over tokens. They draw the same random numbers (one
``rng.integers(1, w + 1, size=M)`` for the $M$ tokens), so with the same seed
the CBOW rows hold exactly the skip-gram pairs, and both list examples by
centre position, offsets ascending ($-w, \dots, -1, 1, \dots, w$), the order
the C tool visits them.
"""

from __future__ import annotations

import numpy as np

from textbook.data._validate import check_corpus, check_int, check_rng, flatten

__all__ = ["cbow_windows", "context_matrix", "offsets", "skipgram_pairs"]


def offsets(window: int) -> np.ndarray:
    """The ``2 * window`` context offsets, in slot order: ``[-w, ..., -1, 1, ..., w]``."""
    w = check_int(window, "window", 1)
    return np.concatenate([np.arange(-w, 0), np.arange(1, w + 1)]).astype(np.int64)


def context_matrix(
    ids: np.ndarray, sentence: np.ndarray, window: int, rng: np.random.Generator | None, shrink: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Context slots of every token of a flattened corpus.

    Args:
        ids: ``(M,)`` int64 word ids, sentences concatenated.
        sentence: ``(M,)`` non-decreasing sentence index of each token.
        window: maximal window ``w >= 1``.
        rng: ``numpy.random.Generator`` for the shrunk windows (unused, may be
            ``None``, when ``shrink=False``).
        shrink: draw ``b_i`` in ``1..w`` per position (True) or use ``w``.

    Returns:
        ``(contexts (M, 2w) int64, mask (M, 2w) bool)``: slot ``j`` of row ``i``
        holds the id at offset ``offsets(w)[j]`` from ``i`` when ``mask[i, j]``,
        else 0 (a padding id, to be ignored).
    """
    offs = offsets(window)
    ids, sentence = np.asarray(ids), np.asarray(sentence)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise ValueError(f"ids must be a 1-D integer array, got shape {ids.shape} dtype {ids.dtype}")
    if sentence.shape != ids.shape or sentence.dtype.kind not in "iu":
        raise ValueError(f"sentence must be an integer array of shape {ids.shape}, got {sentence.shape} {sentence.dtype}")
    m = ids.shape[0]
    if shrink:
        b = check_rng(rng).integers(1, window + 1, size=m)  # (M,) effective window b_i in 1..w
    contexts = np.zeros((m, offs.size), dtype=np.int64)  # (M, 2w)
    mask = np.zeros((m, offs.size), dtype=bool)  # (M, 2w)
    pos = np.arange(m)
    for j, o in enumerate(offs):  # loop over the 2w offsets only
        other = pos + o  # (M,) position of the context token
        ok = (other >= 0) & (other < m)
        ok[ok] = sentence[other[ok]] == sentence[ok]  # never cross a sentence boundary
        if shrink:
            ok &= abs(o) <= b  # within the shrunk window
        mask[:, j] = ok
        contexts[ok, j] = ids[other[ok]]
    return contexts, mask


def _prepare(corpus_ids, window, rng, shrink):
    corpus = check_corpus(corpus_ids)
    window = check_int(window, "window", 1)
    if not isinstance(shrink, (bool, np.bool_)):
        raise TypeError(f"shrink must be a bool, got {shrink!r}")
    if shrink:
        check_rng(rng)
    ids, sent = flatten(corpus)
    return ids, sent, window


def skipgram_pairs(
    corpus_ids: list[np.ndarray], window: int, rng: np.random.Generator | None, shrink: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """All skip-gram (centre, context) pairs of an encoded corpus.

    Args:
        corpus_ids: one 1-D int array of word ids per sentence.
        window: maximal window ``w >= 1``.
        rng: ``numpy.random.Generator`` (may be ``None`` when ``shrink=False``).
        shrink: shrink each centre's window at random to ``b`` in ``1..w``.
            With ``shrink=False`` every pair of tokens of one sentence at
            distance ``<= w`` appears exactly once in each direction.

    Returns:
        ``(centers (N,) int64, contexts (N,) int64)``, ordered by centre
        position, then offset.
    """
    ids, sent, window = _prepare(corpus_ids, window, rng, shrink)
    contexts, mask = context_matrix(ids, sent, window, rng, shrink)  # (M, 2w), (M, 2w)
    rows, cols = np.nonzero(mask)  # row-major: by centre position, then offset
    return ids[rows], contexts[rows, cols]


def cbow_windows(
    corpus_ids: list[np.ndarray], window: int, rng: np.random.Generator | None, shrink: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CBOW examples: for each centre, its context slots and which of them are real.

    Args:
        corpus_ids: one 1-D int array of word ids per sentence.
        window: maximal window ``w >= 1``.
        rng: ``numpy.random.Generator`` (may be ``None`` when ``shrink=False``).
        shrink: shrink each centre's window at random to ``b`` in ``1..w``.

    Returns:
        ``(contexts (N, 2w) int64, mask (N, 2w) bool, centers (N,) int64)``.
        Slots follow `offsets` (``-w..-1, 1..w``); ``mask`` is False (and the
        id 0) for slots outside the sentence or beyond the shrunk window.
        Centres with no context at all (one-word sentences) are dropped.
    """
    ids, sent, window = _prepare(corpus_ids, window, rng, shrink)
    contexts, mask = context_matrix(ids, sent, window, rng, shrink)  # (M, 2w), (M, 2w)
    keep = mask.any(axis=1)  # (M,) centres with at least one context word
    return contexts[keep], mask[keep], ids[keep]
