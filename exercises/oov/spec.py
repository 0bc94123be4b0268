"""Grading spec of the FastText out-of-vocabulary exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.embeddings.fasttext import numpy_impl, subword_table
from textbook.grading.spec import Compare, Exercise, Hint, Limits

REFERENCE = "textbook.embeddings.fasttext.numpy_impl:word_vectors"


def oov_reference(word, W_ngrams, min_n, max_n, bucket):
    """The library's lookup for one word outside the vocabulary (no word rows at all)."""
    rows, mask = subword_table([word], min_n, max_n, bucket)
    return numpy_impl.word_vectors(np.zeros((1, W_ngrams.shape[1])), W_ngrams, np.array([-1]), rows, mask)[0]


def _batch(rng, V=7, bucket=11, d=3, B=5, G=4, oov=0.0, empty=0.0, distinct=None, first=False):
    W_words, W_ngrams = rng.normal(size=(V, d)), rng.normal(size=(bucket, d))
    ids = rng.integers(0, V, B)
    ids[rng.random(B) < oov] = -1
    mask = rng.random((B, G)) < 0.7
    mask[:, 0] |= first                                         # every word has an n-gram
    mask[rng.random(B) < empty] = False
    ngrams = np.where(mask, rng.integers(0, distinct or bucket, (B, G)), rng.integers(-5, 50, (B, G)))
    return W_words, W_ngrams, ids, ngrams, mask


def in_vocab(rng):
    return Case("word_vectors", _batch(rng), name="5 vocabulary words, up to 4 n-grams each")


def out_of_vocab(rng):
    args = _batch(rng, oov=0.6, first=True)
    return Case("word_vectors", args, name="some words out of the vocabulary (id -1)")


def no_ngram(rng):
    args = _batch(rng, oov=0.5, empty=0.5, B=8)
    args[2][0], args[4][0] = -1, False                         # at least one word with nothing to average
    return Case("word_vectors", args, name="words without any n-gram")


def repeated(rng):
    return Case("word_vectors", _batch(rng, oov=0.3, G=6, distinct=2), name="the same n-gram row several times")


def bigger(rng):
    return Case("word_vectors", _batch(rng, V=40, bucket=101, d=8, B=64, G=12, oov=0.3, empty=0.1),
                name="B=64, G=12, d=8")


def _unseen(rng, words):
    word = str(rng.choice(words))
    bucket = int(rng.choice([17, 1000]))
    return Case("oov_vector", (word, rng.normal(size=(bucket, 4)), 3, 6, bucket), name=f"{word!r}")


def unseen_ascii(rng):
    return _unseen(rng, ["walks", "kings", "queenly", "unseenword", "xy"])


def unseen_unicode(rng):
    return _unseen(rng, ["naïvely", "日本語", "🙂", "straße", "ünïcödé"])


EXERCISE = Exercise(
    slug="oov",
    title="FastText: the vector of an out-of-vocabulary word",
    starter="oov.py",
    functions=("word_vectors", "oov_vector"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="vocabulary words", cases=in_vocab, reference=REFERENCE, points=2, rtol=1e-9, atol=1e-12,
                hint="the mean of 1 + n rows: the word's row and its n real n-gram rows (mask True)"),
        Compare(name="out-of-vocabulary words", cases=out_of_vocab, reference=REFERENCE, points=2, rtol=1e-9,
                atol=1e-12, hint="id -1: no word row, so the mean of the n-gram rows alone (divide by n)"),
        Compare(name="vector of an unseen word", cases=unseen_ascii, reference=oov_reference, points=2,
                rtol=1e-9, atol=1e-12, hint="n-grams of '<' + word + '>', rows = fastText hash % bucket, mean"),
        Compare(name="no n-gram: the zero vector", cases=no_ngram, reference=REFERENCE, points=1, hidden=True,
                rtol=1e-9, atol=1e-12, hint="nothing to average gives the zero vector, not NaN (0 / 0)"),
        Compare(name="repeated n-gram rows", cases=repeated, reference=REFERENCE, points=1, hidden=True,
                rtol=1e-9, atol=1e-12, hint="a row listed twice counts twice in the mean"),
        Compare(name="unseen non-ASCII words", cases=unseen_unicode, reference=oov_reference, points=1,
                hidden=True, rtol=1e-9, atol=1e-12,
                hint="n-grams count characters, and the hash sign-extends bytes >= 128"),
        Compare(name="larger batch", cases=bigger, reference=REFERENCE, points=1, hidden=True, rtol=1e-9,
                atol=1e-12),
    ),
    hints=(
        Hint("vocabulary words are right but not the others: for id -1 there is no word row, so divide by n, "
             "not 1 + n.", failed=("out-of-vocabulary words",), passed=("vocabulary words",)),
        Hint("the batch composition is right but the vector of a string is not: check the n-grams and the hash "
             "(your code from the ngrams exercise).", failed=("vector of an unseen word",),
             passed=("out-of-vocabulary words",)),
    ),
)
