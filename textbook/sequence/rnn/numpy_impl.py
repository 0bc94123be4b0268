r"""Recurrent layers in NumPy: RNN, LSTM and GRU cells, masks, directions and stacks, with BPTT by hand.

Notation: a batch of ``B`` rows, ``x_t (B, I)``, hidden state ``h (B, H)``, LSTM
cell state ``c (B, H)``; one cell's weights are ``W_ih (G*H, I)``, ``W_hh (G*H, H)``,
``b_ih``, ``b_hh (G*H,)`` (PyTorch's shapes and gate order); ``s`` is the state
(``h``, or ``h`` and ``c``), ``'`` marks the new value computed at step ``t``.

The equation names are those of the pages, each cited where it is defined: (RNN-k) on
docs/sequence/rnn-lm.md, (LSTM-k) and (GRU-k) on docs/sequence/lstm-gru.md, (BI-k) on
docs/sequence/bidirectional-stacked.md.

Forward, one step:

* (RNN-1) input projection      ``a^x = x_t W_ih^T + b_ih``   (B, G*H), computed for all ``T`` steps at once
* (RNN-1) recurrent projection  ``a^h = h W_hh^T + b_hh``     (B, G*H); the two add up to ``a_t``
* (RNN-1) RNN   ``h' = tanh(a^x + a^h)``
* (LSTM-1)-(LSTM-3) LSTM  ``[i, f, g, o] = [sigma, sigma, tanh, sigma](a^x + a^h)``; ``c' = f c + i g``;
  ``h' = o tanh(c')``
* (GRU-1), (GRU-2) GRU   ``r = sigma(a^x_r + a^h_r)``, ``z = sigma(a^x_z + a^h_z)``, ``n = tanh(a^x_n + r a^h_n)``,
  ``h' = (1 - z) n + z h``

Over a padded batch, a direction, a stack:

* (RNN-9) mask   ``m_t = [t < length]``: ``s_t = m_t s' + (1 - m_t) s_{t-1}`` (the state freezes past the
  length) and the output is ``y_t = m_t h'`` (zero past the length)
* (BI-1), (BI-2) directions  the forward direction runs ``t = 0..T-1``; the reverse one ``t = T-1..0`` from its own
  initial state, skipping masked steps, so it really starts at ``t = length - 1``;
  the layer's output is ``[y^fwd_t ; y^rev_t]``
* (BI-3), (BI-4) stack  layer ``l`` reads the output of layer ``l - 1``; with residual connections
  ``out_l = layer_l(out_{l-1}) + out_{l-1}`` for ``l >= 1``

Backward (back-propagation through time), one step, given ``dL/ds'``:

* (RNN-6) RNN   ``da = dh' (1 - h'^2)``, the same for ``a^x`` and ``a^h``
* (LSTM-4)-(LSTM-6) LSTM  ``dc~ = dc' + dh' o (1 - tanh^2 c')``; ``do = dh' tanh c'``, ``di = dc~ g``, ``df = dc~ c``,
  ``dg = dc~ i``, ``dc = dc~ f``; then ``sigma' = sigma (1 - sigma)`` and ``tanh' = 1 - tanh^2`` per gate
* (GRU-3), (GRU-4) GRU   ``dn = dh' (1 - z)``, ``dz = dh' (h - n)``, ``dh = dh' z + ...``; ``da_n = dn (1 - n^2)``,
  ``dr = da_n a^h_n``; ``da^x = [da_r, da_z, da_n]`` but ``da^h = [da_r, da_z, r da_n]``
* (RNN-5) recurrent term  ``dh += da^h W_hh`` inside the time loop (as in (LSTM-7))
* (RNN-7), (RNN-8) projections  after the time loop, one matrix product each over all ``B * T`` rows:
  ``dW_hh = sum_t da^h_t^T h_{t-1}``, ``dW_ih = sum_t da^x_t^T x_t``, ``db_hh = sum_{b,t} da^h_t``,
  ``db_ih = sum_{b,t} da^x_t``, ``dx_t = da^x_t W_ih``
* (RNN-9), backward  mask  ``ds' = m_t (ds_t + [dy_t; 0])``, ``ds_{t-1} = (1 - m_t) ds_t + (ds_{t-1} from the cell)``
* (BI-5), (BI-6) stack  each direction gets its slice of ``d out_l``;
  ``d out_{l-1} = sum_directions dx + (d out_l if residual)``

The test loss is linear in the outputs: ``L = sum(y w) + sum(h_n w_h) (+ sum(c_n w_c))`` (local 1; it is a
test device and has no page equation), so its gradient is the backward pass started from ``dy = w``,
``dh_n = w_h``, ``dc_n = w_c``.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from textbook.core.numerics import numpy_impl as nx
from textbook.core.validate import as_float
from textbook.sequence.rnn._checks import check_batch, check_inputs, check_params, state_keys

State = dict  # {"h": (B, H)} or, for the LSTM, {"h": (B, H), "c": (B, H)}


# --- one step of each cell: forward and backward on a^x, given its input projection ----------------------

# --8<-- [start:rnn_cell]
def rnn_cell(w, ax, state):
    """Eq. (RNN-1): ``h' = tanh(a^x + h W_hh^T + b_hh)``. Returns ``(new_state, cache)``."""
    h = state["h"]                                                # (B, H)
    h_new = np.tanh(ax + h @ w["W_hh"].T + w["b_hh"])             # (B, H)
    return {"h": h_new}, (h, h_new)


