"""Model solution of exercises/analogy (standalone NumPy)."""

import numpy as np


def analogy_scores(E, a, b, c):
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    return (U[b] - U[a] + U[c]) @ U.T


def solve_analogies(E, a, b, c):
    s = analogy_scores(E, a, b, c)
    q = np.arange(len(a))
    s[q, a] = -np.inf
    s[q, b] = -np.inf
    s[q, c] = -np.inf
    return np.argmax(s, axis=1).astype(np.int64)
