"""Exercise subsampling: frequent-word subsampling and skip-gram (centre, context) pairs.

Fill in the three functions. The random draws are given to you as arguments, so each answer is
exact. Use NumPy only: your file is graded on its own, without the ``textbook`` package.
Check your work with ``textbook check subsampling.py``.
"""

import numpy as np


def keep_probabilities(counts, sample=1e-3):
    """Probability of keeping a token of each word (the word2vec tool's formula).

    With ``t = sample * counts.sum()``: ``p_w = min(1, sqrt(t / c_w) + t / c_w)``.

    Args:
        counts: ``(V,)`` non-negative word counts, positive total.
        sample: threshold in ``[0, 1)``; 0 keeps every token.

    Returns:
        ``(V,)`` float64 probabilities; 1 for words of count 0 and for every word when sample is 0.
    """
    raise NotImplementedError("keep_probabilities")


def subsample(ids, keep_prob, uniforms):
    """Drop tokens at random: token ``i`` is kept when ``uniforms[i] < keep_prob[ids[i]]``.

    Args:
        ids: ``(n,)`` integer word ids of a sentence.
        keep_prob: ``(V,)`` keep probabilities.
        uniforms: ``(n,)`` draws from U[0, 1), one per token.

    Returns:
        The ids of the kept tokens, in their original order (integer array).
    """
    raise NotImplementedError("subsample")


def skipgram_pairs(ids, window, spans):
    """All (centre, context) pairs of one sentence with shrunk windows.

    The token at position ``i`` is paired with every token at position ``j != i`` with
    ``|i - j| <= spans[i]`` (and ``0 <= j < n``); ``spans[i]`` was drawn in ``1..window``.

    Args:
        ids: ``(n,)`` integer word ids.
        window: the maximal window (every ``spans[i] <= window``).
        spans: ``(n,)`` integer effective window of each position.

    Returns:
        ``(centers, contexts)``: two integer arrays of equal length, one entry per pair, in any
        order.
    """
    raise NotImplementedError("skipgram_pairs")
