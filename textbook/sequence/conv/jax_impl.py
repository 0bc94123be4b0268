r"""1-D convolution in JAX: ``lax.conv_general_dilated`` forward, ``jax.vjp`` backward, jitted.

The same functions as ``numpy_impl`` (the equation names, (CONV-k) of the TextCNN page, are
those of its docstring). XLA's convolution is a cross-correlation too; ``rhs_dilation`` spreads
the kernel's taps ``dilation`` steps apart and the padding ``[(span, 0)]`` puts the causal zeros
on the left only.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

from textbook.sequence.conv import check_conv, check_upstream, span


# --8<-- [start:conv1d]
def correlate(x, w, dilation: int, padding: str):
    """Eq. (CONV-1) without bias, on arrays already checked: ``(B, T, C), (k, C, O) -> (B, T_out, O)``."""
    left = span(w.shape[0], dilation) if padding == "causal" else 0
    return lax.conv_general_dilated(
        x, w.astype(x.dtype),
        window_strides=(1,),                         # stride 1
        padding=[(left, 0)],                         # zeros on the left only (none for "valid")
        rhs_dilation=(dilation,),                    # taps dilation steps apart
        dimension_numbers=("NWC", "WIO", "NWC"),     # (B, T, C), (k, C_in, C_out), (B, T, C)
        precision=lax.Precision.HIGHEST)             # no reduced-precision matmuls on accelerators


@partial(jax.jit, static_argnames=("dilation", "padding"))
def _conv1d(x, w, b, dilation, padding):
    return correlate(x, w, dilation, padding) + b


def conv1d(x, w, b=None, dilation: int = 1, padding: str = "valid"):
    """Eq. (CONV-1): ``(B, T, C_in) -> (B, T_out, C_out)`` (a JAX array)."""
    check_conv(x, w, b, dilation, padding)
    x, w = jnp.asarray(x), jnp.asarray(w)
    b = jnp.zeros(w.shape[-1], x.dtype) if b is None else jnp.asarray(b, x.dtype)
    return _conv1d(x, w, b, int(dilation), padding)
# --8<-- [end:conv1d]


# --8<-- [start:conv1d_backward]
@partial(jax.jit, static_argnames=("dilation", "padding"))
def _conv1d_backward(dy, x, w, dilation, padding):
    b = jnp.zeros(w.shape[-1], x.dtype)
    _, vjp = jax.vjp(lambda x, w, b: correlate(x, w, dilation, padding) + b, x, w, b)
    dx, dw, db = vjp(dy.astype(x.dtype))
    return {"x": dx, "w": dw, "b": db}


def conv1d_backward(dy, x, w, dilation: int = 1, padding: str = "valid"):
    """Eqs. (CONV-2)-(CONV-4), derived by ``jax.vjp``: the gradients ``{"x", "w", "b"}`` of ``sum(y * dy)``."""
    check_upstream(dy, x, w, dilation, padding)
    x = jnp.asarray(x)
    return _conv1d_backward(jnp.asarray(dy), x, jnp.asarray(w), int(dilation), padding)
# --8<-- [end:conv1d_backward]
