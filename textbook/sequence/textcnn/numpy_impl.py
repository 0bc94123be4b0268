r"""TextCNN (Kim, 2014) in NumPy, with the backward pass written out.

Notation: a batch of ``B`` texts padded to ``T`` tokens, ``tokens (B, T)``, ``mask (B, T)``
(True on the ``n_b`` real tokens of text ``b``), embeddings ``E (V, d)``, for each filter width
``w`` a kernel ``W_w (w, d, F)`` and bias ``b_w (F,)``, the classifier ``U (len(widths) F, K)``,
``c (K,)``. The equation names are those of the TextCNN page (docs/sequence/textcnn.md).

Forward:

* (TCNN-1) embed               ``X[b, t] = m[b, t] E[tokens[b, t]]``                      ``(B, T, d)``
* (TCNN-2) convolve            ``A_w = conv1d(X, W_w, b_w)`` (valid), then ``H_w = relu(A_w)``
  ``(B, T - w + 1, F)``
* (TCNN-3) max over time       ``p_w[b, f] = max_{t in S_w(b)} H_w[b, t, f]``: only the windows that
  start in ``S_w(b) = {0, ..., max(n_b - w, 0)}``, so a window that reaches into the padding never wins
* (TCNN-4) concatenate, drop   ``z = [p_w1, p_w2, ...] * r``  (``r`` the dropout mask of the batch)
  ``(B, F_total)``
* (TCNN-5) classify            ``logits = z U + c``; ``loss = mean_b -log softmax(logits_b)[y_b]``

Backward, the same steps in reverse:

* (TCNN-6) ``dlogits = (softmax(logits) - onehot(y)) / B``; ``dU = z^T dlogits``; ``dc = sum_b dlogits``;
  ``dz = dlogits U^T``
* (TCNN-7) ``dp = dz * r``, split back into one ``(B, F)`` block per width
* (TCNN-8) max-over-time routes ``dp_w[b, f]`` to the one window that won, ``t* = argmax``; every other
  window (and every padded one) gets zero
* (TCNN-9) ``dA_w = dH_w * [A_w > 0]``; ``dX``, ``dW_w``, ``db_w`` by the convolution's backward pass
  (``textbook.sequence.conv``, eqs. (CONV-2)-(CONV-4))
* (TCNN-10) ``dE[i] = sum of dX[b, t] over the real positions where tokens[b, t] = i``
"""

from __future__ import annotations

import numpy as np

from textbook.core.numerics import numpy_impl as nx
from textbook.core.optim import numpy_impl as optim
from textbook.core.rows import sum_rows
from textbook.sequence.conv.numpy_impl import conv1d, conv1d_backward
from textbook.sequence.textcnn._batch import check_batch, check_lr, check_params


def _float64(params):
    return {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}


# --8<-- [start:pooling]
def window_starts(mask: np.ndarray, width: int) -> np.ndarray:
    """``(B, T - w + 1)`` bool: the windows of width ``w`` allowed to win, eq. (TCNN-3).

    A window starting at ``t`` covers tokens ``t .. t + w - 1``; it is allowed when it lies inside
    the text (``t <= n_b - w``). A text shorter than ``w`` keeps its first window, padded with zero
    vectors, so every text has at least one.
    """
    T_out = mask.shape[1] - width + 1
    last = np.maximum(mask.sum(axis=1) - width, 0)                 # (B,)  last allowed start
    return np.arange(T_out)[None, :] <= last[:, None]              # (B, T_out)


