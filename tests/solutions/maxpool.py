"""Model solution of exercises/maxpool (standalone NumPy)."""

import numpy as np


def window_starts(mask, width):
    n = mask.sum(axis=1)
    last = np.maximum(n - width, 0)
    return np.arange(mask.shape[1] - width + 1)[None, :] <= last[:, None]


def max_over_time(h, allowed):
    masked = np.where(allowed[:, :, None], h, -np.inf)
    where = masked.argmax(axis=1)
    B, F = where.shape
    pooled = h[np.arange(B)[:, None], where, np.arange(F)[None, :]]
    return pooled, where


def max_over_time_backward(d_pooled, where, length):
    B, F = d_pooled.shape
    dh = np.zeros((B, length, F))
    dh[np.arange(B)[:, None], where, np.arange(F)[None, :]] = d_pooled
    return dh
