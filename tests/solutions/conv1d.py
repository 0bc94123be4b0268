"""Model solution of exercises/conv1d (standalone NumPy)."""

import numpy as np


def _pad_left(x, amount):
    return np.pad(x, ((0, 0), (amount, 0), (0, 0)))


def _correlate(x, w, dilation):
    """Valid dilated cross-correlation without bias: (B, T, C), (k, C, O) -> (B, T - (k-1)d, O)."""
    k = w.shape[0]
    T_out = x.shape[1] - (k - 1) * dilation
    y = np.zeros((x.shape[0], T_out, w.shape[2]))
    for j in range(k):
        y += x[:, j * dilation: j * dilation + T_out, :] @ w[j]
    return y


def conv1d(x, w, b, dilation=1, padding="valid"):
    k = w.shape[0]
    xp = _pad_left(x, (k - 1) * dilation) if padding == "causal" else x
    return _correlate(xp, w, dilation) + b


def loss_and_grad(params, dy, dilation=1, padding="valid"):
    x, w, b = params["x"], params["w"], params["b"]
    k, s = w.shape[0], (w.shape[0] - 1) * dilation
    y = conv1d(x, w, b, dilation, padding)
    xp = _pad_left(x, s) if padding == "causal" else x
    T_out = dy.shape[1]
    dw = np.stack([np.einsum("btc,bto->co", xp[:, j * dilation: j * dilation + T_out], dy) for j in range(k)])
    db = dy.sum(axis=(0, 1))
    dy_full = np.pad(dy, ((0, 0), (s, s), (0, 0)))
    dxp = _correlate(dy_full, w[::-1].transpose(0, 2, 1), dilation)
    dx = dxp[:, s:] if padding == "causal" else dxp
    return float(np.sum(y * dy)), {"x": dx, "w": dw, "b": db}
