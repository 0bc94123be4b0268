r"""The dilated causal stack in NumPy, with the backward pass written out.

Layer ``l`` (dilation ``d_l``, input ``h_l``, ``h_0 = x``), every convolution causal
(``textbook.sequence.conv``). The equation names are those of the dilated-convolution page
(docs/sequence/dilated.md):

* (DIL-1) ``a_l = conv1d(h_l, W_l, b_l, d_l, causal)``
* (DIL-2) plain:  ``z_l = tanh(a_l)``;  gated: ``g_l = conv1d(h_l, G_l, c_l, d_l, causal)``,
  ``z_l = tanh(a_l) * sigmoid(g_l)``
* (DIL-3) ``h_{l+1} = h_l + z_l`` with a residual connection (when the widths match), else ``z_l``
* (DIL-4) ``forward = h_L``; ``predict = h_L R + r`` with a readout, else ``h_L``
* (DIL-4) ``loss = mean((predict - target)^2)`` over every entry

Backward, layer by layer from the top, with ``dh_{l+1}`` the gradient reaching the layer's output:

* the derivative of (DIL-4), which has no equation of its own on the page:
  ``dpredict = 2 (predict - target) / N``; ``dR = h_L^T dpredict``, ``dr = sum dpredict``,
  ``dh_L = dpredict R^T``
* (DIL-5) ``dz_l = dh_{l+1}``; plain: ``da_l = dz_l (1 - tanh(a_l)^2)``; gated:
  ``da_l = dz_l sigmoid(g_l) (1 - tanh(a_l)^2)``, ``dg_l = dz_l tanh(a_l) sigmoid(g_l) (1 - sigmoid(g_l))``
* (DIL-6) the convolution's backward pass, (CONV-2)-(CONV-4), gives ``dW_l, db_l`` (and ``dG_l, dc_l``)
  and the gradient of ``h_l`` through the convolution(s); the residual connection adds ``dh_{l+1}`` to it
"""

from __future__ import annotations

import numpy as np

from textbook.core.numerics import numpy_impl as nx
from textbook.core.optim import numpy_impl as optim
from textbook.sequence.conv.numpy_impl import conv1d, conv1d_backward
from textbook.sequence.dilated._batch import (check_batch, check_input, check_lr, check_output_like,
                                              check_params, layer_inputs)


def _float64(params):
    return {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}


# --8<-- [start:layer]
def layer(params, h, l: int, config):
    """Eqs. (DIL-1)-(DIL-3) for layer ``l``: ``(B, T, c_l) -> (B, T, channels)``, and the cache for
    `layer_backward`.
    """
    d = config.dilations[l]
    a = conv1d(h, params[f"layer{l}.W"], params[f"layer{l}.b"], d, "causal")          # (B, T, C)  eq. (DIL-1)
    g = conv1d(h, params[f"layer{l}.W_gate"], params[f"layer{l}.b_gate"], d, "causal") if config.gated else None
    z = np.tanh(a) if g is None else np.tanh(a) * nx.sigmoid(g)                       # eq. (DIL-2)
    skip = config.residual and h.shape[2] == config.channels
    return (h + z if skip else z), (h, a, g, skip)                                    # eq. (DIL-3)


def layer_backward(params, d_out, cache, l: int, config):
    """Eqs. (DIL-5), (DIL-6): the gradient of layer ``l``'s input, and of its params."""
    h, a, g, skip = cache
    d = config.dilations[l]
    grads = {}
    if g is None:
        da = d_out * (1.0 - np.tanh(a) ** 2)                                         # eq. (DIL-5)
    else:
        ta, sg = np.tanh(a), nx.sigmoid(g)
        da = d_out * sg * (1.0 - ta ** 2)
        dg = d_out * ta * sg * (1.0 - sg)
        gg = conv1d_backward(dg, h, params[f"layer{l}.W_gate"], d, "causal")          # eq. (DIL-6)
        grads[f"layer{l}.W_gate"], grads[f"layer{l}.b_gate"] = gg["w"], gg["b"]
    ga = conv1d_backward(da, h, params[f"layer{l}.W"], d, "causal")                   # eq. (DIL-6)
    grads[f"layer{l}.W"], grads[f"layer{l}.b"] = ga["w"], ga["b"]
    dh = ga["x"] + (gg["x"] if g is not None else 0.0) + (d_out if skip else 0.0)     # residual: + d_out
    return dh, grads
