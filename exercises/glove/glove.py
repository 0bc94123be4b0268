"""Exercise glove: GloVe's weighting function, and the loss of a batch with its gradients by hand.

Fill in both functions. Use NumPy only: your file is graded on its own, without the
``textbook`` package. Check your work with ``textbook check glove.py``.
"""

import numpy as np


def weighting(x, x_max, alpha):
    """GloVe's weight of a co-occurrence count, elementwise: ``f(x) = min(1, (x / x_max) ** alpha)``.

    Args:
        x: an array of counts ``>= 0`` (any shape).
        x_max: the count from which the weight is 1 (``> 0``).
        alpha: the exponent below ``x_max`` (``>= 0``).

    Returns:
        A float64 array shaped like ``x``.
    """
    raise NotImplementedError("weighting")


def loss_and_grad(params, batch, config):
    """Mean weighted squared error of a batch of co-occurrence entries, and its gradients.

    For entry ``n`` with row ``i``, column ``j`` and count ``X > 0``::

        e_n = W[i] . W_tilde[j] + b[i] + b_tilde[j] - log X
        L   = mean over n of f(X) e_n ** 2

    Args:
        params: ``{"W": (V, d), "W_tilde": (V, d), "b": (V,), "b_tilde": (V,)}`` float64 arrays
            (do not modify them).
        batch: ``{"rows": (B,) int, "cols": (B,) int, "counts": (B,) float > 0}``.
        config: an object with attributes ``vocab_size``, ``dim``, ``x_max`` and ``alpha``.

    Returns:
        ``(loss, grads)``: ``loss`` the float ``L``, ``grads`` a dict with the keys of ``params``
        holding the gradients of ``L``, each shaped like its parameter.
    """
    raise NotImplementedError("loss_and_grad: compute the loss and the four gradients")
