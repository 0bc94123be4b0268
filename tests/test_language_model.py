"""Recurrent language models: NumPy and JAX agree, BPTT by hand is right, padding is inert, the demo is learnt.

The session runs JAX in float64 (tests/conftest.py), so the backends are compared tightly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textbook.core.gradcheck import assert_gradcheck
from textbook.core.testing import Case, assert_agree
from textbook.sequence import language_model as lm

NP = lm.backend("numpy")
JX = lm.backend("jax")
V, B, T = 7, 3, 4

#: every cell with an embedding, and as a 2-layer residual stack on one-hot inputs
CONFIGS = [lm.Config(vocab_size=V, cell=cell, embedding_dim=E, hidden_size=5, num_layers=L, residual=res)
           for cell in ("rnn", "lstm", "gru") for E, L, res in [(4, 1, False), (0, 2, True)]]


def _name(config):
    return f"{config.cell}-E{config.embedding_dim}-L{config.num_layers}"


def make_params(config, rng, scale=1.0):
    return {k: rng.normal(scale=scale, size=shape) for k, shape in lm.param_shapes(config).items()}


@st.composite
def batches(draw, config):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lengths = np.array(draw(st.lists(st.integers(0, T), min_size=B, max_size=B).filter(any)))
    batch = {"tokens": rng.integers(0, V, (B, T)), "targets": rng.integers(0, V, (B, T)), "lengths": lengths}
    if draw(st.booleans()):
        for k in ("h0", "c0") if config.cell == "lstm" else ("h0",):
            batch[k] = rng.normal(size=(config.num_layers, B, config.hidden_size))
    return make_params(config, rng, scale=draw(st.sampled_from([0.3, 1.0]))), batch


# ------------------------------------------------------------------------------- NumPy and JAX agree

@pytest.mark.parametrize("config", CONFIGS, ids=_name)
@given(data=st.data())
def test_numpy_and_jax_agree_on_logits_loss_state_and_every_gradient(config, data):
    params, batch = data.draw(batches(config))
    inputs = {k: v for k, v in batch.items() if k != "targets"}
    assert_agree(NP, JX, Case("forward", (params, inputs, config), name=_name(config)), rtol=1e-8, atol=1e-10)
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name=_name(config)), rtol=1e-8, atol=1e-10)
    assert_agree(NP, JX, Case("loss_and_state", (params, batch, config), name=_name(config)), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("config", CONFIGS, ids=_name)
@settings(max_examples=3)
@given(data=st.data())
def test_numpy_gradients_match_central_differences(config, data):
    params, batch = data.draw(batches(config))
    _, grads = NP.loss_and_grad(params, batch, config)
    assert_gradcheck(lambda p: NP.loss(p, batch, config), params, grads, rtol=1e-5, atol=1e-8, max_entries=32)


@pytest.mark.parametrize("config", CONFIGS[3:4], ids=_name)
def test_train_step_is_clipping_then_adam_in_both_backends(config):
    from textbook.core.optim import backend as optim_backend
    from textbook.core.backend import to_jax

    rng = np.random.default_rng(2)
    params = make_params(config, rng, scale=3.0)                  # large: the gradient norm exceeds the clip
    batch = {"tokens": rng.integers(0, V, (B, T)), "targets": rng.integers(0, V, (B, T))}
    config = lm.Config(**{**config.__dict__, "clip": 0.5})
    value, grads = NP.loss_and_grad(params, batch, config)
    norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads.values()))
    assert norm > 0.5
    clipped = {k: g * 0.5 / (norm + 1e-6) for k, g in grads.items()}
    expected, _ = optim_backend("numpy").adam(params, clipped, optim_backend("numpy").adam_init(params), 0.01)

    new_np, _, loss_np, final_np = NP.train_step(params, optim_backend("numpy").adam_init(params), batch, config, 0.01)
    jparams = to_jax(params)
    new_jx, state_jx, loss_jx, final_jx = JX.train_step(jparams, optim_backend("jax").adam_init(jparams), batch,
                                                        config, 0.01)
    assert loss_np == pytest.approx(value, rel=1e-12) and float(loss_jx) == pytest.approx(value, rel=1e-10)
    assert int(state_jx["t"]) == 1
    for k in params:
        np.testing.assert_allclose(new_np[k], expected[k], rtol=1e-12, atol=1e-14, err_msg=k)
        np.testing.assert_allclose(np.asarray(new_jx[k]), expected[k], rtol=1e-9, atol=1e-12, err_msg=k)
    for k in final_np:
        np.testing.assert_allclose(np.asarray(final_jx[k]), final_np[k], rtol=1e-10)


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_clip_by_global_norm(impl):
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}   # global norm 5
    clipped, norm = impl.clip_by_global_norm(grads, 1.0)
    assert float(norm) == pytest.approx(5.0)
    np.testing.assert_allclose(np.asarray(clipped["a"]), [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(clipped["b"]), [[0.8]], rtol=1e-6)
    same, _ = impl.clip_by_global_norm(grads, 10.0)               # below the threshold: unchanged
    np.testing.assert_allclose(np.asarray(same["a"]), grads["a"])


# ------------------------------------------------------------------------------------ padding, TBPTT

@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_padding_never_changes_the_loss_of_the_real_tokens(impl):
    config = CONFIGS[2]                                           # lstm with an embedding
    rng = np.random.default_rng(3)
    params = make_params(config, rng)
    batch = {"tokens": rng.integers(0, V, (2, 4)), "targets": rng.integers(0, V, (2, 4)), "lengths": np.array([4, 3])}
    value, grads = impl.loss_and_grad(params, batch, config)
    padded = {"tokens": np.full((3, 7), -5), "targets": np.full((3, 7), 99), "lengths": np.array([4, 3, 0])}
    padded["tokens"][:2, :4] = batch["tokens"]                    # padded ids may be anything: never read
    padded["targets"][:2, :4] = batch["targets"]
    padded["tokens"][1, 3] = padded["targets"][1, 3] = 1000
    value_p, grads_p = impl.loss_and_grad(params, padded, config)
    assert float(value_p) == pytest.approx(float(value), rel=1e-12)
    for k in grads:
        np.testing.assert_allclose(np.asarray(grads_p[k]), np.asarray(grads[k]), rtol=1e-10, atol=1e-13, err_msg=k)


def test_carrying_the_state_across_chunks_reproduces_the_whole_sequence():
    """Truncated BPTT changes the gradient, not the forward pass: chunk losses add up to the full one."""
    config = lm.Config(vocab_size=V, cell="gru", embedding_dim=3, hidden_size=4, seq_len=3, batch_size=2)
    rng = np.random.default_rng(4)
    params = make_params(config, rng)
    ids = rng.integers(0, V, 2 * 7 + 1)
    whole = {"tokens": np.stack([ids[:7], ids[7:14]]), "targets": np.stack([ids[1:8], ids[8:15]])}
    full = NP.loss(params, whole, config)
    chunks = list(lm.tbptt_batches(ids, batch_size=2, seq_len=3))
    assert [c["lengths"].tolist() for c in chunks] == [[3, 3], [3, 3], [1, 1]]
    np.testing.assert_array_equal(np.concatenate([c["tokens"][:, :n] for c, n in zip(chunks, (3, 3, 1))], axis=1),
                                  whole["tokens"])
    state, total = {}, 0.0
    for chunk in chunks:
        value, final = NP.loss_and_state(params, {**chunk, **state}, config)
        total += value * chunk["lengths"].sum()
        state = {k + "0": v for k, v in final.items()}
    assert total / 14 == pytest.approx(full, rel=1e-12)
    assert lm.evaluate(params, ids, config, batch_size=2) == pytest.approx(full, rel=1e-12)


# ---------------------------------------------------------------------------------------- sampling

@pytest.mark.parametrize("config", [CONFIGS[0], CONFIGS[3]], ids=_name)
def test_sampling_agrees_across_backends_and_respects_temperature_and_top_k(config):
    rng = np.random.default_rng(5)
    params = make_params(config, rng)
    prompt, noise = rng.integers(0, V, (2, 3)), rng.random((2, 9))
    for temperature, top_k in [(1.0, 0), (0.5, 2), (0.0, 0)]:     # (top_k is static in JAX: 2 compilations)
        expected, got = assert_agree(NP, JX, Case("sample", (params, prompt, noise, config, temperature, top_k)))
        assert expected.shape == (2, 9) and expected.min() >= 0 and expected.max() < V
    greedy = NP.sample(params, prompt, noise, config, 0.0, 0)
    np.testing.assert_array_equal(NP.sample(params, prompt, rng.random((2, 9)), config, 0.0, 0), greedy)
    np.testing.assert_array_equal(NP.sample(params, prompt, rng.random((2, 9)), config, 1.0, 1), greedy)


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_next_token_follows_the_tempered_top_k_distribution(impl):
    logits = np.array([[2.0, 1.0, 0.0, -1.0, 0.5]])
    n = 4000
    u = (np.arange(n) + 0.5) / n                                  # evenly spread draws: exact frequencies
    picks = np.array([int(np.asarray(impl.next_token(logits, u[i:i + 1], 0.5, 3))[0]) for i in range(0, n, 10)])
    z = logits[0] / 0.5
    keep = z >= np.sort(z)[-3]
    p = np.where(keep, np.exp(z - z.max()), 0.0)
    p /= p.sum()
    freq = np.bincount(picks, minlength=5) / picks.size
    np.testing.assert_allclose(freq, p, atol=0.01)
    assert set(picks) <= set(np.flatnonzero(keep))
    np.testing.assert_array_equal(np.asarray(impl.next_token(np.repeat(logits, 2, 0), np.array([0.0, 0.9999]), 0, 0)),
                                  [0, 0])


def test_generate_is_seeded():
    config = CONFIGS[2]
    params = make_params(config, np.random.default_rng(6))
    a = lm.generate(params, config, np.array([1, 2]), 20, temperature=1.0, seed=3)
    b = lm.generate(params, config, np.array([1, 2]), 20, temperature=1.0, seed=3)
    c = lm.generate(params, config, np.array([1, 2]), 20, temperature=1.0, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(lm.generate(params, config, np.array([1, 2]), 20, temperature=1.0, seed=3,
                                              backend="jax"), a)


# ------------------------------------------------------------------------------ the demo is learnt

@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_char_lm_on_the_demo_beats_the_unigram_baseline(backend):
    ids, vocab = lm.encode_text(lm.demo_text(), level="char")
    split = int(0.9 * len(ids))
    config = lm.demo_config(len(vocab), epochs=10)
    result = lm.train(ids[:split], config, backend=backend, seed=0, progress=False)
    unigram = lm.perplexity(lm.unigram_cross_entropy(ids[:split], ids[split:], len(vocab)))
    valid = lm.perplexity(lm.evaluate(result.params, ids[split:], config, backend=backend))
    first, last = lm.perplexity(result.losses[0]), lm.perplexity(result.epoch_losses[-1])
    assert first == pytest.approx(len(vocab), rel=0.2)           # an untrained model is nearly uniform
    assert unigram > 15 and valid < 0.5 * unigram and last < 0.4 * unigram, (unigram, valid, last)
    assert np.all(np.isfinite(result.losses)) and result.tokens_per_sec > 0


def test_training_is_reproducible_and_the_backends_agree():
    ids, vocab = lm.encode_text(lm.demo_text()[:600], level="char")
    config = lm.Config(vocab_size=len(vocab), cell="gru", embedding_dim=4, hidden_size=8, seq_len=8, batch_size=4,
                       epochs=2, lr=0.01)
    a = lm.train(ids, config, backend="numpy", seed=1, progress=False)
    b = lm.train(ids, config, backend="numpy", seed=1, progress=False)
    c = lm.train(ids, config, backend="jax", seed=1, progress=False)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_allclose(c.losses, a.losses, rtol=1e-9)
    for k in a.params:
        np.testing.assert_allclose(c.params[k], a.params[k], rtol=1e-7, atol=1e-10, err_msg=k)


# -------------------------------------------------------------------------- text, checkpoints, errors

def test_encode_decode_and_checkpoints_round_trip(tmp_path):
    text = "The sea.\nThe sky!\n"
    ids, vocab = lm.encode_text(text, level="char")
    assert lm.decode(ids, vocab, "char") == text
    words, wvocab = lm.encode_text(text, level="word")
    assert wvocab.decode(words) == ["the", "sea", lm.EOS, "the", "sky", lm.EOS]
    assert lm.decode(words, wvocab, "word") == "the sea\nthe sky\n"
    np.testing.assert_array_equal(lm.encode_prompt("the sky", wvocab, "word"), words[3:5])
    with pytest.raises(ValueError, match="not in the model's vocabulary"):
        lm.encode_prompt("the moon", wvocab, "word")
    with pytest.raises(ValueError, match="empty"):
        lm.encode_prompt("", vocab, "char")

    config = lm.Config(vocab_size=len(vocab), hidden_size=4, embedding_dim=3)
    params = lm.init(config, seed=0)
    path = tmp_path / "ck.npz"
    lm.save_checkpoint(path, params, config, vocab, "char", epoch=3)
    ck = lm.load_checkpoint(path)
    assert ck["config"] == config and ck["vocab"] == vocab and ck["level"] == "char" and ck["meta"] == {"epoch": 3}
    for k in params:
        np.testing.assert_array_equal(ck["params"][k], params[k])
    with np.load(path, allow_pickle=False) as data:               # no pickle anywhere
        assert all(data[k].dtype != object for k in data.files)


def test_init_and_config():
    config = lm.Config(vocab_size=11, cell="gru", embedding_dim=0, hidden_size=6, num_layers=2)
    params = lm.init(config, seed=0)
    assert "embedding.weight" not in params and params["rnn.weight_ih_l0"].shape == (18, 11)
    assert set(params) == set(lm.param_shapes(config)) and np.all(params["output.bias"] == 0)
    assert np.abs(params["rnn.weight_hh_l1"]).max() <= 1 / math.sqrt(6)
    assert config.rnn.input_size == 11 and not config.rnn.bidirectional
    for kwargs, match in [(dict(vocab_size=1), "vocab_size"), (dict(cell="tcn"), "cell"), (dict(lr=0), "lr"),
                          (dict(clip=-1.0), "clip"), (dict(embedding_dim=-1), "embedding_dim")]:
        with pytest.raises(ValueError, match=match):
            lm.Config(**{"vocab_size": 5, **kwargs})


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_bad_batches_raise_clear_errors(impl):
    config = CONFIGS[0]
    params = lm.init(config)
    good = {"tokens": np.zeros((2, 3), dtype=int), "targets": np.zeros((2, 3), dtype=int)}
    cases = [
        ({**good, "tokens": np.full((2, 3), V)}, ValueError, r"tokens.*outside \[0, 7\)"),
        ({**good, "targets": np.zeros((2, 4), dtype=int)}, ValueError, r"targets.*\(2, 3\)"),
        ({**good, "tokens": np.zeros((2, 3))}, TypeError, "integer"),
        ({**good, "lengths": np.array([0, 0])}, ValueError, "no token"),
        ({**good, "lengths": np.array([4, 1])}, ValueError, "lengths"),
        ({**good, "h0": np.zeros((2, 2, 5))}, ValueError, r"h0.*\(1, 2, 5\)"),
        ({**good, "c0": np.zeros((1, 2, 5))}, ValueError, "only the LSTM"),
        ({**good, "mask": np.ones((2, 3))}, ValueError, "unexpected key 'mask'"),
        ({"tokens": good["tokens"]}, ValueError, "missing key 'targets'"),
    ]
    for batch, error, match in cases:
        with pytest.raises(error, match=match):
            impl.loss_and_grad(params, batch, config)
    with pytest.raises(ValueError, match="embedding.weight"):
        impl.loss(lm.init(CONFIGS[1]), good, config)
    prompt = np.zeros((1, 2), dtype=int)
    for args, match in [((np.zeros((1, 0), dtype=int), np.zeros((1, 3)), 1.0, 0), "prompt"),
                        ((prompt, np.ones((1, 3)), 1.0, 0), r"\[0, 1\)"),
                        ((prompt, np.zeros((2, 3)), 1.0, 0), "noise"),
                        ((prompt, np.zeros((1, 3)), -1.0, 0), "temperature"),
                        ((prompt, np.zeros((1, 3)), 1.0, V + 1), "top_k")]:
        with pytest.raises(ValueError, match=match):
            impl.sample(params, args[0], args[1], config, *args[2:])
