"""Model solution of exercises/gru-scan (standalone NumPy, as a student would submit it)."""

import numpy as np


def _sigmoid(a):
    return np.exp(-np.logaddexp(0.0, -a))


def gru_step(params, h, x_t, m_t):
    H = h.shape[1]
    ax = x_t @ params["W_ih"].T + params["b_ih"]
    ah = h @ params["W_hh"].T + params["b_hh"]
    r = _sigmoid(ax[:, :H] + ah[:, :H])
    z = _sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    h_new = (1.0 - z) * n + z * h
    m = np.asarray(m_t, dtype=bool)[:, None]
    return np.where(m, h_new, h), np.where(m, h_new, 0.0)


def gru_forward(params, x, h0, lengths):
    T = x.shape[1]
    h, ys = h0, []
    for t in range(T):
        h, y = gru_step(params, h, x[:, t], t < np.asarray(lengths))
        ys.append(y)
    return np.stack(ys, axis=1), h
