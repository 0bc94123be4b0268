"""Exercise ppmi: pointwise mutual information from a co-occurrence matrix.

Fill in both functions. Use NumPy only: your file is graded on its own, without the
``textbook`` package. Check your work with ``textbook check ppmi.py``.
"""

import numpy as np


def pmi(counts):
    """PMI of every (word, context) pair.

    With ``X = counts``, ``N = X.sum()``, ``X_w = X.sum(axis=1)`` and ``X_c = X.sum(axis=0)``::

        PMI[w, c] = log( X[w, c] * N / (X_w[w] * X_c[c]) )

    Args:
        counts: ``(V, V)`` non-negative float co-occurrence counts with a positive total
            (rows: words, columns: contexts; not necessarily symmetric).

    Returns:
        ``(V, V)`` float64, ``-inf`` where ``X[w, c] == 0`` (never NaN).
    """
    raise NotImplementedError("pmi")


def ppmi(counts):
    """Positive PMI: ``max(PMI[w, c], 0)``, and 0 where ``X[w, c] == 0``.

    Returns:
        ``(V, V)`` float64, finite and non-negative.
    """
    raise NotImplementedError("ppmi")
