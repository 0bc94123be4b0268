r"""GloVe in JAX: the same loss as ``numpy_impl``, gradients by ``jax.value_and_grad``, jitted.

The equation names are those of the GloVe page, as in ``numpy_impl``. Only the forward pass
(GLOVE-2)-(GLOVE-4) is written here.

``train_step`` differentiates with respect to the *rows a batch touches*: it gathers
``W[rows]``, ``W_tilde[cols]``, ``b[rows]``, ``b_tilde[cols]`` into small tables, takes
``value_and_grad`` of the summed loss there (the row gradients of ``numpy_impl``), and hands
them to ``textbook.core.optim.jax_impl.sparse_adagrad``, which sums repeated rows and updates
only those rows of the big tables and accumulators. The cost of a step does not grow with ``V``.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from textbook.core.optim import jax_impl as optim
from textbook.embeddings.glove._batch import (
    check_batch,
    check_lr,
    check_order,
    check_params,
    check_state,
    check_weighting_args,
)


# --8<-- [start:weighting]
def weighting(x, x_max: float = 100.0, alpha: float = 0.75):
    """Eq. (GLOVE-2): ``f(x) = min(1, (x / x_max) ** alpha)``, elementwise (inputs are checked unless traced)."""
    if not isinstance(x, jax.core.Tracer):
        x = check_weighting_args(x, x_max, alpha)
    return _weighting(jnp.asarray(x), x_max, alpha)


def _weighting(x, x_max, alpha):
    return jnp.minimum(1.0, (x / x_max) ** alpha)
# --8<-- [end:weighting]


# --8<-- [start:pairs]
def pair_losses(params, batch, config):
    """Eqs. (GLOVE-2)-(GLOVE-4): per-entry losses ``(B,)``."""
    i, j, x = batch["rows"], batch["cols"], batch["counts"]       # (B,), (B,), (B,)
    f = _weighting(x, config.x_max, config.alpha)                 # (B,)  eq. (GLOVE-2)
    e = (jnp.einsum("bd,bd->b", params["W"][i], params["W_tilde"][j])
         + params["b"][i] + params["b_tilde"][j] - jnp.log(x))    # (B,)  eq. (GLOVE-3)
    return f * e ** 2                                             # (B,)  eq. (GLOVE-4), one term
# --8<-- [end:pairs]


# --8<-- [start:loss_and_grad]
def _mean_loss(params, batch, config):
    """Eq. (GLOVE-4): the mean of the entries' losses."""
    return pair_losses(params, batch, config).mean()


_loss = jax.jit(_mean_loss, static_argnums=2)
_loss_and_grad = jax.jit(jax.value_and_grad(_mean_loss), static_argnums=2)
# --8<-- [end:loss_and_grad]


# --8<-- [start:train_step]
def _step(params, state, batch, lr, config):
    """Eq. (GLOVE-6): AdaGrad on the summed loss, through the gathered rows."""
    B = batch["rows"].shape[0]
    rows = {"W": batch["rows"], "W_tilde": batch["cols"], "b": batch["rows"], "b_tilde": batch["cols"]}
    small = {k: params[k][r] for k, r in rows.items()}           # (B, d), (B, d), (B,), (B,)
    local = {"rows": jnp.arange(B), "cols": jnp.arange(B), "counts": batch["counts"]}

    def summed_loss(p):
        return pair_losses(p, local, config).sum()

    total, grads = jax.value_and_grad(summed_loss)(small)        # row gradients of the SUM
    new_params, new_state = {}, {}
    for k, r in rows.items():
        table, accum, g = params[k], state[k], grads[k].astype(params[k].dtype)
        if table.ndim == 1:                                       # biases: (V,) as (V, 1)
            table, accum, g = table[:, None], accum[:, None], g[:, None]
        table, accum = optim.sparse_adagrad(table, accum, r, g, lr)   # repeated rows summed first
        new_params[k], new_state[k] = table.reshape(params[k].shape), accum.reshape(state[k].shape)
    return new_params, new_state, total / B


_train_step = jax.jit(_step, static_argnums=4, donate_argnums=(0, 1))
# --8<-- [end:train_step]


# --8<-- [start:train_epoch]
@partial(jax.jit, static_argnums=5, donate_argnums=(0, 1))
def _train_epoch(params, state, data, order, lr, config):
    """Every step of an epoch in one ``lax.scan``: the entries stay on the device, no host round trip."""

    def step(carry, idx):                                         # idx: (B,) entries of this step
        p, s = carry
        batch = {k: v[idx] for k, v in data.items()}
        p, s, loss_value = _step(p, s, batch, lr, config)
        return (p, s), loss_value

    (params, state), losses = jax.lax.scan(step, (params, state), order)
    return params, state, losses
# --8<-- [end:train_epoch]


# --- the interface (host-side checks, then the jitted functions) ----------------------------------------

def _device_batch(batch, config, params):
    """Check ``batch`` on the host, then move it to the device (ids as int32, counts in the params' float type)."""
    checked = check_batch(batch, config)
    host = {"rows": checked["rows"].astype(np.int32), "cols": checked["cols"].astype(np.int32),
            "counts": checked["counts"].astype(jnp.result_type(params["W"]))}
    return jax.device_put(host)


def _float_params(params):
    return {k: jnp.asarray(v) for k, v in params.items()}


def loss(params, batch, config):
    """Mean loss over the batch, eq. (GLOVE-4). Returns a JAX scalar."""
    check_params(params, config)
    return _loss(_float_params(params), _device_batch(batch, config, params), config)


def loss_and_grad(params, batch, config):
    """Mean loss over the batch and its dense gradients (keys and shapes of ``params``)."""
    check_params(params, config)
    return _loss_and_grad(_float_params(params), _device_batch(batch, config, params), config)


def init_state(params, config):
    """AdaGrad accumulators ``G_0 = config.initial_accumulator``, keyed, shaped and typed like ``params``."""
    check_params(params, config)
    return {k: jnp.full(jnp.shape(v), config.initial_accumulator, dtype=jnp.result_type(v))
            for k, v in params.items()}


def train_step(params, state, batch, config, lr=None):
    """One AdaGrad step on the SUM of the entries' losses, touching only the rows the batch uses, eq. (GLOVE-6).

    ``params`` and ``state`` are donated: their buffers are reused for the result, so do not
    use them afterwards. Returns ``(new_params, new_state, loss)``, the loss being the batch
    mean before the update.
    """
    lr = check_lr(config.learning_rate if lr is None else lr)
    check_params(params, config)
    check_state(state, config)
    batch = _device_batch(batch, config, params)
    params, state = _float_params(params), _float_params(state)
    return _train_step(params, state, batch, lr, config)


def train_epoch(params, state, data, order, config, lr=None):
    """``train_step`` on ``{k: data[k][order[s]]}`` for every row ``s`` of ``order``, in one jitted scan.

    Args:
        params, state: as for `train_step` (donated).
        data: all the entries, a batch-format dict ``{"rows", "cols", "counts": (nnz,)}``.
        order: ``(steps, B)`` integer indices into the entries, one row per step.
        config, lr: as for `train_step`.

    Returns:
        ``(new_params, new_state, losses (steps,))``.
    """
    lr = check_lr(config.learning_rate if lr is None else lr)
    check_params(params, config)
    check_state(state, config)
    order = check_order(order, data)
    data = _device_batch(data, config, params)
    params, state = _float_params(params), _float_params(state)
    return _train_epoch(params, state, data, jnp.asarray(order, dtype=jnp.int32), lr, config)
