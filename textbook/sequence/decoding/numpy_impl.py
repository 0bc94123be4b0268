r"""Greedy decoding and beam search in NumPy: one sequence at a time, written to be read.

A decoder drives a **step function** ``step(state, token)`` that feeds ``token`` to a model in
``state`` and returns the log-probabilities of the next token and the model's new state::

    log_probs, new_state = step(state, token)              # log_probs: (V,)
    log_probs, new_state, extras = step(state, token)      # extras: e.g. attention weights (S,)

The first call feeds ``bos``. ``log_probs`` must be normalised (``logsumexp == 0``); ``-inf``
marks a token of probability 0, which is never chosen. ``extras``, when a step returns them,
belong to the token chosen from that step's ``log_probs`` and come back stacked per hypothesis,
``(len(tokens), *extras.shape)``.

Equations (``y = y_1 .. y_n`` excludes ``bos`` and includes ``eos`` when generated):

* (DEC-1) ``L(y) = sum_t log p(y_t | y_<t)``, the cumulative log-probability;
* (DEC-2) ``score(y) = L(y) / n ** alpha``, the length-normalised score;
* (DEC-3) greedy: ``y_t = argmax_v L(y_<t) + log p(v | y_<t)`` (the same as the argmax of
  ``log p(v | y_<t)``, written so that it is beam search of width 1 to the last bit);
* (DEC-4) beam search: extend every open hypothesis ``h`` by every token ``v`` with
  ``L(h) + log p(v | h)``; keep the best ``k_t`` expansions, where ``k_1 = beam_size`` and
  ``k_{t+1} = k_t - (expansions finished at step t)``: an expansion ending in ``eos``, or
  reaching ``max_len`` tokens, is finished and leaves the beam.

Ties (exactly equal values) are broken the same way in both backends: among expansions, the one
of the earlier hypothesis in the beam, then the lower token id; among finished hypotheses
with equal scores, the one finished first (at an earlier step, or ranked higher in its step).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from textbook.sequence.decoding._check import (DEFAULT_ALPHA, PAD, check_args, check_eos, check_extras,
                                               check_log_probs, split_step_output)

__all__ = ["normalised_score", "greedy", "beam_search", "greedy_batch", "beam_search_batch"]


# --8<-- [start:score]
def normalised_score(log_prob: float, length: int, alpha: float) -> float:
    """Eq. (DEC-2): ``log_prob / length ** alpha``; ``alpha = 0`` gives the plain log-probability."""
    return float(log_prob) / float(length) ** alpha
# --8<-- [end:score]


class _Stepper:
    """Calls the step function and checks what it returns, remembering V and the extras' shape."""

    def __init__(self, step: Callable, eos: int) -> None:
        self.step, self.eos = step, eos
        self.vocab_size: int | None = None
        self.extras_shape: tuple[int, ...] | None = None
        self.has_extras: bool | None = None

    def __call__(self, state: object, token: int, where: str) -> tuple[np.ndarray, object, object]:
        log_probs, new_state, extras = split_step_output(self.step(state, token))
        log_probs = check_log_probs(log_probs, self.vocab_size, where)
        if self.vocab_size is None:
            self.vocab_size = log_probs.shape[0]
            check_eos(self.eos, self.vocab_size)
        if self.has_extras is None:
            self.has_extras = extras is not None
        elif self.has_extras != (extras is not None):
            raise TypeError(f"step must return extras at every step or at none {where}")
        if extras is not None:
            extras = check_extras(extras, self.extras_shape, where)
            self.extras_shape = extras.shape
        return log_probs, new_state, extras

    def stack(self, extras: list) -> np.ndarray | None:
        """The extras of one hypothesis, ``(n, *shape)`` (None when the step gives none)."""
        return np.stack(extras) if self.has_extras else None


