"""PMI module: co-occurrence counts, PMI variants, truncated SVD."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from textbook.embeddings.pmi import (
    cooccurrence,
    pmi,
    ppmi,
    shifted_pmi,
    shifted_ppmi,
    svd_embeddings,
    svd_vectors,
)

CORPUS = [np.array([0, 1, 2, 1, 3]), np.array([2, 2, 0]), np.array([], dtype=np.int64), np.array([4])]


def naive_counts(corpus, V, window, weighting):
    X = np.zeros((V, V))
    for s in corpus:
        for i in range(len(s)):
            for j in range(len(s)):
                dist = abs(i - j)
                if 1 <= dist <= window:
                    X[s[i], s[j]] += 1.0 if weighting == "uniform" else 1.0 / dist
    return X


@pytest.mark.parametrize("weighting", ["uniform", "harmonic"])
@pytest.mark.parametrize("window", [1, 2, 5])
def test_counts_match_naive_loop(weighting, window):
    X = cooccurrence(CORPUS, 5, window, weighting)
    np.testing.assert_allclose(X, naive_counts(CORPUS, 5, window, weighting), rtol=1e-12)
    np.testing.assert_array_equal(X, X.T)


def test_hand_counted_example():
    # "0 1 2", window 2, harmonic: (0,1) at 1, (1,2) at 1, (0,2) at 2
    X = cooccurrence([np.array([0, 1, 2])], 3, 2, "harmonic")
    np.testing.assert_allclose(X, [[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]])


@given(
    sents=st.lists(st.lists(st.integers(0, 5), max_size=8), max_size=4),
    window=st.sampled_from([1, 2, 3]),
    weighting=st.sampled_from(["uniform", "harmonic"]),
)
def test_counts_property(sents, window, weighting):
    corpus = [np.array(s, dtype=np.int64) for s in sents]
    X = cooccurrence(corpus, 6, window, weighting)
    np.testing.assert_allclose(X, naive_counts(corpus, 6, window, weighting), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(X, X.T)


def test_cooccurrence_errors():
    with pytest.raises(ValueError, match="window"):
        cooccurrence(CORPUS, 5, 0)
    with pytest.raises(ValueError, match="weighting"):
        cooccurrence(CORPUS, 5, 2, "linear")
    with pytest.raises(ValueError, match=r"corpus_ids\[0\].*outside"):
        cooccurrence(CORPUS, 3, 2)
    with pytest.raises(TypeError, match=r"corpus_ids\[0\]"):
        cooccurrence([np.array([0.0, 1.0])], 3, 2)
    with pytest.raises(TypeError, match="list"):
        cooccurrence(np.array([0, 1]), 3, 2)


def test_pmi_hand_computed():
    X = np.array([[2.0, 1.0], [1.0, 0.0]])
    N = 4.0
    P = pmi(X)
    assert P[0, 0] == pytest.approx(np.log(2 * N / (3 * 3)))
    assert P[0, 1] == pytest.approx(np.log(1 * N / (3 * 1)))
    assert P[1, 0] == pytest.approx(np.log(1 * N / (1 * 3)))
    assert P[1, 1] == -np.inf
    np.testing.assert_array_equal(ppmi(X), np.maximum(P, 0))
    # context smoothing: P(c) proportional to X_c ** alpha
    pc = np.array([3.0, 1.0]) ** 0.75
    pc /= pc.sum()
    assert pmi(X, alpha=0.75)[0, 1] == pytest.approx(np.log((1 / N) / (3 / N * pc[1])))


def test_pmi_variants_on_corpus():
    X = cooccurrence(CORPUS, 5, 2)
    P = pmi(X)
    assert np.all(np.isneginf(P[X == 0])) and np.all(np.isfinite(P[X > 0]))
    assert np.all(ppmi(X) >= 0)
    for k in (1, 5, 15):
        S = shifted_pmi(X, k)
        np.testing.assert_allclose(S[X > 0], P[X > 0] - np.log(k), rtol=1e-12)
        np.testing.assert_array_equal(shifted_ppmi(X, k), np.maximum(S, 0))
        assert np.all(shifted_ppmi(X, k) >= 0)


def test_pmi_errors():
    with pytest.raises(ValueError, match="square"):
        pmi(np.ones((2, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        pmi(np.array([[1.0, -1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="all zero"):
        pmi(np.zeros((2, 2)))
    for k in (0, -1, float("nan")):
        with pytest.raises(ValueError, match="k"):
            shifted_pmi(np.ones((2, 2)), k)


def test_svd_reconstructs_low_rank():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(8, 3))
    M = A @ A.T  # symmetric PSD, rank 3
    W = svd_embeddings(M, 3, power=1.0)
    U = svd_embeddings(M, 3, power=0.0)
    # M = U S U^T, W = U S  =>  W U^T = M
    np.testing.assert_allclose(W @ U.T, M, atol=1e-10)
    W_half = svd_embeddings(M, 3)  # power 0.5: W W^T = U S U^T = M
    np.testing.assert_allclose(W_half @ W_half.T, M, atol=1e-10)
    # rectangular, rank-2 approximation is the best one (Eckart-Young): error = 3rd singular value
    B = rng.normal(size=(6, 4))
    s = np.linalg.svd(B, compute_uv=False)
    U2 = svd_embeddings(B, 2, power=0.0)
    resid = B - U2 @ (U2.T @ B)
    assert np.linalg.norm(resid, 2) == pytest.approx(s[2])
    # deterministic signs: largest entry of each column positive
    assert np.all(U2[np.argmax(np.abs(U2), axis=0), [0, 1]] > 0)


def test_svd_vectors_and_errors():
    X = cooccurrence(CORPUS, 5, 2)
    v = svd_vectors(ppmi(X), ["a", "b", "c", "d", "e"], 2)
    assert v.dim == 2 and v.words[0] == "a"
    with pytest.raises(ValueError, match="finite"):
        svd_embeddings(pmi(X), 2)
    with pytest.raises(ValueError, match="dim"):
        svd_embeddings(ppmi(X), 6)
