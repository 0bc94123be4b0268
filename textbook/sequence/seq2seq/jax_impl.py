r"""Sequence to sequence in JAX: the same functions as ``numpy_impl``, gradients by autodiff, jitted.

The equation numbers refer to ``numpy_impl``. The encoder is
``textbook.sequence.rnn.jax_impl.run_stack``; the decoder is one ``lax.scan`` over the target
steps whose body is `decoder_step` (eqs. S2S-4 to S2S-10); ``jax.value_and_grad`` derives the
backward pass (S2S-12)-(S2S-20). A training step (loss, gradient, clipping, Adam) is one jitted
function. ``step_fn(config)`` is the pure batched step that
``textbook.sequence.decoding.jax_impl`` runs inside its jitted beam search.
"""

from __future__ import annotations

from functools import lru_cache, partial

import jax
import jax.numpy as jnp
from jax import lax

from textbook.core.numerics import jax_impl as nx
from textbook.core.optim import jax_impl as optim
from textbook.core.validate import check_lr
from textbook.sequence.language_model.jax_impl import clip_by_global_norm
from textbook.sequence.rnn import jax_impl as rnn
from textbook.sequence.rnn._checks import state_keys
from textbook.sequence.seq2seq._checks import check_batch, check_params, check_source, decoder_keys

ADDITIVE = ("bahdanau", "luong-concat")


# --8<-- [start:encode]
def encode(params, src, src_lengths, config):
    """Eqs. (S2S-1)-(S2S-3): ``(memory, s_0)``, memory ``{"keys" (B, S, H), "mask" (B, S)[, "proj" (B, S, A)]}``."""
    B, S = src.shape
    enc = config.encoder_rnn
    dtype = params["src_embed.weight"].dtype
    mask = rnn.length_mask(src_lengths, S)                        # (B, S)
    x = params["src_embed.weight"][src]                           # (B, S, E)  eq. (S2S-1)
    zeros = {k + "0": jnp.zeros((enc.directions, B, enc.hidden_size), dtype) for k in state_keys(enc)}
    h, final = rnn.run_stack(params, x, mask, zeros, enc, prefix="enc.")   # eq. (S2S-2)
    s0 = {k: jnp.concatenate([v[d] for d in range(enc.directions)], axis=-1) for k, v in final.items()}  # (S2S-3)
    if config.input_feeding:
        s0["o"] = jnp.zeros((B, config.hidden_size), dtype)      # o_0 = 0, eq. (S2S-9f)
    memory = {"keys": h, "mask": mask}
    if config.attention in ADDITIVE:
        memory["proj"] = h @ params["attn.W_h"].T                 # (B, S, A)
    return memory, s0
# --8<-- [end:encode]


# --8<-- [start:attention]
def scores(params, query, memory, config):
    """Eq. (S2S-4): ``e (B, S)`` for the query ``(B, H)``."""
    keys = memory["keys"]                                         # (B, S, H)
    if config.attention in ADDITIVE:
        u = jnp.tanh(memory["proj"] + (query @ params["attn.W_s"].T)[:, None, :])   # (B, S, A)
        return u @ params["attn.v"]
    if config.attention == "luong-general":
        query = query @ params["attn.W"]                          # (B, H)  s^T W
    return jnp.einsum("bh,bsh->bs", query, keys)


def masked_softmax(e, mask):
    """Eq. (S2S-5): softmax over the real positions; exactly 0 where ``mask`` is False."""
    top = jnp.max(jnp.where(mask, e, -jnp.inf), axis=1, keepdims=True)   # (B, 1)
    w = jnp.where(mask, jnp.exp(jnp.where(mask, e, top) - top), 0.0)     # (B, S)
    return w / w.sum(axis=1, keepdims=True)


def attend(params, query, memory, config):
    """Eqs. (S2S-4)-(S2S-6): ``(a (B, S), c (B, H))``."""
    a = masked_softmax(scores(params, query, memory, config), memory["mask"])   # (B, S)
    return a, jnp.einsum("bs,bsh->bh", a, memory["keys"])         # (B, H)
# --8<-- [end:attention]


# --8<-- [start:decoder_step]
def decoder_step(params, config, memory, y_prev, state):
    """One decoder step, eqs. (S2S-1), (S2S-7)-(S2S-10): ``(z (B, V), new_state, a (B, S) or None)``."""
    w = rnn.cell_weights(params, 0, 0, prefix="dec.")
    e = params["tgt_embed.weight"][y_prev]                        # (B, E)  eq. (S2S-1)
    a = None
    if config.attention == "none":                                # eq. (S2S-7)
        new = rnn.step(config.cell, w, e, state)
        o = new["h"]
    elif config.attention == "bahdanau":                          # eq. (S2S-8): attend with s_{t-1}
        a, c = attend(params, state["h"], memory, config)
        new = rnn.step(config.cell, w, jnp.concatenate([e, c], axis=1), state)
        o = jnp.concatenate([new["h"], c], axis=1)                # (B, 2H)
    else:                                                         # eq. (S2S-9): attend with s_t
        x = jnp.concatenate([e, state["o"]], axis=1) if config.input_feeding else e   # eq. (S2S-9f)
        new = rnn.step(config.cell, w, x, state)
        a, c = attend(params, new["h"], memory, config)
        o = jnp.tanh(jnp.concatenate([c, new["h"]], axis=1) @ params["attn.W_c"].T)   # (B, H)
        if config.input_feeding:
            new["o"] = o                                          # read by the next step's cell
    z = o @ params["out.weight"].T + params["out.bias"]           # (B, V)  eq. (S2S-10)
    return z, new, a