def rnn_cell_backward(w, d_new, cache):
    """Eqs. (RNN-6), (RNN-5). Returns ``(d_ax (B, H), d_ah (B, H), d_state)``; here ``d_ah = d_ax``."""
    h, h_new = cache
    da = d_new["h"] * (1.0 - h_new ** 2)                          # (B, H)   tanh' = 1 - tanh^2
    return da, da, {"h": da @ w["W_hh"]}                          # a^x and a^h add up: the same gradient
# --8<-- [end:rnn_cell]


# --8<-- [start:lstm_cell]
def lstm_cell(w, ax, state):
    """Eqs. (LSTM-1)-(LSTM-3), gates in PyTorch's order i, f, g, o. Returns ``(new_state, cache)``."""
    h, c = state["h"], state["c"]                                 # (B, H), (B, H)
    a = ax + h @ w["W_hh"].T + w["b_hh"]                          # (B, 4H)
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)                   # (B, H) each
    i, f, g, o = nx.sigmoid(a_i), nx.sigmoid(a_f), np.tanh(a_g), nx.sigmoid(a_o)
    c_new = f * c + i * g                                         # (B, H)
    tanh_c = np.tanh(c_new)                                       # (B, H)
    h_new = o * tanh_c                                            # (B, H)
    return {"h": h_new, "c": c_new}, (h, c, i, f, g, o, tanh_c)


def lstm_cell_backward(w, d_new, cache):
    """Eqs. (LSTM-4)-(LSTM-7). Returns ``(d_ax (B, 4H), d_ah (B, 4H), d_state)``; here ``d_ah = d_ax``."""
    _, c, i, f, g, o, tanh_c = cache                              # the old h is for dW_hh, in the caller
    dh_new, dc_new = d_new["h"], d_new["c"]                       # (B, H), (B, H)
    do = dh_new * tanh_c                                          # h' = o tanh(c')
    dc = dc_new + dh_new * o * (1.0 - tanh_c ** 2)                # dc~: c' feeds h' and the next step
    di, df, dg = dc * g, dc * c, dc * i                           # c' = f c + i g
    da = np.concatenate([di * i * (1.0 - i), df * f * (1.0 - f),  # through sigma, sigma,
                         dg * (1.0 - g ** 2), do * o * (1.0 - o)], axis=1)   # tanh, sigma: (B, 4H)
    return da, da, {"h": da @ w["W_hh"], "c": dc * f}            # (LSTM-7) recurrent term; (LSTM-5) dc f
# --8<-- [end:lstm_cell]


