"""Bahdanau (additive) attention in NumPy: scores, masked softmax, context. See README.md.

Shapes: B sequences, S source positions, encoder/decoder state size H, attention size A.
params = {"W_s": (A, H), "W_h": (A, H), "v": (A,)}.
"""

import numpy as np


def additive_scores(params, s_prev, H):
    """Scores e (B, S) with e[b, i] = v . tanh(W_s s_prev[b] + W_h H[b, i]), at every position.

    s_prev: (B, H) the previous decoder state.  H: (B, S, H) the encoder states.
    """
    raise NotImplementedError("additive_scores")


def masked_softmax(scores, mask):
    """Softmax of scores (B, S) over the positions where mask (B, S, bool) is True; exactly 0 elsewhere."""
    raise NotImplementedError("masked_softmax")


def attend(params, s_prev, H, mask):
    """The attention weights a (B, S) and the context c (B, H) = sum_i a[:, i] H[:, i]: return (a, c)."""
    raise NotImplementedError("attend")
