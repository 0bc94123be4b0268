"""The device pipeline of Word2Vec and FastText (textbook.embeddings._device).

What it must do, checked against plain Python loops and the host pipeline's own step:

* the epoch stream keeps exactly the tokens ``subsample`` keeps (same draws), and each token's
  room to the sentence's ends;
* a chunk's skip-gram pairs and CBOW windows are the shrunk-window examples, in corpus order,
  none lost and none made up;
* the noise table draws each word with its probability;
* a chunk of steps equals the host pipeline's ``train_step`` applied batch after batch (the last,
  shorter batch included) with the chunk's learning rates, for skip-gram, CBOW and FastText;
* bad pipeline choices fail with a clear error.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textbook.data.sampling import subsample
from textbook.embeddings import _device as dv
from textbook.embeddings import fasttext as ft
from textbook.embeddings import word2vec as w2v
from textbook.embeddings._sgd import choose_pipeline


# --------------------------------------------------------------------------------- the epoch stream

corpora = st.lists(st.lists(st.integers(0, 6), min_size=0, max_size=7), min_size=1, max_size=6)


@settings(max_examples=30, deadline=None)
@given(corpora, st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_the_stream_keeps_what_subsample_keeps_with_each_tokens_room(sentences, window, seed):
    from textbook.data._validate import flatten

    corpus = [np.array(s, dtype=np.int64) for s in sentences]
    keep = np.linspace(0.2, 1.0, 7)
    flat, sid = flatten(corpus)
    stream = dv.epoch_stream(flat, sid, keep, window, 4, np.random.default_rng(seed))
    kept = subsample(corpus, keep, np.random.default_rng(seed))   # the same draws
    n = stream.live
    assert n == sum(s.size for s in kept)
    tokens = np.asarray(stream.tokens)
    np.testing.assert_array_equal(tokens[window:window + n], np.concatenate(kept))
    assert tokens.shape == (window + flat.size + 4 + window,)     # the same shape every epoch
    left, right = [], []
    for s in kept:
        left += [min(i, window) for i in range(s.size)]
        right += [min(s.size - 1 - i, window) for i in range(s.size)]
    np.testing.assert_array_equal(np.asarray(stream.left)[:n], left)
    np.testing.assert_array_equal(np.asarray(stream.right)[:n], right)


# ------------------------------------------------------------------------------ a chunk's examples

@st.composite
def chunks(draw):
    """Tokens ``(T + 2w,)``, clipped windows ``left``/``right`` ``(T,)`` as a chunk sees them."""
    w = draw(st.integers(1, 3))
    T = draw(st.integers(1, 8))
    lengths = draw(st.lists(st.integers(1, 6), min_size=1, max_size=5))
    sent = np.repeat(np.arange(len(lengths)), lengths)[:T]
    sent = np.concatenate([sent, np.full(T - sent.size, -1)])     # -1: past the end of the epoch
    b = np.array(draw(st.lists(st.integers(1, w), min_size=T, max_size=T)))
    pos = np.arange(T)
    room_l = np.array([sum(1 for j in range(max(0, i - w), i) if sent[j] == sent[i]) for i in pos])
    room_r = np.array([sum(1 for j in range(i + 1, min(T, i + w + 1)) if sent[j] == sent[i]) for i in pos])
    live = sent >= 0
    left, right = np.where(live, np.minimum(b, room_l), 0), np.where(live, np.minimum(b, room_r), 0)
    tok = np.concatenate([np.full(w, -7), 100 + pos, np.full(w, -7)])   # token i is 100 + i
    return tok, left, right, w


@settings(max_examples=40, deadline=None)
@given(chunks())
def test_skipgram_pairs_are_every_window_pair_in_corpus_order(chunk):
    tok, left, right, w = chunk
    examples, count = dv.skipgram_examples(tok, left, right, w)
    expected = [(100 + i, 100 + i + o) for i in range(left.size)
                for o in [*range(-int(left[i]), 0), *range(1, int(right[i]) + 1)]]
    assert int(count) == len(expected)
    got = list(zip(np.asarray(examples["center"])[:len(expected)].tolist(),
                   np.asarray(examples["context"])[:len(expected)].tolist()))
    assert got == expected
    assert examples["center"].shape == (left.size * 2 * w,)


@settings(max_examples=40, deadline=None)
@given(chunks())
def test_cbow_examples_are_the_centres_with_a_context_and_their_windows(chunk):
    tok, left, right, w = chunk
    examples, count = dv.cbow_examples(tok, left, right, w)
    centres = [i for i in range(left.size) if left[i] + right[i] > 0]
    assert int(count) == len(centres)
    offsets = [*range(-w, 0), *range(1, w + 1)]
    for row, i in enumerate(centres):
        assert int(examples["center"][row]) == 100 + i
        mask = np.asarray(examples["context_mask"][row])
        assert mask.tolist() == [(-left[i] <= o < 0) or (0 < o <= right[i]) for o in offsets]
        np.testing.assert_array_equal(np.asarray(examples["context"][row])[mask],
                                      [100 + i + o for o, m in zip(offsets, mask) if m])
        assert (np.asarray(examples["context"][row])[~mask] == 0).all()   # empty slots read row 0
    for row in range(len(centres), left.size):                    # padding rows repeat a real one
        assert np.asarray(examples["context_mask"][row]).any() or not centres


def test_the_noise_table_draws_each_word_with_its_probability():
    probs = np.array([0.5, 0.3, 0.15, 0.05, 0.0])
    table = dv.noise_table(probs, size=1024)
    np.testing.assert_allclose(np.bincount(table, minlength=5) / 1024, probs, atol=1 / 1024)
    assert table.min() >= 0 and table.max() <= 3                  # never a word of probability 0
    with pytest.raises(ValueError, match="power of two"):
        dv.noise_table(probs, size=1000)


def test_a_chunk_draws_its_negatives_with_the_noise_probabilities():
    """A step that only counts the negatives it is given: their shares are the noise probabilities."""
    import jax

    def count_negatives(params, batch, lr, config, weight):      # the `sgd_step` signature
        seen = params["seen"].at[batch["negatives"].ravel()].add(jax.numpy.repeat(weight, config.negatives))
        return {"seen": seen}, weight.sum()

    probs = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625, 0.0])
    config = w2v.Config(vocab_size=6, dim=1, window=2, negatives=4, batch_size=16, epochs=1)
    flat = np.arange(6000) % 6
    stream = dv.epoch_stream(flat, np.arange(6000) // 10, None, 2, 4096, np.random.default_rng(0))
    spec = dv.DeviceSpec(step=count_negatives, config=config, model="skipgram", chunk=4096, batch=16)
    tables = jax.device_put({"noise": dv.noise_table(probs, size=1 << 12)})
    params = {"seen": jax.numpy.zeros(6)}
    params, loss, count = dv.run_chunk(params, tables, stream, 0, jax.random.key(3), 0, 0, 0.1, 0.1, spec=spec)
    seen = np.asarray(params["seen"])
    assert seen.sum() == 4 * int(count) > 10_000                  # k negatives for every pair, none for padding
    np.testing.assert_allclose(seen / seen.sum(), probs, atol=0.01)


# ------------------------------------------------------------ a chunk equals the host step, batch by batch

def _run_device_chunks(step, params, flat, sid, config, model, chunk, batch=3, complete=None, tables=None):
    """Train with window 1 (so no random window) and one-word noise (so no random negatives)."""
    import jax

    noise = np.zeros(config.vocab_size)
    noise[2] = 1.0                                                # every negative is word 2
    stream = dv.epoch_stream(flat, sid, None, config.window, chunk, np.random.default_rng(0))
    spec = dv.DeviceSpec(step=step, config=config, model=model, chunk=chunk, batch=batch, complete=complete)
    tabs = jax.device_put({"noise": dv.noise_table(noise, size=64), **(tables or {})})
    counts = []
    for i, start in enumerate(range(0, stream.live, chunk)):
        params, _, count = dv.run_chunk(params, tabs, stream, start, jax.random.key(0), 0, i, 0.5 - 0.1 * i,
                                        0.4 - 0.1 * i, spec=spec)
        counts.append(int(count))
    return params, counts


def _host_batches(corpus, model, chunk):
    """The examples of each chunk of ``chunk`` centres, window 1, in corpus order."""
    flat = np.concatenate(corpus)
    sid = np.repeat(np.arange(len(corpus)), [s.size for s in corpus])
    per_chunk = []
    for start in range(0, flat.size, chunk):
        examples = []
        for i in range(start, min(start + chunk, flat.size)):
            ctx = [j for j in (i - 1, i + 1) if 0 <= j < flat.size and sid[j] == sid[i]]
            if model == "skipgram":
                examples += [(flat[i], flat[j]) for j in ctx]
            elif ctx:
                examples.append((flat[i], [flat[j] if j in ctx else None for j in (i - 1, i + 1)]))
        per_chunk.append(examples)
    return flat, sid, per_chunk


def _host_batch(examples, model, k):
    if model == "skipgram":
        batch = {"center": np.array([c for c, _ in examples]), "context": np.array([o for _, o in examples])}
    else:
        batch = {"center": np.array([c for c, _ in examples]),
                 "context": np.array([[0 if x is None else x for x in ctx] for _, ctx in examples]),
                 "context_mask": np.array([[x is not None for x in ctx] for _, ctx in examples])}
    batch["negatives"] = np.full((len(examples), k), 2)
    return batch


CORPUS = [np.array([0, 1, 3, 4, 1]), np.array([5]), np.array([6, 0, 3, 3]), np.array([4, 6, 1])]


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("chunk", [3, 6])
def test_a_chunk_is_the_host_train_step_on_each_batch_in_turn(model, chunk):
    jx = w2v.backend("jax")
    config = w2v.Config(vocab_size=7, dim=3, model=model, window=1, negatives=2, batch_size=3, epochs=1)
    rng = np.random.default_rng(0)
    params = {"W_in": rng.normal(size=(7, 3)), "W_out": rng.normal(size=(7, 3))}
    flat, sid, per_chunk = _host_batches(CORPUS, model, chunk)

    device, counts = _run_device_chunks(jx.sgd_step, {k: np.array(v) for k, v in params.items()}, flat, sid,
                                        config, model, chunk)
    assert counts == [len(e) for e in per_chunk]                  # every example, none made up
    host = {k: np.array(v) for k, v in params.items()}
    for i, examples in enumerate(per_chunk):
        for s in range(0, len(examples), 3):
            lr = (0.5 - 0.1 * i) + ((0.4 - 0.1 * i) - (0.5 - 0.1 * i)) * s / len(examples)
            host, _ = jx.train_step(host, _host_batch(examples[s:s + 3], model, 2), config, lr)
    for key in params:
        np.testing.assert_allclose(np.asarray(device[key]), np.asarray(host[key]), rtol=1e-12, atol=1e-12)
    assert not np.allclose(np.asarray(device["W_in"]), params["W_in"])


@pytest.mark.parametrize("layout", ["skipgram", "windows"])
def test_a_fasttext_chunk_is_the_host_train_step_with_the_ngram_rows(layout):
    """Pairs (``sgd_step``, 3 pairs a step) or whole windows (``window_step``, 2 centres a step)."""
    jx = ft.backend("jax")
    config = ft.Config(vocab_size=7, dim=3, bucket=11, window=1, negatives=2, batch_size=3, epochs=1)
    rng = np.random.default_rng(1)
    params = {"W_words": rng.normal(size=(7, 3)), "W_ngrams": rng.normal(size=(11, 3)),
              "W_out": rng.normal(size=(7, 3))}
    table = rng.integers(0, 11, size=(7, 4))
    table_mask = rng.random((7, 4)) < 0.6

    def complete(batch, tables):
        return {**batch, "ngrams": tables["ngrams"][batch["center"]], "ngram_mask": tables["mask"][batch["center"]]}

    step, per_step = (jx.sgd_step, 3) if layout == "skipgram" else (jx.window_step, 2)
    flat, sid, per_chunk = _host_batches(CORPUS, "skipgram" if layout == "skipgram" else "cbow", 6)
    device, counts = _run_device_chunks(step, {k: np.array(v) for k, v in params.items()}, flat, sid, config,
                                        layout, 6, per_step, complete, {"ngrams": table, "mask": table_mask})
    assert counts == [len(e) for e in per_chunk]
    host = {k: np.array(v) for k, v in params.items()}
    for i, examples in enumerate(per_chunk):
        for s in range(0, len(examples), per_step):
            lr = (0.5 - 0.1 * i) + ((0.4 - 0.1 * i) - (0.5 - 0.1 * i)) * s / len(examples)
            if layout == "skipgram":
                pairs = examples[s:s + per_step]
            else:                                                 # every pair of these centres' windows
                pairs = [(c, o) for c, ctx in examples[s:s + per_step] for o in ctx if o is not None]
            batch = _host_batch(pairs, "skipgram", 2)
            batch.update(ngrams=table[batch["center"]], ngram_mask=table_mask[batch["center"]])
            host, _ = jx.train_step(host, batch, config, lr)
    for key in params:
        np.testing.assert_allclose(np.asarray(device[key]), np.asarray(host[key]), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------- choices

def test_the_pipeline_choice_and_its_errors():
    assert choose_pipeline("auto", "jax") == "device" and choose_pipeline("auto", "numpy") == "host"
    assert choose_pipeline("auto", "jax", "softmax") == "host" and choose_pipeline("host", "jax") == "host"
    with pytest.raises(ValueError, match="pipeline must be one of"):
        choose_pipeline("gpu", "jax")
    with pytest.raises(ValueError, match="needs backend='jax'"):
        choose_pipeline("device", "numpy")
    with pytest.raises(ValueError, match="negative sampling only"):
        choose_pipeline("device", "jax", "softmax")
    config = w2v.Config(vocab_size=2, dim=2, objective="softmax", epochs=1)

    class Vocab:
        counts = np.array([3, 2])

        def __len__(self):
            return 2

    with pytest.raises(ValueError, match="pipeline='device'"):
        w2v.train([np.array([0, 1, 0])], Vocab(), config, backend="jax", pipeline="device", progress=False)


def test_device_training_calls_back_each_epoch_and_reports_chunk_losses(capsys):
    from textbook.data.vocab import Vocab

    sents = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "the", "rug"]] * 30
    vocab = Vocab.build(sents)
    config = w2v.Config(vocab_size=len(vocab), dim=4, window=2, sample=0.0, batch_size=8, epochs=3, alpha=0.1)
    seen = []
    result = w2v.train(sents, vocab, config, backend="jax", seed=0, progress=True,
                       callback=lambda epoch, params, loss: seen.append((epoch, params["W_in"].shape, loss)))
    assert [s[0] for s in seen] == [0, 1, 2] and seen[0][1] == (len(vocab), 4)
    assert seen[-1][2] < seen[0][2] and result.losses.shape == (3,)   # one chunk per epoch here
    assert "words/s" in capsys.readouterr().err
