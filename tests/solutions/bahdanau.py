"""Model solution of exercises/bahdanau (standalone NumPy, as a student would submit it)."""

import numpy as np


def additive_scores(params, s_prev, H):
    u = np.tanh((s_prev @ params["W_s"].T)[:, None, :] + H @ params["W_h"].T)   # (B, S, A)
    return u @ params["v"]


def masked_softmax(scores, mask):
    top = np.max(np.where(mask, scores, -np.inf), axis=1, keepdims=True)
    w = np.where(mask, np.exp(np.where(mask, scores, top) - top), 0.0)
    return w / w.sum(axis=1, keepdims=True)


def attend(params, s_prev, H, mask):
    a = masked_softmax(additive_scores(params, s_prev, H), mask)
    return a, np.einsum("bs,bsh->bh", a, H)
