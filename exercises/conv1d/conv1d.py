"""Exercise conv1d: a 1-D convolution over (B, T, C) sequences, forward and backward by hand.

Fill in ``conv1d`` and ``loss_and_grad``. Use NumPy only: your file is graded on its own, without
the ``textbook`` package. Check your work with ``textbook check conv1d.py``.
"""

import numpy as np


def conv1d(x, w, b, dilation=1, padding="valid"):
    """A dilated 1-D cross-correlation with stride 1.

    ``y[b, t, o] = bias[o] + sum_j sum_c x_pad[b, t + j*dilation, c] * w[j, c, o]``, where ``x_pad`` is
    ``x`` for ``padding="valid"`` and ``x`` with ``(k - 1) * dilation`` zero steps added on the left
    for ``padding="causal"``.

    Args:
        x: ``(B, T, C_in)`` float array.
        w: ``(k, C_in, C_out)`` kernel.
        b: ``(C_out,)`` bias.
        dilation: spacing of the kernel's taps, an int >= 1.
        padding: ``"valid"`` (output ``T - (k - 1) * dilation`` steps) or ``"causal"`` (output ``T`` steps).

    Returns:
        ``(B, T_out, C_out)`` float array.
    """
    raise NotImplementedError("conv1d: compute the convolution")


def loss_and_grad(params, dy, dilation=1, padding="valid"):
    """``L = sum(conv1d(x, w, b) * dy)`` and its gradients with respect to ``x``, ``w`` and ``b``.

    ``dy`` plays the part of the gradient arriving from the layers above (dL/dy); the gradients
    returned are what the convolution passes down to the layer below and to its parameters.

    Args:
        params: ``{"x": (B, T, C_in), "w": (k, C_in, C_out), "b": (C_out,)}`` (do not modify them).
        dy: ``(B, T_out, C_out)``, the shape of ``conv1d``'s output.
        dilation, padding: as in ``conv1d``.

    Returns:
        ``(L, {"x": dL/dx, "w": dL/dw, "b": dL/db})``: a float and arrays of the shapes of ``params``.
    """
    raise NotImplementedError("loss_and_grad: compute L and its three gradients")
