"""Exercise scalar-mix: ELMo's scalar mix of the layers and its gradient.

Fill in ``scalar_mix`` and ``scalar_mix_loss_and_grad``. Use NumPy only: your file is graded on
its own, without the ``textbook`` package. Check your work with ``textbook check scalar_mix.py``.
"""

import numpy as np


def scalar_mix(mix, layers):
    """``gamma * sum_j softmax(s)_j * layers[j]``.

    Args:
        mix: ``{"s": (L+1,), "gamma": ()}`` float arrays (do not modify them).
        layers: ``(L+1, B, T, D)`` the representations to mix.

    Returns:
        The ``(B, T, D)`` mixed representation.
    """
    raise NotImplementedError("scalar_mix: a stable softmax of s, a weighted sum of the layers, times gamma")


def scalar_mix_loss_and_grad(mix, batch):
    """The loss ``L = sum(scalar_mix(mix, layers) * weights)`` and its gradients for ``s`` and ``gamma``.

    Args:
        mix: as in ``scalar_mix``.
        batch: ``{"layers": (L+1, B, T, D), "weights": (B, T, D)}``.

    Returns:
        ``(loss, {"s": (L+1,), "gamma": ()})``: a float and the two gradients (``gamma``'s as a
        0-d array or a float).
    """
    raise NotImplementedError("scalar_mix_loss_and_grad: dgamma, then ds through the softmax Jacobian")
