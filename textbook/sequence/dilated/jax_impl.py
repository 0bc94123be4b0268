r"""The dilated causal stack in JAX: the forward pass of ``numpy_impl``, gradients by autodiff, jitted.

The equation names are those of ``numpy_impl`` (the dilated page's). The layers differ in their dilation (a static
property of the convolution), so the loop over layers is unrolled when the function is traced.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from textbook.core.optim import jax_impl as optim
from textbook.sequence.conv.jax_impl import correlate
from textbook.sequence.dilated._batch import (check_batch, check_input, check_lr, check_output_like,
                                              check_params)


# --8<-- [start:layer]
def layer(params, h, l: int, config):
    """Eqs. (DIL-1)-(DIL-3) for layer ``l``: ``(B, T, c_l) -> (B, T, channels)``."""
    d = config.dilations[l]
    a = correlate(h, params[f"layer{l}.W"], d, "causal") + params[f"layer{l}.b"]           # eq. (DIL-1)
    if config.gated:
        g = correlate(h, params[f"layer{l}.W_gate"], d, "causal") + params[f"layer{l}.b_gate"]
        z = jnp.tanh(a) * jax.nn.sigmoid(g)                                                 # eq. (DIL-2)
    else:
        z = jnp.tanh(a)
    skip = config.residual and h.shape[2] == config.channels
    return h + z if skip else z                                                             # eq. (DIL-3)
# --8<-- [end:layer]


# --8<-- [start:stack]
def _stack(params, x, config):
    """Eqs. (DIL-1)-(DIL-3) for every layer, bottom to top."""
    h = x
    for l in range(len(config.dilations)):
        h = layer(params, h, l, config)
    return h


def _predict(params, x, config):
    h = _stack(params, x, config)
    return h @ params["readout.W"] + params["readout.b"] if config.out_channels else h     # eq. (DIL-4)


def _mean_loss(params, batch, config):
    return jnp.mean((_predict(params, batch["x"], config) - batch["target"]) ** 2)           # eq. (DIL-4)
# --8<-- [end:stack]


_forward = jax.jit(_stack, static_argnums=2)
_predict_jit = jax.jit(_predict, static_argnums=2)
_loss = jax.jit(_mean_loss, static_argnums=2)
_loss_and_grad = jax.jit(jax.value_and_grad(_mean_loss), static_argnums=2)


@partial(jax.jit, static_argnums=3)
def _input_gradient(params, x, dy, config):
    _, vjp = jax.vjp(lambda x: _stack(params, x, config), x)
    return vjp(dy)[0]


@partial(jax.jit, static_argnums=3, donate_argnums=0)
def _train_step(params, state, batch, config, lr):
    value, grads = jax.value_and_grad(_mean_loss)(params, batch, config)
    params, state = optim.adam(params, grads, state, lr)
    return params, state, value


# --- the interface (host-side checks, then the jitted functions) ----------------------------------------

def _dtype(params):
    return jnp.result_type(params["layer0.W"])


def forward(params, x, config):
    """Eqs. (DIL-1)-(DIL-3): ``(B, T, in_channels) -> (B, T, channels)``, every output step causal."""
    check_params(params, config)
    check_input(x, config)
    return _forward(params, jnp.asarray(x, _dtype(params)), config)


def predict(params, x, config):
    """Eq. (DIL-4): `forward` followed by the readout (if any): ``(B, T, output_size)``."""
    check_params(params, config)
    check_input(x, config)
    return _predict_jit(params, jnp.asarray(x, _dtype(params)), config)


def input_gradient(params, x, dy, config):
    """The gradient of ``sum(forward(params, x) * dy)`` with respect to ``x``, by ``jax.vjp``."""
    check_params(params, config)
    B, T = check_input(x, config)
    check_output_like(dy, B, T, config.channels, "dy")
    dtype = _dtype(params)
    return _input_gradient(params, jnp.asarray(x, dtype), jnp.asarray(dy, dtype), config)


def _device_batch(batch, config, dtype):
    checked = check_batch(batch, config)
    return jax.device_put({k: np.asarray(v, dtype=dtype) for k, v in checked.items()})


def loss(params, batch, config):
    """Eq. (DIL-4): the mean squared error (a JAX scalar)."""
    check_params(params, config)
    return _loss(params, _device_batch(batch, config, _dtype(params)), config)


def loss_and_grad(params, batch, config):
    """The mean squared error and its gradient for every key of ``params``, by ``jax.value_and_grad``."""
    check_params(params, config)
    return _loss_and_grad(params, _device_batch(batch, config, _dtype(params)), config)


def train_step(params, state, batch, config, lr):
    """One Adam step: ``(params, state, loss)``; ``params`` is donated (do not reuse it)."""
    check_params(params, config)
    lr = check_lr(lr)
    return _train_step(params, state, _device_batch(batch, config, _dtype(params)), config, lr)
