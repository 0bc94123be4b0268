"""Word2vec: NumPy and JAX agree, the NumPy gradients are right, SGNS factorises shifted PMI, the demo trains.

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
from textbook.core.testing import Case, assert_agree, assert_float32_close
from textbook.embeddings import word2vec as w2v

NP = w2v.backend("numpy")
JX = w2v.backend("jax")
KINDS = [(m, o) for m in w2v.MODELS for o in w2v.OBJECTIVES]


# ----------------------------------------------------------------------------------------------- helpers

def make_params(config, rng, scale=0.5):
    V, d = config.vocab_size, config.dim
    return {"W_in": rng.normal(scale=scale, size=(V, d)), "W_out": rng.normal(scale=scale, size=(V, d))}


def make_batch(config, B, rng):
    """A random batch of the format ``config`` asks for (every CBOW row has at least one context word)."""
    V, k, two_w = config.vocab_size, config.negatives, 2 * config.window
    if config.model == "skipgram":
        batch = {"center": rng.integers(0, V, B), "context": rng.integers(0, V, B)}
    else:
        mask = rng.random((B, two_w)) < 0.6
        mask[np.arange(B), rng.integers(0, two_w, B)] = True
        context = np.where(mask, rng.integers(0, V, (B, two_w)), 0)
        batch = {"context": context, "context_mask": mask, "center": rng.integers(0, V, B)}
    if config.objective == "neg":
        batch["negatives"] = rng.integers(0, V, (B, k))
    return batch


def copy_params(params):
    return {k: np.array(v, copy=True) for k, v in params.items()}


@st.composite
def problems(draw, kinds=tuple(KINDS), scales=(0.1, 1.0, 20.0), updates=("mean",)):
    """(config, params, batch): shapes from small sets, so jit compiles a bounded number of times."""
    model, objective = draw(st.sampled_from(kinds))
    config = w2v.Config(vocab_size=draw(st.sampled_from([5, 11])), dim=draw(st.sampled_from([3, 8])),
                        model=model, objective=objective, negatives=draw(st.sampled_from([1, 3])),
                        window=draw(st.sampled_from([1, 2])), cbow_update=draw(st.sampled_from(updates)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = make_params(config, rng, scale=draw(st.sampled_from(scales)))
    batch = make_batch(config, draw(st.sampled_from([1, 6])), rng)
    return config, params, batch


# ------------------------------------------------------------------------------- NumPy and JAX agree

@given(problems(updates=w2v.CBOW_UPDATES))
def test_numpy_and_jax_agree_on_loss_and_every_gradient(problem):
    config, params, batch = problem                                # `loss` itself: test_duplicate_ids_in_a_batch
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name=f"{config.model}/{config.objective}"),
                 rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("model,objective", KINDS)
def test_jax_float32_path_is_close_to_numpy(model, objective):
    config = w2v.Config(vocab_size=11, dim=8, model=model, objective=objective, negatives=3, window=2)
    rng = np.random.default_rng(1)
    params = {k: v.astype(np.float32) for k, v in make_params(config, rng).items()}
    batch = make_batch(config, 6, rng)
    loss, grads = JX.loss_and_grad(params, batch, config)
    assert np.asarray(loss).dtype == np.float32 and grads["W_in"].dtype == np.float32
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name="float32"), rtol=1e-4, atol=1e-6,
                 widen_reference=True)
    new, step_loss = JX.train_step(to_jax(params, np.float32), batch, config, 0.1)
    assert new["W_in"].dtype == np.float32 and new["W_out"].dtype == np.float32
    assert float(step_loss) == pytest.approx(float(loss), rel=1e-6)


@given(problems(updates=w2v.CBOW_UPDATES, scales=(0.1, 1.0, 3.0)))
def test_numpy_computes_in_the_dtype_of_its_params(problem):
    """float32 tables: float32 losses, row gradients and updates, close to float64 arithmetic on the same values."""
    config, params, batch = problem
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    for fn, extra in (("example_losses_and_row_grads", ()), ("loss_and_grad", ()), ("train_step", (0.1,))):
        assert_float32_close(NP, Case(fn, (p32, batch, config, *extra)), rtol=1e-4, atol=1e-4)
    tables = {k: v.copy() for k, v in p32.items()}
    stepped, _ = NP.train_step(tables, batch, config, 0.1)
    assert all(stepped[k] is tables[k] and tables[k].dtype == np.float32 for k in tables)   # in place, float32


@given(problems(scales=(0.1, 1.0, 3.0)))   # huge logits make central differences, not the gradient, inexact
def test_numpy_gradients_match_central_differences(problem):
    config, params, batch = problem
    _, grads = NP.loss_and_grad(params, batch, config)
    assert_gradcheck(lambda p: NP.loss(p, batch, config), params, grads, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("model,objective", KINDS)
def test_duplicate_ids_in_a_batch(model, objective):
    """The same centre twice, a negative equal to the context / the centre, a repeated negative."""
    config = w2v.Config(vocab_size=6, dim=4, model=model, objective=objective, negatives=3, window=1)
    params = make_params(config, np.random.default_rng(2))
    if model == "skipgram":
        batch = {"center": np.array([2, 2, 4]), "context": np.array([3, 3, 2])}
    else:
        batch = {"context": np.array([[1, 3], [3, 3], [2, 0]]),
                 "context_mask": np.array([[True, True], [True, True], [True, False]]),
                 "center": np.array([2, 2, 3])}
    if objective == "neg":
        target = batch["context"] if model == "skipgram" else batch["center"]
        batch["negatives"] = np.array([[target[0], 2, 2], [5, target[1], 1], [4, 4, 4]])
    loss, grads = NP.loss_and_grad(params, batch, config)
    assert_gradcheck(lambda p: NP.loss(p, batch, config), params, grads, rtol=1e-6, atol=1e-9)
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name="duplicates"))
    assert_agree(NP, JX, Case("loss", (params, batch, config), name="duplicates"))
    assert NP.loss(params, batch, config) == loss
    # the mean over the batch is the mean of the one-example losses and gradients
    singles = [NP.loss_and_grad(params, {k: v[i:i + 1] for k, v in batch.items()}, config) for i in range(3)]
    assert loss == pytest.approx(np.mean([s[0] for s in singles]), rel=1e-12)
    for key in grads:
        np.testing.assert_allclose(grads[key], np.mean([s[1][key] for s in singles], axis=0), atol=1e-13)
    # stable numerics: logits of about +-1e4 give finite losses and gradients in both backends
    huge = {k: 50.0 * v for k, v in params.items()}
    for impl in (NP, JX):
        big_loss, big_grads = impl.loss_and_grad(huge, batch, config)
        assert np.isfinite(float(big_loss)) and all(np.isfinite(np.asarray(g)).all() for g in big_grads.values())


# ---------------------------------------------------------------------------------------- train_step

@pytest.mark.parametrize("model,objective", KINDS)
def test_train_step_is_sgd_on_the_sum_in_both_backends(model, objective):
    config = w2v.Config(vocab_size=9, dim=5, model=model, objective=objective, negatives=3, window=2)
    rng = np.random.default_rng(5)
    params = make_params(config, rng)
    batch = make_batch(config, 7, rng)
    batch["center"][:2] = 4                                        # duplicate rows
    lr = 0.05
    loss, grads = NP.loss_and_grad(params, batch, config)
    expected = {k: params[k] - lr * 7 * grads[k] for k in params}  # SGD on the SUM = B * mean gradient

    start = copy_params(params)
    new_np, loss_np = NP.train_step(start, batch, config, lr)
    assert new_np is start                                         # NumPy updates in place
    new_jx, loss_jx = JX.train_step(to_jax(params, np.float64), batch, config, lr)
    assert float(loss_np) == pytest.approx(loss, rel=1e-12) and float(loss_jx) == pytest.approx(loss, rel=1e-12)
    for k in params:
        np.testing.assert_allclose(new_np[k], expected[k], rtol=1e-12, atol=1e-13, err_msg=f"numpy {k}")
        np.testing.assert_allclose(np.asarray(new_jx[k]), expected[k], rtol=1e-12, atol=1e-13, err_msg=f"jax {k}")
    if objective == "neg":                                         # rows the batch never touches stay put
        touched = np.unique(np.concatenate([batch["context" if model == "skipgram" else "center"],
                                            batch["negatives"].ravel()]))
        untouched = np.setdiff1d(np.arange(9), touched)
        np.testing.assert_array_equal(new_np["W_out"][untouched], params["W_out"][untouched])


# ----------------------------------------------------------------------------- SGNS and shifted PMI

def _shifted_pmi(counts, k):
    try:
        from textbook.embeddings.pmi import shifted_pmi
    except ImportError:                                            # the formula itself
        total = counts.sum()
        return np.log(counts * total / np.outer(counts.sum(1), counts.sum(0))) - np.log(k)
    return shifted_pmi(counts, k)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_sgns_optimum_is_shifted_pmi(backend):
    """Levy & Goldberg (2014): at the optimum of the expected SGNS loss, W_in W_out^T = PMI - log k."""
    from scipy.optimize import minimize

    V, k = 7, 3
    rng = np.random.default_rng(7)
    counts = rng.integers(1, 40, size=(V, V)).astype(float)        # asymmetric, every pair observed
    config = w2v.Config(vocab_size=V, dim=V, negatives=k)
    impl = w2v.backend(backend)

    def loss_and_flat_grad(x):
        params = {"W_in": x[: V * V].reshape(V, V), "W_out": x[V * V:].reshape(V, V)}
        loss, grads = impl.expected_sgns_loss_and_grad(params, counts, config)
        return float(loss), np.concatenate([np.asarray(grads["W_in"]).ravel(), np.asarray(grads["W_out"]).ravel()])

    x0 = rng.normal(scale=0.1, size=2 * V * V)
    res = minimize(loss_and_flat_grad, x0, jac=True, method="L-BFGS-B",
                   options={"maxiter": 20000, "ftol": 0.0, "gtol": 1e-12, "maxcor": 30})
    W_in, W_out = res.x[: V * V].reshape(V, V), res.x[V * V:].reshape(V, V)
    np.testing.assert_allclose(W_in @ W_out.T, _shifted_pmi(counts, k), atol=1e-3, rtol=0)


def test_expected_sgns_gradient_and_backends_agree():
    V = 6
    rng = np.random.default_rng(8)
    counts = rng.integers(0, 9, size=(V, V)).astype(float)         # zeros are fine in the loss
    config = w2v.Config(vocab_size=V, dim=3, negatives=4)
    params = make_params(config, rng)
    _, grads = NP.expected_sgns_loss_and_grad(params, counts, config)
    assert_gradcheck(lambda p: NP.expected_sgns_loss_and_grad(p, counts, config)[0], params, grads)
    assert_agree(NP, JX, Case("expected_sgns_loss_and_grad", (params, counts, config)))
    with pytest.raises(ValueError, match="counts"):
        NP.expected_sgns_loss_and_grad(params, counts[:3], config)
    with pytest.raises(ValueError, match="counts"):
        JX.expected_sgns_loss_and_grad(params, -counts, config)


@pytest.mark.parametrize("objective", w2v.OBJECTIVES)
def test_the_full_cbow_update_gives_each_context_row_n_times_its_gradient(objective):
    """``cbow_update="full"`` (the C tool's): same loss, same ``W_out`` gradient, ``n * dl/dW_in[x_j]`` per slot."""
    mean = w2v.Config(vocab_size=9, dim=5, model="cbow", objective=objective, negatives=3, window=2)
    full = w2v.Config(**{**mean.__dict__, "cbow_update": "full"})
    rng = np.random.default_rng(7)
    params = make_params(mean, rng)
    batch = make_batch(mean, 1, rng)
    batch["context_mask"][:] = [[True, True, False, True]]        # n = 3 words in the window
    batch["context"][:] = [[1, 2, 6, 3]]                          # three different rows
    loss, grads = NP.loss_and_grad(params, batch, mean)
    for impl in (NP, JX):
        full_loss, full_grads = impl.loss_and_grad(params, batch, full)
        assert float(full_loss) == pytest.approx(loss, rel=1e-12)
        np.testing.assert_allclose(np.asarray(full_grads["W_out"]), grads["W_out"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(np.asarray(full_grads["W_in"]), 3 * grads["W_in"], rtol=1e-12, atol=1e-14)
        new, _ = impl.train_step(to_jax(params, np.float64) if impl is JX else copy_params(params), batch, full, 0.1)
        np.testing.assert_allclose(np.asarray(new["W_in"]), params["W_in"] - 0.1 * 3 * grads["W_in"], rtol=1e-12,
                                   atol=1e-14)
    assert np.abs(grads["W_in"]).sum() > 0


# ------------------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize("field,value", [
    ("vocab_size", 0), ("dim", 0), ("dim", 2.5), ("model", "glove"), ("objective", "hs"),
    ("negatives", 0), ("window", 0), ("sample", 1.0), ("sample", -0.1), ("noise_power", -1.0),
    ("alpha", 0.0), ("min_alpha", 1.0), ("batch_size", 0), ("epochs", 0), ("epochs", True),
    ("init_scale", 0.0), ("init_scale", float("nan")), ("cbow_update", "sum"),
])
def test_bad_config_values_are_named(field, value):
    kwargs = {"vocab_size": 10, "dim": 4, field: value}
    with pytest.raises(ValueError, match=field):
        w2v.Config(**kwargs)


def test_softmax_config_needs_no_negatives():
    assert w2v.Config(vocab_size=10, dim=4, objective="softmax", negatives=0).negatives == 0


def _sg(**over):
    batch = {"center": np.array([1, 2]), "context": np.array([3, 4]), "negatives": np.array([[1, 2], [3, 4]])}
    batch.update(over)
    return {k: v for k, v in batch.items() if v is not None}


def _cb(**over):
    batch = {"context": np.array([[1, 2], [3, 0]]), "context_mask": np.array([[True, True], [True, False]]),
             "center": np.array([1, 2]), "negatives": np.array([[1, 2], [3, 4]])}
    batch.update(over)
    return {k: v for k, v in batch.items() if v is not None}


SG = w2v.Config(vocab_size=5, dim=3, negatives=2, window=1)
CB = w2v.Config(vocab_size=5, dim=3, model="cbow", negatives=2, window=1)
SG_SOFT = w2v.Config(vocab_size=5, dim=3, objective="softmax", window=1)

BAD_BATCHES = [
    (SG, _sg(negatives=None), ValueError, r"missing key 'negatives'.*\(B, 2\)"),
    (SG, _sg(center=None), ValueError, r"missing key 'center'.*\(B,\)"),
    (SG, _sg(context=np.array([3, 4, 1])), ValueError, r"'context'.*\(B,\)"),
    (SG, _sg(center=np.array([[1, 2]])), ValueError, r"'center'.*\(B,\)"),
    (SG, _sg(negatives=np.array([[1, 2, 3], [3, 4, 0]])), ValueError, r"'negatives'.*\(B, negatives\) = \(B, 2\), here \(2, 2\), got \(2, 3\)"),
    (SG, _sg(center=np.array([1.0, 2.0])), TypeError, r"'center'.*integer"),
    (SG, _sg(context=np.array([True, False])), TypeError, r"'context'.*integer"),
    (SG, _sg(context=np.array([3, 5])), ValueError, r"'context'.*id 5 outside \[0, 5\)"),
    (SG, _sg(negatives=np.array([[1, -1], [3, 4]])), ValueError, r"'negatives'.*id -1 outside"),
    (SG, _sg(center=np.zeros(0, dtype=int), context=np.zeros(0, dtype=int),
             negatives=np.zeros((0, 2), dtype=int)), ValueError, r"'center'.*empty"),
    (SG, _sg(centre=np.array([1, 2])), ValueError, r"unexpected key 'centre'"),
    (SG_SOFT, _sg(), ValueError, r"unexpected key 'negatives'.*softmax"),
    (CB, _cb(context=np.array([1, 2])), ValueError, r"'context'.*\(B, 2\*window\)"),
    (CB, _cb(context_mask=np.array([[1, 1], [1, 0]])), TypeError, r"'context_mask'.*bool"),
    (CB, _cb(context_mask=np.array([[True, True, True], [True, False, False]])), ValueError, r"'context_mask'.*\(2, 2\)"),
    (CB, _cb(context_mask=np.array([[True, True], [False, False]])), ValueError, r"'context_mask'\] row 1"),
    (CB, _cb(context=np.array([[1, 7], [3, 0]])), ValueError, r"'context'.*id 7"),
    (CB, _cb(context_mask=None), ValueError, r"missing key 'context_mask'"),
    (SG, [1, 2, 3], TypeError, r"batch must be a dict"),
]


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("config,batch,error,message", BAD_BATCHES)
def test_bad_batches_raise_a_clear_error(backend, config, batch, error, message):
    impl = w2v.backend(backend)
    params = make_params(config, np.random.default_rng(0))
    for call in (lambda: impl.loss(params, batch, config), lambda: impl.loss_and_grad(params, batch, config),
                 lambda: impl.train_step(copy_params(params), batch, config, 0.1)):
        with pytest.raises(error, match=message):
            call()


def test_masked_out_context_slots_may_hold_any_id():
    batch = _cb(context=np.array([[1, 2], [3, -1]]))                # -1 sits in a masked-out slot
    params = make_params(CB, np.random.default_rng(0))
    assert NP.loss(params, batch, CB) == pytest.approx(float(JX.loss(params, batch, CB)), rel=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_bad_params_raise_a_clear_error(backend):
    impl = w2v.backend(backend)
    with pytest.raises(ValueError, match=r"params\['W_out'\].*\(5, 3\)"):
        impl.loss({"W_in": np.zeros((5, 3)), "W_out": np.zeros((4, 3))}, _sg(), SG)
    with pytest.raises(ValueError, match="missing key 'W_in'"):
        impl.loss_and_grad({"W_out": np.zeros((5, 3))}, _sg(), SG)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_bad_learning_rate_is_rejected(backend):
    params = make_params(SG, np.random.default_rng(0))
    for lr, error in ((-0.1, ValueError), (float("nan"), ValueError), ("fast", TypeError)):
        with pytest.raises(error, match="lr"):
            w2v.backend(backend).train_step(copy_params(params), _sg(), SG, lr)


def test_unknown_backend_is_rejected():
    with pytest.raises(ValueError, match="backend"):
        w2v.backend("torch")
    with pytest.raises(ValueError, match="backend"):
        w2v.train([["a", "b"]], None, SG, backend="torch")


# --------------------------------------------------------------------------- high level and demo data

def test_demo_files_are_up_to_date_and_sized():
    from textbook.data import make_demo_corpus
    from textbook.data.demo import demo_path, load_demo_corpus

    assert make_demo_corpus.main(["--check"]) == 0, "run python -m textbook.data.make_demo_corpus"
    tokens = sum(len(s) for s in load_demo_corpus())
    assert 5_000 <= tokens <= 50_000
    with pytest.raises(FileNotFoundError, match="demo.txt"):
        demo_path("nope.txt")


@pytest.fixture(scope="module")
def demo():
    from textbook.data.demo import load_demo_corpus
    from textbook.data.vocab import Vocab

    sents = load_demo_corpus()
    return sents, Vocab.build(sents)


PIPELINES = [("numpy", "host"), ("jax", "host"), ("jax", "device")]


@pytest.mark.slow
@pytest.mark.parametrize("backend, pipeline", PIPELINES)
def test_training_on_the_demo_corpus_solves_its_analogies(backend, pipeline, demo):
    from textbook.data.demo import demo_path
    from textbook.embeddings.evaluation import evaluate_analogies

    sents, vocab = demo
    config = w2v.demo_config(len(vocab))   # a few seconds in NumPy
    result = w2v.train(sents, vocab, config, backend=backend, seed=0, progress=False, pipeline=pipeline)
    assert result.params["W_in"].dtype == np.float64 and result.words_per_sec > 0
    tenth = max(result.losses.size // 10, 1)                       # steps (host) or chunks (device)
    assert result.losses[-tenth:].mean() < 0.5 * result.losses[:tenth].mean()
    report = evaluate_analogies(w2v.vectors(result.params, vocab), demo_path("demo_analogies.txt"))
    assert report.oov == 0
    assert report.accuracy >= 0.8, str(report)
    for section in report.sections:
        assert report.section_accuracy(section) >= 0.6, f"{section}: {report.section_accuracy(section):.2f}"


@pytest.mark.parametrize("backend, pipeline", PIPELINES)
def test_same_seed_same_numbers(backend, pipeline, demo):
    sents, vocab = demo
    sents = sents[:300]
    from textbook.data.vocab import Vocab

    vocab = Vocab.build(sents)
    config = w2v.Config(vocab_size=len(vocab), dim=8, batch_size=64, epochs=2)
    a, b, c = (w2v.train(sents, vocab, config, backend=backend, seed=s, progress=False, pipeline=pipeline)
               for s in (1, 1, 2))
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    np.testing.assert_array_equal(a.losses, b.losses)
    assert not np.array_equal(a.params["W_in"], c.params["W_in"])


@pytest.mark.parametrize("model", w2v.MODELS)
def test_numpy_trains_in_float32_when_asked(model, demo):
    from textbook.data.vocab import Vocab

    sents = demo[0][:300]
    vocab = Vocab.build(sents)
    config = w2v.Config(vocab_size=len(vocab), dim=8, model=model, batch_size=64, epochs=2)
    seen = []
    r32 = w2v.train(sents, vocab, config, seed=1, progress=False, dtype="float32",
                    callback=lambda epoch, params, loss: seen.append(params["W_in"].dtype))
    r64 = w2v.train(sents, vocab, config, seed=1, progress=False)
    assert seen == [np.float32, np.float32] and r32.params["W_in"].dtype == np.float64
    np.testing.assert_allclose(r32.losses, r64.losses, rtol=1e-4)   # the same batches: only rounding differs
    np.testing.assert_allclose(r32.params["W_in"], r64.params["W_in"], atol=1e-4)
    assert not np.array_equal(r32.params["W_in"], r64.params["W_in"])


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_train_dtype_is_checked_and_followed(backend, demo):
    from textbook.data.vocab import Vocab

    sents = demo[0][:100]
    vocab = Vocab.build(sents)
    config = w2v.Config(vocab_size=len(vocab), dim=4, batch_size=64, epochs=1)
    for bad in ("int32", "float16", "double precision", 3):
        with pytest.raises(ValueError, match="dtype must be None or one of"):
            w2v.train(sents, vocab, config, backend=backend, progress=False, dtype=bad)
    for dtype in ("float32", np.float64):                          # the session has JAX's x64 enabled
        seen = []
        w2v.train(sents, vocab, config, backend=backend, progress=False, dtype=dtype,
                  callback=lambda epoch, params, loss: seen.append(params["W_out"].dtype))
        assert seen == [np.dtype(dtype)]


def test_jax_float64_tables_need_x64(demo):
    import jax

    from textbook.data.vocab import Vocab

    sents = demo[0][:100]
    vocab = Vocab.build(sents)
    config = w2v.Config(vocab_size=len(vocab), dim=4, batch_size=64, epochs=1)
    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(ValueError, match="needs x64"):
            w2v.train(sents, vocab, config, backend="jax", progress=False, dtype="float64")
    finally:
        jax.config.update("jax_enable_x64", True)


def test_train_accepts_ids_reports_progress_and_calls_back(capsys):
    from textbook.data.vocab import Vocab

    sents = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "the", "rug"]] * 20
    vocab = Vocab.build(sents)
    config = w2v.Config(vocab_size=len(vocab), dim=4, model="cbow", objective="softmax", window=2,
                        sample=0.0, batch_size=16, epochs=3)
    seen = []
    r1 = w2v.train(vocab.encode_corpus(sents), vocab, config, seed=3, progress=True,
                   callback=lambda epoch, params, loss: seen.append((epoch, params["W_in"].shape, loss)))
    r2 = w2v.train(sents, vocab, config, seed=3, progress=False)
    np.testing.assert_array_equal(r1.params["W_in"], r2.params["W_in"])
    assert [s[0] for s in seen] == [0, 1, 2] and seen[0][1] == (len(vocab), 4)
    assert seen[-1][2] < seen[0][2]
    err = capsys.readouterr().err
    assert "words/s" in err and "loss=" in err
    with pytest.raises(ValueError, match="vocab_size"):
        w2v.train(sents, vocab, w2v.Config(vocab_size=3, dim=4), progress=False)
    with pytest.raises(TypeError, match="corpus"):
        w2v.train("the cat sat", vocab, config, progress=False)


def test_vectors_and_save_load_round_trip(tmp_path):
    from textbook.data.vocab import Vocab

    vocab = Vocab.build([["a", "b", "b", "c"]])
    config = w2v.Config(vocab_size=3, dim=2, model="cbow", window=3)
    params = make_params(config, np.random.default_rng(9))
    v_in, v_sum = w2v.vectors(params, vocab), w2v.vectors(params, vocab, which="in+out")
    np.testing.assert_array_equal(v_in["b"], params["W_in"][vocab.id("b")])
    np.testing.assert_array_equal(v_sum["c"], params["W_in"][vocab.id("c")] + params["W_out"][vocab.id("c")])
    with pytest.raises(ValueError, match="which"):
        w2v.vectors(params, vocab, which="out")

    path = tmp_path / "w2v.npz"
    w2v.save_params(path, params, config)
    loaded, loaded_config = w2v.load_params(path)
    assert loaded_config == config
    for key in params:
        np.testing.assert_array_equal(loaded[key], params[key])
    with np.load(path, allow_pickle=False) as data:                # plain arrays only, no pickle
        assert data["config"].dtype.kind == "U"


def test_init_is_seeded_and_follows_the_c_tool():
    config = w2v.Config(vocab_size=50, dim=10)
    a, b = w2v.init(config, 4), w2v.init(config, 4)
    np.testing.assert_array_equal(a["W_in"], b["W_in"])
    assert np.abs(a["W_in"]).max() <= 0.5 / 10 and not a["W_out"].any()
    assert a["W_in"].dtype == np.float64
    wide = w2v.init(w2v.Config(vocab_size=50, dim=10, init_scale=1.0), 4)["W_in"]   # gensim's scale
    np.testing.assert_allclose(wide, 2 * a["W_in"], atol=1e-15)   # the same draws, twice as wide
    assert np.abs(wide).max() > 0.5 / 10
