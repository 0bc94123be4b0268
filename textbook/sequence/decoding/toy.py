"""Small language models given by tables, to test, demonstrate and grade the decoders.

A `TableLM` is a finite-state language model: after reading token ``v`` in state ``s`` it is in
state ``next_state[s, v]`` and predicts the next token with ``log_probs[next_state[s, v]]``.
A bigram (Markov) model is the special case where the state is the last token,
``next_state[s, v] = v``. Its step functions work with both decoders:

* ``lm.step(state, token)``: one sequence, for `textbook.sequence.decoding.greedy` and
  `~textbook.sequence.decoding.beam_search`;
* `table_step` ``(params, state, tokens)`` with ``params = lm.params(backend)`` and
  ``state = lm.initial_state(B)``: batched, for ``greedy_batch``/``beam_search_batch`` of either
  backend (the same code runs on NumPy and on JAX arrays).

If the model has an ``attention`` table ``(S, L)``, both steps also return ``attention[new state]``
as extras: made-up "attention weights" over a source of length L, to exercise that path.

Built-in models: `random_markov`, `random_table`, `greedy_trap` (greedy decoding misses the best
sentence, beam search finds it) and `length_example` (alpha decides between a short and a long
output). `table_greedy`/`table_beam_search` decode a model given as bare arrays (the interface
of the beam-search exercise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textbook.core.backend import convert
from textbook.sequence.decoding._check import DEFAULT_ALPHA, check_int

__all__ = ["TableLM", "table_step", "markov", "random_markov", "random_table", "greedy_trap", "length_example",
           "table_greedy", "table_beam_search"]


def _log_softmax(x: np.ndarray) -> np.ndarray:
    m = np.max(x, axis=-1, keepdims=True)
    return x - (m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)))


@dataclass(frozen=True, eq=False)
class TableLM:
    """A finite-state language model (see the module docstring).

    Attributes:
        log_probs: ``(S, V)`` float: row ``s`` is the next-token distribution in state ``s``
            (each row normalised; -inf for a token of probability 0).
        next_state: ``(S, V)`` int in ``[0, S)``: the state after reading a token.
        bos, eos: start and end tokens, in ``[0, V)``.
        start: the state before ``bos`` is read.
        attention: optional ``(S, L)`` float, returned as the step's extras.
        vocab: optional names of the V tokens (for `words`).
    """

    log_probs: np.ndarray
    next_state: np.ndarray
    bos: int
    eos: int
    start: int = 0
    attention: np.ndarray | None = None
    vocab: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        lp = np.asarray(self.log_probs, dtype=np.float64)
        ns = np.asarray(self.next_state)
        if lp.ndim != 2 or lp.shape[1] < 1:
            raise ValueError(f"log_probs must have shape (S, V), got {lp.shape}")
        S, V = lp.shape
        with np.errstate(invalid="ignore"):
            gap = np.abs(_log_softmax(lp) - lp)[np.isfinite(lp)]            # -inf entries give NaN here
        if np.isnan(lp).any() or np.isposinf(lp).any() or np.max(gap, initial=0.0) > 1e-9:
            raise ValueError("each row of log_probs must be a normalised log-distribution (finite or -inf)")
        if ns.shape != (S, V) or ns.dtype.kind not in "iu" or ns.min() < 0 or ns.max() >= S:
            raise ValueError(f"next_state must be integers in [0, {S}) of shape {(S, V)}, got {ns.dtype} {ns.shape}")
        for name in ("bos", "eos"):
            check_int(name, getattr(self, name), 0)
            if getattr(self, name) >= V:
                raise ValueError(f"{name} must be a token in [0, {V}), got {getattr(self, name)}")
        check_int("start", self.start, 0)
        if self.start >= S:
            raise ValueError(f"start must be a state in [0, {S}), got {self.start}")
        if self.attention is not None and np.shape(self.attention)[:1] != (S,):
            raise ValueError(f"attention must have shape (S, L) with S = {S}, got {np.shape(self.attention)}")
        if self.vocab is not None and len(self.vocab) != V:
            raise ValueError(f"vocab must name the {V} tokens, got {len(self.vocab)} names")
        object.__setattr__(self, "log_probs", lp)
        object.__setattr__(self, "next_state", ns.astype(np.int64))

    @property
    def vocab_size(self) -> int:
        return self.log_probs.shape[1]

    @property
    def num_states(self) -> int:
        return self.log_probs.shape[0]

    def step(self, state: int, token: int) -> tuple:
        """One sequence: ``(log_probs (V,), new_state)`` (plus the attention row, if any)."""
        new = int(self.next_state[state, token])
        out = (self.log_probs[new], new)
        return out if self.attention is None else out + (np.asarray(self.attention)[new],)

    def params(self, backend: str = "numpy", dtype: object = None) -> dict:
        """The tables as the ``params`` of `table_step`, NumPy or JAX arrays."""
        params = {"log_probs": self.log_probs, "next_state": self.next_state}
        if self.attention is not None:
            params["attention"] = np.asarray(self.attention, dtype=np.float64)
        return convert(params, backend, dtype)

    def initial_state(self, batch: int) -> np.ndarray:
        """``(batch,)`` copies of the start state, the ``state`` of `table_step`."""
        return np.full(check_int("batch", batch, 1), self.start, dtype=np.int64)

    def sequence_log_prob(self, tokens) -> float:
        """``sum_t log p(y_t | y_<t)`` of a token sequence (without bos), eq. (DEC-1)."""
        state, token, total = self.start, self.bos, 0.0
        for y in tokens:
            log_probs, state = self.step(state, token)[:2]
            total, token = total + float(log_probs[int(y)]), int(y)
        return total

    def words(self, tokens) -> str:
        """The tokens as text (their names in ``vocab``, or their ids)."""
        names = self.vocab or tuple(str(i) for i in range(self.vocab_size))
        return " ".join(names[int(t)] for t in tokens)


# --8<-- [start:table_step]
def table_step(params: dict, state, tokens) -> tuple:
    """Batched step of a `TableLM`: ``state (N,)``, ``tokens (N,)`` -> ``(log_probs (N, V), new_state (N,))``.

    Plain indexing, so the same function runs on NumPy arrays and (jitted) on JAX arrays.
    """
    new_state = params["next_state"][state, tokens]                  # (N,)
    out = (params["log_probs"][new_state], new_state)                # (N, V), (N,)
    return out + (params["attention"][new_state],) if "attention" in params else out
# --8<-- [end:table_step]


def markov(log_probs: np.ndarray, bos: int, eos: int, vocab: tuple[str, ...] | None = None) -> TableLM:
    """A bigram model: ``log_probs[u]`` is the distribution of the token after ``u``."""
    lp = np.asarray(log_probs, dtype=np.float64)
    V = lp.shape[-1]
    return TableLM(lp, np.tile(np.arange(V), (V, 1)), bos=bos, eos=eos, start=0, vocab=vocab)


def _random_log_probs(rng: np.random.Generator, S: int, V: int, sharpness: float, bos: int, eos: int,
                      eos_logit: float, zero_prob: float) -> np.ndarray:
    logits = sharpness * rng.standard_normal((S, V))
    logits[:, eos] += eos_logit
    logits[:, bos] = -np.inf                                      # bos is never generated
    if zero_prob > 0:                                             # some impossible tokens, never eos
        zero = rng.random((S, V)) < zero_prob
        zero[:, eos] = False
        logits[zero] = -np.inf
    return _log_softmax(logits)


def random_markov(V: int, seed: int = 0, sharpness: float = 1.0, eos: int = 0, bos: int = 1,
                  eos_logit: float = 0.0) -> TableLM:
    """A random bigram model over V tokens (``V >= 3``): logits ``sharpness * N(0, 1)``.

    ``bos`` is never generated (probability 0); ``eos_logit`` is added to the logit of ``eos``
    (negative: longer outputs).
    """
    check_int("V", V, 3)
    rng = np.random.default_rng(seed)
    return markov(_random_log_probs(rng, V, V, sharpness, bos, eos, eos_logit, 0.0), bos=bos, eos=eos)


def random_table(S: int, V: int, seed: int = 0, sharpness: float = 1.0, eos: int = 0, bos: int = 1,
                 eos_logit: float = 0.0, zero_prob: float = 0.0, attention_len: int | None = None) -> TableLM:
    """A random finite-state model: S states, V tokens (``V >= 3``), random transitions.

    ``zero_prob``: share of (state, token) entries given probability 0 (never eos's);
    ``attention_len``: add random attention rows ``(S, L)`` (each sums to 1).
    """
    check_int("S", S, 1)
    check_int("V", V, 3)
    rng = np.random.default_rng(seed)
    log_probs = _random_log_probs(rng, S, V, sharpness, bos, eos, eos_logit, zero_prob)
    next_state = rng.integers(0, S, size=(S, V))
    attention = None
    if attention_len is not None:
        attention = np.exp(_log_softmax(rng.standard_normal((S, check_int("attention_len", attention_len, 1)))))
    return TableLM(log_probs, next_state, bos=bos, eos=eos, start=int(rng.integers(0, S)), attention=attention)


def _table_from_probs(rows: dict[str, dict[str, float]], vocab: tuple[str, ...]) -> np.ndarray:
    index = {w: i for i, w in enumerate(vocab)}
    probs = np.zeros((len(vocab), len(vocab)))
    for prev, dist in rows.items():
        for word, p in dist.items():
            probs[index[prev], index[word]] = p
    with np.errstate(divide="ignore"):
        return np.log(probs / probs.sum(axis=1, keepdims=True))


def greedy_trap() -> TableLM:
    """A bigram model where greedy decoding is beaten by a beam of two.

    After ``<s>``, ``a`` (0.5) beats ``b`` (0.4), so greedy takes ``a``; but after ``a`` nothing is
    likely (the best is ``a`` again, 0.36), while after ``b`` the end ``</s>`` has 0.9. The best
    sentence is ``b </s>`` (0.36), which a beam of two keeps alive and finds.
    """
    vocab = ("</s>", "<s>", "a", "b")
    rows = {"<s>": {"</s>": 0.1, "a": 0.5, "b": 0.4},
            "a": {"</s>": 0.3, "a": 0.36, "b": 0.34},
            "b": {"</s>": 0.9, "a": 0.06, "b": 0.04},
            "</s>": {"</s>": 1.0}}
    return markov(_table_from_probs(rows, vocab), bos=1, eos=0, vocab=vocab)


def length_example() -> TableLM:
    """A bigram model where ``alpha`` decides the length of the best output.

    ``</s>`` right away has probability 0.4; every other output starts with ``a`` (0.6) and then
    repeats ``a`` with probability 0.8 per token. Without length normalisation (``alpha = 0``) the
    empty sentence ``</s>`` wins; with ``alpha = 1`` (mean log-probability per token) the longest
    run of ``a`` does.
    """
    vocab = ("</s>", "<s>", "a")
    rows = {"<s>": {"</s>": 0.4, "a": 0.6}, "a": {"</s>": 0.2, "a": 0.8}, "</s>": {"</s>": 1.0}}
    return markov(_table_from_probs(rows, vocab), bos=1, eos=0, vocab=vocab)


# --- the exercise's interface: a model given as bare arrays ---------------------------------------


def _from_arrays(log_probs, next_state, start, bos, eos) -> TableLM:
    return TableLM(np.asarray(log_probs, dtype=np.float64), np.asarray(next_state), bos=int(bos), eos=int(eos),
                   start=int(start))


def table_greedy(log_probs, next_state, start, bos, eos, max_len, alpha=DEFAULT_ALPHA) -> tuple:
    """`~textbook.sequence.decoding.greedy` of the `TableLM` given by its arrays: ``(tokens, score)``."""
    from textbook.sequence.decoding.numpy_impl import greedy

    lm = _from_arrays(log_probs, next_state, start, bos, eos)
    return greedy(lm.step, lm.start, lm.bos, lm.eos, max_len, alpha)


def table_beam_search(log_probs, next_state, start, bos, eos, max_len, beam_size, alpha=DEFAULT_ALPHA) -> list:
    """`~textbook.sequence.decoding.beam_search` of the `TableLM` given by its arrays: ``[(tokens, score), ...]``."""
    from textbook.sequence.decoding.numpy_impl import beam_search

    lm = _from_arrays(log_probs, next_state, start, bos, eos)
    return beam_search(lm.step, lm.start, lm.bos, lm.eos, max_len, beam_size, alpha)