def max_over_time(h: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (TCNN-3): ``(B, T, F)`` and ``(B, T)`` bool -> pooled ``(B, F)`` and the winning positions ``(B, F)``.

    Disallowed positions become ``-inf`` before the max, so they can never win, whatever
    their value (even when every allowed value is negative).
    """
    masked = np.where(allowed[:, :, None], h, -np.inf)              # (B, T, F)
    where = masked.argmax(axis=1)                                   # (B, F)  first maximum
    pooled = np.take_along_axis(h, where[:, None, :], axis=1)[:, 0]  # (B, F)
    return pooled, where


def max_over_time_backward(d_pooled: np.ndarray, where: np.ndarray, length: int) -> np.ndarray:
    """Eq. (TCNN-8): the gradient goes to the winning position only: ``(B, F) -> (B, T, F)``."""
    B, F = d_pooled.shape
    dh = np.zeros((B, length, F))
    np.put_along_axis(dh, where[:, None, :], d_pooled[:, None, :], axis=1)
    return dh
# --8<-- [end:pooling]


# --8<-- [start:forward]
def _encode(params, batch, config):
    """Eqs. (TCNN-1)-(TCNN-4): the features ``z (B, F_total)`` and what the backward pass needs."""
    tokens, mask = batch["tokens"], batch["mask"]                   # (B, T), (B, T)
    X = params["embed"][tokens] * mask[:, :, None]                  # (B, T, d)   eq. (TCNN-1)
    pooled, cache = [], []
    for w in config.widths:
        A = conv1d(X, params[f"conv{w}.W"], params[f"conv{w}.b"])    # (B, T-w+1, F)  eq. (TCNN-2)
        H = np.maximum(A, 0.0)                                      # relu
        p, where = max_over_time(H, window_starts(mask, w))         # (B, F), (B, F)  eq. (TCNN-3)
        pooled.append(p)
        cache.append((A, where))
    p = np.concatenate(pooled, axis=1)                              # (B, F_total)    eq. (TCNN-4)
    r = batch.get("dropout", np.ones_like(p))                       # (B, F_total)
    return p * r, (X, cache, p, r)


def features(params, batch, config) -> tuple[np.ndarray, np.ndarray]:
    """The pooled features ``(B, F_total)`` before dropout, and where each one was found ``(B, F_total)``.

    Feature ``i * filters + f`` is filter ``f`` of width ``widths[i]``; its position ``t`` means
    the window of tokens ``t .. t + width - 1``.
    """
    check_params(params, config)
    batch = check_batch(batch, config, labels=False)
    batch.pop("dropout", None)
    _, (_, cache, p, _) = _encode(_float64(params), batch, config)
    return p, np.concatenate([where for _, where in cache], axis=1)


def forward(params, batch, config) -> np.ndarray:
    """Eqs. (TCNN-1)-(TCNN-5): the logits ``(B, K)`` (with the batch's dropout mask, if it has one)."""
    check_params(params, config)
    batch = check_batch(batch, config, labels=False)
    params = _float64(params)
    z, _ = _encode(params, batch, config)
    return z @ params["out.W"] + params["out.b"]                    # (B, K)   eq. (TCNN-5)
# --8<-- [end:forward]


def loss(params, batch, config) -> float:
    """Eq. (TCNN-5): the mean cross-entropy over the batch."""
    check_params(params, config)
    batch = check_batch(batch, config)
    params = _float64(params)
    z, _ = _encode(params, batch, config)
    logits = z @ params["out.W"] + params["out.b"]
    return float(nx.softmax_cross_entropy(logits, batch["labels"]).mean())


# --8<-- [start:loss_and_grad]
def loss_and_grad(params, batch, config) -> tuple[float, dict[str, np.ndarray]]:
    """Eqs. (TCNN-1)-(TCNN-10): the mean cross-entropy and its gradient for every key of ``params``."""
    check_params(params, config)
    batch = check_batch(batch, config)
    params = _float64(params)
    tokens, mask, y = batch["tokens"], batch["mask"], batch["labels"]
    B, T = tokens.shape
    # forward, eqs. (TCNN-1)-(TCNN-5)
    z, (X, cache, p, r) = _encode(params, batch, config)
    logits = z @ params["out.W"] + params["out.b"]                  # (B, K)
    losses = nx.softmax_cross_entropy(logits, y)                    # (B,)
    # backward, eq. (TCNN-6): the classifier
    d_logits = nx.softmax(logits)                                   # (B, K)
    d_logits[np.arange(B), y] -= 1.0
    d_logits /= B                                                   # the mean over the batch
    grads = {"out.W": z.T @ d_logits, "out.b": d_logits.sum(axis=0)}
    dz = d_logits @ params["out.W"].T                               # (B, F_total)
    dp = dz * r                                                     # eq. (TCNN-7): dropout
    dX = np.zeros_like(X)                                           # (B, T, d)
    F = config.filters
    for i, (w, (A, where)) in enumerate(zip(config.widths, cache)):
        dH = max_over_time_backward(dp[:, i * F:(i + 1) * F], where, A.shape[1])   # eq. (TCNN-8)
        dA = dH * (A > 0)                                           # eq. (TCNN-9): relu
        g = conv1d_backward(dA, X, params[f"conv{w}.W"])            # the convolution's backward
        grads[f"conv{w}.W"], grads[f"conv{w}.b"] = g["w"], g["b"]
        dX += g["x"]                                                # every width reads the same X
    # eq. (TCNN-10): scatter the real positions' gradients into the rows of their words
    rows, row_grads = sum_rows(tokens[mask], dX[mask])              # (U,), (U, d)
    grads["embed"] = np.zeros_like(params["embed"])
    grads["embed"][rows] = row_grads
    return float(losses.mean()), grads
# --8<-- [end:loss_and_grad]


# --8<-- [start:train_step]
def train_step(params, state, batch, config, lr: float):
    """One Adam step on the batch: returns ``(params, state, loss)`` with the loss before the step."""
    lr = check_lr(lr)
    value, grads = loss_and_grad(params, batch, config)
    params, state = optim.adam(_float64(params), grads, state, lr)
    return params, state, value
# --8<-- [end:train_step]
