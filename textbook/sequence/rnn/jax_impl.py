r"""Recurrent layers in JAX: the same cells, masks, directions and stacks as ``numpy_impl``, via ``lax.scan``.

The equation names are the pages' ones, as in ``numpy_impl``: (RNN-k) from rnn-lm.md, (LSTM-k) and
(GRU-k) from lstm-gru.md, (BI-k) from bidirectional-stacked.md. Only the forward pass is
written here: ``jax.value_and_grad`` derives back-propagation through time
(RNN-5)-(RNN-8), (LSTM-4)-(LSTM-7), (GRU-3), (GRU-4), (BI-5), (BI-6) by running the scan
backwards. Each direction of each layer is one ``lax.scan`` over time (``reverse=True`` for the
reverse direction); the input projection (RNN-1) is one matrix product over all steps, outside
the scan.

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
def lstm_cell(w, ax, state):
    """Eqs. (LSTM-1)-(LSTM-3), gates in PyTorch's order i, f, g, o."""
    a = ax + state["h"] @ w["W_hh"].T + w["b_hh"]                 # (B, 4H)
    a_i, a_f, a_g, a_o = jnp.split(a, 4, axis=-1)                 # (B, H) each
    i, f, g, o = nx.sigmoid(a_i), nx.sigmoid(a_f), jnp.tanh(a_g), nx.sigmoid(a_o)
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


# --8<-- [start:layer]
def layer_forward(cell, w, x, mask, state0, reverse=False):
    """One direction of one layer, eqs. (RNN-1), (RNN-9), (BI-1): ``(y (B, T, H), final_state)``.

    ``lax.scan`` runs over time (the leading axis of its inputs); with ``reverse=True`` it visits
    ``t = T-1..0`` and still stores ``y_t`` at position ``t``.
    """
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
