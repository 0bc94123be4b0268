r"""ELMo in NumPy: a bidirectional LSTM language model and the scalar mix, backward passes by hand.

Notation: a sentence ``w_0 .. w_{n-1}`` (``w_0 = <s>``, ``w_{n-1} = </s>``) padded to ``T`` steps;
``E (V, d)`` the shared embedding, ``W (V, d)``, ``b (V,)`` the shared softmax; two stacks of
``L`` LSTM layers with hidden size ``d``, one reading left to right, one right to left.

The equation names are those of the ELMo page (docs/sequence/elmo.md); BPTT through the LSTM
stacks has no equation there and cites the LSTM page (docs/sequence/lstm-gru.md).

Forward:

* (ELMO-1) tokens      ``x_t = E[w_t]``
* (ELMO-1) forward LM  ``f_{j,t} = LSTM^fwd_j(f_{j-1,t}, f_{j,t-1})``, ``f_{0,t} = x_t``, ``t = 0..n-1``
* (ELMO-1) backward LM ``g_{j,t} = LSTM^bwd_j(g_{j-1,t}, g_{j,t+1})``, ``g_{0,t} = x_t``, ``t = n-1..0``
  (with residual connections, layers ``j >= 2`` add their input, as in (BI-4))
* (ELMO-2) one softmax for both: ``p(w_{t+1} | w_{<=t}) = softmax(W f_{L,t} + b)``,
  ``p(w_{t-1} | w_{>=t}) = softmax(W g_{L,t} + b)``
* (ELMO-3) ``loss = -(1 / 2N) sum_t [ [t < n-1] log p(w_{t+1} | ...) + [t >= 1] log p(w_{t-1} | ...) ]``,
  ``N = sum (n - 1)``: the mean of the two directions' cross-entropies
* (ELMO-5) the layers ELMo mixes: ``R_{0,t} = [x_t ; x_t]``, ``R_{j,t} = [f_{j,t} ; g_{j,t}]`` (2d features)
* (ELMO-6) scalar mix  ``ELMo_t = gamma sum_j a_j R_{j,t}``, ``a = softmax(s)``

Backward:

* (ELMO-4) ``dz = (mask / 2N) (softmax(z) - onehot(target))`` in each direction; ``dW = sum dz^T h``,
  ``db = sum dz``, ``dh = dz W`` (the shared softmax collects both directions; ``dz`` is (RNN-4)
  of the language-model page with ``1 / 2N``)
* (LSTM-4)-(LSTM-7) BPTT down each stack (``textbook.sequence.rnn.numpy_impl.layer_backward``), with the
  residual skip path, to ``dx^fwd`` and ``dx^bwd``
* (ELMO-4) ``dE[i] = sum_{t: w_t = i} (dx^fwd_t + dx^bwd_t)``
* (ELMO-7), (ELMO-8) scalar mix, with ``G`` the upstream gradient: ``dgamma = sum_t G . sum_j a_j R_j``;
  ``c_j = gamma sum_t G . R_j``; ``ds_j = a_j (c_j - sum_k a_k c_k)`` (the softmax Jacobian);
  ``dR_j = gamma a_j G``
"""

from __future__ import annotations

import numpy as np

from textbook.core.numerics import numpy_impl as nx
from textbook.core.optim import numpy_impl as optim
from textbook.core.rows import sum_rows
from textbook.sequence.elmo._checks import (check_batch, check_layers, check_mix, check_mix_batch,
                                            check_params)
from textbook.sequence.language_model._checks import check_lr
from textbook.sequence.language_model.numpy_impl import clip_by_global_norm
from textbook.sequence.rnn import numpy_impl as rnn

DIRECTIONS = ("forward", "backward")


def _float64(params):
    return {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}


# --8<-- [start:stacks]
def lm_stack(params, x, mask, config, direction):
    """Eq. (ELMO-1): the layers of one direction's LSTM stack, ``[(B, T, d)] * L``, and their caches."""
    B, d = x.shape[0], config.dim
    zero = {k: np.zeros((B, d)) for k in (("h", "c") if config.cell == "lstm" else ("h",))}
    outs, caches, inp = [], [], x
    for layer in range(config.num_layers):
        w = rnn.cell_weights(params, layer, 0, prefix=direction + ".")
        y, _, cache = rnn.layer_forward(config.cell, w, inp, mask, zero, reverse=(direction == "backward"))
        out = y + inp if (config.residual and layer > 0) else y  # residual connection
        outs.append(out)
        caches.append(cache)
        inp = out
    return outs, caches


