"""Exercise sgns: skip-gram with negative sampling, loss and gradients written by hand.

Fill in ``loss_and_grad``. Use NumPy only: your file is graded on its own, without the
``textbook`` package. Check your work with ``textbook check sgns.py``.
"""

import numpy as np


def loss_and_grad(params, batch, config):
    """Mean skip-gram negative-sampling loss over a batch, and its gradients.

    For example ``b`` with centre ``c``, context ``o`` and negatives ``n_1..n_k``,
    ``h = W_in[c]``, ``s+ = W_out[o] . h`` and ``s_j = W_out[n_j] . h``::

        l_b = -log sigma(s+) - sum_j log sigma(-s_j)

    Args:
        params: ``{"W_in": (V, d), "W_out": (V, d)}`` float64 arrays (do not modify them).
        batch: ``{"center": (B,), "context": (B,), "negatives": (B, k)}`` integer arrays.
        config: an object with attributes ``vocab_size`` (V), ``dim`` (d) and ``negatives`` (k).

    Returns:
        ``(loss, grads)``: ``loss`` the float mean of ``l_b`` over the batch, ``grads`` a dict
        ``{"W_in": (V, d), "W_out": (V, d)}`` with the gradients of that mean.
    """
    raise NotImplementedError("loss_and_grad: compute the loss and both gradients")