# --8<-- [start:greedy]
def greedy(step: Callable, state: object, bos: int, eos: int, max_len: int, alpha: float = DEFAULT_ALPHA,
           return_extras: bool = False) -> tuple:
    """Greedy decoding, eq. (DEC-3): at each step take the most probable next token.

    Args:
        step: ``step(state, token) -> (log_probs (V,), new_state[, extras])``.
        state: the model state before ``bos`` is fed.
        bos, eos: the start and end tokens (``eos`` in ``[0, V)``).
        max_len: at most this many tokens are generated (``>= 1``).
        alpha: the exponent of eq. (DEC-2); greedy's choice does not depend on it, only its score.
        return_extras: also return the step's extras stacked per token (None if it gives none).

    Returns:
        ``(tokens, score)`` (or ``(tokens, score, extras)``): ``tokens`` int64 ``(n,)`` without
        ``bos``, ending with ``eos`` unless ``max_len`` was reached first; ``score`` the normalised
        score (DEC-2) of this one hypothesis, so that ``greedy(...) == beam_search(..., beam_size=1)[0]``.
    """
    eos, max_len, _, alpha = check_args(eos, max_len, 1, alpha)
    call = _Stepper(step, eos)
    tokens, extras, total = [], [], 0.0              # total = L(y_<t), eq. (DEC-1)
    token = bos
    for t in range(1, max_len + 1):
        log_probs, state, extra = call(state, token, where=f"at step {t}")   # (V,)
        token = int(np.argmax(total + log_probs))    # first maximum: the lower token id on ties
        total = total + float(log_probs[token])
        tokens.append(token)
        extras.append(extra)
        if token == eos:
            break
    tokens = np.array(tokens, dtype=np.int64)
    score = normalised_score(total, len(tokens), alpha)
    return (tokens, score, call.stack(extras)) if return_extras else (tokens, score)
# --8<-- [end:greedy]


class Hypothesis(NamedTuple):
    """A partial (open) or finished hypothesis of beam search.

    Attributes:
        tokens: the tokens generated so far (without ``bos``).
        log_prob: ``L(y)``, the sum of their log-probabilities, eq. (DEC-1).
        state: the model state before the last token is fed (``step(state, tokens[-1])`` gives the
            distribution of the next token).
        extras: the step's extras of each token.
    """

    tokens: tuple
    log_prob: float
    state: object
    extras: tuple


# --8<-- [start:beam_search]
def beam_search(step: Callable, state: object, bos: int, eos: int, max_len: int, beam_size: int = 5,
                alpha: float = DEFAULT_ALPHA, return_extras: bool = False, trace: list | None = None) -> list:
    """Beam search with length normalisation, eqs. (DEC-1), (DEC-2), (DEC-4).

    Args:
        step: ``step(state, token) -> (log_probs (V,), new_state[, extras])``.
        state: the model state before ``bos`` is fed.
        bos, eos: the start and end tokens (``eos`` in ``[0, V)``).
        max_len: at most this many tokens are generated (``>= 1``).
        beam_size: ``k >= 1``, the number of expansions kept at the first step; every finished
            hypothesis leaves the beam and makes it one narrower.
        alpha: the length-normalisation exponent of eq. (DEC-2), ``>= 0``.
        return_extras: return ``(tokens, score, extras)`` triples, ``extras`` stacked per token
            ``(n, *shape)`` (None if the step gives none).
        trace: if a list, one record per step is appended to it: ``{"step": t, "expansions":
            [(parent_tokens, token, log_prob, status), ...]}`` with ``status`` one of ``"open"``,
            ``"finished"`` or ``"pruned"`` (what `plots.plot_beam_tree` draws).

    Returns:
        The finished hypotheses, best first by normalised score: a list of ``(tokens, score)``
        with ``tokens`` int64 ``(n,)`` (without ``bos``; ending with ``eos`` unless ``max_len`` was
        reached). It holds ``beam_size`` hypotheses unless fewer expansions were possible.
    """
    eos, max_len, beam_size, alpha = check_args(eos, max_len, beam_size, alpha)
    call = _Stepper(step, eos)
    beam = [Hypothesis(tokens=(), log_prob=0.0, state=state, extras=())]
    finished: list[Hypothesis] = []
    for t in range(1, max_len + 1):
        # 1. Extend every open hypothesis by every token, eq. (DEC-4).
        totals, steps = [], []
        for i, h in enumerate(beam):
            last = h.tokens[-1] if h.tokens else bos
            log_probs, new_state, extra = call(h.state, last, where=f"at step {t}, hypothesis {i}")   # (V,)
            totals.append(h.log_prob + log_probs)             # L(h) + log p(v | h), (V,)
            steps.append((new_state, extra))
        totals = np.stack(totals).ravel()                     # (len(beam) * V,) index i * V + v
        V = call.vocab_size

        # 2. Keep the best `room` expansions (a stable sort puts the earlier hypothesis, then the
        #    lower token id, first on ties); tokens of probability 0 are never kept.
        room = beam_size - len(finished)
        order = np.argsort(-totals, kind="stable")
        keep = [int(j) for j in order[:room] if totals[j] > -np.inf]

        # 3. An expansion ending in eos or reaching max_len is finished; the others form the next beam.
        next_beam = []
        for j in keep:
            i, v = divmod(j, V)
            parent, (new_state, extra) = beam[i], steps[i]
            child = Hypothesis(parent.tokens + (v,), float(totals[j]), new_state, parent.extras + (extra,))
            (finished if v == eos or t == max_len else next_beam).append(child)
        if trace is not None:
            trace.append(_trace_record(t, beam, totals, V, keep, eos, max_len))
        beam = next_beam
        if not beam:
            break

    # 4. Best first by the normalised score (DEC-2); Python's sort is stable, so equal scores
    #    keep the order in which the hypotheses finished.
    scored = [(normalised_score(h.log_prob, len(h.tokens), alpha), h) for h in finished]
    scored.sort(key=lambda sh: -sh[0])
    out = []
    for score, h in scored:
        tokens = np.array(h.tokens, dtype=np.int64)
        out.append((tokens, score, call.stack(list(h.extras))) if return_extras else (tokens, score))
    return out
