"""ELMo: the biLM and the scalar mix agree across backends, their hand-written gradients are right,
padding is inert, and after training the word "bank" gets sense-dependent vectors.

The session runs JAX in float64 (tests/conftest.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from textbook.core.gradcheck import assert_gradcheck
from textbook.core.testing import Case, assert_agree
from textbook.sequence import elmo

NP = elmo.backend("numpy")
JX = elmo.backend("jax")
V, B, T = 8, 3, 5
CONFIGS = [elmo.Config(vocab_size=V, dim=3, num_layers=2, cell="lstm", residual=True),
           elmo.Config(vocab_size=V, dim=3, num_layers=1, cell="gru", residual=False)]


def _name(config):
    return f"{config.cell}-L{config.num_layers}"


@st.composite
def problems(draw, config):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lengths = np.array(draw(st.lists(st.integers(0, T), min_size=B, max_size=B).filter(lambda l: max(l) >= 2)))
    params = {k: rng.normal(scale=draw(st.sampled_from([0.3, 1.0])), size=shape)
              for k, shape in elmo.param_shapes(config).items()}
    return params, {"tokens": rng.integers(0, V, (B, T)), "lengths": lengths}


@pytest.mark.parametrize("config", CONFIGS, ids=_name)
@given(data=st.data())
def test_numpy_and_jax_agree_on_the_bilm(config, data):
    params, batch = data.draw(problems(config))
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name=_name(config)), rtol=1e-8, atol=1e-10)
    assert_agree(NP, JX, Case("layers", (params, batch, config), name=_name(config)), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("config", CONFIGS, ids=_name)
@settings(max_examples=2)
@given(data=st.data())
def test_bilm_gradients_match_central_differences(config, data):
    params, batch = data.draw(problems(config))
    _, grads = NP.loss_and_grad(params, batch, config)
    assert_gradcheck(lambda p: NP.loss(p, batch, config), params, grads, rtol=1e-5, atol=1e-8, max_entries=12)


@given(seed=st.integers(0, 2**32 - 1), layers=st.sampled_from([1, 2, 3]), scale=st.sampled_from([0.1, 1.0, 10.0]))
@example(seed=436, layers=3, scale=10.0)                          # a gradient of 1e-6 next to a loss of -17
def test_scalar_mix_gradients_for_s_gamma_and_layers(seed, layers, scale):
    rng = np.random.default_rng(seed)
    mix = {"s": rng.normal(scale=scale, size=layers + 1), "gamma": np.asarray(rng.normal())}
    batch = {"layers": rng.normal(size=(layers + 1, 2, 3, 4)), "weights": rng.normal(size=(2, 3, 4))}
    assert_agree(NP, JX, Case("scalar_mix_loss_and_grad", (mix, batch)), rtol=1e-8, atol=1e-10)
    assert_agree(NP, JX, Case("scalar_mix_backward", (mix, batch["layers"], batch["weights"])), rtol=1e-8,
                 atol=1e-10)
    loss, grads = NP.scalar_mix_loss_and_grad(mix, batch)
    # central differences (eps 1e-6) carry about |loss| * 1e-16 / 1e-6 of rounding: with |loss| near 10,
    # about 1e-9, and a softmax weight of e^-17 gives s a gradient of that size (seed 436, layers 3, scale 10)
    assert_gradcheck(lambda m: NP.scalar_mix_loss_and_grad(m, batch)[0], mix, grads, rtol=1e-6,
                     atol=1e-8 * max(1.0, abs(loss)))
    _, d_layers = NP.scalar_mix_backward(mix, batch["layers"], batch["weights"])
    assert_gradcheck(lambda m: float(np.sum(NP.scalar_mix(mix, m["layers"]) * batch["weights"])),
                     {"layers": batch["layers"]}, {"layers": d_layers}, rtol=1e-6, atol=1e-8, max_entries=40)
    assert float(np.sum(grads["s"])) == pytest.approx(0.0, abs=1e-9)   # softmax(s) is shift-invariant


def test_scalar_mix_is_the_weighted_mean_of_the_layers():
    layers = np.stack([np.full((1, 2, 3), v) for v in (1.0, 2.0, 4.0)])
    out = NP.scalar_mix({"s": np.zeros(3), "gamma": np.asarray(2.0)}, layers)
    np.testing.assert_allclose(out, np.full((1, 2, 3), 2.0 * 7 / 3))
    one = NP.scalar_mix({"s": np.array([-1e4, 1e4, 0.0]), "gamma": np.asarray(1.0)}, layers)   # stable at 1e4
    np.testing.assert_allclose(one, layers[1])


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_padding_does_not_change_the_bilm(impl):
    config = CONFIGS[0]
    rng = np.random.default_rng(1)
    params = {k: rng.normal(size=s) for k, s in elmo.param_shapes(config).items()}
    batch = {"tokens": rng.integers(0, V, (2, 4)), "lengths": np.array([4, 3])}
    value, grads = impl.loss_and_grad(params, batch, config)
    padded = {"tokens": np.full((3, 6), 77), "lengths": np.array([4, 3, 0])}
    padded["tokens"][:2, :4] = batch["tokens"]
    padded["tokens"][1, 3] = -1
    value_p, grads_p = impl.loss_and_grad(params, padded, config)
    assert float(value_p) == pytest.approx(float(value), rel=1e-12)
    for k in grads:
        np.testing.assert_allclose(np.asarray(grads_p[k]), np.asarray(grads[k]), rtol=1e-10, atol=1e-13, err_msg=k)
    reps = np.asarray(NP.layers(params, padded, config))
    assert reps.shape == (3, 3, 6, 6) and np.all(reps[:, 1, 3:] == 0) and np.all(reps[:, 2] == 0)


def test_the_backward_lm_reads_right_to_left():
    """The backward stack's state at a word depends only on the words at and after it."""
    config = CONFIGS[0]
    params = elmo.init(config, seed=2)
    a = {"tokens": np.array([[1, 2, 3, 4, 5]]), "lengths": np.array([5])}
    b = {"tokens": np.array([[6, 7, 3, 4, 5]]), "lengths": np.array([5])}
    ra, rb = NP.layers(params, a, config), NP.layers(params, b, config)
    d = config.dim
    np.testing.assert_allclose(ra[1:, 0, 2:, d:], rb[1:, 0, 2:, d:], rtol=1e-13)   # backward: same suffix
    assert not np.allclose(ra[1:, 0, 2:, :d], rb[1:, 0, 2:, :d])                  # forward: different prefix


