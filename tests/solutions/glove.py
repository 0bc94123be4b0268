"""Model solution of exercises/glove (standalone NumPy, as a student would submit it)."""

import numpy as np


def weighting(x, x_max, alpha):
    x = np.asarray(x, dtype=np.float64)
    return np.minimum(1.0, (x / x_max) ** alpha)


def loss_and_grad(params, batch, config):
    W, Wt, b, bt = params["W"], params["W_tilde"], params["b"], params["b_tilde"]
    i, j, x = batch["rows"], batch["cols"], batch["counts"]
    B = i.shape[0]
    f = weighting(x, config.x_max, config.alpha)                 # (B,)
    e = np.einsum("bd,bd->b", W[i], Wt[j]) + b[i] + bt[j] - np.log(x)
    loss = float(np.mean(f * e ** 2))
    g = 2.0 * f * e / B                                          # (B,) dL/de_n
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    np.add.at(grads["W"], i, g[:, None] * Wt[j])
    np.add.at(grads["W_tilde"], j, g[:, None] * W[i])
    np.add.at(grads["b"], i, g)
    np.add.at(grads["b_tilde"], j, g)
    return loss, grads
