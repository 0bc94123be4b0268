"""Model solution of exercises/lstm-backward (standalone NumPy, as a student would submit it)."""

import numpy as np


def _sigmoid(a):
    return np.exp(-np.logaddexp(0.0, -a))


def lstm_step_loss_and_grad(params, batch):
    x, h, c, w_h, w_c = batch["x"], batch["h"], batch["c"], batch["w_h"], batch["w_c"]
    H = h.shape[1]
    a = x @ params["W_ih"].T + params["b_ih"] + h @ params["W_hh"].T + params["b_hh"]
    i, f, g, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), _sigmoid(a[:, 3 * H:])
    c_new = f * c + i * g
    tc = np.tanh(c_new)
    h_new = o * tc
    loss = float(np.sum(h_new * w_h) + np.sum(c_new * w_c))
    dc = w_c + w_h * o * (1.0 - tc ** 2)
    do = w_h * tc
    da = np.concatenate([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g ** 2), do * o * (1 - o)], axis=1)
    grads = {"W_ih": da.T @ x, "W_hh": da.T @ h, "b_ih": da.sum(axis=0), "b_hh": da.sum(axis=0)}
    return loss, grads, {"x": da @ params["W_ih"], "h": da @ params["W_hh"], "c": dc * f}
