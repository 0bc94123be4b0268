"""Model solution of exercises/luong-general (standalone NumPy, as a student would submit it)."""

import numpy as np


def general_scores(W, s, H):
    return np.einsum("bh,bsh->bs", s @ W, H)


def attention_weights(W, s, H, mask):
    e = general_scores(W, s, H)
    top = np.max(np.where(mask, e, -np.inf), axis=1, keepdims=True)
    w = np.where(mask, np.exp(np.where(mask, e, top) - top), 0.0)
    return w / w.sum(axis=1, keepdims=True)


def context_grad_W(W, s, H, mask, dc):
    a = attention_weights(W, s, H, mask)                   # (B, S)
    da = np.einsum("bsh,bh->bs", H, dc)                    # dL/da
    de = a * (da - np.sum(a * da, axis=1, keepdims=True))  # through the softmax
    r = np.einsum("bs,bsh->bh", de, H)                     # dL/dq with q = s W
    return s.T @ r
