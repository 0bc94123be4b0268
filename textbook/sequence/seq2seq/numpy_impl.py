r"""Sequence to sequence in NumPy: encoder, attention, decoder, loss, and every gradient by hand.

Notation: source ``x_1..x_S`` with mask ``m_i = [i <= S_b]``, target inputs ``y_0 = BOS, y_1..``,
encoder states ``h_i (B, S, H)``, decoder states ``s_t (B, H)``, contexts ``c_t (B, H)``,
attention weights ``a_t (B, S)``; ``N`` real target tokens.

Forward:

* (S2S-1) embeddings   ``x_i = E_src[x_i]``, ``e_t = E_tgt[y_{t-1}]``
* (S2S-2) encoder      ``h_1..h_S, s_enc = RNN(x_1..x_S)`` (bidirectional: ``h_i = [h_i^fwd; h_i^bwd]``)
* (S2S-3) bridge       ``s_0 = s_enc`` (bidirectional: ``[s^fwd; s^bwd]``): the bottleneck
* (S2S-4) scores       Bahdanau ``e_ti = v^T tanh(W_s s_{t-1} + W_h h_i)``; Luong ``dot`` ``s_t^T h_i``,
  ``general`` ``s_t^T W h_i``, ``concat`` ``v^T tanh(W_s s_t + W_h h_i)`` (``= v^T tanh(W [s_t; h_i])``)
* (S2S-5) masked softmax  ``a_ti = m_i exp(e_ti) / sum_j m_j exp(e_tj)``  (exactly 0 on padding)
* (S2S-6) context      ``c_t = sum_i a_ti h_i``
* (S2S-7) no attention ``s_t = cell(e_t, s_{t-1})``, ``o_t = s_t``
* (S2S-8) Bahdanau     ``c_t`` from ``s_{t-1}``; ``s_t = cell([e_t; c_t], s_{t-1})``, ``o_t = [s_t; c_t]``
* (S2S-9) Luong        ``s_t = cell(e_t, s_{t-1})``; ``c_t`` from ``s_t``; ``o_t = tanh(W_c [c_t; s_t])``
* (S2S-9f) input feeding (Luong, optional) ``s_t = cell([e_t; o_{t-1}], s_{t-1})`` with ``o_0 = 0``
* (S2S-10) readout     ``z_t = W_out o_t + b``
* (S2S-11) loss        ``L = (1/N) sum_{b,t} [t < T_b] (-log softmax(z_t)[y_t])``

Backward (``d`` is ``dL/d``):

* (S2S-12) ``dz_t = [t < T_b] (softmax(z_t) - onehot(y_t)) / N``
* (S2S-13) ``dW_out += dz_t^T o_t``, ``db += sum dz_t``, ``do_t = dz_t W_out``
* (S2S-14) Luong readout  ``dp = do_t (1 - o_t^2)``, ``dW_c += dp^T [c_t; s_t]``, ``[dc_t; ds_t] += dp W_c``
* (S2S-15) context    ``da_ti = h_i . dc_t``, ``dh_i += a_ti dc_t``
* (S2S-16) softmax    ``de_ti = a_ti (da_ti - sum_j a_tj da_tj)`` (0 on padding, since ``a_ti = 0``)
* (S2S-17) scores     dot: ``ds += sum_i de_i h_i``, ``dh_i += de_i s``; general: the same with ``W h_i``
  and ``dW += s^T (sum_i de_i h_i)``; additive: ``du_i = de_i v (1 - u_i^2)``, ``dv += sum_i de_i u_i``,
  ``dW_s += (sum_i du_i)^T s``, ``ds += (sum_i du_i) W_s``, ``dW_h += sum_{t,i} du_ti^T h_i``, ``dh_i += du_i W_h``
* (S2S-18) the cell   ``textbook.sequence.rnn.numpy_impl.step_backward``, back through ``t = T..1``;
  with input feeding ``do_{t-1}`` also collects the cell's input gradient of step ``t``
* (S2S-19) encoder    ``textbook.sequence.rnn.numpy_impl.stack_backward`` from ``dh_i`` and ``ds_0``
* (S2S-20) embeddings ``dE[k] = sum over the positions holding token k``

Training step: global-norm clipping and Adam (``textbook.core.optim``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from textbook.core.numerics import numpy_impl as nx
from textbook.core.optim import numpy_impl as optim
from textbook.core.rows import sum_rows
from textbook.sequence.language_model.numpy_impl import clip_by_global_norm
from textbook.core.validate import check_lr
from textbook.sequence.rnn import numpy_impl as rnn
from textbook.sequence.rnn._checks import state_keys
from textbook.sequence.seq2seq._checks import check_batch, check_params, check_source, decoder_keys

ADDITIVE = ("bahdanau", "luong-concat")


def _float64(params):
    return {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}


def _add(grads, key, value):
    grads[key] = grads[key] + value if key in grads else value


# --8<-- [start:encode]
def encode(params, src, src_lengths, config):
    """Eqs. (S2S-1)-(S2S-3): ``(memory, s_0, cache)``; memory holds ``keys (B, S, H)``, ``mask (B, S)``
    and, for the additive scores, ``proj = W_h h_i (B, S, A)`` (computed once for all steps)."""
    B, S = src.shape
    enc = config.encoder_rnn
    mask = rnn.length_mask(src_lengths, S)                        # (B, S)
    x = params["src_embed.weight"][src]                           # (B, S, E)  eq. (S2S-1)
    zeros = {k + "0": np.zeros((enc.directions, B, enc.hidden_size)) for k in state_keys(enc)}
    h, final, caches = rnn.stack_forward(params, x, mask, zeros, enc, prefix="enc.")   # eq. (S2S-2)
    s0 = {k: np.concatenate(list(final[k]), axis=-1) for k in final}   # (B, H)  eq. (S2S-3)
    if config.input_feeding:
        s0["o"] = np.zeros((B, config.hidden_size))               # o_0 = 0, eq. (S2S-9f)
    memory = {"keys": h, "mask": mask}
    if config.attention in ADDITIVE:
        memory["proj"] = h @ params["attn.W_h"].T                 # (B, S, A)
    return memory, s0, (src, caches)


def encode_backward(params, memory, d_memory, d_s0, cache, config, grads):
    """Eqs. (S2S-17) for ``W_h``, (S2S-19), (S2S-20) for the source embedding; adds into ``grads``."""
    src, caches = cache
    enc = config.encoder_rnn
    d_keys = d_memory["keys"]                                     # (B, S, H)
    if config.attention in ADDITIVE:
        _add(grads, "attn.W_h", np.einsum("bsa,bsh->ah", d_memory["proj"], memory["keys"]))
        d_keys = d_keys + d_memory["proj"] @ params["attn.W_h"]
    d_final = {k: np.stack(np.split(d_s0[k], enc.directions, axis=-1)) for k in state_keys(enc)}   # (D, B, H/D)
    enc_grads, dx, _ = rnn.stack_backward(params, d_keys, d_final, caches, enc, prefix="enc.")
    grads.update(enc_grads)
    rows, g = sum_rows(src.ravel(), dx.reshape(-1, dx.shape[-1]))
    d_emb = np.zeros_like(params["src_embed.weight"])
    d_emb[rows] = g
    grads["src_embed.weight"] = d_emb
# --8<-- [end:encode]


# --8<-- [start:attention]
def scores(params, query, memory, config):
    """Eq. (S2S-4): ``e (B, S)`` for the query ``(B, H)`` (``s_{t-1}`` for Bahdanau, ``s_t`` for Luong)."""
    keys = memory["keys"]                                         # (B, S, H)
    if config.attention in ADDITIVE:
        u = np.tanh(memory["proj"] + (query @ params["attn.W_s"].T)[:, None, :])   # (B, S, A)
        return u @ params["attn.v"], u                            # (B, S)
    if config.attention == "luong-general":
        q = query @ params["attn.W"]                              # (B, H)  s^T W
        return np.einsum("bh,bsh->bs", q, keys), q
    return np.einsum("bh,bsh->bs", query, keys), query            # dot


def masked_softmax(e, mask):
    """Eq. (S2S-5): softmax over the real positions; exactly 0 where ``mask`` is False."""
    top = np.max(np.where(mask, e, -np.inf), axis=1, keepdims=True)   # (B, 1)
    w = np.where(mask, np.exp(np.where(mask, e, top) - top), 0.0)    # (B, S)
    return w / w.sum(axis=1, keepdims=True)


def attend_with_cache(params, query, memory, config):
    """Eqs. (S2S-4)-(S2S-6): ``(a (B, S), c (B, H), cache)``."""
    e, score_cache = scores(params, query, memory, config)       # (B, S)
    a = masked_softmax(e, memory["mask"])                        # (B, S)
    c = np.einsum("bs,bsh->bh", a, memory["keys"])               # (B, H)
    return a, c, (query, a, score_cache)


def attend_backward(params, dc, memory, cache, config, grads, d_memory):
    """Eqs. (S2S-15)-(S2S-17): ``d query (B, H)``; adds into ``grads`` and ``d_memory``."""
    query, a, score_cache = cache
    keys = memory["keys"]                                         # (B, S, H)
    da = np.einsum("bsh,bh->bs", keys, dc)                        # (B, S)  eq. (S2S-15)
    d_memory["keys"] += a[:, :, None] * dc[:, None, :]
    de = a * (da - np.sum(a * da, axis=1, keepdims=True))         # (B, S)  eq. (S2S-16)
    if config.attention in ADDITIVE:                              # eq. (S2S-17), additive
        u = score_cache                                           # (B, S, A)
        _add(grads, "attn.v", np.einsum("bs,bsa->a", de, u))
        du = de[:, :, None] * params["attn.v"] * (1.0 - u ** 2)   # (B, S, A)
        d_memory["proj"] += du
        dq_proj = du.sum(axis=1)                                  # (B, A)
        _add(grads, "attn.W_s", dq_proj.T @ query)
        return dq_proj @ params["attn.W_s"]
    q = score_cache                                               # (B, H)  s (dot) or W^T s (general)
    dq = np.einsum("bs,bsh->bh", de, keys)                        # (B, H)
    d_memory["keys"] += de[:, :, None] * q[:, None, :]
    if config.attention == "luong-general":                       # q = s W
        _add(grads, "attn.W", query.T @ dq)
        return dq @ params["attn.W"].T
    return dq
# --8<-- [end:attention]


def attend(params, query, memory, config):
    """Eqs. (S2S-4)-(S2S-6) for a query ``(B, H)``: the weights ``a (B, S)`` and the context ``c (B, H)``."""
    a, c, _ = attend_with_cache(params, query, memory, config)
    return a, c


# --8<-- [start:decoder_step]
def decoder_step(params, config, memory, y_prev, state):
    """One decoder step, eqs. (S2S-1), (S2S-7)-(S2S-10): ``(z (B, V), new_state, a (B, S) or None, cache)``."""
    w = rnn.cell_weights(params, 0, 0, prefix="dec.")
    e = params["tgt_embed.weight"][y_prev]                        # (B, E)  eq. (S2S-1)
    a = c = att_cache = None
    if config.attention == "none":                                # eq. (S2S-7)
        new, cell_cache = rnn.step(config.cell, w, e, state)
        o = new["h"]                                              # (B, H)
    elif config.attention == "bahdanau":                          # eq. (S2S-8): attend with s_{t-1}
        a, c, att_cache = attend_with_cache(params, state["h"], memory, config)
        new, cell_cache = rnn.step(config.cell, w, np.concatenate([e, c], axis=1), state)
        o = np.concatenate([new["h"], c], axis=1)                 # (B, 2H)
    else:                                                         # eq. (S2S-9): attend with s_t
        x = np.concatenate([e, state["o"]], axis=1) if config.input_feeding else e   # eq. (S2S-9f)
        new, cell_cache = rnn.step(config.cell, w, x, state)
        a, c, att_cache = attend_with_cache(params, new["h"], memory, config)
        o = np.tanh(np.concatenate([c, new["h"]], axis=1) @ params["attn.W_c"].T)   # (B, H)
        if config.input_feeding:
            new["o"] = o                                          # read by the next step's cell
    z = o @ params["out.weight"].T + params["out.bias"]           # (B, V)  eq. (S2S-10)
    return z, new, a, (new["h"], c, o, cell_cache, att_cache)


def decoder_step_backward(params, config, memory, dz, d_new, cache, grads, d_memory):
    """The backward pass of `decoder_step`, eqs. (S2S-13)-(S2S-18).

    ``d_new`` is ``dL/ds_t`` from the later steps. Returns ``(de (B, E), dL/ds_{t-1})``; adds the
    params' gradients into ``grads`` and those of the memory into ``d_memory``.
    """
    w = rnn.cell_weights(params, 0, 0, prefix="dec.")
    s, c, o, cell_cache, att_cache = cache
    E, H = config.embed_size, config.hidden_size
    _add(grads, "out.weight", dz.T @ o)                           # eq. (S2S-13)
    _add(grads, "out.bias", dz.sum(axis=0))
    do = dz @ params["out.weight"]                                # (B, H or 2H)
    d_new = dict(d_new)
    if config.attention == "none":                                # eq. (S2S-7) backwards
        d_new["h"] = d_new["h"] + do
        de, d_prev, dw = rnn.step_backward(config.cell, w, d_new, cell_cache)   # eq. (S2S-18)
    elif config.attention == "bahdanau":                          # eq. (S2S-8) backwards
        d_new["h"] = d_new["h"] + do[:, :H]
        d_in, d_prev, dw = rnn.step_backward(config.cell, w, d_new, cell_cache)
        de, dc = d_in[:, :E], do[:, H:] + d_in[:, E:]             # c_t feeds the cell and the readout
        d_prev["h"] = d_prev["h"] + attend_backward(params, dc, memory, att_cache, config, grads, d_memory)
    else:                                                         # eq. (S2S-9) backwards
        if config.input_feeding:
            do = do + d_new.pop("o")                              # o_t also fed step t+1, eq. (S2S-9f)
        dp = do * (1.0 - o ** 2)                                  # (B, H)  eq. (S2S-14)
        _add(grads, "attn.W_c", dp.T @ np.concatenate([c, s], axis=1))
        dcs = dp @ params["attn.W_c"]                             # (B, 2H) = [dc; ds]
        dq = attend_backward(params, dcs[:, :H], memory, att_cache, config, grads, d_memory)
        d_new["h"] = d_new["h"] + dcs[:, H:] + dq                 # s_t feeds W_c, the scores and s_{t+1}
        de, d_prev, dw = rnn.step_backward(config.cell, w, d_new, cell_cache)
        if config.input_feeding:
            de, d_prev["o"] = de[:, :E], de[:, E:]                # the cell read [e_t; o_{t-1}]
    for name, key in (("W_ih", "weight_ih"), ("W_hh", "weight_hh"), ("b_ih", "bias_ih"), ("b_hh", "bias_hh")):
        _add(grads, f"dec.{key}_l0", dw[name])
    return de, d_prev
# --8<-- [end:decoder_step]


# --8<-- [start:forward]
def forward_with_cache(params, batch, config):
    """Eqs. (S2S-1)-(S2S-10) with teacher forcing: ``(logits (B, T, V), attention (B, T, S) or None, cache)``."""
    memory, state, enc_cache = encode(params, batch["src"], batch["src_lengths"], config)
    tgt_in = batch["tgt_in"]                                      # (B, T)
    B, T = tgt_in.shape
    logits, weights, caches = [], [], []
    for t in range(T):                                            # feed the true y_{t-1}
        z, state, a, cache = decoder_step(params, config, memory, tgt_in[:, t], state)
        logits.append(z)
        weights.append(a)
        caches.append(cache)
    tgt_mask = rnn.length_mask(batch["tgt_lengths"], T)           # (B, T)
    attention = None if config.attention == "none" else np.stack(weights, axis=1) * tgt_mask[..., None]
    return np.stack(logits, axis=1), attention, (memory, state, enc_cache, caches, tgt_mask)
# --8<-- [end:forward]


# --8<-- [start:loss_and_grad]
def _loss_and_grad(params, batch, config):
    """Eqs. (S2S-11)-(S2S-20) on checked inputs."""
    logits, _, (memory, final, enc_cache, caches, tgt_mask) = forward_with_cache(params, batch, config)
    y = batch["tgt_out"]                                          # (B, T)
    n = tgt_mask.sum()                                            # N real target tokens
    log_p = nx.log_softmax(logits, axis=-1)                       # (B, T, V)
    ce = -np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]   # (B, T)
    value = float((ce * tgt_mask).sum() / n)                      # eq. (S2S-11)

    dz = np.exp(log_p)                                            # eq. (S2S-12)
    b, t = np.indices(y.shape)
    dz[b, t, y] -= 1.0
    dz *= tgt_mask[..., None] / n                                 # (B, T, V)
    grads: dict = {}
    d_memory = {"keys": np.zeros_like(memory["keys"])}
    if config.attention in ADDITIVE:
        d_memory["proj"] = np.zeros_like(memory["proj"])
    d_state = {k: np.zeros_like(v) for k, v in final.items()}     # nothing reads the last state
    d_e = np.zeros(batch["tgt_in"].shape + (config.embed_size,))  # (B, T, E)
    for step in range(len(caches) - 1, -1, -1):                   # eq. (S2S-18): t = T..1
        d_e[:, step], d_state = decoder_step_backward(params, config, memory, dz[:, step], d_state,
                                                      caches[step], grads, d_memory)
    encode_backward(params, memory, d_memory, d_state, enc_cache, config, grads)   # eq. (S2S-19): d_state is ds_0
    rows, g = sum_rows(batch["tgt_in"].ravel(), d_e.reshape(-1, config.embed_size))   # eq. (S2S-20)
    grads["tgt_embed.weight"] = np.zeros_like(params["tgt_embed.weight"])
    grads["tgt_embed.weight"][rows] = g
    return value, {k: grads.get(k, np.zeros_like(v)) for k, v in params.items()}
# --8<-- [end:loss_and_grad]


# --- the interface ----------------------------------------------------------------------------------------

def forward(params, batch, config):
    """Logits ``(B, T, V)`` and attention weights ``(B, T, S)`` (None without attention; rows past a
    target's length are zero) with teacher forcing on ``batch`` (``tgt_out`` not needed)."""
    check_params(params, config)
    batch = check_batch(batch, config, targets=False)
    logits, attention, _ = forward_with_cache(_float64(params), batch, config)
    return logits, attention


def loss(params, batch, config) -> float:
    """The mean cross-entropy (S2S-11) in nats per real target token."""
    check_params(params, config)
    batch = check_batch(batch, config)
    logits, _, (*_, tgt_mask) = forward_with_cache(_float64(params), batch, config)
    ce = nx.softmax_cross_entropy(logits, batch["tgt_out"])       # (B, T)
    return float((ce * tgt_mask).sum() / tgt_mask.sum())


def loss_and_grad(params, batch, config):
    """The loss (S2S-11) and its gradients keyed like ``params``."""
    check_params(params, config)
    return _loss_and_grad(_float64(params), check_batch(batch, config), config)


def train_step(params, opt_state, batch, config, lr):
    """Loss and gradients, global-norm clipping if ``config.clip > 0``, one Adam step: ``(params, opt_state, loss)``."""
    lr = check_lr(lr)
    value, grads = loss_and_grad(params, batch, config)
    if config.clip > 0:
        grads, _ = clip_by_global_norm(grads, config.clip)
    params, opt_state = optim.adam(_float64(params), grads, opt_state, lr)
    return params, opt_state, value


# --8<-- [start:step_fn]
def initial_state(params, src, src_lengths, config):
    """The decoding state before ``BOS``: ``s_0`` (``"h"``, ``"c"``, ``"o"``) and the memory, each with leading dim B."""
    check_params(params, config)
    src, src_lengths = check_source(src, src_lengths, config)
    memory, s0, _ = encode(_float64(params), src, src_lengths, config)
    return {**s0, **memory}


@lru_cache(maxsize=None)
def step_fn(config):
    """The batched step ``step(params, state, tokens (N,)) -> (log_probs (N, V), new_state[, a (N, S)])``
    of `textbook.sequence.decoding` (one function per config, so a jitted decoder compiles once)."""
    def step(params, state, tokens):
        memory = {k: state[k] for k in ("keys", "mask", "proj") if k in state}
        s = {k: state[k] for k in decoder_keys(config)}
        z, new, a, _ = decoder_step(params, config, memory, np.asarray(tokens), s)
        out = (nx.log_softmax(z, axis=-1), {**state, **new})
        return out if a is None else out + (a,)
    return step
# --8<-- [end:step_fn]
