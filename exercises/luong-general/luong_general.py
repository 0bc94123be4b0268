"""Luong's general attention in NumPy: scores, weights, and dL/dW of the context. See README.md.

Shapes: B sequences, S source positions, state size H; W is (H, H).
"""

import numpy as np


def general_scores(W, s, H):
    """Scores e (B, S) with e[b, i] = s[b]^T W H[b, i], at every position.

    s: (B, H) the current decoder state.  H: (B, S, H) the encoder states.
    """
    raise NotImplementedError("general_scores")


def attention_weights(W, s, H, mask):
    """The weights a (B, S): a softmax of the scores over the positions where mask is True, 0 elsewhere."""
    raise NotImplementedError("attention_weights")


def context_grad_W(W, s, H, mask, dc):
    """dL/dW (H, H) for L = sum(c * dc), where c (B, H) = sum_i a[:, i] H[:, i] and dc (B, H) is given."""
    raise NotImplementedError("context_grad_W")
