r"""Greedy decoding and beam search in JAX: a whole batch in one jitted ``lax.while_loop``.

The equations (DEC-1)-(DEC-4) and the tie-breaking rules are those of ``numpy_impl``, whose
batched functions ``greedy_batch`` and ``beam_search_batch`` have the same signatures and return
the same arrays. The step function is batched and pure::

    log_probs, new_state = step(params, state, tokens)            # tokens (N,), log_probs (N, V)
    log_probs, new_state, extras = step(params, state, tokens)    # extras (N, ...), e.g. attention

where ``state`` is a pytree of arrays with leading dimension N. Pass a function defined once
(at module level), not a new lambda per call: it is a static argument of ``jax.jit``, so each
new function object compiles anew. Everything the model needs goes in ``params``.

Beam search over fixed shapes, for B sequences and K = beam_size:

* K *slots* per sequence; slot k of sequence b is row ``b * K + k`` of the model's batch
  (N = B * K). A slot is open while its cumulative log-probability is > -inf.
* each step ranks the K * V expansions of a sequence with ``lax.top_k`` (best first; on exact
  ties the lower flat index ``k * V + v`` first: the earlier slot, then the lower token id, as
  NumPy's stable sort does) and keeps the first ``K - finished`` of them. The kept expansions
  stay in rank order in the slots, so the next step breaks ties as the NumPy beam list does.
* a kept expansion ending in eos (or at max_len) is copied into a buffer of K finished slots,
  in the order of finishing; the loop stops when no slot is open, and the buffer is sorted by
  the normalised score (stable) at the end.

The values of ``log_probs`` (NaN, +inf, not normalised) can only be seen inside the loop: with
``check=True`` the loop records the first bad step and the host raises ``ValueError`` after it.
"""

from __future__ import annotations

from functools import partial
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from textbook.sequence.decoding._check import (DEFAULT_ALPHA, NORM_TOL, PAD, check_args, check_eos,
                                               not_finite_message, not_normalised_message, split_step_output)

__all__ = ["greedy_batch", "beam_search_batch"]

_tree_map = jax.tree_util.tree_map


# --- host side: shapes checked before tracing, values after the loop ----------------------------


def _batch_size(state: object, bos: object) -> int:
    """B from the leading dimension of the state's arrays (or of ``bos`` if the state has none)."""
    sizes = {np.shape(x)[0] if np.ndim(x) else None for x in jax.tree_util.tree_leaves(state)}
    if np.ndim(bos) == 1:
        sizes.add(np.shape(bos)[0])
    elif np.ndim(bos) != 0:
        raise ValueError(f"bos must be an integer or an integer array of shape (B,), got shape {np.shape(bos)}")
    if None in sizes or len(sizes) != 1:
        raise ValueError("state must be a pytree of arrays with the batch size B as leading dimension "
                         f"(and bos a scalar or of shape (B,)); leading dimensions found: {sizes}")
    return sizes.pop()


def _prepare(step: Callable, params: object, state: object, bos: object, eos: int, width: int) -> tuple:
    """The state and bos as JAX arrays, after checking with ``jax.eval_shape`` what ``step`` returns."""
    state = _tree_map(jnp.asarray, state)
    B = _batch_size(state, bos)
    bos = jnp.asarray(bos)
    if bos.dtype.kind not in "iu":
        raise TypeError(f"bos must be integer token ids, got dtype {bos.dtype}")
    bos = jnp.broadcast_to(bos, (B,))
    N = B * width
    rows = _tree_map(lambda x: jax.ShapeDtypeStruct((N,) + x.shape[1:], x.dtype), state)
    out = jax.eval_shape(step, params, rows, jax.ShapeDtypeStruct((N,), bos.dtype))
    log_probs, new_state, extras = split_step_output(out)
    if not hasattr(log_probs, "shape") or len(log_probs.shape) != 2 or log_probs.shape[0] != N \
            or log_probs.shape[1] < 1:
        raise ValueError(f"step must return log_probs of shape (N, V) with N = {N} rows (one per sequence "
                         f"and beam slot), got {getattr(log_probs, 'shape', type(log_probs).__name__)}")
    if not jnp.issubdtype(log_probs.dtype, jnp.floating):
        raise TypeError(f"step must return float log_probs, got dtype {log_probs.dtype}")
    want, got = jax.tree_util.tree_structure(rows), jax.tree_util.tree_structure(new_state)
    if want != got:
        raise ValueError(f"step must return a new_state with the structure of state: expected {want}, got {got}")
    for i, (a, b) in enumerate(zip(jax.tree_util.tree_leaves(rows), jax.tree_util.tree_leaves(new_state))):
        if a.shape != b.shape:
            raise ValueError(f"step must return a new_state with the shapes of state: leaf {i} should have "
                             f"shape {a.shape}, got {b.shape}")
    if extras is not None and (not hasattr(extras, "shape") or len(extras.shape) < 1 or extras.shape[0] != N):
        raise ValueError(f"step's extras must be an array with N = {N} rows, got "
                         f"{getattr(extras, 'shape', type(extras).__name__)}")
    check_eos(eos, log_probs.shape[1])
    return state, bos