def lm_stack_backward(params, d_outs, caches, config, direction):
    """Eqs. (LSTM-4)-(LSTM-7): BPTT down one stack from ``d_outs`` (one ``(B, T, d)`` gradient per layer, or None).

    Returns ``(grads of that stack's params, dx (B, T, d))``.
    """
    prefix, grads, d_above = direction + ".", {}, 0.0
    for layer in range(config.num_layers - 1, -1, -1):
        d_out = d_above + (d_outs[layer] if d_outs[layer] is not None else 0.0)
        w = rnn.cell_weights(params, layer, 0, prefix=prefix)
        x = caches[layer][0]
        zero = {k: np.zeros((x.shape[0], config.dim)) for k in (("h", "c") if config.cell == "lstm" else ("h",))}
        if np.ndim(d_out) == 0:                                    # no gradient reaches this layer
            d_out = np.zeros((x.shape[0], x.shape[1], config.dim))
        dx, _, dw = rnn.layer_backward(config.cell, w, d_out, zero, caches[layer])
        for name, key in (("W_ih", "weight_ih"), ("W_hh", "weight_hh"), ("b_ih", "bias_ih"), ("b_hh", "bias_hh")):
            grads[f"{prefix}{key}_l{layer}"] = dw[name]
        d_above = dx + (d_out if (config.residual and layer > 0) else 0.0)   # the skip path
    return grads, d_above
# --8<-- [end:stacks]


def _shifted(tokens, lengths):
    """Targets and masks of the two directions: ``(next, mask_next, previous, mask_previous)``, each (B, T)."""
    T = tokens.shape[1]
    t = np.arange(T)[None, :]
    nxt = np.concatenate([tokens[:, 1:], np.zeros_like(tokens[:, :1])], axis=1)    # w_{t+1}
    prv = np.concatenate([np.zeros_like(tokens[:, :1]), tokens[:, :-1]], axis=1)   # w_{t-1}
    return nxt, t < lengths[:, None] - 1, prv, (t >= 1) & (t < lengths[:, None])


# --8<-- [start:loss_and_grad]
def _softmax_ce(h, targets, mask, W, b, n):
    """Eqs. (ELMO-2), (ELMO-4) for one direction: ``(summed CE / n, dz (B, T, V))``."""
    log_p = nx.log_softmax(h @ W.T + b, axis=-1)                  # (B, T, V)
    ce = -np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]   # (B, T)
    dz = np.exp(log_p)
    bi, ti = np.indices(targets.shape)
    dz[bi, ti, targets] -= 1.0
    dz *= mask[..., None] / n                                     # dz, as in (RNN-4)
    return float((ce * mask).sum() / n), dz


def _loss_and_grad(params, batch, config):
    check_params(params, config)
    batch = check_batch(batch, config)
    params = _float64(params)
    tokens, lengths = batch["tokens"], batch["lengths"]
    mask = rnn.length_mask(lengths, tokens.shape[1])              # (B, T)
    x = params["embedding.weight"][tokens]                        # (B, T, d)  eq. (ELMO-1)
    nxt, m_next, prv, m_prev = _shifted(tokens, lengths)
    n = 2.0 * m_next.sum()                                        # 2N predictions
    W, b = params["output.weight"], params["output.bias"]
    grads = {"output.weight": np.zeros_like(W), "output.bias": np.zeros_like(b)}
    d_x, value = np.zeros_like(x), 0.0
    for direction, targets, m in (("forward", nxt, m_next), ("backward", prv, m_prev)):
        outs, caches = lm_stack(params, x, mask, config, direction)          # eq. (ELMO-1)
        top = outs[-1]                                                       # (B, T, d)
        part, dz = _softmax_ce(top, targets, m, W, b, n)                     # eqs. (ELMO-2)-(ELMO-4)
        value += part
        grads["output.weight"] += np.einsum("btv,btd->vd", dz, top)          # the shared softmax
        grads["output.bias"] += dz.sum(axis=(0, 1))
        d_top = dz @ W                                                       # (B, T, d)
        stack_grads, dx = lm_stack_backward(params, [None] * (config.num_layers - 1) + [d_top], caches,
                                            config, direction)              # (LSTM-4)-(LSTM-7)
        grads.update(stack_grads)
        d_x += dx
    rows, g = sum_rows(tokens.ravel(), d_x.reshape(-1, config.dim))         # eq. (ELMO-4)
    grads["embedding.weight"] = np.zeros_like(params["embedding.weight"])
    grads["embedding.weight"][rows] = g
    return value, {k: grads[k] for k in params}
