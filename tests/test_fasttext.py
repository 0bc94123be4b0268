"""FastText: n-grams and hashes as fastText computes them, NumPy and JAX agree, gradients, OOV vectors, training.

The session runs JAX in float64 (tests/conftest.py). The fastText oracle (the ``fasttext``
wheel, in the ``oracles`` extra) is skipped with a reason when it is not installed.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from textbook.core.backend import to_jax
from textbook.core.gradcheck import assert_gradcheck
from textbook.core.testing import Case, assert_agree, assert_float32_close
from textbook.embeddings import fasttext as ft

NP = ft.backend("numpy")
JX = ft.backend("jax")

# ASCII, Latin with diacritics (2-byte UTF-8), CJK (3 bytes), emoji (4 bytes), a ZWJ sequence, mixed
WORDS = ["where", "a", "of", "banana", "naïve", "日本語", "ünïcödé", "🙂", "👩‍👩‍👧", "straße", "Ελληνικά",
         "x🙂y", "café", "internationalization", "", "<>", "o'clock"]


# ------------------------------------------------------------------------------------ n-grams, hashing

def test_ngrams_of_where_in_fasttext_order():
    assert ft.char_ngrams("where") == ["<wh", "<whe", "<wher", "<where", "whe", "wher", "where", "where>",
                                       "her", "here", "here>", "ere", "ere>", "re>"]
    assert ft.char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    assert ft.char_ngrams("a") == ["<a>"]                           # the whole wrapped word, <= max_n chars
    assert ft.char_ngrams("of", 4, 6) == ["<of>"]
    assert ft.char_ngrams("a", 4, 6) == []                          # a word without any n-gram
    assert ft.char_ngrams("banana").count("ana") == 2              # repeats are kept, as fastText does


def test_ngrams_count_unicode_characters_not_bytes():
    assert ft.char_ngrams("日本語") == ["<日本", "<日本語", "<日本語>", "日本語", "日本語>", "本語>"]
    assert ft.char_ngrams("naïve", 3, 3) == ["<na", "naï", "aïv", "ïve", "ve>"]
    assert ft.char_ngrams("🙂") == ["<🙂>"]


def test_min_n_one_skips_the_bare_brackets_as_fasttext_does():
    assert ft.char_ngrams("ab", 1, 2) == ["<a", "a", "ab", "b", "b>"]


@given(word=st.text(max_size=12), min_n=st.integers(1, 4), extra=st.integers(0, 3))
def test_ngram_count_and_content(word, min_n, extra):
    max_n = min_n + extra
    grams = ft.char_ngrams(word, min_n, max_n)
    L = len(word) + 2
    expected = sum(max(L - n + 1, 0) for n in range(min_n, max_n + 1)) - (2 if min_n == 1 else 0)
    assert len(grams) == expected
    wrapped = "<" + word + ">"
    assert all(g in wrapped and min_n <= len(g) <= max_n for g in grams)


def test_hash_is_fnv1a_on_ascii_and_sign_extends_other_bytes():
    # the published 32-bit FNV-1a test vectors (ASCII bytes are < 0x80: no sign extension)
    assert ft.ngram_hash("") == 0x811C9DC5
    assert ft.ngram_hash("a") == 0xE40C292C
    assert ft.ngram_hash("foobar") == 0xBF9CF968

    def plain_fnv1a(data: bytes) -> int:                           # textbook FNV-1a, bytes unsigned
        h = 0x811C9DC5
        for byte in data:
            h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
        return h

    def fasttext_fnv1a(data: bytes) -> int:                        # fastText: h ^ uint32(int8(byte))
        h = 0x811C9DC5
        for byte in data:
            h = ((h ^ (byte | 0xFFFFFF00 if byte >= 0x80 else byte)) * 0x01000193) & 0xFFFFFFFF
        return h

    for g in ("ï", "日本", "<🙂>"):
        assert ft.ngram_hash(g) == fasttext_fnv1a(g.encode("utf-8")) != plain_fnv1a(g.encode("utf-8"))


@given(st.lists(st.text(max_size=8), max_size=12))
def test_vectorised_hashes_equal_the_scalar_hash(grams):
    assert ft.ngram_hashes(grams).tolist() == [ft.ngram_hash(g) for g in grams]
    assert ft.ngram_hashes(grams).dtype == np.uint32


def test_rows_and_subword_table():
    assert ft.ngram_rows("where", bucket=1000).tolist() == [ft.ngram_hash(g) % 1000 for g in ft.char_ngrams("where")]
    rows, mask = ft.subword_table(["a", "where", "日本語"], 3, 6, 97)
    assert rows.shape == mask.shape == (3, 14) and mask.sum(axis=1).tolist() == [1, 14, 6]
    assert rows[1].tolist() == ft.ngram_rows("where", 3, 6, 97).tolist()
    assert np.all(rows[~mask] == 0) and rows.max() < 97


def test_ngram_errors():
    with pytest.raises(TypeError, match="word must be a str"):
        ft.char_ngrams(b"where")
    with pytest.raises(ValueError, match="min_n must be <= max_n"):
        ft.char_ngrams("where", 5, 3)
    with pytest.raises(ValueError, match="min_n must be an int >= 1"):
        ft.char_ngrams("where", 0, 3)
    with pytest.raises(TypeError, match="ngram must be a str"):
        ft.ngram_hash(3)
    with pytest.raises(ValueError, match="bucket"):
        ft.ngram_rows("where", bucket=0)
    with pytest.raises(TypeError, match="got a str"):
        ft.subword_table("where")


def _fasttext_model(tmp_path, bucket, minn=3, maxn=6):
    import fasttext

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(" ".join(w for w in WORDS[:8] if w) + "\n" * 3, encoding="utf-8")
    return fasttext.train_unsupervised(str(corpus), model="skipgram", minn=minn, maxn=maxn, bucket=bucket,
                                       dim=2, epoch=1, minCount=1, thread=1, verbose=0)


@pytest.mark.parametrize("minn,maxn", [(3, 6), (1, 4), (2, 2)])
def test_ngrams_and_hash_rows_equal_the_fasttext_reference(tmp_path, minn, maxn):
    pytest.importorskip("fasttext", reason="the fastText oracle needs the fasttext wheel (pip install -e '.[oracles]')")
    # two buckets whose product exceeds 2**32: equal rows modulo both means equal 32-bit hashes
    for bucket in (65536, 65537):
        model = _fasttext_model(tmp_path, bucket, minn, maxn)
        nwords = len(model.words)                                  # fastText puts n-gram rows after the words
        for word in WORDS + ["unseenword", "naïvely", "日本"]:
            subwords, ids = model.get_subwords(word)
            subwords, ids = list(subwords), [int(i) for i in ids]
            if word in model.words:                                # a known word comes first, with its own id
                assert subwords[0] == word and ids[0] == model.words.index(word)
                subwords, ids = subwords[1:], ids[1:]
            assert subwords == ft.char_ngrams(word, minn, maxn), word
            assert ids == [nwords + r for r in ft.ngram_rows(word, minn, maxn, bucket).tolist()], word


# ----------------------------------------------------------------------------------------- the model

def make_params(config, rng, scale=0.5):
    V, d = config.vocab_size, config.dim
    return {"W_words": rng.normal(scale=scale, size=(V, d)), "W_ngrams": rng.normal(scale=scale, size=(config.bucket, d)),
            "W_out": rng.normal(scale=scale, size=(V, d))}


def make_batch(config, B, G, rng, empty_rows=True):
    V, k = config.vocab_size, config.negatives
    mask = rng.random((B, G)) < 0.7
    if empty_rows and B > 1:
        mask[0] = False                                            # a word without n-grams
    ngrams = np.where(mask, rng.integers(0, config.bucket, (B, G)), -7)   # padding may hold anything
    return {"center": rng.integers(0, V, B), "ngrams": ngrams, "ngram_mask": mask,
            "context": rng.integers(0, V, B), "negatives": rng.integers(0, V, (B, k))}


def copy(tree):
    return {k: np.array(v, copy=True) for k, v in tree.items()}


@st.composite
def problems(draw, scales=(0.1, 1.0, 10.0)):
    """(config, params, batch): shapes from a few presets, so jit compiles a bounded number of times."""
    V, d, bucket, k = draw(st.sampled_from([(4, 2, 3, 1), (9, 5, 13, 3)]))
    config = ft.Config(vocab_size=V, dim=d, bucket=bucket, negatives=k)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = make_params(config, rng, scale=draw(st.sampled_from(scales)))
    B, G = draw(st.sampled_from([(1, 0), (6, 4), (3, 7)]))
    batch = make_batch(config, B, G, rng)
    return config, params, batch


@given(problems())
def test_numpy_and_jax_agree_on_loss_and_every_gradient(problem):
    config, params, batch = problem
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name="fasttext"), rtol=1e-8, atol=1e-10)
    assert_agree(NP, JX, Case("loss", (params, batch, config), name="fasttext"), rtol=1e-8, atol=1e-10)


@given(problems(scales=(0.1, 1.0, 3.0)))
def test_numpy_gradients_match_central_differences(problem):
    config, params, batch = problem
    _, grads = NP.loss_and_grad(params, batch, config)
    assert_gradcheck(lambda p: NP.loss(p, batch, config), params, grads, rtol=1e-5, atol=1e-8)


def test_the_gradient_reaches_every_ngram_row_of_the_centre_word():
    config = ft.Config(vocab_size=5, dim=3, bucket=11, negatives=2)
    params = make_params(config, np.random.default_rng(0))
    batch = {"center": np.array([1]), "ngrams": np.array([[4, 7, 7, 0]]), "ngram_mask": np.array([[True, True, True, False]]),
             "context": np.array([2]), "negatives": np.array([[3, 0]])}
    _, grads = NP.loss_and_grad(params, batch, config)
    g_word = grads["W_words"][1]
    assert np.count_nonzero(np.abs(grads["W_words"]).sum(axis=1)) == 1 and np.all(g_word != 0)
    np.testing.assert_allclose(grads["W_ngrams"][4], g_word)          # each real slot: dl/dh / (1 + n)
    np.testing.assert_allclose(grads["W_ngrams"][7], 2 * g_word)      # a row used twice gets both shares
    assert np.all(grads["W_ngrams"][0] == 0)                         # the padding slot reads row 0: no gradient
    h = (params["W_words"][1] + params["W_ngrams"][[4, 7, 7]].sum(axis=0)) / 4
    np.testing.assert_allclose(NP.compose(params["W_words"], params["W_ngrams"], batch["center"],
                                          batch["ngrams"], batch["ngram_mask"])[0], h)


def test_jax_float32_path_is_close_to_numpy():
    config = ft.Config(vocab_size=9, dim=5, bucket=13, negatives=3)
    rng = np.random.default_rng(1)
    params = {k: v.astype(np.float32) for k, v in make_params(config, rng).items()}
    batch = make_batch(config, 6, 4, rng)
    loss, grads = JX.loss_and_grad(params, batch, config)
    assert np.asarray(loss).dtype == np.float32 and grads["W_ngrams"].dtype == np.float32
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name="float32"), rtol=1e-4, atol=1e-5,
                 widen_reference=True)
    new, step_loss = JX.train_step(to_jax(params, np.float32), batch, config, 0.1)
    assert all(v.dtype == np.float32 for v in new.values())
    assert float(step_loss) == pytest.approx(float(loss), rel=1e-5)


@given(problems(scales=(0.1, 1.0, 3.0)))
def test_numpy_computes_in_the_dtype_of_its_params(problem):
    """float32 tables: float32 losses, gradients and in-place updates, close to float64 arithmetic."""
    config, params, batch = problem
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    for fn, extra in (("loss_and_grad", ()), ("train_step", (0.1,))):
        assert_float32_close(NP, Case(fn, (p32, batch, config, *extra)), rtol=1e-4, atol=1e-4)
    tables = {k: v.copy() for k, v in p32.items()}
    stepped, _ = NP.train_step(tables, batch, config, 0.1)
    assert all(stepped[k] is tables[k] and tables[k].dtype == np.float32 for k in tables)   # in place, float32


def test_train_step_is_sgd_on_the_sum_in_both_backends():
    config = ft.Config(vocab_size=7, dim=4, bucket=9, negatives=2)
    rng = np.random.default_rng(5)
    params = make_params(config, rng)
    batch = make_batch(config, 8, 5, rng)
    batch["center"][:3] = 2                                        # repeated rows
    loss, grads = NP.loss_and_grad(params, batch, config)
    expected = {k: params[k] - 0.05 * 8 * grads[k] for k in params}
    start = copy(params)
    new_np, loss_np = NP.train_step(start, batch, config, 0.05)
    assert new_np is start and loss_np == pytest.approx(loss, rel=1e-12)
    new_jx, loss_jx = JX.train_step(to_jax(params, np.float64), batch, config, 0.05)
    assert float(loss_jx) == pytest.approx(loss, rel=1e-10)
    for k in params:
        np.testing.assert_allclose(new_np[k], expected[k], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(np.asarray(new_jx[k]), expected[k], rtol=1e-10, atol=1e-12)
    # several steps in one scan equal the steps one by one
    batches = [make_batch(config, 8, 5, rng) for _ in range(3)]
    p, scanned_losses = JX.train_steps(to_jax(params, np.float64), batches, config, [0.1, 0.05, 0.02])
    q = copy(params)
    for b, lr, scanned in zip(batches, [0.1, 0.05, 0.02], np.asarray(scanned_losses)):
        q, one = NP.train_step(q, b, config, lr)
        assert scanned == pytest.approx(one, rel=1e-10)
    for k in params:
        np.testing.assert_allclose(np.asarray(p[k]), q[k], rtol=1e-10, atol=1e-12)
    # steps of rate 0 (the padding of an epoch's last scan) change nothing
    before = {k: np.array(v) for k, v in p.items()}
    p, _ = JX.train_steps(p, batches[:2], config, [0.0, 0.0])
    for k in params:
        np.testing.assert_array_equal(np.asarray(p[k]), before[k])


def test_word_vectors_accept_a_plain_list_of_words_as_the_vocabulary():
    config = ft.Config(vocab_size=3, dim=4, bucket=50)
    params = ft.init(config, seed=2)
    words = ["walk", "walked", "talk"]
    out = ft.word_vectors(params, config, words, ["walked", "walks"])
    rows = ft.ngram_rows("walked", 3, 6, 50)
    np.testing.assert_allclose(out[0], (params["W_words"][1] + params["W_ngrams"][rows].sum(axis=0)) / (1 + rows.size))
    rows = ft.ngram_rows("walks", 3, 6, 50)
    np.testing.assert_allclose(out[1], params["W_ngrams"][rows].mean(axis=0))
    with pytest.raises(TypeError, match="got a str"):
        ft.word_vectors(params, config, words, "walks")
    with pytest.raises(ValueError, match="vocab_size"):
        ft.word_vectors(params, config, words[:2], ["walks"])


def test_bad_batches_and_params_raise_clear_errors():
    config = ft.Config(vocab_size=4, dim=2, bucket=5, negatives=2)
    params = make_params(config, np.random.default_rng(0))
    good = make_batch(config, 3, 2, np.random.default_rng(1), empty_rows=False)
    cases = [
        ({**good, "ngrams": np.where(good["ngram_mask"], 5, 0)}, ValueError, r"n-gram row 5 outside \[0, 5\)"),
        ({**good, "ngram_mask": good["ngram_mask"].astype(int)}, TypeError, "ngram_mask.*boolean"),
        ({**good, "ngrams": good["ngrams"][:, :1]}, ValueError, r"batch\['ngrams'\] must have shape"),
        ({**good, "center": np.array([0, 1, 4])}, ValueError, r"word id 4 outside \[0, 4\)"),
        ({**good, "negatives": good["negatives"][:, :1]}, ValueError, r"\(B, negatives\) = \(B, 2\)"),
        ({k: v for k, v in good.items() if k != "ngram_mask"}, ValueError, "missing key 'ngram_mask'"),
        ({**good, "context_mask": good["ngram_mask"]}, ValueError, "unexpected key"),
    ]
    for impl in (NP, JX):
        for batch, error, message in cases:
            with pytest.raises(error, match=message):
                impl.loss_and_grad(params, batch, config)
        with pytest.raises(ValueError, match=r"params\['W_ngrams'\] must have shape \(5, 2\) \(vocab_size=4, bucket=5, dim=2\)"):
            impl.loss({**params, "W_ngrams": np.zeros((4, 2))}, good, config)
    with pytest.raises(ValueError, match="min_n must be <= max_n"):
        ft.Config(vocab_size=3, dim=2, min_n=4, max_n=3)
    with pytest.raises(ValueError, match="bucket"):
        ft.Config(vocab_size=3, dim=2, bucket=0)


# ------------------------------------------------------------------------ out-of-vocabulary vectors

@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_word_vectors_in_and_out_of_the_vocabulary(impl):
    rng = np.random.default_rng(3)
    W_words, W_ngrams = rng.normal(size=(4, 3)), rng.normal(size=(10, 3))
    ids = np.array([2, -1, -1, 0])
    ngrams = np.array([[1, 5, 0], [3, 3, 9], [0, 0, 0], [0, 0, 0]])
    mask = np.array([[True, True, False], [True, True, True], [False, False, False], [False, False, False]])
    out = np.asarray(impl.word_vectors(W_words, W_ngrams, ids, ngrams, mask))
    np.testing.assert_allclose(out[0], (W_words[2] + W_ngrams[1] + W_ngrams[5]) / 3)   # word row + n-grams
    np.testing.assert_allclose(out[1], (2 * W_ngrams[3] + W_ngrams[9]) / 3)           # OOV: n-grams alone
    assert np.all(out[2] == 0)                                     # neither: the documented zero vector
    np.testing.assert_allclose(out[3], W_words[0])                 # a known word without n-grams
    with pytest.raises(ValueError, match=r"outside \[-1, 4\)"):
        impl.word_vectors(W_words, W_ngrams, np.array([4, 0, 0, 0]), ngrams, mask)
    with pytest.raises(ValueError, match="bucket"):
        impl.word_vectors(W_words, W_ngrams, ids, np.where(mask, 10, 0), mask)


@pytest.fixture(scope="module")
def trained():
    from textbook.data import Vocab
    from textbook.data.demo import load_demo_corpus

    sents = load_demo_corpus()
    vocab = Vocab.build(sents)
    config = ft.demo_config(len(vocab), epochs=4)
    return ft.train(sents, vocab, config, backend="jax", seed=0, progress=False), config


@pytest.mark.slow
def test_an_unseen_inflection_lands_near_its_stem(trained):
    result, config = trained
    vocab = result.vocab
    assert "walks" not in vocab and "kings" not in vocab and "walk" in vocab
    vecs = ft.vectors(result.params, config, vocab)
    oov = ft.word_vectors(result.params, config, vocab, ["walks", "kings", "日本語", "🙂"])
    assert np.all(np.isfinite(oov)) and np.all(np.linalg.norm(oov, axis=1) > 0)   # finite, non-zero
    assert "walk" in [w for w, _ in vecs.most_similar(positive=[oov[0]], topn=3)]
    assert "king" in [w for w, _ in vecs.most_similar(positive=[oov[1]], topn=3)]
    np.testing.assert_allclose(ft.word_vectors(result.params, config, vocab, ["king"])[0], vecs["king"])
    four = dataclasses.replace(config, min_n=4)                    # "<q>" is too short for any n-gram
    assert "q" not in vocab and np.all(ft.word_vectors(result.params, four, vocab, ["q"]) == 0)


@pytest.mark.slow
def test_training_lowers_the_loss_in_both_backends_and_is_reproducible():
    from textbook.data import Vocab
    from textbook.data.demo import load_demo_corpus

    sents = load_demo_corpus()[:300]
    vocab = Vocab.build(sents)
    config = ft.demo_config(len(vocab), epochs=3, bucket=997, dim=8)
    runs = {be: ft.train(sents, vocab, config, backend=be, seed=1, progress=False, pipeline="host")
            for be in ("numpy", "jax")}
    for r in runs.values():
        assert r.losses[-20:].mean() < 0.8 * r.losses[:5].mean() and np.all(np.isfinite(r.losses))
    # the same batches in both backends (the host pipeline), so the two runs agree to rounding, all along
    np.testing.assert_allclose(runs["jax"].losses, runs["numpy"].losses, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.asarray(runs["jax"].params["W_ngrams"]), runs["numpy"].params["W_ngrams"],
                               rtol=1e-9, atol=1e-12)
    again = ft.train(sents, vocab, config, backend="numpy", seed=1, progress=False)
    np.testing.assert_array_equal(again.params["W_ngrams"], runs["numpy"].params["W_ngrams"])


def test_numpy_trains_in_float32_when_asked():
    from textbook.data import Vocab
    from textbook.data.demo import load_demo_corpus

    sents = load_demo_corpus()[:150]
    vocab = Vocab.build(sents)
    config = ft.Config(vocab_size=len(vocab), dim=8, bucket=997, batch_size=64, epochs=1)
    seen = []
    r32 = ft.train(sents, vocab, config, seed=1, progress=False, dtype="float32",
                   callback=lambda epoch, params, loss: seen.append({v.dtype for v in params.values()}))
    r64 = ft.train(sents, vocab, config, seed=1, progress=False)
    assert seen == [{np.dtype(np.float32)}] and r32.params["W_ngrams"].dtype == np.float64
    np.testing.assert_allclose(r32.losses, r64.losses, rtol=1e-4)   # the same batches: only rounding differs
    with pytest.raises(ValueError, match="dtype must be None or one of"):
        ft.train(sents, vocab, config, progress=False, dtype="int8")


def test_params_and_words_round_trip_through_npz(tmp_path):
    config = ft.Config(vocab_size=3, dim=2, bucket=7)
    params = ft.init(config, seed=1)
    assert np.all(params["W_out"] == 0) and np.abs(params["W_ngrams"]).max() <= 0.5
    ft.save_params(tmp_path / "f.npz", params, config, words=["naïve", "日本語", "a"])
    loaded, loaded_config = ft.load_params(tmp_path / "f.npz")
    assert loaded_config == config and set(loaded) == set(ft.PARAM_KEYS)
    assert ft.load_words(tmp_path / "f.npz") == ["naïve", "日本語", "a"]
    ft.save_params(tmp_path / "g.npz", params, config)
    assert ft.load_words(tmp_path / "g.npz") is None
    with pytest.raises(ValueError, match="words has 2 entries"):
        ft.save_params(tmp_path / "h.npz", params, config, words=["a", "b"])
    from textbook.embeddings import glove

    gconfig = glove.Config(vocab_size=3, dim=2)
    glove.save_params(tmp_path / "glove.npz", glove.init(gconfig), gconfig)
    with pytest.raises(ValueError, match="another model"):
        ft.load_params(tmp_path / "glove.npz")
