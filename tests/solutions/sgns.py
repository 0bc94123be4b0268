"""Model solution of exercises/sgns (standalone NumPy, as a student would submit it)."""

import numpy as np


def _neg_log_sigmoid(s):
    return np.logaddexp(0.0, -s)


def _sigmoid(s):
    return np.exp(-np.logaddexp(0.0, -s))


def loss_and_grad(params, batch, config):
    W_in, W_out = params["W_in"], params["W_out"]
    c, o, neg = batch["center"], batch["context"], batch["negatives"]
    B = c.shape[0]
    h = W_in[c]                                   # (B, d)
    u_o, u_n = W_out[o], W_out[neg]               # (B, d), (B, k, d)
    s_pos = np.einsum("bd,bd->b", u_o, h)         # (B,)
    s_neg = np.einsum("bkd,bd->bk", u_n, h)       # (B, k)
    loss = (_neg_log_sigmoid(s_pos) + _neg_log_sigmoid(-s_neg).sum(axis=1)).mean()
    g_pos = (_sigmoid(s_pos) - 1.0) / B           # (B,)
    g_neg = _sigmoid(s_neg) / B                   # (B, k)
    d_h = g_pos[:, None] * u_o + np.einsum("bk,bkd->bd", g_neg, u_n)
    dW_in = np.zeros_like(W_in)
    np.add.at(dW_in, c, d_h)
    dW_out = np.zeros_like(W_out)
    np.add.at(dW_out, o, g_pos[:, None] * h)
    np.add.at(dW_out, neg, g_neg[:, :, None] * h[:, None, :])
    return float(loss), {"W_in": dW_in, "W_out": dW_out}
