"""Exercise beam-search: greedy decoding and beam search with length normalisation.

Fill in both functions. Use NumPy only: your file is graded on its own, without the
``textbook`` package. Check your work with ``textbook check beam_search.py``.

The model is a table language model with S states and V tokens:

* in state ``s``, after reading token ``v``, the model moves to state ``s2 = next_state[s, v]``
  and the next token has log-probabilities ``log_probs[s2]`` (a row of V values; ``-inf`` marks a
  token of probability 0, which must never be chosen);
* decoding starts in state ``start`` by reading ``bos``; every token you generate is read next.

A sequence ``y = y_1 .. y_n`` excludes ``bos`` and includes ``eos`` when generated. Its score is

    score(y) = (log p(y_1) + ... + log p(y_n)) / n ** alpha
"""

import numpy as np


def greedy(log_probs, next_state, start, bos, eos, max_len, alpha):
    """Greedy decoding: at each step take the most probable next token.

    Stop after ``eos`` or after ``max_len`` tokens. On exact ties take the lower token id.

    Args:
        log_probs: ``(S, V)`` float64, each row a normalised log-distribution.
        next_state: ``(S, V)`` integers in ``[0, S)``.
        start: the state before ``bos`` is read.
        bos, eos: token ids in ``[0, V)``.
        max_len: the largest number of tokens to generate (``>= 1``).
        alpha: the length-normalisation exponent (``>= 0``).

    Returns:
        ``(tokens, score)``: ``tokens`` an int64 array ``(n,)`` (no ``bos``; ending with ``eos``
        unless ``max_len`` was reached), ``score`` a float, the score above.
    """
    raise NotImplementedError("greedy")


def beam_search(log_probs, next_state, start, bos, eos, max_len, beam_size, alpha):
    """Beam search with a shrinking beam and length normalisation.

    Start with one open hypothesis, the empty one. At each step, extend every open hypothesis by
    every token, with cumulative log-probability ``L(h) + log_probs[state of h][v]``, and keep the
    ``beam_size - (number finished so far)`` best extensions (never one of probability 0). A kept
    extension that ends in ``eos`` or has ``max_len`` tokens is finished and leaves the beam; the
    others are the open hypotheses of the next step. Stop when none is open.

    Ties (exactly equal cumulative log-probabilities): the extension of the hypothesis that comes
    first in the beam wins, then the lower token id. The beam is ordered by rank: the best kept
    extension first.

    Args:
        log_probs, next_state, start, bos, eos, max_len, alpha: as in `greedy`.
        beam_size: the number of extensions kept at the first step (``>= 1``).

    Returns:
        The finished hypotheses as a list of ``(tokens, score)`` pairs (as in `greedy`), best
        score first; equal scores keep the order in which the hypotheses finished.
    """
    raise NotImplementedError("beam_search")