def test_bank_gets_sense_dependent_vectors_after_training():
    sentences = elmo.demo_sentences()
    result = elmo.train(sentences, elmo.demo_config(epochs=20), backend="numpy", seed=0, progress=False)
    assert result.epoch_losses[-1] < 0.6 * result.epoch_losses[0]
    uses = [(s, s.index("bank")) for s in sentences if "bank" in s]
    river = np.array(["river" in s or "stream" in s or "lake" in s or "pond" in s or "water" in s or "boat" in s
                      for s, _ in uses])
    static = elmo.embed(result.params, result.vocab, [s for s, _ in uses], result.config, layer=0)
    static_bank = np.stack([v[i] for v, (_, i) in zip(static, uses)])
    np.testing.assert_allclose(static_bank, static_bank[:1].repeat(len(uses), 0))   # one static vector
    mixed = elmo.embed(result.params, result.vocab, [s for s, _ in uses], result.config)
    X = np.stack([v[i] for v, (_, i) in zip(mixed, uses)])
    S = elmo.cosine_table(list(X - X.mean(axis=0)))
    same, other = river[:, None] == river[None, :], river[:, None] != river[None, :]
    np.fill_diagonal(same, False)
    assert S[same].mean() > S[other].mean() + 0.2, (S[same].mean(), S[other].mean())
    np.fill_diagonal(S, -np.inf)
    assert np.mean(river[S.argmax(axis=1)] == river) > 0.7        # nearest use has the same sense


def test_training_backends_agree():
    sentences = elmo.demo_sentences()[:20]
    config = elmo.demo_config(len(elmo.build_vocab(sentences)), dim=4, epochs=1, num_layers=1)
    a = elmo.train(sentences, config, backend="numpy", progress=False)
    b = elmo.train(sentences, config, backend="jax", progress=False)
    np.testing.assert_allclose(b.losses, a.losses, rtol=1e-9)


def test_errors():
    config = CONFIGS[0]
    params = elmo.init(config)
    with pytest.raises(ValueError, match="nothing to predict"):
        NP.loss(params, {"tokens": np.zeros((2, 3), dtype=int), "lengths": np.array([1, 0])}, config)
    with pytest.raises(ValueError, match="outside"):
        JX.loss(params, {"tokens": np.full((2, 3), V), "lengths": np.array([3, 3])}, config)
    with pytest.raises(ValueError, match="mix"):
        NP.scalar_mix({"s": np.zeros(3)}, np.zeros((3, 1, 1, 2)))
    with pytest.raises(ValueError, match="L\\+1"):
        JX.scalar_mix({"s": np.zeros(2), "gamma": np.asarray(1.0)}, np.zeros((3, 1, 1, 2)))
    with pytest.raises(ValueError, match="not in the vocabulary"):
        elmo.embed(params, elmo.build_vocab([["a", "b"]]), [["a", "zebra"]], elmo.Config(vocab_size=4, dim=3))
    with pytest.raises(ValueError, match="dim"):
        elmo.Config(vocab_size=5, dim=0)
