r"""Recurrent layers in JAX: the same cells, masks, directions and stacks as ``numpy_impl``, via ``lax.scan``.

The equation names are the pages' ones, as in ``numpy_impl``: (RNN-k) from rnn-lm.md, (LSTM-k) and
(GRU-k) from lstm-gru.md, (BI-k) from bidirectional-stacked.md. For the Elman RNN and the GRU
only the forward pass is written here: ``jax.value_and_grad`` derives back-propagation through
time (RNN-5)-(RNN-8), (GRU-3), (GRU-4), (BI-5), (BI-6) by running the scan backwards. Each
direction of each layer is one ``lax.scan`` over time (``reverse=True`` for the reverse
direction); the input projection (RNN-1) is one matrix product over all steps, outside the scan.

The LSTM layer (`lstm_layer_forward`) has its backward pass written out as a ``jax.custom_vjp``
(`lstm_layer_time_major`), as in ``numpy_impl``: a reverse ``lax.scan`` for the state gradients
(LSTM-4)-(LSTM-7), then the weight and input gradients as one matrix product each over all
``T * B`` rows. It gives the gradients of autodiff through the scan (the tests check it), faster
on the CPU (``benchmarks/lstm_speed.py``).

The cells (``rnn_cell``, ``lstm_cell``, ``gru_cell``) and ``step`` are pure
functions of arrays, usable as the body of another ``lax.scan`` (a decoder);
``run_stack`` is the un-jitted stack for use inside other jitted functions.
"""

from __future__ import annotations

from functools import partial
from typing import Mapping

import jax
import jax.numpy as jnp
from jax import lax

from textbook.core.numerics import jax_impl as nx
from textbook.sequence.rnn._checks import check_batch, check_inputs, check_params, state_keys


# --- one step of each cell, given its input projection a^x ------------------------------------------

# --8<-- [start:rnn_cell]
def rnn_cell(w, ax, state):
    """Eq. (RNN-1): ``h' = tanh(a^x + h W_hh^T + b_hh)``."""
    return {"h": jnp.tanh(ax + state["h"] @ w["W_hh"].T + w["b_hh"])}   # (B, H)
# --8<-- [end:rnn_cell]


# --8<-- [start:lstm_cell]
def _lstm_gates(a):
    """The gates of (LSTM-1) from the pre-activations ``a (B, 4H)``, in PyTorch's order ``i, f, g, o``."""
    a_i, a_f, a_g, a_o = jnp.split(a, 4, axis=-1)                 # (B, H) each
    return nx.sigmoid(a_i), nx.sigmoid(a_f), jnp.tanh(a_g), nx.sigmoid(a_o)


def lstm_cell(w, ax, state):
    """Eqs. (LSTM-1)-(LSTM-3), gates in PyTorch's order i, f, g, o."""
    a = ax + state["h"] @ w["W_hh"].T + w["b_hh"]                 # (B, 4H)
    i, f, g, o = _lstm_gates(a)
    c_new = f * state["c"] + i * g                                # (B, H)
    return {"h": o * jnp.tanh(c_new), "c": c_new}
# --8<-- [end:lstm_cell]


# --8<-- [start:gru_cell]
def gru_cell(w, ax, state):
    """Eqs. (GRU-1), (GRU-2), gates in PyTorch's order r, z, n."""
    h = state["h"]                                                # (B, H)
    ah = h @ w["W_hh"].T + w["b_hh"]                              # (B, 3H)
    ax_r, ax_z, ax_n = jnp.split(ax, 3, axis=-1)                  # (B, H) each
    ah_r, ah_z, ah_n = jnp.split(ah, 3, axis=-1)
    r = nx.sigmoid(ax_r + ah_r)                                   # reset gate
    z = nx.sigmoid(ax_z + ah_z)                                   # update gate
    n = jnp.tanh(ax_n + r * ah_n)                                 # candidate: r scales W_hn h + b_hn
    return {"h": (1.0 - z) * n + z * h}
# --8<-- [end:gru_cell]


CELLS = {"rnn": rnn_cell, "lstm": lstm_cell, "gru": gru_cell}


# --8<-- [start:step]
def step(cell: str, w: Mapping, x, state: dict) -> dict:
    """One time step of ``cell``, no mask: the new state. Pure: a valid ``lax.scan`` body piece.

    Eqs. (RNN-1), (LSTM-1)-(LSTM-3) or (GRU-1), (GRU-2).

    Args:
        w: one cell's weights ``{"W_ih", "W_hh", "b_ih", "b_hh"}`` (`cell_weights`).
        x: ``(B, I)``.  state: ``{"h": (B, H)}`` (LSTM: and ``"c"``).
    """
    return CELLS[cell](w, x @ w["W_ih"].T + w["b_ih"], state)     # eq. (RNN-1), then the cell