# --8<-- [start:gru_cell]
def gru_cell(w, ax, state):
    """Eqs. (GRU-1), (GRU-2), gates in PyTorch's order r, z, n. Returns ``(new_state, cache)``."""
    h = state["h"]                                                # (B, H)
    ah = h @ w["W_hh"].T + w["b_hh"]                              # (B, 3H)
    ax_r, ax_z, ax_n = np.split(ax, 3, axis=1)                    # (B, H) each
    ah_r, ah_z, ah_n = np.split(ah, 3, axis=1)                    # (B, H) each
    r = nx.sigmoid(ax_r + ah_r)                                   # reset gate
    z = nx.sigmoid(ax_z + ah_z)                                   # update gate
    n = np.tanh(ax_n + r * ah_n)                                  # candidate: r scales W_hn h + b_hn
    h_new = (1.0 - z) * n + z * h                                 # (B, H)
    return {"h": h_new}, (h, r, z, n, ah_n)


def gru_cell_backward(w, d_new, cache):
    """Eqs. (GRU-3), (GRU-4). Returns ``(d_ax (B, 3H), d_ah (B, 3H), d_state)``."""
    h, r, z, n, ah_n = cache
    dh_new = d_new["h"]                                           # (B, H)
    dn = dh_new * (1.0 - z)                                       # h' = (1 - z) n + z h
    dz = dh_new * (h - n)
    da_n = dn * (1.0 - n ** 2)                                    # through tanh
    da_r = da_n * ah_n * r * (1.0 - r)                            # n = tanh(a^x_n + r a^h_n), then sigma
    da_z = dz * z * (1.0 - z)                                     # through sigma
    d_ax = np.concatenate([da_r, da_z, da_n], axis=1)             # (B, 3H)
    d_ah = np.concatenate([da_r, da_z, da_n * r], axis=1)         # (B, 3H) a^h_n is scaled by r
    return d_ax, d_ah, {"h": dh_new * z + d_ah @ w["W_hh"]}
# --8<-- [end:gru_cell]


# Every cell's cache starts with the old ``h``: the input of ``a^h``, which (RNN-7) needs for ``dW_hh``.
CELLS = {"rnn": (rnn_cell, rnn_cell_backward),
         "lstm": (lstm_cell, lstm_cell_backward),
         "gru": (gru_cell, gru_cell_backward)}


# --- one step with its input projection (RNN-1): the piece a decoder calls once per generated token ---------

# --8<-- [start:step]
def step(cell: str, w: Mapping[str, np.ndarray], x: np.ndarray, state: State) -> tuple[State, tuple]:
    """One time step of ``cell`` (``"rnn"``, ``"lstm"``, ``"gru"``), no mask.

    Eqs. (RNN-1), (LSTM-1)-(LSTM-3) or (GRU-1), (GRU-2).

    Args:
        w: one cell's weights ``{"W_ih": (G*H, I), "W_hh": (G*H, H), "b_ih": (G*H,), "b_hh": (G*H,)}``
            (`cell_weights` picks them out of params).
        x: ``(B, I)`` input.  state: ``{"h": (B, H)}`` (LSTM: and ``"c"``).

    Returns:
        ``(new_state, cache)``; give the cache to `step_backward`.
    """
    ax = x @ w["W_ih"].T + w["b_ih"]                              # (B, G*H) eq. (RNN-1)
    new_state, cache = CELLS[cell][0](w, ax, state)
    return new_state, (x, cache)


def step_backward(cell: str, w: Mapping[str, np.ndarray], d_new: State, cache: tuple):
    """The backward pass of `step`: ``d_new`` is ``dL/d new_state`` (a missing ``"c"`` is 0).

    Eqs. (RNN-5)-(RNN-8), (LSTM-4)-(LSTM-7), (GRU-3)-(GRU-4).

    Returns:
        ``(dx (B, I), d_state, dw)``: the gradients of the input, of the old state and of the four weights.
    """
    x, cell_cache = cache
    d_new = {k: d_new.get(k, 0.0) for k in (("h", "c") if cell == "lstm" else ("h",))}
    d_ax, d_ah, d_state = CELLS[cell][1](w, d_new, cell_cache)
    return d_ax @ w["W_ih"], d_state, projection_grads(d_ax, x, d_ah, cell_cache[0])   # (RNN-8), (RNN-7)


