r"""A recurrent language model in NumPy: forward, cross-entropy, BPTT by hand, clipping, Adam, sampling.

Notation: a batch of ``B`` rows of ``T`` tokens ``w_{b,t}`` with targets
``y_{b,t}`` (the next tokens) and a mask ``m_{b,t} = [t < length_b]``;
``E (V, E)`` the embedding, ``W (V, H)`` and ``b (V,)`` the output layer.

The equation names are those of the language-model page (docs/sequence/rnn-lm.md). The embedding
and Adam have no equation there: the first is the input ``x_t`` of (RNN-1), defined in the page's
notation table, the second is named in its text after (RNN-10).

Forward:

* (RNN-1), its input  embedding   ``x_t = E[w_t]`` (or the one-hot vector of ``w_t`` when ``embedding_dim = 0``)
* (RNN-1) recurrence  ``h_1..h_T = RNN(x_1..x_T; s_0)`` (``textbook.sequence.rnn``, PyTorch's cells)
* (RNN-2) logits      ``z_t = W h_t + b``  (B, T, V)
* (RNN-2) loss        ``L = (1/N) sum_{b,t} m_{b,t} (-log softmax(z_{b,t})[y_{b,t}])``, ``N = sum m``:
  the mean cross-entropy in nats per real token; perplexity is ``exp(L)``, (RNN-3)

Backward:

* (RNN-4) ``dL/dz_t = (m_t / N) (softmax(z_t) - onehot(y_t))``
* (RNN-4) ``dL/dW = sum_t dz_t^T h_t``, ``dL/db = sum_t dz_t``; ``dL/dh_t = dz_t W``, the first term of (RNN-5)
* (RNN-5)-(RNN-7) BPTT through the stack (``textbook.sequence.rnn.numpy_impl.stack_backward``), from ``dL/dh_t``
  and a zero gradient on the final state: truncated BPTT stops at the chunk's first step
* (RNN-8) ``dL/dE[i] = sum_{t: w_t = i} dL/dx_t`` (repeated tokens add up)

Training step:

* (RNN-10) global-norm clipping  ``g <- g * min(1, c / (||g|| + 1e-6))``, ``||g||^2 = sum over all params of sum g^2``
* Adam (``textbook.core.optim``), no page equation

Sampling:

* (RNN-11) ``p = softmax(z / tau)`` over the ``k`` largest logits (``top_k = k``; ties at the k-th
  value are kept), and the next token is the first ``i`` with ``cumsum(p)_i > u * sum(p)`` for a
  uniform draw ``u`` (inverse-CDF sampling; the draw comes with the call). ``tau = 0`` is greedy.
"""

from __future__ import annotations

import numpy as np

from textbook.core.numerics import numpy_impl as nx
from textbook.core.optim import numpy_impl as optim
from textbook.core.rows import sum_rows
from textbook.sequence.language_model._checks import check_batch, check_lr, check_params, check_sampling
from textbook.sequence.rnn import numpy_impl as rnn


def _float64(params):
    return {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}


def _states(batch):
    return {k: np.asarray(v, dtype=np.float64) for k, v in batch.items() if k in ("h0", "c0")}


# --8<-- [start:forward]
def embed(params, tokens, config):
    """The input ``x_t`` of eq. (RNN-1): ``(B, T) ids -> (B, T, E)`` rows of the embedding, or one-hot
    ``(B, T, V)``.
    """
    if config.embedding_dim:
        return params["embedding.weight"][tokens]
    return np.eye(config.vocab_size)[tokens]


def forward_with_cache(params, batch, config):
    """Eqs. (RNN-1), (RNN-2) on a checked batch: ``(logits (B, T, V), final_states, cache)``."""
    tokens, lengths = batch["tokens"], batch["lengths"]
    x = embed(params, tokens, config)                             # (B, T, E)  input of (RNN-1)
    mask = rnn.length_mask(lengths, tokens.shape[1])              # (B, T)
    h, final, caches = rnn.stack_forward(params, x, mask, _states(batch), config.rnn, prefix="rnn.")  # (RNN-1)
    logits = h @ params["output.weight"].T + params["output.bias"]   # (B, T, V)  eq. (RNN-2)
    return logits, final, (h, mask, caches)
# --8<-- [end:forward]


# --8<-- [start:loss_and_grad]
def _loss_grad_state(params, batch, config):
    """Eqs. (RNN-2), (RNN-4)-(RNN-8): the mean cross-entropy, the gradients of every param, and the final states."""
    check_params(params, config)
    batch = check_batch(batch, config)
    params = _float64(params)
    logits, final, (h, mask, caches) = forward_with_cache(params, batch, config)
    targets = batch["targets"]                                    # (B, T)
    n = mask.sum()                                                # N real tokens
    log_p = nx.log_softmax(logits, axis=-1)                       # (B, T, V)
    ce = -np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]   # (B, T)
    value = float((ce * mask).sum() / n)                          # eq. (RNN-2)

    dz = np.exp(log_p)                                            # (B, T, V) softmax
    b, t = np.indices(targets.shape)
    dz[b, t, targets] -= 1.0                                      # softmax - onehot(y)
    dz *= mask[..., None] / n                                     # eq. (RNN-4)
    grads = {"output.weight": np.einsum("btv,bth->vh", dz, h),   # eq. (RNN-4)
             "output.bias": dz.sum(axis=(0, 1))}
    dh = dz @ params["output.weight"]                             # (B, T, H)
    zero = {k: np.zeros_like(v) for k, v in final.items()}        # truncated BPTT: no gradient from later chunks
    rnn_grads, dx, _ = rnn.stack_backward(params, dh, zero, caches, config.rnn, prefix="rnn.")   # (RNN-5)-(RNN-7)
    grads.update(rnn_grads)
    if config.embedding_dim:                                      # eq. (RNN-8): repeated tokens add up
        rows, g = sum_rows(batch["tokens"].ravel(), dx.reshape(-1, config.embedding_dim))
        d_emb = np.zeros_like(params["embedding.weight"])
        d_emb[rows] = g
        grads["embedding.weight"] = d_emb
    return value, {k: grads[k] for k in params}, final
