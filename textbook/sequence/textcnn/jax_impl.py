r"""TextCNN in JAX: the forward pass of ``numpy_impl``, gradients by ``jax.value_and_grad``, jitted.

The equation names are those of ``numpy_impl`` (the TextCNN page's). Max-over-time pooling picks the winning position
with ``argmax`` and reads it with ``take_along_axis``, so the gradient reaches that one window,
as eq. (TCNN-8) says.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from textbook.core.numerics import jax_impl as nx
from textbook.core.optim import jax_impl as optim
from textbook.sequence.conv.jax_impl import correlate
from textbook.sequence.textcnn._batch import check_batch, check_lr, check_params


# --8<-- [start:pooling]
def window_starts(mask, width: int):
    """``(B, T - w + 1)`` bool: the windows of width ``w`` allowed to win, eq. (TCNN-3)."""
    T_out = mask.shape[1] - width + 1
    last = jnp.maximum(mask.sum(axis=1) - width, 0)                 # (B,)
    return jnp.arange(T_out)[None, :] <= last[:, None]              # (B, T_out)


def max_over_time(h, allowed):
    """Eq. (TCNN-3): pooled ``(B, F)`` and the winning positions ``(B, F)``; padding can never win."""
    masked = jnp.where(allowed[:, :, None], h, -jnp.inf)            # (B, T, F)
    where = masked.argmax(axis=1)                                   # (B, F)
    pooled = jnp.take_along_axis(h, where[:, None, :], axis=1)[:, 0]  # (B, F), gradient to `where` only
    return pooled, where
# --8<-- [end:pooling]


# --8<-- [start:forward]
def _encode(params, batch, config):
    """Eqs. (TCNN-1)-(TCNN-4): the pooled features before dropout ``(B, F_total)`` and their positions."""
    mask = batch["mask"]
    X = params["embed"][batch["tokens"]] * mask[:, :, None]         # (B, T, d)  eq. (TCNN-1)
    pooled, wheres = [], []
    for w in config.widths:
        A = correlate(X, params[f"conv{w}.W"], 1, "valid") + params[f"conv{w}.b"]   # eq. (TCNN-2)
        p, where = max_over_time(jax.nn.relu(A), window_starts(mask, w))             # eq. (TCNN-3)
        pooled.append(p)
        wheres.append(where)
    return jnp.concatenate(pooled, axis=1), jnp.concatenate(wheres, axis=1)          # eq. (TCNN-4)


def _logits(params, batch, config):
    p, _ = _encode(params, batch, config)
    z = p * batch["dropout"] if "dropout" in batch else p           # eq. (TCNN-4): dropout
    return z @ params["out.W"] + params["out.b"]                    # (B, K)     eq. (TCNN-5)


def _mean_loss(params, batch, config):
    return nx.softmax_cross_entropy(_logits(params, batch, config), batch["labels"]).mean()


_features = jax.jit(_encode, static_argnums=2)
_forward = jax.jit(_logits, static_argnums=2)
_loss = jax.jit(_mean_loss, static_argnums=2)
_loss_and_grad = jax.jit(jax.value_and_grad(_mean_loss), static_argnums=2)
# --8<-- [end:forward]


# --8<-- [start:train_step]
@partial(jax.jit, static_argnums=3, donate_argnums=0)
def _train_step(params, state, batch, config, lr):
    value, grads = jax.value_and_grad(_mean_loss)(params, batch, config)
    params, state = optim.adam(params, grads, state, lr)
    return params, state, value
# --8<-- [end:train_step]


# --- the interface (host-side checks, then the jitted functions) ----------------------------------------

def _device_batch(batch, config, labels=True, dtype=None):
    """Check ``batch`` on the host, move it to the device (ids as int32; the dropout mask in ``dtype``)."""
    checked = check_batch(batch, config, labels=labels)
    if "dropout" in checked and dtype is not None:
        checked["dropout"] = checked["dropout"].astype(dtype)
    host = {k: v.astype(np.int32) if v.dtype.kind == "i" else v for k, v in checked.items()}
    return jax.device_put(host)


def _dtype(params):
    return jnp.result_type(params["embed"])


def features(params, batch, config):
    """The pooled features ``(B, F_total)`` before dropout and where each one was found (see ``numpy_impl``)."""
    check_params(params, config)
    b = _device_batch(batch, config, labels=False)
    b.pop("dropout", None)
    return _features(params, b, config)


def forward(params, batch, config):
    """Eqs. (TCNN-1)-(TCNN-5): the logits ``(B, K)`` (with the batch's dropout mask, if it has one)."""
    check_params(params, config)
    return _forward(params, _device_batch(batch, config, labels=False, dtype=_dtype(params)), config)


def loss(params, batch, config):
    """Eq. (TCNN-5): the mean cross-entropy over the batch (a JAX scalar)."""
    check_params(params, config)
    return _loss(params, _device_batch(batch, config, dtype=_dtype(params)), config)


def loss_and_grad(params, batch, config):
    """The mean cross-entropy and its gradient for every key of ``params``, by ``jax.value_and_grad``."""
    check_params(params, config)
    return _loss_and_grad(params, _device_batch(batch, config, dtype=_dtype(params)), config)


def train_step(params, state, batch, config, lr):
    """One Adam step: ``(params, state, loss)``; ``params`` is donated (do not reuse it)."""
    check_params(params, config)
    lr = check_lr(lr)
    return _train_step(params, state, _device_batch(batch, config, dtype=_dtype(params)), config, lr)