def _raise_if_bad(err: tuple) -> None:
    """Raise the ``ValueError`` recorded by the loop (first bad step), if any."""
    step, nonfinite, deviation = (np.asarray(e) for e in err)
    if step >= 0:
        where = f"at step {int(step)}"
        raise ValueError(not_finite_message(where) if nonfinite else not_normalised_message(float(deviation), where))


def _record_error(err: tuple, t, open_, log_probs) -> tuple:
    """Update ``(first bad step, non-finite?, logsumexp)`` with this step's open rows ``log_probs (..., V)``."""
    nonfinite = jnp.any(open_[..., None] & (jnp.isnan(log_probs) | (log_probs == jnp.inf)))
    lse = jax.nn.logsumexp(log_probs, axis=-1)                              # (...)  0 when normalised
    dev = jnp.where(open_, jnp.where(jnp.isnan(lse), jnp.inf, jnp.abs(lse)), 0.0)
    worst = lse.ravel()[jnp.argmax(dev)]                                    # the one farthest from 0
    first = (err[0] < 0) & (nonfinite | (jnp.max(dev) > NORM_TOL))
    return tuple(jnp.where(first, new, old) for new, old in zip((t + 1, nonfinite, worst), err))


def _no_error(dtype) -> tuple:
    return (jnp.asarray(-1), jnp.asarray(False), jnp.asarray(0.0, dtype))


# --- greedy --------------------------------------------------------------------------------------


# --8<-- [start:greedy]
@partial(jax.jit, static_argnames=("step", "max_len", "check"))
def _greedy(step, params, state, bos, eos, alpha, *, max_len, check):
    B, T = bos.shape[0], max_len
    shapes = jax.eval_shape(step, params, state, bos)
    dtype = shapes[0].dtype
    carry = {"t": jnp.asarray(0), "state": state, "last": bos,
             "total": jnp.zeros(B, dtype),                                  # L(y_<t), eq. (DEC-1)
             "open": jnp.ones(B, bool),                                     # no eos yet
             "tokens": jnp.full((B, T), PAD, bos.dtype), "lengths": jnp.zeros(B, bos.dtype),
             "err": _no_error(dtype)}
    if len(shapes) == 3:
        carry["extras"] = jnp.zeros((B, T) + shapes[2].shape[1:], shapes[2].dtype)

    def body(c):
        t, open_ = c["t"], c["open"]
        out = step(params, c["state"], c["last"])
        log_probs = out[0]                                                  # (B, V)
        token = jnp.argmax(c["total"][:, None] + log_probs, axis=1)         # (B,) eq. (DEC-3), first max
        c = {**c, "t": t + 1, "last": token.astype(bos.dtype),
             "state": _tree_map(lambda x, old: x.astype(old.dtype), out[1], c["state"]),
             "total": jnp.where(open_, c["total"] + log_probs[jnp.arange(B), token], c["total"]),
             "tokens": c["tokens"].at[:, t].set(jnp.where(open_, token, PAD)),
             "lengths": c["lengths"] + open_,
             "open": open_ & (token != eos)}
        if "extras" in c:
            keep = open_.reshape((B,) + (1,) * (out[2].ndim - 1))
            c["extras"] = c["extras"].at[:, t].set(jnp.where(keep, out[2], 0))
        if check:
            c["err"] = _record_error(c["err"], t, open_, log_probs)
        return c

    c = lax.while_loop(lambda c: (c["t"] < T) & jnp.any(c["open"]), body, carry)
    out = {"tokens": c["tokens"], "lengths": c["lengths"],
           "scores": c["total"] / c["lengths"].astype(dtype) ** alpha}     # eq. (DEC-2)
    if "extras" in c:
        out["extras"] = c["extras"]
    return out, c["err"]
