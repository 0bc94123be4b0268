"""GloVe: sparse counts equal the dense ones, NumPy and JAX agree, gradients are right, AdaGrad, f, exact fits.

The session runs JAX in float64 (tests/conftest.py), so the two backends are compared tightly;
a separate check runs the JAX path in float32.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from textbook.core.backend import to_jax
from textbook.core.gradcheck import assert_gradcheck
from textbook.core.testing import Case, assert_agree
from textbook.embeddings import glove, pmi

NP = glove.backend("numpy")
JX = glove.backend("jax")


# ----------------------------------------------------------------------------------------------- helpers

def make_params(config, rng, scale=0.5):
    V, d = config.vocab_size, config.dim
    return {"W": rng.normal(scale=scale, size=(V, d)), "W_tilde": rng.normal(scale=scale, size=(V, d)),
            "b": rng.normal(scale=scale, size=V), "b_tilde": rng.normal(scale=scale, size=V)}


def make_batch(config, B, rng, distinct=None):
    hi = distinct or config.vocab_size
    return {"rows": rng.integers(0, hi, B), "cols": rng.integers(0, hi, B),
            "counts": rng.choice([0.5, 1.0, 3.0, 40.0, 150.0, 1000.0], B) * rng.uniform(0.5, 2.0, B)}


def copy(tree):
    return {k: np.array(v, copy=True) for k, v in tree.items()}


@st.composite
def problems(draw, scales=(0.1, 1.0, 3.0)):
    """(config, params, batch): shapes from small sets, so jit compiles a bounded number of times."""
    V, d, x_max, alpha = draw(st.sampled_from([(4, 2, 10.0, 0.5), (9, 5, 100.0, 0.75), (9, 5, 10.0, 1.0)]))
    config = glove.Config(vocab_size=V, dim=d, x_max=x_max, alpha=alpha)   # static in JAX: few distinct ones
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = make_params(config, rng, scale=draw(st.sampled_from(scales)))
    batch = make_batch(config, draw(st.sampled_from([1, 7])), rng)
    return config, params, batch


# ------------------------------------------------------------------------------- the weighting function

@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_weighting_at_zero_below_at_and_above_x_max(impl):
    x = np.array([0.0, 1.0, 50.0, 100.0, 100.0 + 1e-9, 250.0, 1e12])
    f = np.asarray(impl.weighting(x, 100.0, 0.75))
    assert f[0] == 0.0                                             # f(0) = 0: never-seen pairs weigh nothing
    assert f[1] == pytest.approx(0.01 ** 0.75, rel=1e-12)
    assert f[2] == pytest.approx(0.5 ** 0.75, rel=1e-12)
    assert np.all(f[3:] == 1.0)                                    # capped at 1 from x_max on
    assert np.all(np.diff(f) >= 0)                                 # non-decreasing
    assert np.asarray(impl.weighting(np.array([0.0, 5.0, 20.0]), 10.0, 0.0)).tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(np.asarray(impl.weighting(np.array([2.0, 20.0]), 10.0, 1.0)), [0.2, 1.0])


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_weighting_rejects_bad_input(impl):
    with pytest.raises(ValueError, match="x must be finite and >= 0"):
        impl.weighting(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="x must be finite"):
        impl.weighting(np.array([np.nan]))
    with pytest.raises(ValueError, match="x_max"):
        impl.weighting(np.array([1.0]), x_max=0.0)
    with pytest.raises(ValueError, match="alpha"):
        impl.weighting(np.array([1.0]), alpha=-0.5)
    with pytest.raises(TypeError, match="x must hold"):
        impl.weighting(np.array(["a"]))


# ------------------------------------------------------------------------------------ co-occurrence

def naive_counts(corpus, V, window, weighting="harmonic"):
    X = np.zeros((V, V))
    for s in corpus:
        for i in range(len(s)):
            for j in range(len(s)):
                if 1 <= abs(i - j) <= window:
                    X[s[i], s[j]] += 1.0 if weighting == "uniform" else 1.0 / abs(i - j)
    return X


@given(sents=st.lists(st.lists(st.integers(0, 6), max_size=9), max_size=4),
       window=st.sampled_from([1, 2, 4]), weighting=st.sampled_from(["harmonic", "uniform"]))
def test_sparse_counts_equal_the_dense_ones_and_a_naive_loop(sents, window, weighting):
    corpus = [np.array(s, dtype=np.int64) for s in sents]
    X = glove.cooccurrence(corpus, 7, window, weighting)
    dense = X.to_dense()
    np.testing.assert_array_equal(dense, pmi.cooccurrence(corpus, 7, window, weighting))
    np.testing.assert_allclose(dense, naive_counts(corpus, 7, window, weighting), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(dense, dense.T)                  # exactly symmetric
    assert np.all(X.counts > 0) and X.nnz == np.count_nonzero(dense)   # only the non-zero entries, once each
    keys = X.rows * 7 + X.cols
    assert np.all(np.diff(keys) > 0)                               # sorted by (row, col), no duplicates


def test_hand_counted_harmonic_window():
    # "0 1 2 0", window 2: (0,1) at 1, (1,2) at 1, (2,0) at 1, (0,2) at 2, (1,0) at 2
    X = glove.cooccurrence([np.array([0, 1, 2, 0])], 3, 2)
    np.testing.assert_allclose(X.to_dense(), [[0, 1.5, 1.5], [1.5, 0, 1], [1.5, 1, 0]])


def test_sparse_counts_grow_with_the_pairs_not_with_v_squared():
    rng = np.random.default_rng(0)
    V = 200_000                                                    # a dense (V, V) float64 would be 320 GB
    corpus = [rng.integers(0, V, 50) for _ in range(40)]
    X = glove.cooccurrence(corpus, V, 5)
    assert X.nnz <= 2 * 5 * 50 * 40 and X.rows.nbytes + X.cols.nbytes + X.counts.nbytes < 1_000_000
    assert X.rows.max() < V and X.cols.max() < V


def test_cooccurrence_errors():
    with pytest.raises(ValueError, match="window"):
        glove.cooccurrence([np.array([0, 1])], 3, 0)
    with pytest.raises(ValueError, match="weighting"):
        glove.cooccurrence([np.array([0, 1])], 3, 2, "linear")
    with pytest.raises(ValueError, match="outside"):
        glove.cooccurrence([np.array([0, 5])], 3, 2)
    with pytest.raises(TypeError, match="list"):
        glove.cooccurrence(np.array([0, 1]), 3, 2)
    with pytest.raises(ValueError, match="finite and > 0"):
        glove.Cooccurrence(np.array([0]), np.array([1]), np.array([0.0]), 3)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        glove.Cooccurrence(np.array([0]), np.array([3]), np.array([1.0]), 3)
    assert glove.cooccurrence([np.array([1]), np.array([], dtype=np.int64)], 3, 2).nnz == 0


# ------------------------------------------------------------------------------- NumPy and JAX agree

@given(problems())
def test_numpy_and_jax_agree_on_loss_and_every_gradient(problem):
    config, params, batch = problem
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name="glove"), rtol=1e-8, atol=1e-10)
    assert_agree(NP, JX, Case("loss", (params, batch, config), name="glove"), rtol=1e-8, atol=1e-10)


def test_jax_float32_path_is_close_to_numpy():
    config = glove.Config(vocab_size=9, dim=5)
    rng = np.random.default_rng(1)
    params = {k: v.astype(np.float32) for k, v in make_params(config, rng).items()}
    batch = make_batch(config, 6, rng)
    loss, grads = JX.loss_and_grad(params, batch, config)
    assert np.asarray(loss).dtype == np.float32 and grads["W"].dtype == np.float32
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name="float32"), rtol=1e-4, atol=1e-5)
    p32 = to_jax(params, np.float32)
    new, state, step_loss = JX.train_step(p32, JX.init_state(p32, config), batch, config)
    assert all(v.dtype == np.float32 for v in new.values()) and state["b"].dtype == np.float32
    assert float(step_loss) == pytest.approx(float(loss), rel=1e-5)


@given(problems(scales=(0.1, 1.0)))
def test_numpy_gradients_match_central_differences(problem):
    config, params, batch = problem
    _, grads = NP.loss_and_grad(params, batch, config)
    assert_gradcheck(lambda p: NP.loss(p, batch, config), params, grads, rtol=1e-5, atol=1e-8)


def test_hand_computed_loss_and_gradient_of_one_entry():
    config = glove.Config(vocab_size=3, dim=2, x_max=10.0, alpha=0.5)
    params = {"W": np.array([[1.0, 2.0], [0.0, 0.0], [0.5, -1.0]]), "W_tilde": np.array([[0.0, 0.0], [3.0, 1.0], [1.0, 1.0]]),
              "b": np.array([0.1, 0.0, 0.0]), "b_tilde": np.array([0.0, -0.2, 0.0])}
    batch = {"rows": np.array([0]), "cols": np.array([1]), "counts": np.array([2.5])}
    f = (2.5 / 10.0) ** 0.5                                        # 0.5
    e = (1.0 * 3.0 + 2.0 * 1.0) + 0.1 - 0.2 - np.log(2.5)          # w_0 . w~_1 + b_0 + b~_1 - log X
    loss, grads = NP.loss_and_grad(params, batch, config)
    assert loss == pytest.approx(f * e ** 2, rel=1e-12)
    np.testing.assert_allclose(grads["W"][0], 2 * f * e * np.array([3.0, 1.0]))
    np.testing.assert_allclose(grads["W_tilde"][1], 2 * f * e * np.array([1.0, 2.0]))
    assert grads["b"][0] == pytest.approx(2 * f * e) and grads["b_tilde"][1] == pytest.approx(2 * f * e)
    assert np.count_nonzero(grads["W"]) == 2 and np.count_nonzero(grads["b_tilde"]) == 1


def test_duplicate_entries_add_up():
    config = glove.Config(vocab_size=5, dim=3, x_max=5.0)
    rng = np.random.default_rng(3)
    params = make_params(config, rng)
    batch = {"rows": np.array([2, 2, 4, 1]), "cols": np.array([2, 3, 2, 2]), "counts": np.array([1.0, 7.0, 2.0, 0.3])}
    loss, grads = NP.loss_and_grad(params, batch, config)
    assert_gradcheck(lambda p: NP.loss(p, batch, config), params, grads, rtol=1e-6, atol=1e-9)
    singles = [NP.loss_and_grad(params, {k: v[i:i + 1] for k, v in batch.items()}, config) for i in range(4)]
    assert loss == pytest.approx(np.mean([s[0] for s in singles]), rel=1e-12)
    for key in grads:
        np.testing.assert_allclose(grads[key], np.mean([s[1][key] for s in singles], axis=0), atol=1e-13)
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name="duplicates"))


# ------------------------------------------------------------------------------ AdaGrad steps, epochs

def test_train_step_is_adagrad_on_the_sum_in_both_backends():
    config = glove.Config(vocab_size=7, dim=4, learning_rate=0.3, initial_accumulator=0.5)
    rng = np.random.default_rng(5)
    params = make_params(config, rng)
    batch = make_batch(config, 9, rng, distinct=4)                 # repeated rows
    _, grads = NP.loss_and_grad(params, batch, config)
    G = {k: 0.5 + (9 * g) ** 2 for k, g in grads.items()}           # AdaGrad on the SUM = B * mean gradient
    expected = {k: params[k] - 0.3 * 9 * grads[k] / np.sqrt(G[k] + 1e-8) for k in params}

    start, state = copy(params), NP.init_state(params, config)
    new_np, state_np, loss_np = NP.train_step(start, state, batch, config)
    assert new_np is start and state_np is state                   # NumPy updates in place
    for k in params:
        np.testing.assert_allclose(new_np[k], expected[k], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(state_np[k], G[k], rtol=1e-12)
    assert loss_np == pytest.approx(NP.loss(params, batch, config), rel=1e-12)
    untouched = np.setdiff1d(np.arange(7), np.concatenate([batch["rows"], batch["cols"]]))
    assert untouched.size and np.all(state_np["W"][untouched] == 0.5)   # only touched rows change

    p = to_jax(params, np.float64)
    new_jx, state_jx, loss_jx = JX.train_step(p, JX.init_state(p, config), batch, config)
    assert float(loss_jx) == pytest.approx(loss_np, rel=1e-10)
    for k in params:
        np.testing.assert_allclose(np.asarray(new_jx[k]), expected[k], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(np.asarray(state_jx[k]), G[k], rtol=1e-10)


def test_train_epoch_agrees_between_backends():
    config = glove.Config(vocab_size=6, dim=3, learning_rate=0.2)
    rng = np.random.default_rng(8)
    params = make_params(config, rng)
    data = make_batch(config, 20, rng)
    order = rng.permutation(20)[:15].reshape(3, 5)
    p_np, s_np, l_np = NP.train_epoch(copy(params), NP.init_state(params, config), data, order, config)
    p = to_jax(params, np.float64)
    p_jx, s_jx, l_jx = JX.train_epoch(p, JX.init_state(p, config), data, order, config)
    np.testing.assert_allclose(np.asarray(l_jx), l_np, rtol=1e-10)
    for k in params:
        np.testing.assert_allclose(np.asarray(p_jx[k]), p_np[k], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(np.asarray(s_jx[k]), s_np[k], rtol=1e-10)
    step_by_step, state = copy(params), NP.init_state(params, config)
    for idx in order:
        step_by_step, state, _ = NP.train_step(step_by_step, state, {k: v[idx] for k, v in data.items()}, config)
    for k in params:
        np.testing.assert_array_equal(step_by_step[k], p_np[k])


# -------------------------------------------------------------------------------- fitting and training

def test_an_exactly_factorisable_matrix_is_fitted_to_near_zero_loss():
    rng = np.random.default_rng(0)
    V, d = 8, 3
    W, Wt, b, bt = rng.normal(size=(V, d)), rng.normal(size=(V, d)), rng.normal(size=V), rng.normal(size=V)
    log_X = 0.5 * W @ Wt.T + b[:, None] + bt[None, :] + 2.0      # rank-d plus biases: GloVe fits it exactly
    counts = glove.Cooccurrence.from_dense(np.exp(log_X))
    config = glove.Config(vocab_size=V, dim=d, x_max=10.0, learning_rate=1.0, batch_size=V * V, epochs=1500)
    result = glove.fit(counts, config, backend="numpy", seed=0, progress=False)
    assert result.losses[0] > 1.0 and result.losses[-1] < 1e-10
    p = result.params
    fitted = p["W"] @ p["W_tilde"].T + p["b"][:, None] + p["b_tilde"][None, :]
    np.testing.assert_allclose(fitted, log_X, atol=1e-4)


def test_fit_is_the_same_in_both_backends_for_a_few_epochs():
    rng = np.random.default_rng(2)
    counts = glove.Cooccurrence.from_dense(rng.uniform(0.5, 30.0, (6, 6)) * (rng.random((6, 6)) < 0.7))
    config = glove.Config(vocab_size=6, dim=3, x_max=10.0, batch_size=5, epochs=3)
    r_np = glove.fit(counts, config, backend="numpy", seed=4, progress=False)
    r_jx = glove.fit(counts, config, backend="jax", seed=4, progress=False)
    assert r_np.losses.shape == r_jx.losses.shape == (3 * (counts.nnz // 5),)
    np.testing.assert_allclose(r_jx.losses, r_np.losses, rtol=1e-9)
    for k in r_np.params:
        np.testing.assert_allclose(r_jx.params[k], r_np.params[k], rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def demo():
    from textbook.data import Vocab
    from textbook.data.demo import load_demo_corpus

    sents = load_demo_corpus()
    return sents, Vocab.build(sents, min_count=2)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_training_on_the_demo_learns_related_words(demo, backend):
    from textbook.data.demo import demo_path
    from textbook.embeddings import evaluation

    sents, vocab = demo
    config = glove.demo_config(len(vocab), epochs=15)
    epochs = []
    result = glove.train(sents, vocab, config, backend=backend, seed=0, progress=False,
                         callback=lambda e, p, loss: epochs.append(loss))
    assert len(epochs) == 15 and epochs[-1] < 0.5 * epochs[0]
    assert np.all(np.isfinite(result.losses)) and result.counts.nnz > 0 and result.vocab is vocab
    vecs = glove.vectors(result.params, vocab)
    np.testing.assert_array_equal(vecs.matrix, result.params["W"] + result.params["W_tilde"])
    np.testing.assert_array_equal(glove.vectors(result.params, vocab, which="W").matrix, result.params["W"])
    report = evaluation.evaluate_similarity(vecs, demo_path("demo_similarity.tsv"))
    assert report.spearman > 0.3
    for word, near, far in [("king", "queen", "walked"), ("paris", "france", "dogs"), ("cat", "cats", "rome")]:
        assert vecs.similarity(word, near) > vecs.similarity(word, far), (word, near, far)


def test_same_seed_same_numbers(demo):
    sents, vocab = demo
    config = glove.demo_config(len(vocab), epochs=1, dim=8)
    a = glove.train(sents, vocab, config, seed=3, progress=False)
    b = glove.train(sents, vocab, config, seed=3, progress=False)
    c = glove.train(sents, vocab, config, seed=4, progress=False)
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    assert not np.array_equal(a.params["W"], c.params["W"])


# ------------------------------------------------------------------------------------- files, errors

def test_params_round_trip_through_npz(tmp_path):
    config = glove.Config(vocab_size=5, dim=3)
    params = glove.init(config, seed=1)
    glove.save_params(tmp_path / "g.npz", params, config)
    loaded, loaded_config = glove.load_params(tmp_path / "g.npz")
    assert loaded_config == config
    for k in params:
        np.testing.assert_array_equal(loaded[k], params[k])
    np.savez(tmp_path / "bad.npz", W=np.zeros((5, 3)))
    with pytest.raises(ValueError, match="config"):
        glove.load_params(tmp_path / "bad.npz")


def test_init_is_small_uniform_and_seeded():
    config = glove.Config(vocab_size=50, dim=10)
    p = glove.init(config, seed=0)
    assert set(p) == set(glove.PARAM_KEYS) and p["W"].shape == (50, 10) and p["b"].shape == (50,)
    assert all(np.abs(v).max() <= 0.5 / 10 for v in p.values())
    np.testing.assert_array_equal(glove.init(config, seed=0)["W_tilde"], p["W_tilde"])


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_bad_batches_and_params_raise_clear_errors(impl):
    config = glove.Config(vocab_size=4, dim=2)
    params = make_params(config, np.random.default_rng(0))
    good = {"rows": np.array([0, 1]), "cols": np.array([2, 3]), "counts": np.array([1.0, 2.0])}
    cases = [
        ({**good, "counts": np.array([1.0, 0.0])}, ValueError, r"counts.*\[1\].*finite and > 0"),
        ({**good, "counts": np.array([1.0, -3.0])}, ValueError, "finite and > 0"),
        ({**good, "counts": np.array([1.0, np.inf])}, ValueError, "finite and > 0"),
        ({**good, "rows": np.array([0, 4])}, ValueError, r"batch\['rows'\] holds id 4 outside \[0, 4\)"),
        ({**good, "cols": np.array([0.0, 1.0])}, TypeError, r"batch\['cols'\] must hold integer"),
        ({**good, "cols": np.array([0, 1, 2])}, ValueError, r"batch\['cols'\] must have shape \(B,\)"),
        ({"rows": good["rows"], "cols": good["cols"]}, ValueError, "missing key 'counts'"),
        ({**good, "extra": np.zeros(2)}, ValueError, "unexpected key 'extra'"),
        ({"rows": np.zeros(0, int), "cols": np.zeros(0, int), "counts": np.zeros(0)}, ValueError, "empty"),
    ]
    for batch, error, message in cases:
        with pytest.raises(error, match=message):
            impl.loss_and_grad(params, batch, config)
    with pytest.raises(ValueError, match=r"params\['W_tilde'\] must have shape \(4, 2\)"):
        impl.loss({**params, "W_tilde": np.zeros((4, 3))}, good, config)
    with pytest.raises(ValueError, match="missing key 'b'"):
        impl.loss({k: v for k, v in params.items() if k != "b"}, good, config)
    with pytest.raises(ValueError, match="lr"):
        impl.train_step(copy(params), impl.init_state(copy(params), config), good, config, lr=-1.0)


def test_config_and_fit_validate():
    with pytest.raises(ValueError, match="x_max"):
        glove.Config(vocab_size=3, dim=2, x_max=0)
    with pytest.raises(ValueError, match="alpha"):
        glove.Config(vocab_size=3, dim=2, alpha=-1)
    with pytest.raises(ValueError, match="dim"):
        glove.Config(vocab_size=3, dim=0)
    with pytest.raises(ValueError, match="learning_rate"):
        glove.Config(vocab_size=3, dim=2, learning_rate=float("nan"))
    counts = glove.Cooccurrence.from_dense(np.ones((3, 3)))
    with pytest.raises(ValueError, match="vocab_size"):
        glove.fit(counts, glove.Config(vocab_size=4, dim=2), progress=False)
    with pytest.raises(ValueError, match="no non-zero"):
        glove.fit(glove.Cooccurrence.from_dense(np.zeros((3, 3))), glove.Config(vocab_size=3, dim=2), progress=False)
    with pytest.raises(ValueError, match="backend"):
        glove.fit(counts, glove.Config(vocab_size=3, dim=2), backend="torch")
    with pytest.raises(ValueError, match="which"):
        glove.vectors(glove.init(glove.Config(vocab_size=3, dim=2)), ["a", "b", "c"], which="W_tilde")
