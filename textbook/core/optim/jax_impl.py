"""Optimisers in JAX: the same functions as ``numpy_impl``, jitted and functional.

Each public function checks shapes on the host, then calls a jitted kernel.  Hyperparameters
(``lr``, ``eps``, ``b1``, ``b2``) are ordinary traced arguments, so a decaying learning rate does
not recompile.  Called inside another ``jax.jit`` the kernels inline; row ids are then tracers and
their range cannot be checked here (check them on the host before the outer jit).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from textbook.core.optim import check_like, check_rows


def _concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


# ---------------------------------------------------------------- dense updates on params dicts


def sgd(params: dict, grads: dict, lr) -> dict:
    """One SGD step: p <- p - lr * g for every key."""
    check_like(params, grads, "grads")
    return _sgd(params, grads, lr)


@jax.jit
def _sgd(params, grads, lr):
    return {k: p - lr * grads[k] for k, p in params.items()}


def adagrad_init(params: dict, initial_accumulator: float = 0.0) -> dict:
    """AdaGrad state: one accumulator G_0 = ``initial_accumulator`` per entry, keyed like params (and of its dtype)."""
    return {k: jnp.full(jnp.shape(p), initial_accumulator, dtype=jnp.result_type(p)) for k, p in params.items()}


def adagrad(params: dict, grads: dict, state: dict, lr, eps=1e-8) -> tuple[dict, dict]:
    """One AdaGrad step: G <- G + g^2;  p <- p - lr * g / sqrt(G + eps).  Returns (params, state)."""
    check_like(params, grads, "grads")
    check_like(params, state, "state")
    return _adagrad(params, grads, state, lr, eps)


@jax.jit
def _adagrad(params, grads, state, lr, eps):
    new_state = {k: state[k] + grads[k] ** 2 for k in params}
    new_params = {k: p - lr * grads[k] / jnp.sqrt(new_state[k] + eps) for k, p in params.items()}
    return new_params, new_state


def adam_init(params: dict) -> dict:
    """Adam state: first and second moments (zeros, keyed like params) and the step count t = 0."""
    zeros = {k: jnp.zeros(jnp.shape(p), dtype=jnp.result_type(p)) for k, p in params.items()}
    return {"m": zeros, "v": dict(zeros), "t": jnp.zeros((), dtype=jnp.int32)}


def adam(params: dict, grads: dict, state: dict, lr, b1=0.9, b2=0.999, eps=1e-8) -> tuple[dict, dict]:
    """One Adam step (bias-corrected moments).  Returns (params, state)."""
    check_like(params, grads, "grads")
    check_like(params, state["m"], "state['m']")
    check_like(params, state["v"], "state['v']")
    return _adam(params, grads, state, lr, b1, b2, eps)


@jax.jit
def _adam(params, grads, state, lr, b1, b2, eps):
    t = state["t"] + 1
    m = {k: b1 * state["m"][k] + (1 - b1) * g for k, g in grads.items()}        # m_t
    v = {k: b2 * state["v"][k] + (1 - b2) * g ** 2 for k, g in grads.items()}   # v_t
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t                                           # bias corrections
    new_params = {k: p - lr * (m[k] / c1.astype(p.dtype)) / (jnp.sqrt(v[k] / c2.astype(p.dtype)) + eps)
                  for k, p in params.items()}                                   # (cast: float32 stays float32)
    return new_params, {"m": m, "v": v, "t": t}


# ---------------------------------------------------------------- sparse row updates on a (V, d) table


def _sum_duplicates(rows, row_grads, num_rows):
    """Unique touched rows (N,) and their summed gradients (N, d), padded to the static length N.

    Padding slots hold the out-of-range id ``num_rows`` and a zero gradient; the scatters below use
    ``mode="drop"`` so they change nothing.
    """
    n = rows.shape[0]
    uniq, inv = jnp.unique(rows, size=n, fill_value=num_rows, return_inverse=True)   # (N,), (N,)
    g = jax.ops.segment_sum(row_grads, inv.reshape(-1), num_segments=n)               # (N, d)
    return uniq, g


def sparse_sgd(table, rows, row_grads, lr):
    """SGD on the touched rows only: W[r] <- W[r] - lr * G_r (duplicates summed).  Returns the table."""
    rows, row_grads = jnp.asarray(rows), jnp.asarray(row_grads)
    check_rows(table, rows, row_grads, check_range=_concrete(rows))
    return _sparse_sgd(table, rows, row_grads, lr)


@jax.jit
def _sparse_sgd(table, rows, row_grads, lr):
    return table.at[rows].add(-lr * row_grads)        # scatter-add sums duplicate rows


def sparse_adagrad(table, accum, rows, row_grads, lr, eps=1e-8):
    """AdaGrad on the touched rows: G[r] <- G[r] + G_r^2;  W[r] <- W[r] - lr * G_r / sqrt(G[r] + eps)."""
    rows, row_grads = jnp.asarray(rows), jnp.asarray(row_grads)
    check_rows(table, rows, row_grads, check_range=_concrete(rows))
    if jnp.shape(accum) != jnp.shape(table):
        raise ValueError(f"accum must have the table's shape {jnp.shape(table)}, got {jnp.shape(accum)}")
    return _sparse_adagrad(table, accum, rows, row_grads, lr, eps)


@jax.jit
def _sparse_adagrad(table, accum, rows, row_grads, lr, eps):
    uniq, g = _sum_duplicates(rows, row_grads, table.shape[0])               # (N,), (N, d)
    a = accum.at[uniq].get(mode="fill", fill_value=0) + g ** 2              # (N, d) G_t on touched rows
    accum = accum.at[uniq].set(a, mode="drop")
    table = table.at[uniq].add(-lr * g / jnp.sqrt(a + eps), mode="drop")
    return table, accum


def sparse_adam_init(table) -> dict:
    """Lazy-Adam state for one (V, d) table: moments ``m``, ``v`` (V, d) and the global step ``t``."""
    zeros = jnp.zeros(jnp.shape(table), dtype=jnp.result_type(table))
    return {"m": zeros, "v": zeros, "t": jnp.zeros((), dtype=jnp.int32)}


def sparse_adam(table, state, rows, row_grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    """Lazy Adam: the Adam step on the touched rows only; untouched rows keep their moments."""
    rows, row_grads = jnp.asarray(rows), jnp.asarray(row_grads)
    check_rows(table, rows, row_grads, check_range=_concrete(rows))
    for key in ("m", "v"):
        if jnp.shape(state[key]) != jnp.shape(table):
            raise ValueError(f"state[{key!r}] must have the table's shape {jnp.shape(table)}, "
                             f"got {jnp.shape(state[key])}")
    return _sparse_adam(table, state, rows, row_grads, lr, b1, b2, eps)


@jax.jit
def _sparse_adam(table, state, rows, row_grads, lr, b1, b2, eps):
    uniq, g = _sum_duplicates(rows, row_grads, table.shape[0])               # (N,), (N, d)
    t = state["t"] + 1
    m = b1 * state["m"].at[uniq].get(mode="fill", fill_value=0) + (1 - b1) * g        # (N, d) m_t
    v = b2 * state["v"].at[uniq].get(mode="fill", fill_value=0) + (1 - b2) * g ** 2   # (N, d) v_t
    c1, c2 = (1 - b1 ** t).astype(table.dtype), (1 - b2 ** t).astype(table.dtype)   # bias corrections
    step = lr * (m / c1) / (jnp.sqrt(v / c2) + eps)                                   # (N, d)
    table = table.at[uniq].add(-step, mode="drop")
    m_all = state["m"].at[uniq].set(m, mode="drop")
    v_all = state["v"].at[uniq].set(v, mode="drop")
    return table, {"m": m_all, "v": v_all, "t": t}