# --8<-- [end:layer]


# --8<-- [start:stack]
def _stack(params, x, config):
    """Eqs. (DIL-1)-(DIL-4): the top layer's output ``(B, T, channels)`` and every layer's cache."""
    h, caches = x, []
    for l in range(len(config.dilations)):
        h, cache = layer(params, h, l, config)
        caches.append(cache)
    return h, caches


def _stack_backward(params, dh, caches, config):
    """Eqs. (DIL-5), (DIL-6) from the top layer down: the gradient of the input ``x`` and of every layer's
    params.
    """
    grads = {}
    for l in reversed(range(len(config.dilations))):
        dh, g = layer_backward(params, dh, caches[l], l, config)
        grads.update(g)
    return dh, grads


def _readout(params, h, config):
    return h @ params["readout.W"] + params["readout.b"] if config.out_channels else h   # eq. (DIL-4)
# --8<-- [end:stack]


def forward(params, x, config) -> np.ndarray:
    """Eqs. (DIL-1)-(DIL-3): ``(B, T, in_channels) -> (B, T, channels)``, every output step causal."""
    check_params(params, config)
    check_input(x, config)
    h, _ = _stack(_float64(params), np.asarray(x, dtype=np.float64), config)
    return h


def predict(params, x, config) -> np.ndarray:
    """Eq. (DIL-4): `forward` followed by the readout (if any): ``(B, T, output_size)``."""
    check_params(params, config)
    check_input(x, config)
    params = _float64(params)
    h, _ = _stack(params, np.asarray(x, dtype=np.float64), config)
    return _readout(params, h, config)


def input_gradient(params, x, dy, config) -> np.ndarray:
    """The gradient of ``sum(forward(params, x) * dy)`` with respect to ``x``: ``(B, T, in_channels)``.

    With ``dy`` one-hot at step ``t`` this is a row of the Jacobian of output ``t``: it is zero
    outside the receptive field ``t - RF + 1 .. t``.
    """
    check_params(params, config)
    B, T = check_input(x, config)
    check_output_like(dy, B, T, config.channels, "dy")
    params = _float64(params)
    _, caches = _stack(params, np.asarray(x, dtype=np.float64), config)
    dx, _ = _stack_backward(params, np.asarray(dy, dtype=np.float64), caches, config)
    return dx


def loss(params, batch, config) -> float:
    """Eq. (DIL-4): the mean squared error of `predict` against ``batch["target"]``."""
    check_params(params, config)
    batch = check_batch(batch, config)
    return float(np.mean((predict(params, batch["x"], config) - batch["target"]) ** 2))


# --8<-- [start:loss_and_grad]
def loss_and_grad(params, batch, config) -> tuple[float, dict[str, np.ndarray]]:
    """Eqs. (DIL-1)-(DIL-6): the mean squared error and its gradient for every key of ``params``."""
    check_params(params, config)
    batch = check_batch(batch, config)
    params = _float64(params)
    x, target = batch["x"].astype(np.float64), batch["target"].astype(np.float64)
    h, caches = _stack(params, x, config)                            # (B, T, C)
    err = _readout(params, h, config) - target                        # (B, T, out)
    d_pred = 2.0 * err / err.size                                     # derivative of (DIL-4)
    grads = {}
    if config.out_channels:
        grads["readout.W"] = h.reshape(-1, h.shape[2]).T @ d_pred.reshape(-1, d_pred.shape[2])
        grads["readout.b"] = d_pred.sum(axis=(0, 1))
        dh = d_pred @ params["readout.W"].T                           # (B, T, C)
    else:
        dh = d_pred
    _, layer_grads = _stack_backward(params, dh, caches, config)
    grads.update(layer_grads)
    return float(np.mean(err ** 2)), grads
# --8<-- [end:loss_and_grad]


def train_step(params, state, batch, config, lr: float):
    """One Adam step: ``(params, state, loss)`` with the loss before the step."""
    lr = check_lr(lr)
    value, grads = loss_and_grad(params, batch, config)
    params, state = optim.adam(_float64(params), grads, state, lr)
    return params, state, value


__all__ = ["layer", "layer_backward", "forward", "predict", "input_gradient", "loss", "loss_and_grad",
           "train_step", "layer_inputs"]
