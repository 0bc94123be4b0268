"""Exercise oov: FastText vectors of words in and out of the vocabulary.

Fill in both functions (add helpers, e.g. your n-gram and hash code from the ``ngrams``
exercise). Use NumPy and the standard library only: your file is graded on its own, without
the ``textbook`` package. Check your work with ``textbook check oov.py``.
"""

import numpy as np


def word_vectors(W_words, W_ngrams, word_ids, ngrams, mask):
    """The vectors of a batch of words: the mean of the word row (if any) and the real n-gram rows.

    Args:
        W_words: ``(V, d)`` float word rows.
        W_ngrams: ``(bucket, d)`` float n-gram rows.
        word_ids: ``(B,)`` int, a row of ``W_words``, or -1 for a word outside the vocabulary.
        ngrams: ``(B, G)`` int n-gram rows (padding slots may hold anything).
        mask: ``(B, G)`` bool, True for the real n-gram slots.

    Returns:
        ``(B, d)`` float64 vectors; zero for an out-of-vocabulary word without any n-gram.
    """
    raise NotImplementedError("word_vectors")


def oov_vector(word, W_ngrams, min_n, max_n, bucket):
    """The vector of an out-of-vocabulary ``word``: the mean of the rows of its n-grams.

    Args:
        word: a ``str``.
        W_ngrams: ``(bucket, d)`` float n-gram rows.
        min_n, max_n: n-gram lengths in characters.
        bucket: rows of ``W_ngrams``; an n-gram's row is its fastText hash modulo ``bucket``.

    Returns:
        ``(d,)`` float64 (zero if the word has no n-gram).
    """
    raise NotImplementedError("oov_vector")
