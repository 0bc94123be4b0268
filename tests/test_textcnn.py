"""TextCNN: NumPy and JAX agree, the NumPy gradients are right, padding never wins the max, the demo trains.

The session runs JAX in float64 (tests/conftest.py); a separate check runs it in float32.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from textbook.core.gradcheck import assert_gradcheck
from textbook.core.testing import Case, assert_agree
from textbook.sequence import textcnn

NP = textcnn.backend("numpy")
JX = textcnn.backend("jax")
WIDTHS = [(1,), (2, 3), (1, 3, 4)]


# ----------------------------------------------------------------------------------------------- helpers

def make_params(config, rng, scale=0.5):
    return {k: rng.normal(scale=scale, size=v.shape) for k, v in textcnn.init(config).items()}


def make_batch(config, B, T, rng, dropout=True, lengths=None):
    """Random texts of random lengths 1..T, the padding filled with arbitrary (even invalid) ids."""
    lengths = rng.integers(1, T + 1, B) if lengths is None else np.asarray(lengths)
    mask = np.arange(T)[None, :] < lengths[:, None]
    tokens = np.where(mask, rng.integers(0, config.vocab_size, (B, T)), -7)
    batch = {"tokens": tokens, "mask": mask, "labels": rng.integers(0, config.num_classes, B)}
    if dropout:
        batch["dropout"] = (rng.random((B, config.num_features)) >= 0.5) * 2.0
    return batch


@st.composite
def problems(draw, scales=(0.1, 1.0)):
    """(config, params, batch): random widths, lengths, masks and dropout; few distinct shapes (jit compiles)."""
    config = textcnn.Config(vocab_size=7, num_classes=3, dim=3, widths=draw(st.sampled_from(WIDTHS)),
                            filters=2, dropout=0.5)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = make_params(config, rng, scale=draw(st.sampled_from(scales)))
    batch = make_batch(config, 4, 7, rng)                          # lengths 1..7 drawn per text
    return config, params, batch


# ------------------------------------------------------------------------------- NumPy and JAX agree

@given(problems())
def test_numpy_and_jax_agree_on_losses_features_and_every_gradient(problem):
    config, params, batch = problem
    name = f"widths={config.widths}, lengths={batch['mask'].sum(1).tolist()}"
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name=name))
    assert_agree(NP, JX, Case("features", (params, batch, config), name=name))


@pytest.mark.parametrize("dropout", [True, False])
def test_numpy_and_jax_agree_on_logits_and_loss(dropout):
    config = textcnn.Config(vocab_size=7, num_classes=3, dim=3, widths=(1, 3, 4), filters=2)
    rng = np.random.default_rng(5)
    params, batch = make_params(config, rng), make_batch(config, 4, 7, rng, dropout=dropout)
    assert_agree(NP, JX, Case("forward", (params, batch, config)))
    assert_agree(NP, JX, Case("loss", (params, batch, config)))
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config)))


def test_jax_float32_path_is_close_to_numpy():
    config = textcnn.Config(vocab_size=9, num_classes=3, dim=4, widths=(2, 3), filters=3)
    rng = np.random.default_rng(1)
    params = {k: v.astype(np.float32) for k, v in make_params(config, rng).items()}
    batch = make_batch(config, 4, 7, rng)
    value, grads = JX.loss_and_grad(params, batch, config)
    assert np.asarray(value).dtype == np.float32 and grads["embed"].dtype == np.float32
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name="float32"), rtol=1e-4, atol=1e-6)


@given(problems(scales=(0.1, 1.0)))     # huge logits make central differences, not the gradient, inexact
def test_numpy_gradients_match_central_differences(problem):
    config, params, batch = problem
    _, grads = NP.loss_and_grad(params, batch, config)
    assert_gradcheck(lambda p: NP.loss(p, batch, config), params, grads, rtol=1e-5, atol=1e-8)


def test_train_step_is_adam_on_the_gradient_in_both_backends():
    from textbook.core.optim import jax_impl as optim_jax
    from textbook.core.optim import numpy_impl as optim_np
    from textbook.core.backend import to_jax

    config = textcnn.Config(vocab_size=9, num_classes=2, dim=4, widths=(2, 3), filters=3)
    rng = np.random.default_rng(2)
    params, batch = make_params(config, rng), make_batch(config, 5, 6, rng)
    value, grads = NP.loss_and_grad(params, batch, config)
    expected, _ = optim_np.adam(params, grads, optim_np.adam_init(params), 0.01)
    new_np, _, loss_np = NP.train_step(params, optim_np.adam_init(params), batch, config, 0.01)
    p_jx = to_jax(params, np.float64)
    new_jx, state_jx, loss_jx = JX.train_step(p_jx, optim_jax.adam_init(p_jx), batch, config, 0.01)
    assert loss_np == pytest.approx(value, rel=1e-12) and float(loss_jx) == pytest.approx(value, rel=1e-10)
    assert int(state_jx["t"]) == 1
    for k in params:
        np.testing.assert_allclose(new_np[k], expected[k], rtol=1e-12, atol=1e-14, err_msg=k)
        np.testing.assert_allclose(np.asarray(new_jx[k]), expected[k], rtol=1e-9, atol=1e-12, err_msg=k)


# ------------------------------------------------------------------------------- max-over-time pooling

def brute_force_pooling(params, batch, config):
    """Eq. (3) with loops, one text at a time, on the text alone (no padding at all)."""
    out = []
    for tokens, n in zip(batch["tokens"], batch["mask"].sum(axis=1)):
        X = params["embed"][tokens[:n]]
        if n < max(config.widths):                                  # too short: zero vectors after the text
            X = np.vstack([X, np.zeros((max(config.widths) - n, config.dim))])
        row = []
        for w in config.widths:
            starts = range(max(n - w, 0) + 1)
            acts = [np.maximum(np.einsum("jc,jcf->f", X[t:t + w], params[f"conv{w}.W"]) + params[f"conv{w}.b"], 0)
                    for t in starts]
            row.append(np.max(acts, axis=0))
        out.append(np.concatenate(row))
    return np.array(out)


@given(problems())
def test_pooled_features_equal_the_max_over_the_windows_inside_each_text(problem):
    config, params, batch = problem
    expected = brute_force_pooling(params, batch, config)
    for impl in (NP, JX):
        pooled, where = impl.features(params, batch, config)
        np.testing.assert_allclose(np.asarray(pooled), expected, rtol=1e-10, atol=1e-12)
        lengths = batch["mask"].sum(axis=1)
        for i, w in enumerate(config.widths):                       # the winner never reaches the padding
            cols = np.asarray(where)[:, i * config.filters:(i + 1) * config.filters]
            assert np.all(cols <= np.maximum(lengths - w, 0)[:, None])


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_padding_never_wins_the_max(impl):
    """Every real window is negative (relu 0) while a window over padding would give relu(bias) = 5."""
    config = textcnn.Config(vocab_size=4, num_classes=2, dim=3, widths=(2, 3), filters=2, dropout=0.0)
    params = textcnn.init(config, 0)
    params["embed"] = np.ones((4, 3))
    for w in config.widths:
        params[f"conv{w}.W"] = -np.ones((w, 3, 2))
        params[f"conv{w}.b"] = np.full(2, 5.0)                      # zero vectors (padding) give 5 > 0
    rng = np.random.default_rng(0)
    batch = make_batch(config, 3, 9, rng, dropout=False, lengths=[3, 5, 9])
    pooled, where = impl.features(params, batch, config)
    pooled = np.asarray(pooled)
    # real windows: 5 - 3w < 0, so every allowed activation is relu(...) = 0; padding would have given 5
    np.testing.assert_array_equal(pooled, np.zeros_like(pooled))
    # and the same texts with different amounts of padding pool to the same features
    wider = {k: np.pad(v, ((0, 0), (0, 6))) if k in ("tokens", "mask") else v for k, v in batch.items()}
    np.testing.assert_array_equal(np.asarray(impl.features(params, wider, config)[0]), pooled)
    # the gradient reaching the embeddings of the padding positions' ids is zero: only id 1 is used
    only_one = dict(batch, tokens=np.where(batch["mask"], 1, 3))
    _, grads = impl.loss_and_grad(params, only_one, config)
    np.testing.assert_array_equal(np.asarray(grads["embed"])[[0, 2, 3]], 0.0)


def test_max_over_time_gradient_goes_to_the_winner_only():
    h = np.array([[[1.0, -3.0], [4.0, -2.0], [9.0, -1.0]]])       # (B=1, T=3, F=2)
    allowed = np.array([[True, True, False]])                     # the last position is padding
    pooled, where = NP.max_over_time(h, allowed)
    np.testing.assert_array_equal(pooled, [[4.0, -2.0]])          # not 9: padding; -2: all negative is fine
    np.testing.assert_array_equal(where, [[1, 1]])
    dh = NP.max_over_time_backward(np.array([[10.0, 20.0]]), where, 3)
    np.testing.assert_array_equal(dh, [[[0, 0], [10, 20], [0, 0]]])


# ------------------------------------------------------------------------------- training on the demo

@pytest.fixture(scope="module")
def demo_split():
    return textcnn.split(textcnn.load_demo(), test_share=0.2, seed=0)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_textcnn_reaches_high_accuracy_on_the_demo(demo_split, backend):
    train_set, test_set = demo_split
    result = textcnn.train(train_set, textcnn.demo_config(1, 2), backend=backend, seed=0, progress=False,
                           eval_data=test_set)
    assert result.losses[0] == pytest.approx(np.log(2), abs=0.1)
    assert result.losses[-10:].mean() < 0.2
    assert textcnn.accuracy(result, train_set, backend=backend) > 0.97
    held_out = textcnn.accuracy(result, test_set, backend=backend)
    assert held_out > 0.88, f"held-out accuracy {held_out:.3f}"
    assert result.epoch_accuracy[-1] == pytest.approx(held_out)
    # negation is read from the bigram: the same adjective, both labels
    assert textcnn.predict(result, ["the soup was great", "the soup was not great",
                                    "the room was bad", "the room was not bad"]) == ["pos", "neg", "neg", "pos"]


def test_training_is_reproducible_and_both_backends_start_alike(demo_split):
    train_set, _ = demo_split
    config = textcnn.demo_config(1, 2, epochs=1)
    a = textcnn.train(train_set, config, backend="numpy", seed=3, progress=False)
    b = textcnn.train(train_set, config, backend="numpy", seed=3, progress=False)
    np.testing.assert_array_equal(a.losses, b.losses)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    j = textcnn.train(train_set, config, backend="jax", seed=3, progress=False)   # float32, same batches
    np.testing.assert_allclose(j.losses[:5], a.losses[:5], rtol=1e-4)


def test_top_ngrams_are_windows_of_the_data(demo_split):
    train_set, _ = demo_split
    result = textcnn.train(train_set, textcnn.demo_config(1, 2, epochs=2), seed=0, progress=False)
    grams = textcnn.top_ngrams(result, train_set, width=2, k=3)
    assert set(grams) == set(range(result.config.filters))
    texts = [" ".join(t) for t in train_set.texts]
    for found in grams.values():
        assert 1 <= len(found) <= 3 and [a for _, a in found] == sorted([a for _, a in found], reverse=True)
        for gram, _ in found:
            assert len(gram.split()) <= 2 and any(gram in t for t in texts)
    with pytest.raises(ValueError, match="width must be one of"):
        textcnn.top_ngrams(result, train_set, width=7)


def test_save_and_load_round_trip(tmp_path, demo_split):
    train_set, test_set = demo_split
    result = textcnn.train(train_set, textcnn.demo_config(1, 2, epochs=1), seed=0, progress=False)
    textcnn.save_params(tmp_path / "m.npz", result)
    loaded = textcnn.load_params(tmp_path / "m.npz")
    assert loaded.config == result.config and loaded.vocab == result.vocab and loaded.label_names == ["neg", "pos"]
    assert textcnn.predict(loaded, test_set) == textcnn.predict(result, test_set)


# ------------------------------------------------------------------------------- data

def test_reading_both_label_formats(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("pos\tA lovely, lovely film!\n\n__label__neg   not good at all .\nneg\t\n", encoding="utf-8")
    data = textcnn.read_labelled(path)
    assert data.labels == ["pos", "neg", "neg"]
    assert data.texts == [["a", "lovely", "lovely", "film"], ["not", "good", "at", "all"], []]
    vocab = textcnn.build_vocab(data.texts)
    assert vocab.words[0] == "<unk>" and vocab.count("lovely") == 2
    enc = textcnn.encode(data, vocab, ["neg", "pos"], min_len=5)
    assert enc.tokens.shape == (3, 5) and enc.mask.sum(axis=1).tolist() == [4, 4, 1]
    assert enc.tokens[2, 0] == 0 and enc.labels.tolist() == [1, 0, 0]
    other = textcnn.parse_labelled("pos\tan unseen word\n")
    assert textcnn.encode(other, vocab, ["neg", "pos"]).tokens[0].tolist() == [0, 0, 0]


@pytest.mark.parametrize("text, message", [
    ("just some text without a label\n", "line 1: expected 'label<TAB>text' or '__label__x text'"),
    ("pos\tfine\n__label__a __label__b two labels\n", "line 2: several labels"),
    ("\tno label\n", "line 1: empty label"),
    ("__label__ nothing\n", "line 1: empty label"),
    ("\n\n", "holds no labelled lines"),
])
def test_bad_lines_name_the_line(text, message):
    with pytest.raises(ValueError, match=message):
        textcnn.parse_labelled(text)


def test_encoding_errors_and_missing_files(tmp_path):
    path = tmp_path / "cp.txt"
    path.write_bytes("pos\tfine\nneg\tbad \u2014 really\n".encode("cp1252"))
    with pytest.raises(ValueError, match=r"line 2: not valid utf-8 .* encoding='cp1252'"):
        textcnn.read_labelled(path)
    assert textcnn.read_labelled(path, encoding="cp1252").texts[1] == ["bad", "really"]
    with pytest.raises(FileNotFoundError):
        textcnn.read_labelled(tmp_path / "missing.txt")


def test_split_is_stratified_and_seeded():
    data = textcnn.load_demo()
    assert len(data) == 800 and data.labels.count("pos") == 400
    train_set, test_set = textcnn.split(data, test_share=0.25, seed=1)
    assert len(test_set) == 200 and test_set.labels.count("pos") == 100
    assert not set(train_set.raw) & set(test_set.raw)
    again, _ = textcnn.split(data, test_share=0.25, seed=1)
    assert again.raw == train_set.raw


def test_the_shipped_demo_set_is_up_to_date():
    from textbook.data import make_sentiment_demo

    assert make_sentiment_demo.main(["--check"]) == 0


# ------------------------------------------------------------------------------- bad input

def test_config_validation():
    with pytest.raises(ValueError, match="Config.widths must be distinct integers"):
        textcnn.Config(vocab_size=5, num_classes=2, widths=(3, 3))
    with pytest.raises(ValueError, match="Config.widths must be"):
        textcnn.Config(vocab_size=5, num_classes=2, widths=())
    with pytest.raises(ValueError, match="Config.num_classes must be an integer >= 2"):
        textcnn.Config(vocab_size=5, num_classes=1)
    with pytest.raises(ValueError, match=r"Config.dropout must be a float in \[0, 1\)"):
        textcnn.Config(vocab_size=5, num_classes=2, dropout=1.0)
    assert textcnn.Config(vocab_size=5, num_classes=2, widths=[2, 3]).widths == (2, 3)
    hash(textcnn.Config(vocab_size=5, num_classes=2))


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_bad_batches_raise_clear_errors(impl):
    config = textcnn.Config(vocab_size=5, num_classes=2, dim=2, widths=(2, 3), filters=2)
    rng = np.random.default_rng(0)
    params = make_params(config, rng)
    good = make_batch(config, 2, 4, rng, lengths=[2, 4])

    def bad(message, **changes):
        with pytest.raises((ValueError, TypeError), match=message):
            impl.loss_and_grad(params, {**good, **changes}, config)

    bad(r"T = 2 positions but the widest filter is 3", tokens=good["tokens"][:, :2], mask=good["mask"][:, :2])
    bad("row 0 is not a prefix", mask=np.array([[False, True, True, False], [True] * 4]))
    bad("row 1 is not a prefix", mask=np.array([[True, False, False, False], [False] * 4]))
    bad(r"id 5 outside \[0, 5\)", tokens=np.where(good["mask"], 5, 0))
    bad(r"class 2 outside \[0, 2\)", labels=np.array([0, 2]))
    bad(r"batch\['dropout'\] must have shape \(B, len\(widths\) \* filters\) = \(2, 4\)", dropout=np.ones((2, 3)))
    bad(r"batch\['dropout'\] must be finite and >= 0", dropout=-np.ones((2, 4)))
    bad("must be a boolean array", mask=good["mask"].astype(int))
    bad("unexpected key 'lengths'", lengths=np.array([2, 4]))
    with pytest.raises(ValueError, match="missing key 'labels'"):
        impl.loss(params, {k: v for k, v in good.items() if k != "labels"}, config)
    impl.forward(params, {k: v for k, v in good.items() if k != "labels"}, config)    # labels not needed
    with pytest.raises(ValueError, match=r"params\['conv2.W'\] must have shape \(2, 2, 2\)"):
        impl.forward({**params, "conv2.W": np.zeros((3, 2, 2))}, good, config)