# --8<-- [end:decoder_step]


# --8<-- [start:forward]
def _forward(params, batch, config):
    """Eqs. (S2S-1)-(S2S-10) with teacher forcing: ``(logits (B, T, V), attention (B, T, S) or None, tgt_mask)``."""
    memory, s0 = encode(params, batch["src"], batch["src_lengths"], config)

    def body(state, y_prev):                                      # y_prev: (B,) the true y_{t-1}
        z, new, a = decoder_step(params, config, memory, y_prev, state)
        return new, (z, a)

    _, (z, a) = lax.scan(body, s0, batch["tgt_in"].T)             # over the T target steps
    T = batch["tgt_in"].shape[1]
    tgt_mask = rnn.length_mask(batch["tgt_lengths"], T)           # (B, T)
    attention = None if a is None else jnp.swapaxes(a, 0, 1) * tgt_mask[..., None]
    return jnp.swapaxes(z, 0, 1), attention, tgt_mask
# --8<-- [end:forward]


# --8<-- [start:loss_and_grad]
def _loss(params, batch, config):
    """Eq. (S2S-11): the mean cross-entropy over the real target tokens."""
    logits, _, tgt_mask = _forward(params, batch, config)
    ce = nx.softmax_cross_entropy(logits, batch["tgt_out"])       # (B, T)
    return jnp.sum(ce * tgt_mask) / jnp.sum(tgt_mask)


_forward_jit = jax.jit(lambda params, batch, config: _forward(params, batch, config)[:2], static_argnums=2)
_loss_jit = jax.jit(_loss, static_argnums=2)
_loss_and_grad = jax.jit(jax.value_and_grad(_loss), static_argnums=2)


@partial(jax.jit, static_argnums=3)
def _train_step(params, opt_state, batch, config, lr):
    value, grads = jax.value_and_grad(_loss)(params, batch, config)   # (S2S-11)-(S2S-20)
    if config.clip > 0:
        grads, _ = clip_by_global_norm(grads, config.clip)
    params, opt_state = optim.adam(params, grads, opt_state, lr)
    return params, opt_state, value
# --8<-- [end:loss_and_grad]


# --- the interface (host-side checks, then the jitted functions) ----------------------------------------

def _device_batch(params, batch, config, targets=True):
    check_params(params, config)
    return {k: jnp.asarray(v, dtype=jnp.int32) for k, v in check_batch(batch, config, targets).items()}


def forward(params, batch, config):
    """Logits ``(B, T, V)`` and attention weights ``(B, T, S)`` (None without attention), jitted."""
    return _forward_jit(params, _device_batch(params, batch, config, targets=False), config)


def loss(params, batch, config):
    """The mean cross-entropy (S2S-11). Returns a JAX scalar."""
    return _loss_jit(params, _device_batch(params, batch, config), config)


def loss_and_grad(params, batch, config):
    """The loss (S2S-11) and its gradients keyed like ``params``."""
    return _loss_and_grad(params, _device_batch(params, batch, config), config)


def train_step(params, opt_state, batch, config, lr):
    """One jitted step: loss and gradients, clipping if ``config.clip > 0``, Adam: ``(params, opt_state, loss)``."""
    return _train_step(params, opt_state, _device_batch(params, batch, config), config, check_lr(lr))


# --8<-- [start:step_fn]
_encode_jit = jax.jit(encode, static_argnums=3)


def initial_state(params, src, src_lengths, config):
    """The decoding state before ``BOS``: ``s_0`` (``"h"``, ``"c"``, ``"o"``) and the memory, each with leading dim B."""
    check_params(params, config)
    src, src_lengths = check_source(src, src_lengths, config)
    memory, s0 = _encode_jit(params, jnp.asarray(src, jnp.int32), jnp.asarray(src_lengths, jnp.int32), config)
    return {**s0, **memory}


@lru_cache(maxsize=None)
def step_fn(config):
    """The pure batched step ``step(params, state, tokens (N,)) -> (log_probs (N, V), new_state[, a (N, S)])``
    run by ``textbook.sequence.decoding.jax_impl`` (one function object per config: it compiles once)."""
    def step(params, state, tokens):
        memory = {k: state[k] for k in ("keys", "mask", "proj") if k in state}
        s = {k: state[k] for k in decoder_keys(config)}
        z, new, a = decoder_step(params, config, memory, tokens, s)
        out = (nx.log_softmax(z, axis=-1), {**state, **new})
        return out if a is None else out + (a,)
    return step
# --8<-- [end:step_fn]