# --8<-- [end:greedy]


def greedy_batch(step: Callable, params: object, state: object, bos: object, eos: int, max_len: int,
                 alpha: float = DEFAULT_ALPHA, check: bool = True) -> dict:
    """Greedy decoding of a batch in one jitted loop; equals ``numpy_impl.greedy_batch``.

    Args:
        step: ``step(params, state, tokens (B,)) -> (log_probs (B, V), new_state[, extras (B, ...)])``,
            a function defined once (it is a static argument of ``jax.jit``).
        params: passed to ``step`` unchanged (a pytree of arrays).
        state: the initial states, a pytree of arrays with leading dimension B.
        bos: int or ``(B,)``; eos: in ``[0, V)``; max_len ``>= 1``; alpha ``>= 0`` (eq. DEC-2).
        check: check the log-probabilities (finite or -inf, normalised) inside the loop and raise
            ``ValueError`` afterwards; ``False`` saves a logsumexp per step.

    Returns:
        ``{"tokens": (B, max_len) padded with -1, "lengths": (B,), "scores": (B,)}`` and
        ``"extras": (B, max_len, ...)`` (zero-padded) when the step returns extras.
    """
    eos, max_len, _, alpha = check_args(eos, max_len, 1, alpha)
    state, bos = _prepare(step, params, state, bos, eos, 1)
    out, err = _greedy(step, params, state, bos, eos, alpha, max_len=max_len, check=bool(check))
    _raise_if_bad(err)
    return out


# --- beam search ---------------------------------------------------------------------------------


