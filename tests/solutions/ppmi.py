"""Model solution of exercises/ppmi (standalone NumPy)."""

import numpy as np


def pmi(counts):
    X = np.asarray(counts, dtype=np.float64)
    N = X.sum()
    xw = X.sum(axis=1, keepdims=True)
    xc = X.sum(axis=0, keepdims=True)
    out = np.full(X.shape, -np.inf)
    seen = X > 0
    denom = (xw * xc)[seen] / N
    out[seen] = np.log(X[seen]) - np.log(denom)
    return out


def ppmi(counts):
    return np.maximum(pmi(counts), 0.0)
