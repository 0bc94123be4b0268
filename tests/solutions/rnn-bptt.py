"""Model solution of exercises/rnn-bptt (standalone NumPy, as a student would submit it)."""

import numpy as np


def rnn_forward(params, x, h0):
    B, T, _ = x.shape
    hs = np.zeros((B, T, params["W_hh"].shape[0]))
    h = h0
    for t in range(T):
        h = np.tanh(x[:, t] @ params["W_ih"].T + params["b_ih"] + h @ params["W_hh"].T + params["b_hh"])
        hs[:, t] = h
    return hs


def rnn_loss_and_grad(params, batch):
    x, h0, w = batch["x"], batch["h0"], batch["weights"]
    T = x.shape[1]
    hs = rnn_forward(params, x, h0)
    loss = float(np.sum(hs * w))
    prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)     # h_{t-1}
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dx = np.zeros_like(x)
    da_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        delta = w[:, t] + da_next @ params["W_hh"]
        da = delta * (1.0 - hs[:, t] ** 2)
        grads["W_hh"] += da.T @ prev[:, t]
        grads["W_ih"] += da.T @ x[:, t]
        grads["b_ih"] += da.sum(axis=0)
        grads["b_hh"] += da.sum(axis=0)
        dx[:, t] = da @ params["W_ih"]
        da_next = da
    return loss, grads, {"x": dx, "h0": da_next @ params["W_hh"]}
