"""Sequence to sequence: NumPy vs JAX, gradients, masking, decoding, training, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textbook.core.gradcheck import assert_gradcheck
from textbook.core.testing import Case, assert_agree
from textbook.sequence import decoding
from textbook.sequence import seq2seq as s2s
from textbook.sequence.seq2seq import tasks

NP, JX = s2s.backend("numpy"), s2s.backend("jax")
V, E, H, B, S, T = 9, 4, 6, 3, 5, 4
# every attention kind, LSTM and GRU both covered, plus a bidirectional encoder reading the source reversed
# and Luong's input feeding (each JAX compilation costs seconds: one per config)
OPTIONS = {"": {}, "bi+rev": dict(bidirectional=True, reverse_source=True), "feeding": dict(input_feeding=True)}
KINDS = [("none", "gru", ""), ("bahdanau", "lstm", ""), ("bahdanau", "gru", ""), ("luong-dot", "gru", ""),
         ("luong-general", "lstm", "feeding"), ("luong-concat", "lstm", "bi+rev")]


def _config(attention, cell, **kw):
    return s2s.Config(src_vocab=V, tgt_vocab=V, cell=cell, embed_size=E, hidden_size=H, attention=attention, **kw)


def _batch(rng, src_lengths=None, tgt_lengths=None):
    """A random batch with garbage (but in-range) ids in the padding."""
    src_lengths = rng.integers(1, S + 1, size=B) if src_lengths is None else np.asarray(src_lengths)
    tgt_lengths = rng.integers(1, T + 1, size=B) if tgt_lengths is None else np.asarray(tgt_lengths)
    return {"src": rng.integers(0, V, size=(B, S)), "src_lengths": src_lengths,
            "tgt_in": rng.integers(0, V, size=(B, T)), "tgt_out": rng.integers(0, V, size=(B, T)),
            "tgt_lengths": tgt_lengths}


def _memory(rng, params, config):
    """Encoder states, mask (with padding) and, for the additive scores, their projection."""
    keys = rng.normal(size=(B, S, H))
    mask = np.arange(S)[None, :] < rng.integers(1, S + 1, size=B)[:, None]
    keys = keys * mask[..., None]
    memory = {"keys": keys, "mask": mask}
    if "attn.W_h" in params:
        memory["proj"] = keys @ params["attn.W_h"].T
    return memory


# --- NumPy and JAX agree ---------------------------------------------------------------------------------

@pytest.mark.parametrize("attention,cell,options", KINDS)
@settings(max_examples=4)
@given(seed=st.integers(0, 2**31 - 1))
def test_backends_agree(attention, cell, options, seed):
    """Losses, every gradient, logits and attention weights (forward) and one step's weights and contexts."""
    rng = np.random.default_rng(seed)
    config = _config(attention, cell, **OPTIONS[options])
    params = s2s.init(config, seed=seed)
    batch = _batch(rng)
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name=f"{attention}/{cell}"))
    assert_agree(NP, JX, Case("forward", (params, batch, config), name=f"{attention}/{cell}"))
    if attention != "none":                                       # weights and contexts of one step
        query, memory = rng.normal(size=(B, H)), _memory(rng, params, config)
        assert_agree(NP, JX, Case("attend", (params, query, memory, config), name=f"{attention}/{cell}"))


def test_float32_close():
    rng = np.random.default_rng(3)
    config = _config("bahdanau", "lstm")
    params, batch = s2s.init(config, seed=3), _batch(rng)
    from textbook.core.backend import to_jax
    import jax.numpy as jnp

    value, grads = NP.loss_and_grad(params, batch, config)
    value32, grads32 = JX.loss_and_grad(to_jax(params, jnp.float32), batch, config)
    assert grads32["out.weight"].dtype == jnp.float32
    np.testing.assert_allclose(float(value32), value, rtol=1e-5)
    for k in grads:
        np.testing.assert_allclose(np.asarray(grads32[k]), grads[k], rtol=1e-3, atol=1e-5, err_msg=k)


@pytest.mark.parametrize("attention,cell,options", KINDS + [("luong-concat", "gru", "bi+rev"), ("bahdanau", "rnn", ""),
                                                         ("luong-dot", "gru", "feeding")])
def test_numpy_gradients_pass_finite_differences(attention, cell, options):
    rng = np.random.default_rng(4)
    config = _config(attention, cell, **OPTIONS[options])
    params, batch = s2s.init(config, seed=5), _batch(rng)
    value, grads = NP.loss_and_grad(params, batch, config)
    assert value == pytest.approx(NP.loss(params, batch, config))
    assert_gradcheck(lambda p: NP.loss(p, batch, config), params, grads, max_entries=64)


