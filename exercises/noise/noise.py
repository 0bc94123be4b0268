"""Exercise noise: the negative-sampling noise distribution and a sampler for it.

Fill in both functions. Use NumPy only: your file is graded on its own, without the
``textbook`` package. Check your work with ``textbook check noise.py``.
"""

import numpy as np


def noise_distribution(counts, power=0.75):
    """The noise distribution ``P(w) = c_w ** power / sum_v c_v ** power``.

    Args:
        counts: ``(V,)`` non-negative word counts (integers or floats), with a positive total.
        power: the exponent (0.75 in word2vec).

    Returns:
        ``(V,)`` float64 probabilities summing to 1; a word with count 0 gets probability 0.
    """
    raise NotImplementedError("noise_distribution")


def sample_noise(probs, uniforms):
    """Turn uniform draws into word ids distributed according to ``probs``.

    Args:
        probs: ``(V,)`` probabilities summing to 1 (some may be 0).
        uniforms: an array of any shape of independent draws from U[0, 1).

    Returns:
        An integer array of the same shape as ``uniforms``: one word id in ``[0, V)`` per draw,
        never a word of probability 0.
    """
    raise NotImplementedError("sample_noise")