def projection_grads(d_ax, x, d_ah, h_prev) -> dict:
    """Eq. (RNN-7): ``dW_ih = sum d_ax^T x``, ``dW_hh = sum d_ah^T h_prev`` and the bias sums, one product each.

    Args:
        d_ax: ``(..., G*H)`` with the inputs ``x (..., I)``; d_ah: ``(..., G*H)`` with the old states
            ``h_prev (..., H)``. The leading axes, ``(B,)`` for one step or ``(B, T)`` for a layer, are summed.
    """
    def rows(a):                                                  # (..., n) -> (rows, n)
        return a.reshape(-1, a.shape[-1])

    d_ax, x, d_ah, h_prev = rows(d_ax), rows(x), rows(d_ah), rows(h_prev)
    return {"W_ih": d_ax.T @ x, "W_hh": d_ah.T @ h_prev, "b_ih": d_ax.sum(axis=0), "b_hh": d_ah.sum(axis=0)}
# --8<-- [end:step]


def cell_weights(params: Mapping[str, np.ndarray], layer: int, direction: int, prefix: str = "") -> dict:
    """One cell's ``{"W_ih", "W_hh", "b_ih", "b_hh"}`` out of PyTorch-named params (``weight_ih_l0`` ...)."""
    suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
    return {"W_ih": params[f"{prefix}weight_ih{suffix}"], "W_hh": params[f"{prefix}weight_hh{suffix}"],
            "b_ih": params[f"{prefix}bias_ih{suffix}"], "b_hh": params[f"{prefix}bias_hh{suffix}"]}


# --- one direction of one layer over a padded batch: (RNN-1) once, then the cell at every step with (RNN-9)

# --8<-- [start:layer]
def layer_forward(cell, w, x, mask, state0, reverse=False):
    """One direction of one layer, eqs. (RNN-1), (RNN-9), (BI-1).

    Args:
        x: ``(B, T, I)``.  mask: ``(B, T)`` bool, ``t < length``.  state0: the initial state, ``(B, H)`` each.
        reverse: read ``t = T-1..0`` (masked steps are skipped: each row starts at its last real step).

    Returns:
        ``(y (B, T, H), final_state, cache)``.
    """
    B, T, _ = x.shape
    ax = x @ w["W_ih"].T + w["b_ih"]                              # (B, T, G*H) eq. (RNN-1), all steps at once
    y = np.zeros((B, T, w["W_hh"].shape[1]), ax.dtype)            # (B, T, H)  zero past each length
    state, caches = dict(state0), [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        m = mask[:, t, None]                                      # (B, 1)
        new, caches[t] = CELLS[cell][0](w, ax[:, t], state)       # (RNN-1), (LSTM-1)-(LSTM-3) or (GRU-1)-(GRU-2)
        state = {k: np.where(m, new[k], state[k]) for k in state}  # eq. (RNN-9) frozen past the length
        y[:, t] = np.where(m, new["h"], 0.0)                      # eq. (RNN-9) output zero past the length
    return y, state, (x, mask, caches, reverse)


def layer_backward(cell, w, dy, d_final, cache):
    """BPTT through `layer_forward`, visiting the steps in the opposite order.

    Eqs. (RNN-5)-(RNN-8) and the backward of (RNN-9).

    Args:
        dy: ``(B, T, H)`` gradient of the outputs.  d_final: gradient of the final state.

    Returns:
        ``(dx (B, T, I), d_state0, dw)`` with ``dw`` the gradients of ``W_ih, W_hh, b_ih, b_hh``.
    """
    x, mask, caches, reverse = cache
    B, T, _ = x.shape
    d_state = dict(d_final)                                       # dL/ds_t, flowing back in time
    d_ax = np.zeros((B, T, w["W_ih"].shape[0]), dy.dtype)        # (B, T, G*H)
    d_ah = np.zeros_like(d_ax) if cell == "gru" else d_ax         # (B, T, G*H)  a^h's: a^x's but for the GRU
    for t in (range(T) if reverse else range(T - 1, -1, -1)):
        m = mask[:, t, None]                                      # (B, 1)
        d_new = {k: np.where(m, d_state[k], 0.0) for k in d_state}   # (RNN-9) backward: ds' = m (ds_t + dy_t)
        d_new["h"] = d_new["h"] + np.where(m, dy[:, t], 0.0)
        d_ax[:, t], d_ah[:, t], d_prev = CELLS[cell][1](w, d_new, caches[t])  # (RNN-6), (LSTM-4)-(6), (GRU-3)-(4)
        d_state = {k: np.where(m, 0.0, d_state[k]) + d_prev[k] for k in d_state}  # (RNN-9) backward
    h_prev = np.stack([caches[t][0] for t in range(T)], axis=1)  # (B, T, H)  the old h of every step
    dx = d_ax @ w["W_ih"]                                         # (B, T, I)  eq. (RNN-8) after the loop
    return dx, d_state, projection_grads(d_ax, x, d_ah, h_prev)   # eq. (RNN-7): the sums over t, one product each
# --8<-- [end:layer]


# --- the stack: layers and directions (BI-1)-(BI-4), and its backward pass (BI-5), (BI-6) ---------------

def _dtype(params):
    """The float dtype the stack computes in: the params' (float32 if all are, else float64)."""
    return np.result_type(*params.values())


def _prepare(params, inputs, config):
    """Checked params and inputs, all in the params' float dtype (float64 unless they are float32)."""
    check_params(params, config)
    inputs = check_inputs(inputs, config)
    params = {k: as_float(v) for k, v in params.items()}
    dtype = _dtype(params)
    inputs = {k: (v if k == "lengths" else np.asarray(v, dtype=dtype)) for k, v in inputs.items()}
    return params, inputs


def length_mask(lengths: np.ndarray, T: int) -> np.ndarray:
    """``(B, T)`` bool, True where ``t < lengths[b]``."""
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]


