"""Grading spec of the FastText n-gram exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.embeddings.fasttext import ngrams
from textbook.grading.spec import Compare, Exercise, Hint, Limits

ASCII_WORDS = ["where", "banana", "embedding", "ngram", "o'clock", "internationalization", "xyz", "hello_world"]
ASCII_GRAMS = ["<wh", "here>", "ana", "<a>", "", "e", "tion>", "<inter", "a b"]
UNICODE_GRAMS = ["ïve", "<日本", "日本語>", "<🙂>", "ß", "é>", "Ελλ", "👩\u200d👧"]
UNICODE_WORDS = ["naïve", "日本語", "ünïcödé", "🙂", "straße", "Ελληνικά", "x🙂y", "café", "👩\u200d👩\u200d👧"]
SHORT_WORDS = ["a", "of", "", "<>", "я", "🙂"]


def hash_reference(ngram):
    return ngrams.ngram_hash(ngram)


def rows_reference(word, min_n, max_n, bucket):
    return ngrams.ngram_rows(word, min_n, max_n, bucket)


def _bucket(rng):
    return int(rng.choice([97, 2_000_000, 2 ** 31 - 1]))      # the largest int32 bucket


def ascii_hash(rng):
    return Case("ngram_hash", (str(rng.choice(ASCII_GRAMS)),), name="an ASCII n-gram")


def unicode_hash(rng):
    return Case("ngram_hash", (str(rng.choice(UNICODE_GRAMS)),), name="a non-ASCII n-gram")


def ascii_rows(rng):
    word = str(rng.choice(ASCII_WORDS))
    return Case("ngram_rows", (word, 3, 6, _bucket(rng)), name=f"{word!r}, n = 3..6")


def other_lengths(rng):
    word = str(rng.choice(ASCII_WORDS))
    min_n = int(rng.integers(1, 4))
    max_n = min_n + int(rng.integers(0, 3))
    return Case("ngram_rows", (word, min_n, max_n, _bucket(rng)), name=f"{word!r}, n = {min_n}..{max_n}")


def unicode_rows(rng):
    word = str(rng.choice(UNICODE_WORDS))
    return Case("ngram_rows", (word, 3, 6, _bucket(rng)), name=f"{word!r}, n = 3..6")


def short_rows(rng):
    word = str(rng.choice(SHORT_WORDS))
    min_n = int(rng.integers(1, 5))
    return Case("ngram_rows", (word, min_n, 6, _bucket(rng)), name=f"{word!r}, n = {min_n}..6")


EXERCISE = Exercise(
    slug="ngrams",
    title="FastText: character n-grams and their hash rows",
    starter="ngrams.py",
    functions=("ngram_hash", "ngram_rows"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="hash of ASCII n-grams", cases=ascii_hash, reference=hash_reference, n=4, points=1,
                hint="32-bit FNV-1a: h = 2166136261; for each byte: h = ((h ^ byte) * 16777619) % 2**32"),
        Compare(name="hash of non-ASCII n-grams", cases=unicode_hash, reference=hash_reference, n=4, points=2,
                hint="hash the UTF-8 bytes, and sign-extend each byte >= 128: XOR with byte | 0xFFFFFF00"),
        Compare(name="rows of ASCII words", cases=ascii_rows, reference=rows_reference, n=4, points=2,
                hint="wrap the word in < and >; n-grams by start position, then by length; row = hash % bucket"),
        Compare(name="rows, other n-gram lengths", cases=other_lengths, reference=rows_reference, n=5, points=1,
                hidden=True, hint="with min_n = 1, the single characters '<' and '>' are not n-grams"),
        Compare(name="rows of non-ASCII words", cases=unicode_rows, reference=rows_reference, n=5, points=2,
                hidden=True, hint="slice the string (characters), not its UTF-8 bytes"),
        Compare(name="short words", cases=short_rows, reference=rows_reference, n=5, points=1, hidden=True,
                hint="a word may have no n-gram at all: return an empty integer array"),
    ),
    hints=(
        Hint("your hash is right but the rows are not: check the n-grams themselves (the wrapping, the order: "
             "by start position, then by length, and the lengths min_n..max_n).",
             failed=("rows of ASCII words",), passed=("hash of ASCII n-grams",)),
        Hint("ASCII hashes are right but not the others: fastText XORs each byte as a SIGNED char, so a byte "
             "b >= 128 enters as b | 0xFFFFFF00.", failed=("hash of non-ASCII n-grams",),
             passed=("hash of ASCII n-grams",)),
    ),
)
