"""Exercise ngrams: fastText's character n-grams and their hash rows.

Fill in both functions (add helpers, such as ``char_ngrams``, as you like). Use NumPy and the
standard library only: your file is graded on its own, without the ``textbook`` package. Check
your work with ``textbook check ngrams.py``.
"""

import numpy as np


def ngram_hash(ngram):
    """fastText's 32-bit FNV-1a hash of ``ngram``'s UTF-8 bytes, each byte sign-extended as a signed char.

    Args:
        ngram: a ``str``.

    Returns:
        An ``int`` in ``[0, 2**32)``.
    """
    raise NotImplementedError("ngram_hash")


def ngram_rows(word, min_n, max_n, bucket):
    """The table rows of the n-grams of ``"<" + word + ">"``, in fastText's order.

    Args:
        word: a ``str``.
        min_n, max_n: the n-gram lengths in characters, ``1 <= min_n <= max_n``.
        bucket: the number of rows of the table.

    Returns:
        An ``(n,)`` integer array: ``ngram_hash(g) % bucket`` for each n-gram ``g``.
    """
    raise NotImplementedError("ngram_rows")
