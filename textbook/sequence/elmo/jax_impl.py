r"""ELMo in JAX: the same biLM and scalar mix as ``numpy_impl``, gradients by autodiff, jitted.

The equation names are those of ``numpy_impl`` (the ELMo page's, elmo.md). Each layer of each direction is
``textbook.sequence.rnn.jax_impl.layer_forward`` (one ``lax.scan``; the backward
LM scans with ``reverse=True``, which respects each sentence's length).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from textbook.core.numerics import jax_impl as nx
from textbook.core.optim import jax_impl as optim
from textbook.sequence.elmo._checks import (check_batch, check_layers, check_mix, check_mix_batch,
                                            check_params)
from textbook.sequence.language_model._checks import check_lr
from textbook.sequence.language_model.jax_impl import clip_by_global_norm
from textbook.sequence.rnn import jax_impl as rnn


# --8<-- [start:stacks]
def lm_stack(params, x, mask, config, direction):
    """Eq. (ELMO-1): the layers of one direction's LSTM stack, ``[(B, T, d)] * L``."""
    B, d = x.shape[0], config.dim
    zero = {k: jnp.zeros((B, d), dtype=x.dtype) for k in (("h", "c") if config.cell == "lstm" else ("h",))}
    outs, inp = [], x
    for layer in range(config.num_layers):
        w = rnn.cell_weights(params, layer, 0, prefix=direction + ".")
        y, _ = rnn.layer_forward(config.cell, w, inp, mask, zero, reverse=(direction == "backward"))
        out = y + inp if (config.residual and layer > 0) else y  # residual connection
        outs.append(out)
        inp = out
    return outs
# --8<-- [end:stacks]


# --8<-- [start:loss_and_grad]
def _bilm_loss(params, batch, config):
    """Eqs. (ELMO-1)-(ELMO-3)."""
    tokens, lengths = batch["tokens"], batch["lengths"]
    T = tokens.shape[1]
    mask = rnn.length_mask(lengths, T)                            # (B, T)
    x = params["embedding.weight"][tokens]                        # (B, T, d)  eq. (ELMO-1)
    t = jnp.arange(T)[None, :]
    nxt = jnp.concatenate([tokens[:, 1:], jnp.zeros_like(tokens[:, :1])], axis=1)    # w_{t+1}
    prv = jnp.concatenate([jnp.zeros_like(tokens[:, :1]), tokens[:, :-1]], axis=1)   # w_{t-1}
    m_next = t < lengths[:, None] - 1
    m_prev = (t >= 1) & (t < lengths[:, None])
    total = 0.0
    for direction, targets, m in (("forward", nxt, m_next), ("backward", prv, m_prev)):
        top = lm_stack(params, x, mask, config, direction)[-1]   # eq. (ELMO-1)
        logits = top @ params["output.weight"].T + params["output.bias"]   # eq. (ELMO-2): one shared softmax
        total = total + jnp.sum(nx.softmax_cross_entropy(logits, targets) * m)
    return total / (2.0 * jnp.sum(m_next))                        # eq. (ELMO-3)


_loss = jax.jit(_bilm_loss, static_argnums=2)
_loss_and_grad = jax.jit(jax.value_and_grad(_bilm_loss), static_argnums=2)
# --8<-- [end:loss_and_grad]


@partial(jax.jit, static_argnums=3)
def _train_step(params, opt_state, batch, config, lr):
    value, grads = jax.value_and_grad(_bilm_loss)(params, batch, config)
    if config.clip > 0:
        grads, _ = clip_by_global_norm(grads, config.clip)
    params, opt_state = optim.adam(params, grads, opt_state, lr)
    return params, opt_state, value


