"""Exercise analogy: "a is to b as c is to ?" with 3CosAdd.

Fill in both functions. Use NumPy only: your file is graded on its own, without the
``textbook`` package. Check your work with ``textbook check analogy.py``.
"""

import numpy as np


def analogy_scores(E, a, b, c):
    """3CosAdd score of every word for every question.

    ``score[q, x] = cos(E[x], E[b_q]) - cos(E[x], E[a_q]) + cos(E[x], E[c_q])``

    Args:
        E: ``(V, d)`` float word vectors (rows of any non-zero length).
        a, b, c: ``(Q,)`` integer word ids of the questions "a is to b as c is to ?".

    Returns:
        ``(Q, V)`` float64 scores (the query words are *not* excluded here).
    """
    raise NotImplementedError("analogy_scores")


def solve_analogies(E, a, b, c):
    """The 3CosAdd answer of every question: the best-scoring word other than a, b and c.

    Returns:
        ``(Q,)`` integer word ids.
    """
    raise NotImplementedError("solve_analogies")
