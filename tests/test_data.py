"""Tests for textbook.data: text, Vocab, subsampling, noise, windows, batches."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from textbook.data import (
    NoiseSampler,
    Vocab,
    cbow_windows,
    check_corpus,
    count_pairs,
    keep_probabilities,
    noise_distribution,
    offsets,
    sentences,
    skipgram_pairs,
    subsample,
    tokenize,
    word2vec_batches,
)

# ----------------------------------------------------------------------------- helpers

corpora = st.lists(st.lists(st.integers(0, 6), min_size=0, max_size=9), min_size=0, max_size=5)
windows_ = st.sampled_from([1, 2, 3])


def as_corpus(lists):
    return [np.array(s, dtype=np.int64) for s in lists]


def unique_corpus(lengths):
    """Sentences whose ids are the token positions, so a pair tells where it came from."""
    out, start = [], 0
    for n in lengths:
        out.append(np.arange(start, start + n, dtype=np.int64))
        start += n
    return out


def naive_pairs(corpus, window):
    """Every (centre, context) within `window` in one sentence, by a plain loop."""
    pairs = []
    for sent in corpus:
        for i in range(len(sent)):
            for j in range(max(0, i - window), min(len(sent), i + window + 1)):
                if j != i:
                    pairs.append((int(sent[i]), int(sent[j])))
    return pairs


def sentence_of(lengths):
    return np.repeat(np.arange(len(lengths)), lengths)


# ----------------------------------------------------------------------------- text


def test_tokenize_drops_punctuation_keeps_apostrophes():
    assert tokenize("Hello, World! It's 'quoted' -- rock'n'roll.") == [
        "hello",
        "world",
        "it's",
        "quoted",
        "rock'n'roll",
    ]
    assert tokenize("Don’t Stop", lower=False) == ["Don't", "Stop"]
    assert tokenize("  ...  ") == []


def test_tokenize_rejects_non_str():
    with pytest.raises(TypeError, match="text"):
        tokenize(["a", "b"])


def test_sentences_split_lines_and_terminators():
    text = "The cat sat. The dog ran!\n\n  \nWhy? Pi is 3.14 roughly\nno end"
    assert sentences(text) == [
        ["the", "cat", "sat"],
        ["the", "dog", "ran"],
        ["why"],
        ["pi", "is", "3", "14", "roughly"],
        ["no", "end"],
    ]
    assert sentences("") == []
    assert sentences("!!! ...\n") == []


# ----------------------------------------------------------------------------- vocab

SENTS = [["b", "a", "c", "a"], ["c", "d", "a", "b"], ["e"]]  # a:3 b:2 c:2 d:1 e:1


def test_vocab_order_counts_and_lookup():
    v = Vocab.build(SENTS)
    assert v.words == ["a", "b", "c", "d", "e"]  # descending count, ties alphabetical
    assert v.counts.dtype == np.int64 and v.counts.tolist() == [3, 2, 2, 1, 1]
    assert v.total == 9 and len(v) == 5
    assert v.index == {w: i for i, w in enumerate(v.words)}
    assert "c" in v and "z" not in v
    assert v.id("c") == 2 and v.count("b") == 2
    with pytest.raises(KeyError, match="'z'"):
        v.id("z")


def test_vocab_order_independent_of_corpus_order():
    rng = np.random.default_rng(0)
    flat = [w for s in SENTS for w in s]
    for _ in range(5):
        rng.shuffle(flat)
        assert Vocab.build([flat]) == Vocab.build(SENTS)


def test_vocab_min_count_and_max_size():
    assert Vocab.build(SENTS, min_count=2).words == ["a", "b", "c"]
    assert Vocab.build(SENTS, max_size=2).words == ["a", "b"]
    assert Vocab.build(SENTS, min_count=2, max_size=10).words == ["a", "b", "c"]
    assert Vocab.build(SENTS, min_count=2).total == 7


def test_vocab_errors():
    with pytest.raises(ValueError, match="empty corpus"):
        Vocab.build([])
    with pytest.raises(ValueError, match="empty corpus"):
        Vocab.build([[], []])
    with pytest.raises(ValueError, match=r"5 distinct words.*largest count is 3"):
        Vocab.build(SENTS, min_count=4)
    for bad in (0, -3):
        with pytest.raises(ValueError, match="max_size"):
            Vocab.build(SENTS, max_size=bad)
    with pytest.raises(ValueError, match="min_count"):
        Vocab.build(SENTS, min_count=0)
    with pytest.raises(TypeError, match="min_count"):
        Vocab.build(SENTS, min_count=2.5)
    with pytest.raises(TypeError, match="str"):
        Vocab.build(["a sentence as a string"])
    with pytest.raises(TypeError, match="str"):
        Vocab.build([["a", 3]])


def test_vocab_encode_decode():
    v = Vocab.build(SENTS)
    ids = v.encode(["e", "zzz", "a", "c", "unknown"])
    assert ids.dtype == np.int64 and ids.tolist() == [4, 0, 2]  # unknown words dropped
    assert v.encode([]).dtype == np.int64 and v.encode([]).shape == (0,)
    assert v.decode(ids) == ["e", "a", "c"]
    assert v.decode([]) == []
    corpus = v.encode_corpus([["a", "b"], ["zzz"], ["d"]])
    assert [c.tolist() for c in corpus] == [[0, 1], [], [3]]
    with pytest.raises(ValueError, match="ids"):
        v.decode([0, 5])
    with pytest.raises(ValueError, match="ids"):
        v.decode([-1])
    with pytest.raises(TypeError, match="ids"):
        v.decode([0.0])
    with pytest.raises(TypeError, match="tokens"):
        v.encode("a b")


def test_vocab_save_load_roundtrip(tmp_path):
    v = Vocab.build(SENTS + [["naïve", "don't", "naïve"]])
    path = tmp_path / "vocab.tsv"
    v.save(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "a\t3" and all(len(line.split("\t")) == 2 for line in lines)
    w = Vocab.load(path)
    assert w == v and w.words == v.words and w.counts.dtype == np.int64
    # load keeps the file's order, so ids survive even for a hand-written file
    path.write_text("z\t1\ny\t5\n", encoding="utf-8")
    assert Vocab.load(path).words == ["z", "y"]
    path.write_text("z\t1\nbroken line\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":2:"):
        Vocab.load(path)
    path.write_text("z\t1\nz\t2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="already"):
        Vocab.load(path)


def test_vocab_counts_match_gensim():
    gensim = pytest.importorskip("gensim")
    sents = [s.split() for s in ["the cat sat on the mat", "the dog sat", "a cat and a dog"]] * 3
    model = gensim.models.Word2Vec(vector_size=4, min_count=2, sample=0, workers=1)
    model.build_vocab(sents)
    v = Vocab.build(sents, min_count=2)
    assert sorted(v.words) == sorted(model.wv.index_to_key)
    for w in v.words:
        assert v.count(w) == model.wv.get_vecattr(w, "count")


# ----------------------------------------------------------------------------- subsampling


def test_keep_probabilities_hand_computation():
    counts = np.array([1000, 100, 10, 1])
    s = 1e-2
    t = s * counts.sum()  # 11.11
    expected = [min(1.0, (math.sqrt(c / t) + 1) * t / c) for c in counts]
    np.testing.assert_allclose(keep_probabilities(counts, s), expected, rtol=1e-12)
    p = keep_probabilities(counts, s)
    assert p[0] < p[1] < 1.0 and p[2] == 1.0 and p[3] == 1.0
    np.testing.assert_array_equal(keep_probabilities(counts, 0), np.ones(4))
    np.testing.assert_array_equal(keep_probabilities(np.array([5, 0]), 0.1)[1], 1.0)


def test_keep_probabilities_errors():
    with pytest.raises(ValueError, match="sample"):
        keep_probabilities(np.array([3, 4]), -1e-3)
    with pytest.raises(ValueError, match="sample"):
        keep_probabilities(np.array([3, 4]), 1.5)
    with pytest.raises(ValueError, match="counts"):
        keep_probabilities(np.array([[3, 4]]))
    with pytest.raises(ValueError, match="counts"):
        keep_probabilities(np.array([3, -4]))


def test_keep_probabilities_match_gensim():
    gensim = pytest.importorskip("gensim")
    words = [f"w{i}" for i in range(8)]
    sents = [[w] * (3**i) for i, w in enumerate(words)] + [words]  # counts 2, 4, 10, ..., 2188
    for sample in (1e-3, 1e-2, 0.2):
        model = gensim.models.Word2Vec(vector_size=4, min_count=1, sample=sample, workers=1)
        model.build_vocab(sents)
        v = Vocab.build(sents)
        ours = keep_probabilities(v.counts, sample)
        theirs = np.array([model.wv.get_vecattr(w, "sample_int") for w in v.words]) / (2**32 - 1)
        np.testing.assert_allclose(ours, theirs, atol=1e-9)
        assert np.any(ours < 1.0)


def test_subsample_array_and_corpus():
    keep = np.array([1.0, 0.0, 0.5])
    ids = np.array([0, 1, 2] * 2000)
    out = subsample(ids, keep, np.random.default_rng(0))
    assert out.dtype == np.int64
    c = Counter(out.tolist())
    assert c[0] == 2000 and c[1] == 0 and abs(c[2] - 1000) < 5 * math.sqrt(500)
    # corpus form: same draws as the concatenated array, split back per sentence
    corpus = [ids[:7], ids[7:7], ids[7:]]
    parts = subsample(corpus, keep, np.random.default_rng(1))
    whole = subsample(ids, keep, np.random.default_rng(1))
    assert len(parts) == 3 and parts[1].size == 0
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    assert subsample([], keep, np.random.default_rng(0)) == []
    with pytest.raises(ValueError, match="ids"):
        subsample(np.array([0, 3]), keep, np.random.default_rng(0))
    with pytest.raises(ValueError, match="keep_prob"):
        subsample(ids, np.array([1.5, 0, 0]), np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        subsample(ids, keep, 0)


# ----------------------------------------------------------------------------- noise


def test_noise_distribution_formula():
    counts = np.array([16, 1, 0, 81])
    p = noise_distribution(counts, 0.75)
    expected = np.array([8, 1, 0, 27]) / 36
    np.testing.assert_allclose(p, expected, rtol=1e-12)
    np.testing.assert_allclose(noise_distribution(counts, 0), [1 / 3, 1 / 3, 0, 1 / 3])
    np.testing.assert_allclose(noise_distribution(counts, 1), counts / counts.sum())
    with pytest.raises(ValueError, match="power"):
        noise_distribution(counts, np.inf)
    with pytest.raises(ValueError, match="counts"):
        noise_distribution(np.zeros(3))


@pytest.mark.parametrize("power", [0.0, 0.75, 1.0])
def test_noise_sampler_frequencies(power):
    from scipy.stats import chisquare

    counts = np.array([50, 20, 0, 9, 5, 1, 1, 300])
    sampler = NoiseSampler(counts, power)
    draws = sampler.sample(np.random.default_rng(123), (400, 50))
    assert draws.shape == (400, 50) and draws.dtype == np.int64
    freq = np.bincount(draws.ravel(), minlength=len(counts))
    assert freq[2] == 0  # count 0: never drawn
    pos = sampler.probs > 0
    result = chisquare(freq[pos], sampler.probs[pos] * draws.size)
    assert result.pvalue > 1e-4, (freq, sampler.probs * draws.size)


@given(counts=st.lists(st.integers(0, 10**6), min_size=1, max_size=3000).filter(any),
       power=st.sampled_from([0.0, 0.75, 1.0]), seed=st.integers(0, 2**32 - 1))
def test_noise_sampler_is_exactly_the_inverse_cdf(counts, power, seed):
    """The lookup table only speeds up the search: every draw is the first id whose cdf exceeds u."""
    sampler = NoiseSampler(np.array(counts), power)
    draws = sampler.sample(np.random.default_rng(seed), (64, 40))
    u = np.random.default_rng(seed).random((64, 40))               # the same uniforms
    cdf = np.cumsum(sampler.probs) / np.sum(sampler.probs)
    last = np.flatnonzero(sampler.probs)[-1]
    np.testing.assert_array_equal(draws, np.minimum(np.searchsorted(cdf, u, side="right"), last))
    assert sampler.probs[draws].min() > 0


def test_noise_sampler_shapes_and_errors():
    sampler = NoiseSampler(np.array([3, 1]))
    assert sampler.sample(np.random.default_rng(0), 7).shape == (7,)
    assert sampler.sample(np.random.default_rng(0), (0, 5)).shape == (0, 5)
    assert sampler.vocab_size == 2
    a = sampler.sample(np.random.default_rng(5), (3, 4))
    np.testing.assert_array_equal(a, sampler.sample(np.random.default_rng(5), (3, 4)))
    with pytest.raises(TypeError, match="rng"):
        sampler.sample(None, 3)
    with pytest.raises(ValueError, match="shape"):
        sampler.sample(np.random.default_rng(0), (-1,))


# ----------------------------------------------------------------------------- windows


def test_offsets():
    assert offsets(2).tolist() == [-2, -1, 1, 2]
    with pytest.raises(ValueError, match="window"):
        offsets(0)


def test_skipgram_pairs_tiny_exact():
    corpus = as_corpus([[0, 1, 2], [3, 4]])
    c, x = skipgram_pairs(corpus, 1, None, shrink=False)
    assert list(zip(c.tolist(), x.tolist())) == [(0, 1), (1, 0), (1, 2), (2, 1), (3, 4), (4, 3)]
    c, x = skipgram_pairs(corpus, 5, None, shrink=False)
    assert sorted(zip(c.tolist(), x.tolist())) == sorted(naive_pairs(corpus, 5))
    assert c.dtype == np.int64 and x.dtype == np.int64


@given(corpora, windows_)
def test_skipgram_pairs_equal_naive_loop(lists, window):
    corpus = as_corpus(lists)
    c, x = skipgram_pairs(corpus, window, np.random.default_rng(0), shrink=False)
    assert Counter(zip(c.tolist(), x.tolist())) == Counter(naive_pairs(corpus, window))
    assert len(c) == count_pairs(corpus, window=window, shrink=False)
    # each unordered pair appears once in each direction
    assert Counter(zip(c.tolist(), x.tolist())) == Counter(zip(x.tolist(), c.tolist()))


@given(st.lists(st.integers(0, 8), max_size=6), windows_, st.integers(0, 2**32 - 1))
def test_shrunk_windows_are_contiguous_and_stay_in_sentence(lengths, window, seed):
    corpus = unique_corpus(lengths)
    pos_sent = sentence_of(lengths)
    c, x = skipgram_pairs(corpus, window, np.random.default_rng(seed), shrink=True)
    full_c, _ = skipgram_pairs(corpus, window, None, shrink=False)
    assert len(c) <= len(full_c)
    assert np.all(pos_sent[c] == pos_sent[x])  # never crosses a sentence boundary
    d = x - c
    assert np.all((np.abs(d) >= 1) & (np.abs(d) <= window))
    # every centre's contexts are all in-sentence positions within one b in 1..window
    for centre in np.unique(c):
        got = set(d[c == centre].tolist())
        b = max(abs(o) for o in got)
        in_sentence = {o for o in range(-b, b + 1) if o != 0 and 0 <= centre + o < len(pos_sent)
                       and pos_sent[centre + o] == pos_sent[centre]}
        assert got == in_sentence


def test_shrink_reduces_pairs_and_matches_expectation():
    corpus = [np.arange(200), np.arange(50)]
    full = len(skipgram_pairs(corpus, 5, None, shrink=False)[0])
    sizes = [len(skipgram_pairs(corpus, 5, np.random.default_rng(s))[0]) for s in range(20)]
    assert max(sizes) < full
    expected = count_pairs(corpus, window=5)
    assert abs(np.mean(sizes) - expected) < 0.05 * expected
    # per offset o, the share kept is P(b >= o) = (w - o + 1) / w
    c, x = skipgram_pairs([np.arange(20000)], 4, np.random.default_rng(0))
    share = np.bincount(np.abs(x - c), minlength=5)[1:] / (2 * 20000)
    np.testing.assert_allclose(share, [1, 0.75, 0.5, 0.25], atol=0.02)


@given(st.lists(st.integers(0, 8), max_size=6), windows_, st.integers(0, 2**32 - 1), st.booleans())
def test_cbow_windows_match_skipgram_pairs(lengths, window, seed, shrink):
    corpus = unique_corpus(lengths)
    ctx, mask, centers = cbow_windows(corpus, window, np.random.default_rng(seed), shrink=shrink)
    c, x = skipgram_pairs(corpus, window, np.random.default_rng(seed), shrink=shrink)
    n = len(centers)
    assert ctx.shape == (n, 2 * window) and mask.shape == (n, 2 * window)
    assert ctx.dtype == np.int64 and mask.dtype == bool and centers.dtype == np.int64
    assert np.all(mask.any(axis=1))  # no centre without context
    assert np.all(ctx[~mask] == 0)
    # slot j holds the token at offset offsets(window)[j] (ids are positions here)
    rows, cols = np.nonzero(mask)
    np.testing.assert_array_equal(ctx[rows, cols] - centers[rows], offsets(window)[cols])
    # same draws: CBOW rows flattened are exactly the skip-gram pairs, in the same order
    np.testing.assert_array_equal(centers[rows], c)
    np.testing.assert_array_equal(ctx[rows, cols], x)
    assert n == sum(k for k in lengths if k >= 2)
    assert n == count_pairs(corpus, model="cbow", window=window, shrink=shrink)


def test_windows_errors():
    corpus = as_corpus([[0, 1, 2]])
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="window"):
        skipgram_pairs(corpus, 0, rng)
    with pytest.raises(TypeError, match="window"):
        cbow_windows(corpus, 1.5, rng)
    with pytest.raises(TypeError, match="rng"):
        skipgram_pairs(corpus, 2, None)  # shrinking needs an rng
    with pytest.raises(TypeError, match="corpus_ids"):
        skipgram_pairs(np.array([0, 1, 2]), 2, rng)
    with pytest.raises(ValueError, match=r"corpus_ids\[1\]"):
        skipgram_pairs([np.array([0]), np.array([1, -2])], 2, rng)
    with pytest.raises(TypeError, match=r"corpus_ids\[0\]"):
        cbow_windows([np.array([0.5, 1.0])], 2, rng)
    with pytest.raises(ValueError, match=r"corpus_ids\[0\]"):
        check_corpus([np.array([[0, 1]])])
    with pytest.raises(ValueError, match="outside the vocabulary"):
        check_corpus([np.array([0, 4])], vocab_size=4)
    assert [s.dtype for s in check_corpus([[1, 2], []])] == [np.int64, np.int64]
    assert skipgram_pairs([], 2, rng)[0].shape == (0,)
    assert cbow_windows([], 2, rng)[0].shape == (0, 4)


# ----------------------------------------------------------------------------- batches


def _batches(corpus, **kw):
    args = dict(model="skipgram", window=2, batch_size=4, negatives=3,
                noise=NoiseSampler(np.ones(50)), rng=np.random.default_rng(0))
    args.update(kw)
    return word2vec_batches(corpus, **args)


def test_skipgram_batches_keys_shapes_and_content():
    corpus = unique_corpus([7, 1, 5])
    epoch = _batches(corpus, rng=np.random.default_rng(3))
    n = epoch.num_examples
    assert len(epoch) == math.ceil(n / 4) and epoch.raw_words == 13 and epoch.num_words == 13
    batches = list(epoch)
    assert len(batches) == len(epoch) and epoch.examples_done == n
    for b in batches:
        assert list(b) == ["center", "context", "negatives"]
        assert b["center"].dtype == np.int64 and b["context"].dtype == np.int64 and b["negatives"].dtype == np.int64
        assert b["negatives"].shape == (len(b["center"]), 3)
    assert [len(b["center"]) for b in batches[:-1]] == [4] * (len(batches) - 1)
    assert 1 <= len(batches[-1]["center"]) <= 4  # the last partial batch is yielded
    got = sorted(zip(np.concatenate([b["center"] for b in batches]).tolist(),
                     np.concatenate([b["context"] for b in batches]).tolist()))
    c, x = skipgram_pairs(corpus, 2, np.random.default_rng(3))  # same draws before the shuffle
    assert got == sorted(zip(c.tolist(), x.tolist()))
    assert next(iter(epoch), None) is None  # single pass


def test_cbow_batches_keys_shapes():
    corpus = unique_corpus([6, 3])
    batches = list(_batches(corpus, model="cbow", window=3, batch_size=5))
    assert sum(len(b["center"]) for b in batches) == 9
    for b in batches:
        assert list(b) == ["context", "context_mask", "center", "negatives"]
        B = len(b["center"])
        assert b["context"].shape == (B, 6) and b["context"].dtype == np.int64
        assert b["context_mask"].shape == (B, 6) and b["context_mask"].dtype == bool
        assert b["negatives"].shape == (B, 3)
        assert b["context_mask"].any(axis=1).all()


def test_batches_without_negatives_and_unshuffled():
    corpus = unique_corpus([5])
    for kw in (dict(negatives=0), dict(noise=None)):
        b = next(_batches(corpus, **kw))
        assert "negatives" not in b
    batches = list(_batches(corpus, shuffle=False, shrink=False, batch_size=100))
    c, x = skipgram_pairs(corpus, 2, None, shrink=False)
    np.testing.assert_array_equal(batches[0]["center"], c)
    np.testing.assert_array_equal(batches[0]["context"], x)


def test_batches_shuffle():
    corpus = unique_corpus([40, 30])
    shuffled = np.concatenate([b["center"] for b in _batches(corpus, shrink=False, noise=None)])
    ordered = np.concatenate([b["center"] for b in _batches(corpus, shrink=False, noise=None, shuffle=False)])
    assert not np.array_equal(shuffled, ordered)
    np.testing.assert_array_equal(np.sort(shuffled), ordered)  # ids are positions: sorted = corpus order


def test_batches_subsample_each_epoch():
    corpus = [np.array([0, 1] * 50 + [2, 3]), np.array([1, 0, 3])]
    kp = np.array([0.3, 0.6, 1.0, 1.0])
    rng = np.random.default_rng(11)
    epoch = _batches(corpus, keep_prob=kp, noise=NoiseSampler(np.ones(4)), rng=rng)
    rng2 = np.random.default_rng(11)
    kept = subsample(corpus, kp, rng2)
    c, x = skipgram_pairs(kept, 2, rng2)
    assert epoch.num_words == sum(len(s) for s in kept) and epoch.raw_words == 105
    batches = list(epoch)
    got = Counter(zip(np.concatenate([b["center"] for b in batches]).tolist(),
                      np.concatenate([b["context"] for b in batches]).tolist()))
    assert got == Counter(zip(c.tolist(), x.tolist()))
    # the rng advances: successive epochs subsample differently
    sizes = [_batches(corpus, keep_prob=kp, noise=None, rng=rng).num_words for _ in range(5)]
    assert len(set(sizes)) > 1


def test_batches_negatives_follow_noise():
    sampler = NoiseSampler(np.array([0, 10, 0, 30]), power=1.0)
    corpus = [np.array([1, 3, 1, 3, 3] * 20)]
    negs = np.concatenate([b["negatives"].ravel() for b in _batches(corpus, noise=sampler, negatives=5)])
    assert set(np.unique(negs).tolist()) == {1, 3}
    assert abs(np.mean(negs == 3) - 0.75) < 0.05


def test_batches_reproducible():
    corpus = [np.arange(30) % 7]
    a = list(_batches(corpus, noise=NoiseSampler(np.ones(7)), rng=np.random.default_rng(9)))
    b = list(_batches(corpus, noise=NoiseSampler(np.ones(7)), rng=np.random.default_rng(9)))
    for u, v in zip(a, b, strict=True):
        for k in u:
            np.testing.assert_array_equal(u[k], v[k])


def test_batches_validation():
    corpus = [np.array([0, 1, 2])]
    for kw, name, err in [
        (dict(window=0), "window", ValueError),
        (dict(batch_size=0), "batch_size", ValueError),
        (dict(negatives=-1), "negatives", ValueError),
        (dict(model="glove"), "model", ValueError),
        (dict(rng=None), "rng", TypeError),
        (dict(shuffle=1), "shuffle", TypeError),
        (dict(noise=np.ones(3)), "noise", TypeError),
        (dict(keep_prob=np.ones(3)), "keep_prob", ValueError),  # noise has 50 words
        (dict(keep_prob=np.full(50, 2.0)), "keep_prob", ValueError),
        (dict(noise=NoiseSampler(np.ones(2))), "outside the vocabulary", ValueError),
    ]:
        with pytest.raises(err, match=name):
            _batches(corpus, **kw)
    with pytest.raises(ValueError, match=r"corpus_ids\[0\]"):
        _batches([np.array([0, -1])])
    assert len(_batches([np.array([4])])) == 0  # one-word sentence: an empty epoch


def test_count_pairs():
    corpus = [np.arange(10), np.arange(1), np.arange(3)]
    # shrink=False: exact count, 2 * sum over offsets of (n - o)^+
    assert count_pairs(corpus, window=2, shrink=False) == 2 * ((9 + 8) + 0 + (2 + 1))
    assert count_pairs(corpus, window=2) == 2 * ((9 + 0.5 * 8) + 0 + (2 + 0.5 * 1))
    assert count_pairs(corpus, model="cbow", window=2) == 13
    # subsampling: close to the mean of real epochs for long sentences
    corpus = [np.random.default_rng(0).integers(0, 4, 300) for _ in range(5)]
    kp = np.array([0.2, 0.5, 1.0, 0.9])
    rng = np.random.default_rng(1)
    for model in ("skipgram", "cbow"):
        sizes = [_batches(corpus, model=model, keep_prob=kp, noise=None, rng=rng).num_examples for _ in range(10)]
        expected = count_pairs(corpus, model=model, window=2, keep_prob=kp)
        assert abs(np.mean(sizes) - expected) < 0.03 * expected
    with pytest.raises(ValueError, match="model"):
        count_pairs(corpus, model="x", window=2)
    with pytest.raises(ValueError, match="window"):
        count_pairs(corpus, window=0)