# --- masking --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("attention,cell,options", KINDS[1:])        # the configs compiled above
@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_attention_sums_to_one_and_is_zero_on_padding(attention, cell, options, impl):
    rng = np.random.default_rng(6)
    config = _config(attention, cell, **OPTIONS[options])
    params, batch = s2s.init(config, seed=6), _batch(rng, src_lengths=[1, 3, 5], tgt_lengths=[4, 2, 1])
    _, a = impl.forward(params, batch, config)
    a = np.asarray(a)                                             # (B, T, S)
    src_mask = np.arange(S)[None, :] < batch["src_lengths"][:, None]
    tgt_mask = np.arange(T)[None, :] < batch["tgt_lengths"][:, None]
    assert np.all(a[~src_mask[:, None, :].repeat(T, 1)] == 0.0)   # exactly zero on source padding
    np.testing.assert_allclose(a.sum(-1)[tgt_mask], 1.0, rtol=1e-12)
    assert np.all(a[~tgt_mask] == 0.0)                            # rows past a target's length
    assert np.all(a[0, 0] == [1.0, 0, 0, 0, 0])                   # one real source token: all weight on it


@pytest.mark.parametrize("impl,attention", [(NP, "none"), (NP, "bahdanau"), (NP, "luong-dot"), (JX, "luong-dot")],
                         ids=["numpy-none", "numpy-bahdanau", "numpy-luong-dot", "jax-luong-dot"])
def test_padding_never_changes_the_loss(impl, attention):
    rng = np.random.default_rng(7)
    config = _config(attention, "lstm", bidirectional=True, reverse_source=True)
    params, batch = s2s.init(config, seed=7), _batch(rng)
    value = float(impl.loss(params, batch, config))
    padded = dict(batch)                                          # two more padded columns of garbage
    for key, width in (("src", 2), ("tgt_in", 2), ("tgt_out", 2)):
        padded[key] = np.concatenate([batch[key], rng.integers(0, V, size=(B, width))], axis=1)
    garbage = dict(batch)                                         # other ids in the existing padding
    for key, lengths in (("src", "src_lengths"), ("tgt_in", "tgt_lengths"), ("tgt_out", "tgt_lengths")):
        pad = np.arange(batch[key].shape[1])[None, :] >= batch[lengths][:, None]
        garbage[key] = np.where(pad, rng.integers(0, V, size=batch[key].shape), batch[key])
    assert float(impl.loss(params, padded, config)) == pytest.approx(value, rel=1e-12)
    assert float(impl.loss(params, garbage, config)) == pytest.approx(value, rel=1e-12)


def test_reverse_source_reverses_the_real_tokens_only():
    rng = np.random.default_rng(8)
    config = _config("bahdanau", "gru", reverse_source=True)
    plain = _config("bahdanau", "gru")
    params, batch = s2s.init(config, seed=8), _batch(rng, src_lengths=[2, 5, 3])
    flipped = dict(batch, src=batch["src"].copy())
    for b, L in enumerate(batch["src_lengths"]):
        flipped["src"][b, :L] = batch["src"][b, :L][::-1]
    assert NP.loss(params, batch, config) == pytest.approx(NP.loss(params, flipped, plain), rel=1e-12)


def test_bad_input_is_named():
    config = _config("bahdanau", "lstm")
    params, batch = s2s.init(config), _batch(np.random.default_rng(9))
    for impl in (NP, JX):
        with pytest.raises(ValueError, match="src_lengths"):
            impl.loss(params, {**batch, "src_lengths": np.array([0, 1, 2])}, config)
        with pytest.raises(ValueError, match=r"tgt_out.*outside \[0, 9\)"):
            impl.loss(params, {**batch, "tgt_out": np.full((B, T), V)}, config)
        with pytest.raises(ValueError, match=r"tgt_out.*\(3, 4\)"):
            impl.loss(params, {**batch, "tgt_out": batch["tgt_out"][:, :2]}, config)
        with pytest.raises(ValueError, match="missing key 'src'"):
            impl.loss(params, {k: v for k, v in batch.items() if k != "src"}, config)
        with pytest.raises(ValueError, match="unexpected key 'mask'"):
            impl.loss(params, {**batch, "mask": 1}, config)
        with pytest.raises(ValueError, match="attn.W_s"):
            impl.loss({k: v for k, v in params.items() if k != "attn.W_s"}, batch, config)
    with pytest.raises(ValueError, match="attention"):
        _config("luong", "lstm")
    with pytest.raises(ValueError, match="input_feeding needs a Luong"):
        _config("bahdanau", "lstm", input_feeding=True)
    with pytest.raises(ValueError, match="even"):
        s2s.Config(src_vocab=V, tgt_vocab=V, hidden_size=5, bidirectional=True)


# --- decoding -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("attention,options", [("none", ""), ("bahdanau", ""), ("luong-concat", "feeding")])
def test_beam_one_is_greedy_and_returns_attention(attention, options):
    config = _config(attention, "lstm", **OPTIONS[options])
    params = s2s.init(config, seed=10)
    source = np.array([3, 4, 5, 6])
    step, state = s2s.decoder_step_fn(params, config, source)
    greedy = decoding.greedy(step, state, tasks.BOS, tasks.EOS, max_len=6, return_extras=True)
    (tokens, score, extras), = decoding.beam_search(step, state, tasks.BOS, tasks.EOS, max_len=6, beam_size=1,
                                                    return_extras=True)
    np.testing.assert_array_equal(tokens, greedy[0])
    assert score == greedy[1]
    if attention == "none":
        assert extras is None
    else:
        assert extras.shape == (len(tokens), len(source))
        np.testing.assert_allclose(extras.sum(-1), 1.0)