# --8<-- [end:step]


def cell_weights(params: Mapping, layer: int, direction: int, prefix: str = "") -> dict:
    """One cell's ``{"W_ih", "W_hh", "b_ih", "b_hh"}`` out of PyTorch-named params (``weight_ih_l0`` ...)."""
    suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
    return {"W_ih": params[f"{prefix}weight_ih{suffix}"], "W_hh": params[f"{prefix}weight_hh{suffix}"],
            "b_ih": params[f"{prefix}bias_ih{suffix}"], "b_hh": params[f"{prefix}bias_hh{suffix}"]}


# --- the LSTM layer with its backward pass written out (LSTM-4)-(LSTM-7) ---------------------------------

def _lstm_scan(W_hh, b, ax, mask, h0, c0, reverse):
    """The LSTM recursion over the input projection ``ax = x W_ih^T (T, B, 4H)``, time-major; ``b = b_ih + b_hh``.

    Eqs. (LSTM-1)-(LSTM-3) with the mask (RNN-9). Returns ``(hs (T, B, H), (h_T, c_T), cache)``:
    ``hs[t]`` is the hidden state after step ``t`` (frozen past a row's length); ``cache`` holds,
    stacked over time, the old state and the pre-activations ``(h_{t-1}, c_{t-1}, a_t)``, from which
    the backward pass recomputes the gates (no slower than storing them, and less memory).
    """
    def body(state, inputs):
        h, c = state                                              # (B, H) each
        ax_t, m_t = inputs                                        # (B, 4H), (B,)
        a = ax_t + h @ W_hh.T + b                                 # (B, 4H) eq. (LSTM-1)
        i, f, g, o = _lstm_gates(a)
        c_new = f * c + i * g                                     # eq. (LSTM-2)
        h_new = o * jnp.tanh(c_new)                               # eq. (LSTM-3)
        m = m_t[:, None]                                          # (B, 1)
        h_next, c_next = jnp.where(m, h_new, h), jnp.where(m, c_new, c)   # eq. (RNN-9) frozen past the length
        return (h_next, c_next), (h_next, (h, c, a))

    final, (hs, cache) = lax.scan(body, (h0, c0), (ax, mask), reverse=reverse)
    return hs, final, cache


@partial(jax.custom_vjp, nondiff_argnums=(8,))
def lstm_layer_time_major(W_ih, b_ih, W_hh, b_hh, x, mask, h0, c0, reverse=False):
    """``(hs (T, B, H), (h_T, c_T))`` of one LSTM layer on time-major ``x (T, B, I)``, ``mask (T, B)``.

    Eq. (RNN-1) for all steps at once, then `_lstm_scan`. Its backward pass is that of
    ``numpy_impl.layer_backward``: autodiff through ``lax.scan`` would add ``dW_hh`` up step by
    step inside the reverse loop; here the reverse loop computes only the state gradients and
    ``dL/da_t`` (LSTM-4)-(LSTM-6) and the recurrent term of (LSTM-7); the weight and input
    gradients are then one matrix product each over all ``T * B`` rows (the sums over time of
    (LSTM-7), and (RNN-8)).
    """
    outputs, _ = _lstm_layer_fwd(W_ih, b_ih, W_hh, b_hh, x, mask, h0, c0, reverse)
    return outputs


def _lstm_layer_fwd(W_ih, b_ih, W_hh, b_hh, x, mask, h0, c0, reverse):
    ax = x @ W_ih.T                                               # (T, B, 4H) eq. (RNN-1), all steps at once
    # b_ih joins b_hh inside each step: one pass over, and one copy of, a (T, B, 4H) array fewer
    hs, final, cache = _lstm_scan(W_hh, b_ih + b_hh, ax, mask, h0, c0, reverse)
    return (hs, final), (W_ih, W_hh, x, mask, cache)


