"""Model solution of exercises/cbow (standalone NumPy)."""

import numpy as np


def _sigmoid(s):
    return np.exp(-np.logaddexp(0.0, -s))


def loss_and_grad(params, batch, config):
    W_in, W_out = params["W_in"], params["W_out"]
    ctx, mask = batch["context"], batch["context_mask"]
    o, neg = batch["center"], batch["negatives"]
    B = o.shape[0]
    n = mask.sum(axis=1)                                            # (B,)
    h = (W_in[ctx] * mask[:, :, None]).sum(axis=1) / n[:, None]     # (B, d)
    s_pos = np.einsum("bd,bd->b", W_out[o], h)
    s_neg = np.einsum("bkd,bd->bk", W_out[neg], h)
    loss = (np.logaddexp(0.0, -s_pos) + np.logaddexp(0.0, s_neg).sum(axis=1)).mean()
    g_pos = (_sigmoid(s_pos) - 1.0) / B
    g_neg = _sigmoid(s_neg) / B
    d_h = g_pos[:, None] * W_out[o] + np.einsum("bk,bkd->bd", g_neg, W_out[neg])
    dW_out = np.zeros_like(W_out)
    np.add.at(dW_out, o, g_pos[:, None] * h)
    np.add.at(dW_out, neg, g_neg[:, :, None] * h[:, None, :])
    dW_in = np.zeros_like(W_in)
    b, j = np.nonzero(mask)
    np.add.at(dW_in, ctx[b, j], d_h[b] / n[b, None])
    return float(loss), {"W_in": dW_in, "W_out": dW_out}
