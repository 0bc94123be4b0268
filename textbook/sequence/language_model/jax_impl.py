r"""A recurrent language model in JAX: the same functions as ``numpy_impl``, gradients by autodiff, jitted.

The equation names are those of ``numpy_impl`` (the language-model page's, rnn-lm.md). The recurrent stack is
``textbook.sequence.rnn.jax_impl.run_stack`` (one ``lax.scan`` per layer);
``jax.value_and_grad`` derives (RNN-4)-(RNN-8). A whole training step (loss,
gradient, clipping, Adam) is one jitted function, and so is sampling: the
prompt is read by the stack, then a ``lax.scan`` over the noise draws feeds
each sampled token back in.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from textbook.core.numerics import jax_impl as nx
from textbook.core.optim import jax_impl as optim
from textbook.sequence.language_model._checks import check_batch, check_lr, check_params, check_sampling
from textbook.sequence.rnn import jax_impl as rnn


# --8<-- [start:forward]
def embed(params, tokens, config):
    """The input ``x_t`` of eq. (RNN-1): rows of the embedding, or one-hot vectors when ``embedding_dim = 0``."""
    if config.embedding_dim:
        return params["embedding.weight"][tokens]
    return jax.nn.one_hot(tokens, config.vocab_size, dtype=params["output.weight"].dtype)


def _logits(params, batch, config):
    """Eqs. (RNN-1), (RNN-2): ``(logits (B, T, V), final_states, mask (B, T))``."""
    tokens = batch["tokens"]
    x = embed(params, tokens, config)                             # (B, T, E)  input of (RNN-1)
    mask = rnn.length_mask(batch["lengths"], tokens.shape[1])     # (B, T)
    h, final = rnn.run_stack(params, x, mask, batch, config.rnn, prefix="rnn.")   # eq. (RNN-1)
    return h @ params["output.weight"].T + params["output.bias"], final, mask     # eq. (RNN-2)
# --8<-- [end:forward]


# --8<-- [start:loss_and_grad]
def _mean_ce(params, batch, config):
    """Eq. (RNN-2), with the final states as auxiliary output."""
    logits, final, mask = _logits(params, batch, config)
    ce = nx.softmax_cross_entropy(logits, batch["targets"])       # (B, T)
    return jnp.sum(ce * mask) / jnp.sum(mask), final


_forward = jax.jit(lambda params, batch, config: _logits(params, batch, config)[:2], static_argnums=2)
_loss_and_state = jax.jit(_mean_ce, static_argnums=2)
_loss_and_grad = jax.jit(jax.value_and_grad(_mean_ce, has_aux=True), static_argnums=2)
# --8<-- [end:loss_and_grad]


# --8<-- [start:train_step]
def clip_by_global_norm(grads, max_norm):
    """Eq. (RNN-10): scale all gradients by ``min(1, max_norm / (norm + 1e-6))``. Returns ``(grads, norm)``."""
    norm = jnp.sqrt(sum(jnp.sum(jnp.square(g)) for g in grads.values()))
    scale = jnp.minimum(1.0, max_norm / (norm + 1e-6))
    return {k: (g * scale).astype(g.dtype) for k, g in grads.items()}, norm


@partial(jax.jit, static_argnums=3)
def _train_step(params, opt_state, batch, config, lr):
    (value, final), grads = jax.value_and_grad(_mean_ce, has_aux=True)(params, batch, config)   # (RNN-2)-(RNN-8)
    if config.clip > 0:
        grads, _ = clip_by_global_norm(grads, config.clip)        # eq. (RNN-10)
    params, opt_state = optim.adam(params, grads, opt_state, lr)  # Adam, no page equation
    return params, opt_state, value, final
# --8<-- [end:train_step]


# --8<-- [start:sample]
def _next_token(logits, u, temperature, top_k):
    """Eq. (RNN-11) inside jit: ``temperature`` is traced (0 gives argmax), ``top_k`` static."""
    safe = jnp.where(temperature > 0, temperature, 1.0)
    z = logits / safe                                             # (B, V)
    if top_k:
        kth = lax.top_k(z, top_k)[0][:, -1:]                      # (B, 1) the k-th largest logit
        z = jnp.where(z >= kth, z, -jnp.inf)
    cdf = jnp.cumsum(nx.softmax(z, axis=-1), axis=-1)             # (B, V)
    pick = jnp.sum(cdf <= u[:, None] * cdf[:, -1:], axis=-1)      # first i with cdf_i > u * total
    pick = jnp.minimum(pick, logits.shape[-1] - 1)
    return jnp.where(temperature > 0, pick, jnp.argmax(logits, axis=-1))


def decode_step(params, tokens, state, config):
    """One token per row through the model: ``(logits (B, V), new_state)``; pure, a ``lax.scan`` body piece."""
    x = embed(params, tokens, config)                             # (B, E)
    new = {k: [] for k in state}
    for layer in range(config.num_layers):
        w = rnn.cell_weights(params, layer, 0, prefix="rnn.")
        s = rnn.step(config.cell, w, x, {k: state[k][layer] for k in state})
        x = s["h"] + x if (config.residual and layer > 0) else s["h"]
        for k in state:
            new[k].append(s[k])
    logits = x @ params["output.weight"].T + params["output.bias"]   # (B, V)
    return logits, {k: jnp.stack(v) for k, v in new.items()}


@partial(jax.jit, static_argnums=(3, 5))
def _sample(params, prompt, noise, config, temperature, top_k):
    B, P = prompt.shape
    logits, final = _logits(params, {"tokens": prompt, "lengths": jnp.full((B,), P),
                                     **_zero_states(params, config, B)}, config)[:2]   # read the prompt

    def body(carry, u):
        last, state = carry
        token = _next_token(last, u, temperature, top_k)
        last, state = decode_step(params, token, state, config)
        return (last, state), token

    _, tokens = lax.scan(body, (logits[:, -1], final), noise.T)  # over the N draws
    return tokens.T                                               # (B, N)
# --8<-- [end:sample]


def _zero_states(params, config, B):
    dtype = params["output.weight"].dtype
    keys = ("h0", "c0") if config.cell == "lstm" else ("h0",)
    return {k: jnp.zeros((config.num_layers, B, config.hidden_size), dtype=dtype) for k in keys}


# --- the interface (host-side checks, then the jitted functions) ----------------------------------------

def _device_batch(params, batch, config, targets=True):
    check_params(params, config)
    checked = check_batch(batch, config, targets=targets)
    dtype = params["output.weight"].dtype
    out = {k: jnp.asarray(v, dtype=jnp.int32) for k, v in checked.items() if k in ("tokens", "targets", "lengths")}
    out.update({k: jnp.asarray(v, dtype=dtype) for k, v in checked.items() if k in ("h0", "c0")})
    return out


def forward(params, inputs, config):
    """Logits ``(B, T, V)`` and final states ``{"h": (L, B, H)[, "c"]}``, jitted."""
    return _forward(params, _device_batch(params, inputs, config, targets=False), config)


def loss(params, batch, config):
    """The mean cross-entropy (RNN-2). Returns a JAX scalar."""
    return loss_and_state(params, batch, config)[0]


def loss_and_state(params, batch, config):
    """The loss (RNN-2) and the final states (to carry into the next chunk)."""
    return _loss_and_state(params, _device_batch(params, batch, config), config)


def loss_and_grad(params, batch, config):
    """The loss (RNN-2) and its gradients keyed like ``params``."""
    (value, _), grads = _loss_and_grad(params, _device_batch(params, batch, config), config)
    return value, grads


def train_step(params, opt_state, batch, config, lr):
    """One jitted step: loss and gradients, clipping if ``config.clip > 0``, Adam.

    Returns ``(params, opt_state, loss, final_states)``; the loss is the one before the update.
    """
    return _train_step(params, opt_state, _device_batch(params, batch, config), config, check_lr(lr))


def next_token(logits, u, temperature, top_k):
    """Eq. (RNN-11): one token per row from ``logits (B, V)`` and uniform draws ``u (B,)``."""
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 0:
        raise ValueError(f"top_k must be an int >= 0, got {top_k!r}")
    return _next_token_jit(jnp.asarray(logits), jnp.asarray(u), float(temperature), int(top_k))


_next_token_jit = jax.jit(_next_token, static_argnums=3)


def sample(params, prompt, noise, config, temperature=1.0, top_k=0):
    """Read ``prompt (B, P)``, then sample ``N`` tokens with ``noise (B, N)`` uniform draws: ``(B, N)`` ids."""
    check_params(params, config)
    prompt, noise, temperature, top_k = check_sampling(prompt, noise, config, temperature, top_k)
    dtype = params["output.weight"].dtype
    return _sample(params, jnp.asarray(prompt, dtype=jnp.int32), jnp.asarray(noise, dtype=dtype), config,
                   jnp.asarray(temperature, dtype=dtype), top_k)
