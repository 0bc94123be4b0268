r"""1-D convolution in NumPy, forward and backward by hand: the backward passes are convolutions too.

Shapes: ``x (B, T, C)``, kernel ``w (k, C, O)``, bias ``b (O,)``, dilation ``d``, upstream
gradient ``dy (B, T_out, O)``. ``x_pad`` is ``x`` itself for ``"valid"`` padding and ``x`` with
``(k - 1) d`` zeros on the left for ``"causal"`` padding; it has ``T_pad = T_out + (k - 1) d`` steps.
The equation names are those of the convolution section of the TextCNN page (docs/sequence/textcnn.md).

Forward:

* (CONV-1) ``y[b, t, o] = b[o] + sum_j sum_c x_pad[b, t + j d, c] w[j, c, o]`` (dilated cross-correlation)

Backward of ``sum(y * dy)``, each a correlation of two things we already have:

* (CONV-2) ``db[o] = sum_{b,t} dy[b, t, o]``
* (CONV-3) ``dw[j, c, o] = sum_{b,t} x_pad[b, t + j d, c] dy[b, t, o]``: the input correlated with the
  upstream gradient, at the lags ``0, d, ..., (k-1) d`` (the kernel's taps)
* (CONV-4) ``dx_pad[b, s, c] = sum_j sum_o dy[b, s - j d, o] w[j, c, o]``: the upstream gradient,
  padded with ``(k - 1) d`` zeros on *both* sides, correlated with the kernel flipped in time and with
  its channel axes swapped, ``w_flip[j, o, c] = w[k - 1 - j, c, o]`` (a "full" correlation); then
  ``dx = dx_pad`` minus the causal padding.

Each output step reads ``k`` input steps and each input step feeds ``k`` output steps: (CONV-4) sends the
gradient back along the same connections, which is why it is the same operation with the kernel
reversed.
"""

from __future__ import annotations

import numpy as np

from textbook.sequence.conv import check_conv, check_upstream, span


# --8<-- [start:correlate]
def pad(x: np.ndarray, kernel_size: int, dilation: int, padding: str) -> np.ndarray:
    """``x_pad``: ``x`` for valid padding, ``(k - 1) d`` zeros prepended in time for causal padding."""
    if padding == "valid":
        return x
    return np.pad(x, ((0, 0), (span(kernel_size, dilation), 0), (0, 0)))      # (B, T + (k-1)d, C)


def windows(x: np.ndarray, kernel_size: int, dilation: int) -> np.ndarray:
    """All dilated windows: ``out[b, t, j, c] = x[b, t + j d, c]``, shape ``(B, T_out, k, C)``."""
    T_out = x.shape[1] - span(kernel_size, dilation)
    taps = np.arange(T_out)[:, None] + dilation * np.arange(kernel_size)[None, :]   # (T_out, k)
    return x[:, taps, :]                                                         # (B, T_out, k, C)


def correlate(x: np.ndarray, w: np.ndarray, dilation: int) -> np.ndarray:
    """Valid dilated cross-correlation, eq. (CONV-1) without bias: ``(B, T, C), (k, C, O) -> (B, T_out, O)``.

    Each window, flattened to ``k C`` numbers, times the kernel flattened to ``(k C, O)``: one
    matrix product for the whole batch (the "im2col" way to compute a convolution).
    """
    k, C, O = w.shape
    cols = windows(x, k, dilation)                                               # (B, T_out, k, C)
    return cols.reshape(*cols.shape[:2], k * C) @ w.reshape(k * C, O)            # (B, T_out, O)
# --8<-- [end:correlate]


# --8<-- [start:conv1d]
def conv1d(x, w, b=None, dilation: int = 1, padding: str = "valid") -> np.ndarray:
    """Eq. (CONV-1): ``(B, T, C_in) -> (B, T_out, C_out)``; see ``textbook.sequence.conv`` for the layouts."""
    check_conv(x, w, b, dilation, padding)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    y = correlate(pad(x, w.shape[0], dilation, padding), w, dilation)           # (B, T_out, O)
    return y if b is None else y + np.asarray(b, dtype=np.float64)
# --8<-- [end:conv1d]


# --8<-- [start:conv1d_backward]
def conv1d_backward(dy, x, w, dilation: int = 1, padding: str = "valid") -> dict[str, np.ndarray]:
    """Eqs. (CONV-2)-(CONV-4): the gradients ``{"x", "w", "b"}`` of ``sum(conv1d(x, w, b) * dy)``."""
    check_upstream(dy, x, w, dilation, padding)
    dy = np.asarray(dy, dtype=np.float64)                                      # (B, T_out, O)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    k, s = w.shape[0], span(w.shape[0], dilation)
    x_pad = pad(x, k, dilation, padding)                                       # (B, T_pad, C)
    db = dy.sum(axis=(0, 1))                                                   # (O,)       eq. (CONV-2)
    # eq. (CONV-3): the same windows as the forward pass, now weighted by dy instead of w
    cols = windows(x_pad, k, dilation).reshape(-1, k * x.shape[2])            # (B T_out, k C)
    dw = (cols.T @ dy.reshape(-1, dy.shape[2])).reshape(w.shape)               # (k, C, O)
    # eq. (CONV-4): a full correlation of dy with the flipped kernel (channels swapped: O in, C out)
    dy_full = np.pad(dy, ((0, 0), (s, s), (0, 0)))                             # (B, T_out + 2s, O)
    w_flip = w[::-1].transpose(0, 2, 1)                                        # (k, O, C)
    dx_pad = correlate(dy_full, w_flip, dilation)                              # (B, T_pad, C)
    dx = dx_pad[:, s:, :] if padding == "causal" else dx_pad                   # drop the padding's grads
    return {"x": dx, "w": dw, "b": db}
# --8<-- [end:conv1d_backward]
