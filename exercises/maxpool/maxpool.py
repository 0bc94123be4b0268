"""Exercise maxpool: max-over-time pooling with a padding mask, and its gradient.

Fill in the three functions. Use NumPy only: your file is graded on its own, without the
``textbook`` package. Check your work with ``textbook check maxpool.py``.
"""

import numpy as np


def window_starts(mask, width):
    """Which windows of ``width`` tokens may win the max: ``(B, T - width + 1)`` bool.

    The window starting at ``t`` covers tokens ``t .. t + width - 1``. It is allowed when it lies
    inside the text, ``t <= n - width`` with ``n`` the number of real tokens; a text shorter than
    ``width`` keeps its first window (``t = 0``) only.

    Args:
        mask: ``(B, T)`` bool, True on the real tokens (a prefix of each row), ``T >= width``.
        width: the filter width, an int >= 1.
    """
    raise NotImplementedError("window_starts: which windows lie inside the text")


def max_over_time(h, allowed):
    """Max over the time axis of ``h``, taken over the allowed positions only.

    Args:
        h: ``(B, T, F)`` float feature maps.
        allowed: ``(B, T)`` bool, at least one True per row.

    Returns:
        ``(pooled, where)``: ``pooled (B, F)`` the maxima and ``where (B, F)`` int, the position of
        each (the first one, if several are equal).
    """
    raise NotImplementedError("max_over_time: the masked maximum and where it is")


def max_over_time_backward(d_pooled, where, length):
    """The gradient of the pooling: ``(B, F)`` upstream gradients -> ``(B, length, F)``.

    Args:
        d_pooled: ``(B, F)`` gradient of the loss with respect to ``pooled``.
        where: ``(B, F)`` int positions returned by ``max_over_time``.
        length: ``T``, the number of time steps of ``h``.
    """
    raise NotImplementedError("max_over_time_backward: route each gradient to its position")