# --8<-- [start:stack]
def stack_forward(params, x, mask, state0, config, prefix=""):
    """Eqs. (BI-2)-(BI-4) on checked float arrays: ``state0`` maps ``"h0"`` (and ``"c0"``) to ``(L*D, B, H)``.

    Returns ``(outputs (B, T, D*H), final_states, cache)``.
    """
    L, D, keys = config.num_layers, config.directions, state_keys(config)
    finals, caches, inp = {k: [] for k in keys}, [], x           # inp: (B, T, I) then (B, T, D*H)
    for layer in range(L):
        ys = []
        for d in range(D):
            w = cell_weights(params, layer, d, prefix)
            s0 = {k: state0[k + "0"][layer * D + d] for k in keys}   # (B, H) each
            y, final, cache = layer_forward(config.cell, w, inp, mask, s0, reverse=(d == 1))
            ys.append(y)
            caches.append(cache)
            for k in keys:
                finals[k].append(final[k])
        out = np.concatenate(ys, axis=-1)                         # (B, T, D*H) eq. (BI-2)
        if config.residual and layer > 0:
            out = out + inp                                       # eq. (BI-4) residual connection
        inp = out
    return inp, {k: np.stack(v) for k, v in finals.items()}, caches


def stack_backward(params, d_outputs, d_final, caches, config, prefix=""):
    """Eqs. (BI-5), (BI-6): the backward pass of `stack_forward`, top layer first.

    Returns ``(grads keyed like params (with prefix), dx (B, T, I), d_state0 {"h0": ..., "c0": ...})``.
    """
    L, D, H, keys = config.num_layers, config.directions, config.hidden_size, state_keys(config)
    grads, d_state0 = {}, {k + "0": [None] * (L * D) for k in keys}
    d_out = d_outputs                                             # (B, T, D*H)
    for layer in range(L - 1, -1, -1):
        d_in = d_out if (config.residual and layer > 0) else 0.0  # eq. (BI-6): the skip path
        for d in range(D):
            w = cell_weights(params, layer, d, prefix)
            d_fin = {k: d_final[k][layer * D + d] for k in keys}
            dx, ds0, dw = layer_backward(config.cell, w, d_out[..., d * H:(d + 1) * H], d_fin,
                                         caches[layer * D + d])
            d_in = d_in + dx                                      # eq. (BI-6): both directions read inp
            for k in keys:
                d_state0[k + "0"][layer * D + d] = ds0[k]
            suffix = f"_l{layer}" + ("_reverse" if d == 1 else "")
            for name, key in (("W_ih", "weight_ih"), ("W_hh", "weight_hh"), ("b_ih", "bias_ih"),
                              ("b_hh", "bias_hh")):
                grads[prefix + key + suffix] = dw[name]
        d_out = d_in
    return grads, d_out, {k: np.stack(v) for k, v in d_state0.items()}