# --8<-- [start:lstm_backward]
def _lstm_layer_bwd(reverse, residuals, cotangents):
    W_ih, W_hh, x, mask, cache = residuals
    d_hs, (d_hT, d_cT) = cotangents                               # (T, B, H); (B, H), (B, H)

    def body(d_state, inputs):
        dh, dc = d_state                                          # dL/ds_t, flowing back in time
        d_hs_t, m_t, (h, c, a) = inputs
        i, f, g, o = _lstm_gates(a)                               # eq. (LSTM-1) again, from the cache
        tanh_c = jnp.tanh(f * c + i * g)                          # eqs. (LSTM-2), (LSTM-3)
        m = m_t[:, None]                                          # (B, 1)
        dh_new = jnp.where(m, dh + d_hs_t, 0.0)                   # (RNN-9) backward: ds' = m ds_t
        dc_new = jnp.where(m, dc, 0.0)
        do = dh_new * tanh_c                                      # eq. (LSTM-5), h' = o tanh(c')
        dc_t = dc_new + dh_new * o * (1.0 - tanh_c ** 2)          # eq. (LSTM-4)
        di, df, dg = dc_t * g, dc_t * c, dc_t * i                 # eq. (LSTM-5)
        da = jnp.concatenate([di * i * (1.0 - i), df * f * (1.0 - f),          # eq. (LSTM-6)
                              dg * (1.0 - g ** 2), do * o * (1.0 - o)], axis=-1)   # (B, 4H)
        dh = jnp.where(m, 0.0, dh + d_hs_t) + da @ W_hh           # eq. (LSTM-7), recurrent term
        dc = jnp.where(m, 0.0, dc) + dc_t * f                     # eq. (LSTM-5), last term
        return (dh, dc), da.T                                     # (4H, B): see below

    (dh0, dc0), da = lax.scan(body, (d_hT, d_cT), (d_hs, mask, cache), reverse=not reverse)
    # Each dL/da_t was stored transposed, so that the products below read dL/da with a column per
    # (t, b), as the page writes them: from a (T*B, 4H) array XLA's CPU backend would copy out a
    # transposed one for each product (two copies of 7-9 ms in a call of about 140 ms at the
    # size of benchmarks/lstm_speed.py).
    T, G, B = da.shape
    da = jnp.transpose(da, (1, 0, 2)).reshape(G, T * B)           # (4H, T*B): a column per (t, b), as on the page
    h_prev = cache[0].reshape(T * B, -1)                          # (T*B, H)
    db = da.sum(axis=1)                                           # (4H,) db_ih = db_hh
    dW_ih, dW_hh = da @ x.reshape(T * B, -1), da @ h_prev         # eq. (LSTM-7) summed over t: one product each
    dx = jnp.transpose((W_ih.T @ da).reshape(-1, T, B), (1, 2, 0))   # (T, B, I) eq. (RNN-8)
    return dW_ih, db, dW_hh, db, dx, None, dh0, dc0               # None: the mask has no gradient


lstm_layer_time_major.defvjp(_lstm_layer_fwd, _lstm_layer_bwd)
# --8<-- [end:lstm_backward]


def lstm_layer_forward(w, x, mask, state0, reverse=False):
    """`layer_forward` for the LSTM, through `lstm_layer_time_major` (same results, hand-written backward pass)."""
    x, mask = jnp.swapaxes(x, 0, 1), mask.T                       # time-major: (T, B, I), (T, B)
    hs, (h, c) = lstm_layer_time_major(w["W_ih"], w["b_ih"], w["W_hh"], w["b_hh"], x, mask,
                                       state0["h"], state0["c"], reverse)
    y = jnp.where(mask[:, :, None], hs, 0.0)                      # (T, B, H) eq. (RNN-9) zero past the length
    return jnp.swapaxes(y, 0, 1), {"h": h, "c": c}


# --8<-- [start:layer]
def layer_forward(cell, w, x, mask, state0, reverse=False):
    """One direction of one layer, eqs. (RNN-1), (RNN-9), (BI-1): ``(y (B, T, H), final_state)``.

    ``lax.scan`` runs over time (the leading axis of its inputs); with ``reverse=True`` it visits
    ``t = T-1..0`` and still stores ``y_t`` at position ``t``. The LSTM takes `lstm_layer_forward`.
    """
    if cell == "lstm":
        return lstm_layer_forward(w, x, mask, state0, reverse)    # same values, its own backward pass
    ax = x @ w["W_ih"].T + w["b_ih"]                              # (B, T, G*H) eq. (RNN-1), all steps at once

    def body(state, inputs):
        ax_t, m_t = inputs                                        # (B, G*H), (B,)
        m = m_t[:, None]                                          # (B, 1)
        new = CELLS[cell](w, ax_t, state)                         # (RNN-1), (LSTM-1)-(LSTM-3) or (GRU-1)-(GRU-2)
        state = {k: jnp.where(m, new[k], state[k]) for k in state}   # eq. (RNN-9) frozen past the length
        return state, jnp.where(m, new["h"], 0.0)                 # eq. (RNN-9) output zero past the length

    final, y = lax.scan(body, state0, (jnp.swapaxes(ax, 0, 1), mask.T), reverse=reverse)
    return jnp.swapaxes(y, 0, 1), final                           # (B, T, H)