# --8<-- [end:loss_and_grad]


# --- the interface ----------------------------------------------------------------------------------------

def forward(params, inputs, config):
    """Logits ``(B, T, V)`` and final states ``{"h": (L, B, H)[, "c"]}`` for ``inputs = {"tokens", "lengths", "h0", "c0"}``."""
    check_params(params, config)
    inputs = check_batch(inputs, config, targets=False)
    logits, final, _ = forward_with_cache(_float64(params), inputs, config)
    return logits, final


def loss(params, batch, config) -> float:
    """The mean cross-entropy (RNN-2) in nats per real token."""
    return loss_and_state(params, batch, config)[0]


def loss_and_state(params, batch, config):
    """The loss (RNN-2) and the final states (to carry into the next chunk)."""
    check_params(params, config)
    batch = check_batch(batch, config)
    logits, final, (_, mask, _) = forward_with_cache(_float64(params), batch, config)
    ce = nx.softmax_cross_entropy(logits, batch["targets"])       # (B, T)
    return float((ce * mask).sum() / mask.sum()), final


def loss_and_grad(params, batch, config):
    """The loss (RNN-2) and its gradients keyed like ``params``, eqs. (RNN-4)-(RNN-8)."""
    value, grads, _ = _loss_grad_state(params, batch, config)
    return value, grads


# --8<-- [start:train_step]
def clip_by_global_norm(grads, max_norm):
    """Eq. (RNN-10): scale all gradients by ``min(1, max_norm / (norm + 1e-6))``. Returns ``(grads, norm)``."""
    norm = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads.values())))
    scale = min(1.0, max_norm / (norm + 1e-6))
    return {k: g * scale for k, g in grads.items()}, norm


def train_step(params, opt_state, batch, config, lr):
    """One step of truncated BPTT: loss and gradients (RNN-2), (RNN-4)-(RNN-8), clipping (RNN-10) if
    ``config.clip > 0``, Adam.

    Returns ``(params, opt_state, loss, final_states)``; the loss is the one before the update.
    """
    lr = check_lr(lr)
    value, grads, final = _loss_grad_state(params, batch, config)
    if config.clip > 0:
        grads, _ = clip_by_global_norm(grads, config.clip)
    params, opt_state = optim.adam(_float64(params), grads, opt_state, lr)
    return params, opt_state, value, final
# --8<-- [end:train_step]


# --8<-- [start:sample]
def next_token(logits, u, temperature, top_k):
    """Eq. (RNN-11): one token per row from ``logits (B, V)`` and uniform draws ``u (B,)``: ``(B,)`` ids."""
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return np.argmax(logits, axis=-1)                         # greedy
    z = logits / temperature                                      # (B, V)
    if top_k:
        kth = np.sort(z, axis=-1)[:, -top_k][:, None]             # (B, 1) the k-th largest logit
        z = np.where(z >= kth, z, -np.inf)                        # the others get probability 0
    cdf = np.cumsum(nx.softmax(z, axis=-1), axis=-1)              # (B, V)
    pick = (cdf <= np.asarray(u)[:, None] * cdf[:, -1:]).sum(axis=-1)   # first i with cdf_i > u * total
    return np.minimum(pick, logits.shape[-1] - 1)


def decode_step(params, tokens, state, config):
    """One token per row through the model: ``tokens (B,)``, ``state {"h": (L, B, H)[, "c"]}`` ->
    ``(logits (B, V), new_state)``. Each layer is one `textbook.sequence.rnn.numpy_impl.step`."""
    x = embed(params, tokens, config)                             # (B, E)
    new = {k: [] for k in state}
    for layer in range(config.num_layers):
        w = rnn.cell_weights(params, layer, 0, prefix="rnn.")
        s, _ = rnn.step(config.cell, w, x, {k: state[k][layer] for k in state})
        x = s["h"] + x if (config.residual and layer > 0) else s["h"]
        for k in state:
            new[k].append(s[k])
    logits = x @ params["output.weight"].T + params["output.bias"]   # (B, V)
    return logits, {k: np.stack(v) for k, v in new.items()}


def sample(params, prompt, noise, config, temperature=1.0, top_k=0):
    """Read ``prompt (B, P)``, then sample ``N`` tokens with ``noise (B, N)`` uniform draws: ``(B, N)`` ids."""
    check_params(params, config)
    prompt, noise, temperature, top_k = check_sampling(prompt, noise, config, temperature, top_k)
    params = _float64(params)
    logits, state = forward(params, {"tokens": prompt}, config)   # read the prompt
    last = logits[:, -1]                                          # (B, V) the prediction after it
    out = np.zeros(noise.shape, dtype=np.int64)
    for n in range(noise.shape[1]):
        out[:, n] = next_token(last, noise[:, n], temperature, top_k)
        last, state = decode_step(params, out[:, n], state, config)
    return out
# --8<-- [end:sample]