# --8<-- [end:stack]


# --- the interface ----------------------------------------------------------------------------------------

def forward_with_cache(params, inputs, config):
    """`forward`, also returning the cache that `backward` needs."""
    params, inputs = _prepare(params, inputs, config)
    mask = length_mask(inputs["lengths"], inputs["x"].shape[1])
    outputs, final, caches = stack_forward(params, inputs["x"], mask, inputs, config)
    return outputs, final, (params, inputs["x"].shape, caches, config)


def backward(d_outputs, d_final_states, cache):
    """Gradients of any loss from ``dL/d outputs (B, T, D*H)`` and ``dL/d final_states`` (missing keys are 0).

    Returns:
        ``(grads, input_grads)``: ``grads`` keyed like params; ``input_grads`` holds ``"x" (B, T, I)``,
        ``"h0"`` (and ``"c0"``) ``(L*D, B, H)``.
    """
    params, (B, T, _), caches, config = cache
    LD, H = config.num_layers * config.directions, config.hidden_size
    dtype = _dtype(params)                                        # the forward pass's dtype
    d_outputs = np.asarray(d_outputs, dtype=dtype)
    if d_outputs.shape != (B, T, config.output_size):
        raise ValueError(f"d_outputs must have shape (B, T, directions*H) = {(B, T, config.output_size)}, "
                         f"got {d_outputs.shape}")
    d_final = {}
    for k in state_keys(config):
        value = d_final_states.get(k) if d_final_states is not None else None
        d_final[k] = np.zeros((LD, B, H), dtype) if value is None else np.asarray(value, dtype=dtype)
        if d_final[k].shape != (LD, B, H):
            raise ValueError(f"d_final_states[{k!r}] must have shape (L*D, B, H) = {(LD, B, H)}, "
                             f"got {d_final[k].shape}")
    grads, dx, d_state0 = stack_backward(params, d_outputs, d_final, caches, config)
    return {k: grads[k] for k in params}, {"x": dx, **d_state0}


def forward(params, inputs, config):
    """Run the stack: ``(outputs (B, T, D*H), {"h": (L*D, B, H)[, "c": (L*D, B, H)]})``.

    The forward equations (RNN-1), (RNN-9), the cell's (LSTM-k or GRU-k) and (BI-1)-(BI-4).
    """
    outputs, final, _ = forward_with_cache(params, inputs, config)
    return outputs, final


def _linear_loss(outputs, final, batch, config) -> float:
    """The test loss (local 1; no page equation): ``sum(y w) + sum(h_n w_h) (+ sum(c_n w_c))``."""
    total = np.sum(outputs * batch["weights"])
    for k in state_keys(config):
        total += np.sum(final[k] * batch[k + "_weights"])
    return float(total)


def loss(params, batch, config) -> float:
    """The linear test loss (local 1) of the outputs and final states."""
    batch = check_batch(batch, config)
    outputs, final = forward(params, batch, config)
    return _linear_loss(outputs, final, batch, config)


def loss_and_grad_all(params, batch, config):
    """The loss (local 1), the gradients of the params and those of the inputs ``x``, ``h0`` (and ``c0``).

    Returns:
        ``(loss, grads, input_grads)``.
    """
    batch = check_batch(batch, config)
    outputs, final, cache = forward_with_cache(params, batch, config)
    weights = {k: batch[k + "_weights"] for k in state_keys(config)}
    grads, input_grads = backward(batch["weights"], weights, cache)   # cast to the params' dtype there
    return _linear_loss(outputs, final, batch, config), grads, input_grads


def loss_and_grad(params, batch, config):
    """The loss (local 1) and its gradients ``grads`` keyed like ``params``."""
    value, grads, _ = loss_and_grad_all(params, batch, config)
    return value, grads