def test_batched_decoding_agrees_across_backends():
    config = _config("luong-general", "gru", input_feeding=True)
    params = s2s.init(config, seed=11)
    sources = [np.array([3, 4, 5]), np.array([6, 7, 8, 3, 4]), np.array([5])]
    out_np = s2s.translate(params, config, sources, backend="numpy", beam_size=3, max_len=5)
    out_jx = s2s.translate(params, config, sources, backend="jax", beam_size=3, max_len=5)
    np.testing.assert_array_equal(out_np["tokens"], np.asarray(out_jx["tokens"]))
    np.testing.assert_allclose(out_np["scores"], np.asarray(out_jx["scores"]), rtol=1e-9)
    assert out_np["extras"].shape == (3, 3, 5, 5)                 # (B, K, max_len, S)
    assert np.all(out_np["extras"][2, :, :, 1:] == 0)             # the one-token source: padding gets 0


@pytest.fixture(scope="module")
def trained():
    """Reversal of 3..6 digits with attention, trained in NumPy in seconds (JAX training: tests/test_cli_seq2seq.py)."""
    task = tasks.get("reverse")
    train = tasks.make_pairs(task, 3000, seed=0, max_len=6)
    test = tasks.make_pairs(task, 300, seed=1, max_len=6, exclude={a for a, _ in train})
    config = s2s.demo_config(task, epochs=4, hidden_size=32)
    result = s2s.train(tasks.encode(train, task), config, backend="numpy", seed=0, progress=False)
    return task, config, result, tasks.encode(test, task)


def test_training_reaches_99_percent_on_held_out_reversal(trained):
    task, config, result, test = trained
    assert result.epoch_losses[-1] < result.epoch_losses[0]
    assert s2s.exact_match(result.params, config, test, backend="numpy") >= 0.99


def test_trained_model_decodes_with_anti_diagonal_attention(trained):
    task, config, result, _ = trained
    step, state = s2s.decoder_step_fn(result.params, config, tasks.to_ids("40615", task))
    tokens, _, weights = decoding.greedy(step, state, tasks.BOS, tasks.EOS, max_len=8, return_extras=True)
    assert tasks.to_text(tokens, task) == "51604"
    (beam_tokens, _), *_ = decoding.beam_search(step, state, tasks.BOS, tasks.EOS, max_len=8, beam_size=1)
    np.testing.assert_array_equal(beam_tokens, tokens)
    # Bahdanau attends with s_{t-1}: the weights that predict output t peak at source position S-1-t.
    assert list(weights[:5].argmax(-1)) == [4, 3, 2, 1, 0]


def test_numpy_training_is_reproducible_and_learns():
    task = tasks.get("reverse")
    data = tasks.encode(tasks.make_pairs(task, 64, seed=0, max_len=4), task)
    config = s2s.demo_config(task, epochs=3, hidden_size=8, embed_size=4, batch_size=16, cell="gru")
    a = s2s.train(data, config, backend="numpy", seed=3, progress=False)
    b = s2s.train(data, config, backend="numpy", seed=3, progress=False)
    np.testing.assert_array_equal(a.losses, b.losses)
    assert a.losses[-1] < a.losses[0]


def test_checkpoint_round_trip(tmp_path):
    task = tasks.get("dates")
    config = s2s.demo_config(task, hidden_size=8, embed_size=4, attention="luong-dot")
    params = s2s.init(config, seed=12)
    s2s.save_checkpoint(tmp_path / "m.npz", params, config, "dates", note="x")
    ck = s2s.load_checkpoint(tmp_path / "m.npz")
    assert ck["config"] == config and ck["task"].name == "dates" and ck["meta"] == {"note": "x"}
    for k in params:
        np.testing.assert_array_equal(ck["params"][k], params[k])
    np.savez(tmp_path / "bad.npz", x=np.zeros(2))
    with pytest.raises(ValueError, match="not a seq2seq checkpoint"):
        s2s.load_checkpoint(tmp_path / "bad.npz")


def test_tasks_are_seeded_and_encoded():
    pairs = tasks.make_pairs("dates", 5, seed=0)
    assert pairs == tasks.make_pairs("dates", 5, seed=0)
    src, tgt = pairs[0]
    y, m, d = src.split("-")
    assert tgt == f"{d} {tasks.MONTHS[int(m) - 1]} {y}"
    batch = tasks.encode(pairs, "dates")
    assert batch["src"].shape == (5, 10) and batch["tgt_in"].shape == (5, 12)
    assert np.all(batch["tgt_in"][:, 0] == tasks.BOS)
    assert tasks.to_text(batch["tgt_out"][0], "dates") == tgt
    rev = tasks.make_pairs("reverse", 50, seed=1)
    assert all(t == s[::-1] and 3 <= len(s) <= 10 for s, t in rev)
    with pytest.raises(ValueError, match="not in the 'reverse' vocabulary"):
        tasks.to_ids("12a", "reverse")