# --8<-- [end:beam_search]


def _trace_record(t: int, beam: list, totals: np.ndarray, V: int, keep: list, eos: int, max_len: int) -> dict:
    """What beam search did at step ``t``: every expansion with its cumulative log-prob and fate."""
    kept = set(keep)
    expansions = []
    for j, total in enumerate(totals):
        i, v = divmod(j, V)
        if j in kept:
            status = "finished" if v == eos or t == max_len else "open"
        else:
            status = "pruned"
        expansions.append((beam[i].tokens, v, float(total), status))
    return {"step": t, "expansions": expansions}


# --- the batched interface shared with jax_impl: one sequence at a time here ----------------------


def _tree_map(fn: Callable, tree: object) -> object:
    """Apply ``fn`` to every array of a state made of dicts, tuples, lists and arrays."""
    if isinstance(tree, dict):
        return {k: _tree_map(fn, v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(_tree_map(fn, v) for v in tree)
    return None if tree is None else fn(tree)


def _leaves(tree: object) -> list:
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in _leaves(v)]
    if isinstance(tree, (tuple, list)):
        return [x for v in tree for x in _leaves(v)]
    return [] if tree is None else [tree]


def _batch_size(state: object, bos: object) -> int:
    """B from the leading dimension of the state's arrays (or of ``bos`` if the state has none)."""
    sizes = {np.shape(x)[0] if np.ndim(x) else None for x in _leaves(state)}
    if np.ndim(bos) == 1:
        sizes.add(np.shape(bos)[0])
    elif np.ndim(bos) != 0:
        raise ValueError(f"bos must be an integer or an integer array of shape (B,), got shape {np.shape(bos)}")
    if None in sizes or len(sizes) != 1:
        raise ValueError("state must be a pytree of arrays with the batch size B as leading dimension "
                         f"(and bos a scalar or of shape (B,)); leading dimensions found: {sizes}")
    return sizes.pop()


def _one_sequence(step: Callable, params: object, state: object, b: int) -> tuple[Callable, object]:
    """Sequence ``b`` of a batched step: ``step(params, state, tokens (N,))`` used as ``step(state, token)``."""
    def single(s: object, token: int) -> tuple:
        out = step(params, s, np.array([token]))
        log_probs, new_state, extras = split_step_output(out)
        rows = (np.asarray(log_probs)[0], new_state)          # (V,) and a state with batch size 1
        return rows if extras is None else rows + (np.asarray(extras)[0],)
    return single, _tree_map(lambda x: np.asarray(x)[b:b + 1], state)


def _bos_list(bos: object, B: int) -> list[int]:
    bos = np.asarray(bos)
    if bos.dtype.kind not in "iu":
        raise TypeError(f"bos must be integer token ids, got dtype {bos.dtype}")
    return [int(x) for x in np.broadcast_to(bos, (B,))]


def _pack(results: list[list[tuple]], width: int, max_len: int, dtype: object) -> dict[str, np.ndarray]:
    """Per-sequence lists of ``(tokens, score, extras)`` as fixed-shape arrays."""
    B = len(results)
    out = {"tokens": np.full((B, width, max_len), PAD, dtype=np.int64),
           "lengths": np.zeros((B, width), dtype=np.int64),
           "scores": np.full((B, width), -np.inf, dtype=dtype),
           "count": np.array([len(r) for r in results], dtype=np.int64)}
    extras = [e for r in results for (_, _, e) in r if e is not None]
    if extras:
        out["extras"] = np.zeros((B, width, max_len) + extras[0].shape[1:], dtype=extras[0].dtype)
    for b, r in enumerate(results):
        for k, (tokens, score, e) in enumerate(r):
            n = len(tokens)
            out["tokens"][b, k, :n] = tokens
            out["lengths"][b, k] = n
            out["scores"][b, k] = score
            if e is not None:
                out["extras"][b, k, :n] = e
    return out


def greedy_batch(step: Callable, params: object, state: object, bos: object, eos: int, max_len: int,
                 alpha: float = DEFAULT_ALPHA, check: bool = True) -> dict[str, np.ndarray]:
    """`greedy` of every sequence of a batch, with the batched step interface of ``jax_impl``.

    Args:
        step: ``step(params, state, tokens (N,)) -> (log_probs (N, V), new_state[, extras (N, ...)])``.
        params: passed to ``step`` unchanged.
        state: the initial states, a pytree of arrays with leading dimension B.
        bos: int or ``(B,)``; eos, max_len, alpha: as in `greedy`.
        check: accepted for the signature of ``jax_impl``; the NumPy decoder always checks each step.

    Returns:
        ``{"tokens": (B, max_len) padded with -1, "lengths": (B,), "scores": (B,)}``
        and ``"extras": (B, max_len, ...)`` (zero-padded) when the step returns extras.
    """
    eos, max_len, _, alpha = check_args(eos, max_len, 1, alpha)
    B = _batch_size(state, bos)
    results = []
    for b, first in enumerate(_bos_list(bos, B)):
        single, s = _one_sequence(step, params, state, b)
        tokens, score, extras = greedy(single, s, first, eos, max_len, alpha, return_extras=True)
        results.append([(tokens, score, extras)])
    out = _pack(results, 1, max_len, np.result_type(float))
    del out["count"]
    return {k: v[:, 0] for k, v in out.items()}


def beam_search_batch(step: Callable, params: object, state: object, bos: object, eos: int, max_len: int,
                      beam_size: int = 5, alpha: float = DEFAULT_ALPHA, check: bool = True) -> dict[str, np.ndarray]:
    """`beam_search` of every sequence of a batch, with the batched step interface of ``jax_impl``.

    Args:
        step: ``step(params, state, tokens (N,)) -> (log_probs (N, V), new_state[, extras (N, ...)])``.
        params: passed to ``step`` unchanged.
        state: the initial states, a pytree of arrays with leading dimension B.
        bos: int or ``(B,)``; eos, max_len, beam_size, alpha: as in `beam_search`.
        check: accepted for the signature of ``jax_impl``; the NumPy decoder always checks each step.

    Returns:
        Best first along axis 1 (``K = beam_size`` slots): ``"tokens" (B, K, max_len)`` padded with
        -1, ``"lengths" (B, K)`` (0 in empty slots), ``"scores" (B, K)`` (-inf in empty slots),
        ``"count" (B,)`` the number of finished hypotheses, and ``"extras" (B, K, max_len, ...)``
        when the step returns extras.
    """
    eos, max_len, beam_size, alpha = check_args(eos, max_len, beam_size, alpha)
    B = _batch_size(state, bos)
    results = []
    for b, first in enumerate(_bos_list(bos, B)):
        single, s = _one_sequence(step, params, state, b)
        results.append(beam_search(single, s, first, eos, max_len, beam_size, alpha, return_extras=True))
    return _pack(results, beam_size, max_len, np.result_type(float))
