"""Analogy answering in JAX: the scores of (EVAL-3)/(EVAL-4) and the best candidate, jitted.

The same arithmetic as ``analogies.analogy_scores`` (NumPy), for a batch of questions at
once; on a GPU a whole benchmark section is one matrix product. ``best_rows`` also bans the
question's own words (``key_of_row`` maps each row to the id of its word, so case variants
of a query word are banned too) and takes the argmax.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from textbook.embeddings.evaluation.analogies import EPS, _method

__all__ = ["analogy_scores", "best_rows"]


# --8<-- [start:analogy_scores]
@partial(jax.jit, static_argnames="method")
def _scores(unit, a, b, c, method):
    if method == "add":
        return (unit[b] - unit[a] + unit[c]) @ unit.T             # (B, R)   (EVAL-3)
    ca, cb, cc = ((unit[ids] @ unit.T + 1.0) / 2.0 for ids in (a, b, c))   # (B, R) each, in [0, 1]
    return cb * cc / (ca + EPS)                                   # (EVAL-4)


def analogy_scores(unit, a, b, c, method: str = "add"):
    """``(B, R)`` scores of every row ``unit (R, d)`` for questions ``a, b, c (B,)`` (rows of unit length)."""
    return _scores(jnp.asarray(unit), jnp.asarray(a), jnp.asarray(b), jnp.asarray(c), _method(method))


@partial(jax.jit, static_argnames="method")
def _best(unit, key_of_row, a, b, c, method):
    scores = _scores(unit, a, b, c, method)                       # (B, R)
    keys = key_of_row[None, :]                                    # (1, R)
    banned = (keys == a[:, None]) | (keys == b[:, None]) | (keys == c[:, None])
    return jnp.argmax(jnp.where(banned, -jnp.inf, scores), axis=1)   # (B,)


def best_rows(unit, key_of_row, a, b, c, method: str = "add"):
    """``(B,)`` the best row per question, every row whose key is a query word's excluded."""
    return _best(jnp.asarray(unit), jnp.asarray(key_of_row), jnp.asarray(a), jnp.asarray(b), jnp.asarray(c),
                 _method(method))
# --8<-- [end:analogy_scores]
