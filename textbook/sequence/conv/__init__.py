r"""One-dimensional convolution over ``(B, T, C)`` sequences, shared by TextCNN and the dilated stack.

Both backends expose the same two functions:

* ``conv1d(x, w, b=None, dilation=1, padding="valid")``: ``(B, T, C_in) -> (B, T_out, C_out)``;
* ``conv1d_backward(dy, x, w, dilation=1, padding="valid")``: the gradients
  ``{"x": (B, T, C_in), "w": (k, C_in, C_out), "b": (C_out,)}`` of ``sum(y * dy)``, i.e. the
  vector-Jacobian product with the upstream gradient ``dy`` of shape ``(B, T_out, C_out)``.

The kernel ``w`` has shape ``(k, C_in, C_out)`` (JAX's ``"WIO"`` layout; PyTorch stores the same
numbers as ``(C_out, C_in, k)``). Like every deep-learning library, "convolution" here means
cross-correlation (the kernel is not flipped):

    y[b, t, o] = bias[o] + sum_{j=0}^{k-1} sum_c x_pad[b, t + j*dilation, c] * w[j, c, o]

Two paddings, always with stride 1:

* ``"valid"``: no padding; ``T_out = T - (k - 1) * dilation`` (needs ``T > (k - 1) * dilation``);
* ``"causal"``: ``(k - 1) * dilation`` zeros on the left; ``T_out = T`` and output ``t`` sees only
  inputs ``t - (k - 1) * dilation .. t``, never a later one.

    >>> import numpy as np
    >>> x = np.arange(5.0).reshape(1, 5, 1)                  # (B, T, C) = (1, 5, 1)
    >>> w = np.array([1.0, 10.0]).reshape(2, 1, 1)           # (k, C_in, C_out) = (2, 1, 1)
    >>> backend("numpy").conv1d(x, w, padding="causal")[0, :, 0]
    array([ 0., 10., 21., 32., 43.])
"""

from __future__ import annotations

import numpy as np

from textbook.core.backend import load_impl
from textbook.core.validate import is_int

PADDINGS: tuple[str, ...] = ("valid", "causal")

__all__ = ["PADDINGS", "backend", "span", "output_length", "check_conv", "check_upstream"]


def backend(name: str):
    """The implementation module: ``backend("numpy")`` or ``backend("jax")``."""
    return load_impl(__name__, name)


def span(kernel_size: int, dilation: int = 1) -> int:
    """How far back a dilated kernel reaches: ``(kernel_size - 1) * dilation`` positions."""
    return (int(kernel_size) - 1) * int(dilation)


def output_length(length: int, kernel_size: int, dilation: int = 1, padding: str = "valid") -> int:
    """``T_out`` of a convolution over ``length`` positions (``length`` for causal padding).

    >>> output_length(10, 3, dilation=2), output_length(10, 3, dilation=2, padding="causal")
    (6, 10)
    """
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    return int(length) if padding == "causal" else int(length) - span(kernel_size, dilation)


def _float_array(name: str, a: object, ndim: int, spec: str) -> tuple[int, ...]:
    shape = tuple(np.shape(a))
    if len(shape) != ndim:
        raise ValueError(f"{name} must have shape {spec}, got shape {shape}")
    dtype = np.dtype(a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"{name} must be a float array of shape {spec}, got dtype {dtype}")
    return shape


def check_conv(x: object, w: object, b: object = None, dilation: object = 1,
               padding: object = "valid") -> tuple[int, int, int, int, int, int]:
    """Validate the arguments of ``conv1d``; return ``(B, T, C_in, k, C_out, T_out)``.

    Raises:
        TypeError: if ``x``, ``w`` or ``b`` is not a float array, or ``dilation`` is not an int.
        ValueError: on a wrong shape, a channel mismatch, ``dilation < 1``, an unknown padding,
            or a sequence too short for a valid convolution.
    """
    B, T, C = _float_array("x", x, 3, "(B, T, C_in)")
    k, C_w, O = _float_array("w", w, 3, "(kernel_size, C_in, C_out)")
    if k < 1 or O < 1:
        raise ValueError(f"w must have kernel_size >= 1 and C_out >= 1, got shape {(k, C_w, O)}")
    if C_w != C:
        raise ValueError(f"w has C_in = {C_w} input channels (shape {(k, C_w, O)}) but x has {C} "
                         f"(shape {(B, T, C)}); w must have shape (kernel_size, {C}, C_out)")
    if b is not None:
        shape = _float_array("b", b, 1, "(C_out,)")
        if shape != (O,):
            raise ValueError(f"b must have shape (C_out,) = {(O,)}, got {shape}")
    if not is_int(dilation) or dilation < 1:
        raise ValueError(f"dilation must be an integer >= 1, got {dilation!r}")
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    if T < 1 or B < 1:
        raise ValueError(f"x must hold at least one sequence of at least one step, got shape {(B, T, C)}")
    T_out = output_length(T, k, int(dilation), padding)
    if T_out < 1:
        raise ValueError(f"x is too short for a valid convolution: T = {T} but kernel_size {k} with "
                         f"dilation {dilation} spans {span(k, int(dilation)) + 1} positions "
                         f"(use padding='causal' or a longer sequence)")
    return B, T, C, k, O, T_out


def check_upstream(dy: object, x: object, w: object, dilation: object = 1, padding: object = "valid") -> None:
    """Validate the arguments of ``conv1d_backward``: ``dy`` must be ``(B, T_out, C_out)``."""
    B, _, _, _, O, T_out = check_conv(x, w, None, dilation, padding)
    shape = _float_array("dy", dy, 3, "(B, T_out, C_out)")
    if shape != (B, T_out, O):
        raise ValueError(f"dy must have the output's shape (B, T_out, C_out) = {(B, T_out, O)}, got {shape}")
