"""Exercise cbow: CBOW with negative sampling, loss and gradients written by hand.

Fill in ``loss_and_grad``. Use NumPy only: your file is graded on its own, without the
``textbook`` package. Check your work with ``textbook check cbow.py``.
"""

import numpy as np


def loss_and_grad(params, batch, config):
    """Mean CBOW negative-sampling loss over a batch, and its gradients.

    For example ``b``, with context ids ``x_1..x_2w`` and mask ``m`` (only slots where
    ``m_j`` is True are words; the others hold a padding id to ignore), centre ``o`` and
    negatives ``n_1..n_k``::

        h    = (1 / n) sum_j m_j W_in[x_j],   n = sum_j m_j
        l_b  = -log sigma(W_out[o] . h) - sum_i log sigma(-W_out[n_i] . h)

    Args:
        params: ``{"W_in": (V, d), "W_out": (V, d)}`` float64 arrays (do not modify them).
        batch: ``{"context": (B, 2w) int, "context_mask": (B, 2w) bool, "center": (B,) int,
            "negatives": (B, k) int}``; every row of the mask has at least one True.
        config: an object with attributes ``vocab_size`` (V), ``dim`` (d), ``window`` (w) and
            ``negatives`` (k).

    Returns:
        ``(loss, grads)``: ``loss`` the float mean of ``l_b``, ``grads`` a dict
        ``{"W_in": (V, d), "W_out": (V, d)}`` with the gradients of that mean.
    """
    raise NotImplementedError("loss_and_grad: compute the CBOW loss and both gradients")
