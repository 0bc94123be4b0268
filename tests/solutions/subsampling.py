"""Model solution of exercises/subsampling (standalone NumPy)."""

import numpy as np


def keep_probabilities(counts, sample=1e-3):
    c = np.asarray(counts, dtype=np.float64)
    if sample == 0:
        return np.ones_like(c)
    t = sample * c.sum()
    ratio = np.divide(t, c, out=np.full_like(c, np.inf), where=c > 0)
    return np.minimum(1.0, np.sqrt(ratio) + ratio)


def subsample(ids, keep_prob, uniforms):
    return ids[uniforms < keep_prob[ids]]


def skipgram_pairs(ids, window, spans):
    n = len(ids)
    centers, contexts = [], []
    pos = np.arange(n)
    for o in range(-window, window + 1):
        if o == 0:
            continue
        j = pos + o
        ok = (j >= 0) & (j < n) & (abs(o) <= spans)
        centers.append(ids[pos[ok]])
        contexts.append(ids[j[ok]])
    return np.concatenate(centers), np.concatenate(contexts)