# --8<-- [end:loss_and_grad]


# --- the biLM interface -----------------------------------------------------------------------------------

def loss(params, batch, config) -> float:
    """The biLM loss (ELMO-3): mean cross-entropy of the forward and backward predictions."""
    return _loss_and_grad(params, batch, config)[0]


def loss_and_grad(params, batch, config):
    """The loss (ELMO-3) and its gradients keyed like ``params``, eqs. (ELMO-4), (LSTM-4)-(LSTM-7)."""
    return _loss_and_grad(params, batch, config)


def train_step(params, opt_state, batch, config, lr):
    """Loss and gradients, clipping by global norm if ``config.clip > 0``, Adam. Returns ``(params, opt_state, loss)``."""
    lr = check_lr(lr)
    value, grads = _loss_and_grad(params, batch, config)
    if config.clip > 0:
        grads, _ = clip_by_global_norm(grads, config.clip)
    params, opt_state = optim.adam(_float64(params), grads, opt_state, lr)
    return params, opt_state, value


# --8<-- [start:layers]
def layers(params, inputs, config):
    """Eq. (ELMO-5): the ``L + 1`` layers ELMo mixes, ``(L+1, B, T, 2d)``, zero past each length."""
    check_params(params, config)
    batch = check_batch(inputs, config, need_predictions=False)
    params = _float64(params)
    mask = rnn.length_mask(batch["lengths"], batch["tokens"].shape[1])
    x = params["embedding.weight"][batch["tokens"]] * mask[..., None]   # (B, T, d)
    fwd, _ = lm_stack(params, x, mask, config, "forward")
    bwd, _ = lm_stack(params, x, mask, config, "backward")
    reps = [np.concatenate([x, x], axis=-1)]                      # R_0 = [x; x]: the static embedding
    reps += [np.concatenate([f, g], axis=-1) for f, g in zip(fwd, bwd)]   # R_j = [f_j; g_j]
    return np.stack(reps)
# --8<-- [end:layers]


# --8<-- [start:scalar_mix]
def scalar_mix(mix, layers):
    """Eq. (ELMO-6): ``gamma * sum_j softmax(s)_j layers[j]`` for ``layers (L+1, ...)``."""
    mix = check_mix(mix)
    layers = check_layers(layers, mix)
    a = nx.softmax(np.asarray(mix["s"], dtype=np.float64))       # (L+1,)
    return float(mix["gamma"]) * np.tensordot(a, layers, axes=1)


def scalar_mix_backward(mix, layers, d_out):
    """Eqs. (ELMO-7), (ELMO-8): gradients of ``s``, ``gamma`` and the layers, given ``d_out = dL/d ELMo``.

    Returns ``({"s": (L+1,), "gamma": ()}, d_layers (L+1, ...))``.
    """
    mix = check_mix(mix)
    layers = check_layers(layers, mix).astype(np.float64)
    s, gamma = np.asarray(mix["s"], dtype=np.float64), float(mix["gamma"])
    a = nx.softmax(s)                                             # (L+1,)
    mixed = np.tensordot(a, layers, axes=1)                       # sum_j a_j R_j
    d_gamma = np.sum(d_out * mixed)
    c = gamma * np.tensordot(layers, d_out, axes=d_out.ndim)      # (L+1,) c_j = gamma sum G . R_j
    d_s = a * (c - np.dot(a, c))                                  # the softmax Jacobian
    d_layers = gamma * a[:, None] * np.broadcast_to(d_out.ravel(), (len(a), d_out.size))
    return {"s": d_s, "gamma": np.asarray(d_gamma)}, d_layers.reshape(layers.shape)


def scalar_mix_loss_and_grad(mix, batch):
    """The linear test loss ``sum(scalar_mix(mix, layers) * weights)`` and its gradients ``{"s", "gamma"}``."""
    mix, batch = check_mix_batch(mix, batch)
    value = float(np.sum(scalar_mix(mix, batch["layers"]) * batch["weights"]))
    grads, _ = scalar_mix_backward(mix, batch["layers"], batch["weights"])
    return value, grads
# --8<-- [end:scalar_mix]