# --8<-- [end:layer]


# --8<-- [start:stack]
def run_stack(params, x, mask, state0, config, prefix=""):
    """Eqs. (BI-1)-(BI-4): ``(outputs (B, T, D*H), final_states)``.

    ``state0`` maps ``"h0"`` (``"c0"``) to ``(L*D, B, H)``.
    """
    L, D, keys = config.num_layers, config.directions, state_keys(config)
    finals, inp = {k: [] for k in keys}, x                        # inp: (B, T, I) then (B, T, D*H)
    for layer in range(L):
        ys = []
        for d in range(D):
            w = cell_weights(params, layer, d, prefix)
            s0 = {k: state0[k + "0"][layer * D + d] for k in keys}   # (B, H) each
            y, final = layer_forward(config.cell, w, inp, mask, s0, reverse=(d == 1))
            ys.append(y)
            for k in keys:
                finals[k].append(final[k])
        out = jnp.concatenate(ys, axis=-1)                        # (B, T, D*H) eq. (BI-2)
        inp = out + inp if (config.residual and layer > 0) else out   # eq. (BI-4)
    return inp, {k: jnp.stack(v) for k, v in finals.items()}
# --8<-- [end:stack]


def length_mask(lengths, T: int):
    """``(B, T)`` bool, True where ``t < lengths[b]``."""
    return jnp.arange(T)[None, :] < lengths[:, None]


def _run(params, inputs, config):
    mask = length_mask(inputs["lengths"], inputs["x"].shape[1])
    return run_stack(params, inputs["x"], mask, inputs, config)


def _linear_loss(params, inputs, weights, config):
    """The test loss (local 1) of ``numpy_impl``, no page equation: ``sum(y w) + sum(h_n w_h) (+ sum(c_n w_c))``."""
    outputs, final = _run(params, inputs, config)
    total = jnp.sum(outputs * weights["weights"])
    for k in state_keys(config):
        total = total + jnp.sum(final[k] * weights[k + "_weights"])
    return total


_forward = jax.jit(_run, static_argnums=2)
_loss = jax.jit(_linear_loss, static_argnums=3)


@partial(jax.jit, static_argnums=3)
def _loss_and_grad_all(params, inputs, weights, config):
    diff = {k: v for k, v in inputs.items() if k != "lengths"}    # x, h0 (c0): differentiable inputs

    def f(p, d):
        return _linear_loss(p, {**d, "lengths": inputs["lengths"]}, weights, config)

    value, (grads, input_grads) = jax.value_and_grad(f, argnums=(0, 1))(params, diff)
    return value, grads, input_grads


# --- the interface (host-side checks, then the jitted functions) ----------------------------------------

def _dtype(params):
    return jnp.result_type(*params.values())


def _device_inputs(params, inputs, config, checked=False):
    """Check ``inputs`` on the host, then move them to the device in the params' float dtype."""
    check_params(params, config)
    inputs = inputs if checked else check_inputs(inputs, config)
    dtype = _dtype(params)
    return {k: jnp.asarray(v, dtype=jnp.int32) if k == "lengths" else jnp.asarray(v, dtype=dtype)
            for k, v in inputs.items() if k in ("x", "lengths", "h0", "c0")}


def _device_batch(params, batch, config):
    batch = check_batch(batch, config)
    inputs = _device_inputs(params, batch, config, checked=True)
    dtype = _dtype(params)
    weights = {k: jnp.asarray(v, dtype=dtype) for k, v in batch.items() if k.endswith("weights")}
    return inputs, weights


def forward(params, inputs, config):
    """Run the stack: ``(outputs (B, T, D*H), {"h": (L*D, B, H)[, "c": (L*D, B, H)]})``, jitted."""
    return _forward(params, _device_inputs(params, inputs, config), config)


def loss(params, batch, config):
    """The linear test loss (local 1) of ``numpy_impl``. Returns a JAX scalar."""
    inputs, weights = _device_batch(params, batch, config)
    return _loss(params, inputs, weights, config)


def loss_and_grad_all(params, batch, config):
    """The loss (local 1), the gradients of the params and those of the inputs: ``(loss, grads, input_grads)``."""
    inputs, weights = _device_batch(params, batch, config)
    return _loss_and_grad_all(params, inputs, weights, config)


def loss_and_grad(params, batch, config):
    """The loss (local 1) and its gradients ``grads`` keyed like ``params``.

    (It shares the compiled function of `loss_and_grad_all`: the input gradients cost one more
    matrix product, and a second compilation would cost far more.)
    """
    value, grads, _ = loss_and_grad_all(params, batch, config)
    return value, grads
