"""The JAX analogy scores and answers equal the NumPy ones."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from textbook.embeddings.evaluation import analogies
from textbook.embeddings.evaluation import jax_impl


def _problem(seed, R=40, d=8, B=12):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(R, d))
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    a, b, c = (rng.integers(0, R, B) for _ in range(3))
    return unit, a, b, c


@given(seed=st.integers(0, 2**31 - 1), method=st.sampled_from(["add", "mul", "3CosMul"]))
def test_scores_agree_with_numpy(seed, method):
    unit, a, b, c = _problem(seed)
    np.testing.assert_allclose(np.asarray(jax_impl.analogy_scores(unit, a, b, c, method)),
                               analogies.analogy_scores(unit, a, b, c, method), rtol=1e-10, atol=1e-12)


@given(seed=st.integers(0, 2**31 - 1), method=st.sampled_from(["add", "mul"]))
def test_best_rows_ban_the_query_words_and_agree_with_numpy(seed, method):
    unit, a, b, c = _problem(seed)
    key_of_row = np.arange(unit.shape[0])
    key_of_row[1] = 0                                             # row 1 is a case variant of row 0
    scores = analogies.analogy_scores(unit, a, b, c, method)
    keys = key_of_row[None, :]
    scores[(keys == a[:, None]) | (keys == b[:, None]) | (keys == c[:, None])] = -np.inf
    got = np.asarray(jax_impl.best_rows(unit, key_of_row, a, b, c, method))
    np.testing.assert_array_equal(got, np.argmax(scores, axis=1))
    for q in range(len(a)):                                       # never a query word (or its variant)
        assert key_of_row[got[q]] not in (a[q], b[q], c[q])


def test_bad_method_is_named():
    unit, a, b, c = _problem(0)
    with pytest.raises(ValueError, match="method"):
        jax_impl.analogy_scores(unit, a, b, c, "cosine")
