"""Exercise dilated: causal dilated convolution and the receptive field of a stack.

Fill in the three functions. Use NumPy only: your file is graded on its own, without the
``textbook`` package. Check your work with ``textbook check dilated.py``.
"""

import numpy as np


def causal_pad(x, kernel_size, dilation):
    """``x (B, T, C)`` with ``(kernel_size - 1) * dilation`` zero steps added before the first step.

    Returns:
        ``(B, T + (kernel_size - 1) * dilation, C)`` float array.
    """
    raise NotImplementedError("causal_pad: add the zeros on the left")


def causal_conv1d(x, w, dilation):
    """A causal dilated convolution without bias: ``y[t] = sum_j x_pad[t + j*dilation] @ w[j]``.

    Args:
        x: ``(B, T, C_in)`` float array.
        w: ``(k, C_in, C_out)`` kernel (not flipped: tap ``k - 1`` reads the current step).
        dilation: spacing of the taps, an int >= 1.

    Returns:
        ``(B, T, C_out)``: step ``t`` depends only on the inputs ``t - (k - 1) * dilation .. t``.
    """
    raise NotImplementedError("causal_conv1d: pad, then correlate")


def receptive_field(kernel_size, dilations):
    """How many input steps one output step of a stack of causal convolutions sees.

    Args:
        kernel_size: taps per layer, an int >= 1.
        dilations: one dilation per layer (a tuple of ints >= 1).

    Returns:
        An int.
    """
    raise NotImplementedError("receptive_field: add up the reach of every layer")
