"""Stable numerics in NumPy.  Each function is finite for inputs of +-1e4.

Float inputs keep their precision (float32 in, float32 out); anything else is computed in float64.
"""

from __future__ import annotations

import numpy as np

from textbook.core.validate import as_float as _as_float


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + e^{-x}), computed without overflow for either sign."""
    x = _as_float(x)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log sigma(x) = min(x, 0) - log(1 + e^{-|x|})."""
    x = _as_float(x)
    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


def logsumexp(x: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """log sum_i e^{x_i} = m + log sum_i e^{x_i - m} with m = max_i x_i."""
    x = _as_float(x)
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(x)_i = x_i - logsumexp(x)."""
    x = _as_float(x)
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(x)_i = e^{x_i - logsumexp(x)}."""
    return np.exp(log_softmax(x, axis=axis))


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """-log softmax(logits)[target] for each row.

    logits: (..., V) floats; targets: (...) integer ids.  Returns (...) losses.
    The gradient with respect to the logits is ``softmax(logits) - onehot(targets)``.
    """
    logp = log_softmax(logits, axis=-1)                                     # (..., V)
    return -np.take_along_axis(logp, np.asarray(targets)[..., None], axis=-1)[..., 0]
