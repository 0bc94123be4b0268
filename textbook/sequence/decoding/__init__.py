"""Decoding a sequence model: greedy decoding and beam search with length normalisation.

Any model that supplies a *step function* can be decoded. The NumPy entry points decode one
sequence with ``step(state, token) -> (log_probs (V,), new_state)``:

    >>> from textbook.sequence.decoding import beam_search, greedy, toy
    >>> lm = toy.greedy_trap()                       # a tiny language model where greedy goes wrong
    >>> tokens, score = greedy(lm.step, lm.start, lm.bos, lm.eos, max_len=5, alpha=0.0)
    >>> lm.words(tokens), round(score, 2)
    ('a a a a a', -4.78)
    >>> (tokens, score), *rest = beam_search(lm.step, lm.start, lm.bos, lm.eos, max_len=5, beam_size=2, alpha=0.0)
    >>> lm.words(tokens), round(score, 2)
    ('b </s>', -1.02)

A step may also return ``(log_probs, new_state, extras)``, e.g. the attention weights used to
predict the token; ``return_extras=True`` then gives them back stacked per hypothesis.

The scores are ``sum(log p) / len(y) ** alpha`` where ``y`` excludes ``bos`` and includes ``eos``
when generated. Greedy's score is that of its single hypothesis, so
``greedy(...) == beam_search(..., beam_size=1)[0]``, tokens and score.

For a batch, ``backend("numpy")`` and ``backend("jax")`` share ``greedy_batch`` and
``beam_search_batch`` with a batched step ``step(params, state, tokens (N,)) -> (log_probs (N, V),
new_state)``: the NumPy one loops over the sequences, the JAX one decodes them all in one jitted
loop over fixed-shape arrays, and the two return the same arrays. ``toy`` builds table language
models usable by both; ``plots`` draws a beam-search tree.
"""

from __future__ import annotations

from textbook.core.backend import load_impl
from textbook.sequence.decoding._check import DEFAULT_ALPHA, NORM_TOL, PAD
from textbook.sequence.decoding.numpy_impl import Hypothesis, beam_search, greedy, normalised_score

__all__ = ["greedy", "beam_search", "normalised_score", "backend", "Hypothesis", "DEFAULT_ALPHA", "NORM_TOL", "PAD"]


def backend(name: str):
    """The implementation module: ``backend("numpy")`` or ``backend("jax")`` (``greedy_batch``, ``beam_search_batch``)."""
    return load_impl(__name__, name)