# --8<-- [start:layers]
@partial(jax.jit, static_argnums=2)
def _layers(params, batch, config):
    """Eq. (ELMO-5): ``(L+1, B, T, 2d)``, zero past each length."""
    mask = rnn.length_mask(batch["lengths"], batch["tokens"].shape[1])
    x = params["embedding.weight"][batch["tokens"]] * mask[..., None]   # (B, T, d)
    fwd = lm_stack(params, x, mask, config, "forward")
    bwd = lm_stack(params, x, mask, config, "backward")
    reps = [jnp.concatenate([x, x], axis=-1)]                     # R_0 = [x; x]: the static embedding
    reps += [jnp.concatenate([f, g], axis=-1) for f, g in zip(fwd, bwd)]   # R_j = [f_j; g_j]
    return jnp.stack(reps)
# --8<-- [end:layers]


# --8<-- [start:scalar_mix]
def _scalar_mix(mix, layers):
    """Eq. (ELMO-6): ``gamma * sum_j softmax(s)_j layers[j]``."""
    return mix["gamma"] * jnp.tensordot(nx.softmax(mix["s"]), layers, axes=1)


def _mix_loss(mix, layers, weights):
    return jnp.sum(_scalar_mix(mix, layers) * weights)


_scalar_mix_jit = jax.jit(_scalar_mix)
_mix_loss_and_grad = jax.jit(jax.value_and_grad(_mix_loss))
_mix_vjp = jax.jit(lambda mix, layers, d_out: jax.vjp(_scalar_mix, mix, layers)[1](d_out))
# --8<-- [end:scalar_mix]


# --- the interface (host-side checks, then the jitted functions) ----------------------------------------

def _device_batch(params, batch, config, need_predictions=True):
    check_params(params, config)
    checked = check_batch(batch, config, need_predictions=need_predictions)
    return {k: jnp.asarray(v, dtype=jnp.int32) for k, v in checked.items()}


def _device_mix(mix, dtype):
    return {"s": jnp.asarray(mix["s"], dtype=dtype), "gamma": jnp.asarray(mix["gamma"], dtype=dtype)}


def loss(params, batch, config):
    """The biLM loss (ELMO-3). Returns a JAX scalar."""
    return _loss(params, _device_batch(params, batch, config), config)


def loss_and_grad(params, batch, config):
    """The loss (ELMO-3) and its gradients keyed like ``params``."""
    return _loss_and_grad(params, _device_batch(params, batch, config), config)


def train_step(params, opt_state, batch, config, lr):
    """Loss and gradients, clipping by global norm if ``config.clip > 0``, Adam. Returns ``(params, opt_state, loss)``."""
    return _train_step(params, opt_state, _device_batch(params, batch, config), config, check_lr(lr))


def layers(params, inputs, config):
    """Eq. (ELMO-5): the ``L + 1`` layers ELMo mixes, ``(L+1, B, T, 2d)``."""
    return _layers(params, _device_batch(params, inputs, config, need_predictions=False), config)


def scalar_mix(mix, layers):
    """Eq. (ELMO-6): ``gamma * sum_j softmax(s)_j layers[j]``."""
    mix = check_mix(mix)
    layers = check_layers(layers, mix)
    dtype = jnp.result_type(layers)
    return _scalar_mix_jit(_device_mix(mix, dtype), jnp.asarray(layers))


def scalar_mix_backward(mix, layers, d_out):
    """Eqs. (ELMO-7), (ELMO-8) by ``jax.vjp``: ``({"s", "gamma"}, d_layers)``."""
    mix = check_mix(mix)
    layers = check_layers(layers, mix)
    dtype = jnp.result_type(layers)
    d_mix, d_layers = _mix_vjp(_device_mix(mix, dtype), jnp.asarray(layers), jnp.asarray(d_out, dtype=dtype))
    return d_mix, d_layers


def scalar_mix_loss_and_grad(mix, batch):
    """The linear test loss ``sum(scalar_mix(mix, layers) * weights)`` and its gradients ``{"s", "gamma"}``."""
    mix, batch = check_mix_batch(mix, batch)
    dtype = jnp.result_type(batch["layers"])
    return _mix_loss_and_grad(_device_mix(mix, dtype), jnp.asarray(batch["layers"]),
                              jnp.asarray(batch["weights"], dtype=dtype))