# --8<-- [start:beam_search]
@partial(jax.jit, static_argnames=("step", "max_len", "beam_size", "check"))
def _beam_search(step, params, state, bos, eos, alpha, *, max_len, beam_size, check):
    B, K, T = bos.shape[0], beam_size, max_len
    N = B * K
    state = _tree_map(lambda x: jnp.repeat(x, K, axis=0), state)           # (N, ...) row b*K + k
    shapes = jax.eval_shape(step, params, state, jnp.zeros(N, bos.dtype))
    V, dtype = shapes[0].shape[1], shapes[0].dtype
    b = jnp.arange(B)[:, None]                                              # (B, 1) sequence index
    carry = {"t": jnp.asarray(0), "state": state,
             "last": jnp.broadcast_to(bos[:, None], (B, K)),                # (B, K) token fed next
             "cum": jnp.full((B, K), -jnp.inf, dtype).at[:, 0].set(0.0),   # L(h); only slot 0 open
             "tokens": jnp.full((B, K, T), PAD, bos.dtype),                 # (B, K, T) open histories
             "fin_tokens": jnp.full((B, K, T), PAD, bos.dtype),             # (B, K, T) finished buffer
             "fin_lengths": jnp.zeros((B, K), bos.dtype),
             "fin_scores": jnp.full((B, K), -jnp.inf, dtype),
             "count": jnp.zeros(B, bos.dtype),                              # (B,) finished so far
             "err": _no_error(dtype)}
    if len(shapes) == 3:
        E = shapes[2].shape[1:]
        carry["extras"] = jnp.zeros((B, K, T) + E, shapes[2].dtype)
        carry["fin_extras"] = jnp.zeros((B, K, T) + E, shapes[2].dtype)

    def body(c):
        t = c["t"]
        out = step(params, c["state"], c["last"].reshape(N))
        log_probs = out[0].reshape(B, K, V)                                 # (B, K, V)
        open_ = c["cum"] > -jnp.inf                                         # (B, K)
        # 1. every expansion of every open slot, eq. (DEC-4)
        total = jnp.where(open_[..., None], c["cum"][..., None] + log_probs, -jnp.inf)   # (B, K, V)
        # 2. the best K, best first, lower flat index first on ties; keep the first `room`
        best, flat = lax.top_k(total.reshape(B, K * V), K)                  # (B, K)
        parent, token = flat // V, (flat % V).astype(bos.dtype)             # (B, K)
        room = K - c["count"]                                               # (B,)
        kept = (jnp.arange(K) < room[:, None]) & (best > -jnp.inf)          # (B, K)
        # 3. eos or max_len: finished, copied to buffer slots count, count + 1, ... in rank order
        done = kept & ((token == eos) | (t == T - 1))
        tokens = c["tokens"][b, parent].at[:, :, t].set(token)              # histories follow parents
        slot = jnp.where(done, c["count"][:, None] + jnp.cumsum(done, axis=1) - 1, K)   # K: dropped
        score = best / (t + 1).astype(dtype) ** alpha                       # eq. (DEC-2)
        rows = (b * K + parent).reshape(N)                                  # (N,) parent rows
        new = {**c, "t": t + 1, "last": token,
               "state": _tree_map(lambda x, old: x[rows].astype(old.dtype), out[1], c["state"]),
               "cum": jnp.where(kept & ~done, best, -jnp.inf),
               "tokens": tokens,
               "fin_tokens": c["fin_tokens"].at[b, slot].set(tokens, mode="drop"),
               "fin_lengths": c["fin_lengths"].at[b, slot].set(t + 1, mode="drop"),
               "fin_scores": c["fin_scores"].at[b, slot].set(score, mode="drop"),
               "count": c["count"] + done.sum(axis=1)}
        if "extras" in c:
            extra = out[2].reshape((B, K) + out[2].shape[1:])[b, parent]    # (B, K, ...)
            new["extras"] = c["extras"][b, parent].at[:, :, t].set(extra)
            new["fin_extras"] = c["fin_extras"].at[b, slot].set(new["extras"], mode="drop")
        if check:
            new["err"] = _record_error(c["err"], t, open_, log_probs)
        return new

    c = lax.while_loop(lambda c: (c["t"] < T) & jnp.any(c["cum"] > -jnp.inf), body, carry)
    # 4. best first by normalised score; the stable sort keeps the finishing order on ties
    order = jnp.argsort(-c["fin_scores"], axis=1, stable=True)             # (B, K)
    out = {"tokens": c["fin_tokens"][b, order], "lengths": c["fin_lengths"][b, order],
           "scores": c["fin_scores"][b, order], "count": c["count"]}
    if "extras" in c:
        out["extras"] = c["fin_extras"][b, order]
    return out, c["err"]
# --8<-- [end:beam_search]


def beam_search_batch(step: Callable, params: object, state: object, bos: object, eos: int, max_len: int,
                      beam_size: int = 5, alpha: float = DEFAULT_ALPHA, check: bool = True) -> dict:
    """Beam search of a batch in one jitted loop; equals ``numpy_impl.beam_search_batch``.

    Args:
        step: ``step(params, state, tokens (N,)) -> (log_probs (N, V), new_state[, extras (N, ...)])``
            with ``N = B * beam_size``, a function defined once (a static argument of ``jax.jit``).
        params: passed to ``step`` unchanged (a pytree of arrays).
        state: the initial states, a pytree of arrays with leading dimension B (each is repeated
            for the beam_size slots of its sequence).
        bos: int or ``(B,)``; eos: in ``[0, V)``; max_len ``>= 1``; beam_size ``>= 1``;
            alpha ``>= 0`` (eq. DEC-2).
        check: check the log-probabilities (finite or -inf, normalised) inside the loop and raise
            ``ValueError`` afterwards; ``False`` saves a logsumexp per step.

    Returns:
        Best first along axis 1 (``K = beam_size`` slots): ``"tokens" (B, K, max_len)`` padded with
        -1, ``"lengths" (B, K)`` (0 in empty slots), ``"scores" (B, K)`` (-inf in empty slots),
        ``"count" (B,)`` the number of finished hypotheses, and ``"extras" (B, K, max_len, ...)``
        when the step returns extras.
    """
    eos, max_len, beam_size, alpha = check_args(eos, max_len, beam_size, alpha)
    state, bos = _prepare(step, params, state, bos, eos, beam_size)
    out, err = _beam_search(step, params, state, bos, eos, alpha, max_len=max_len, beam_size=beam_size,
                            check=bool(check))
    _raise_if_bad(err)
    return out
