r"""Cosine similarity and nearest neighbours.

$$
\cos(x, y) = \frac{x \cdot y}{\lVert x \rVert\, \lVert y \rVert}
$$

A zero vector has cosine 0 with everything (as in gensim).
"""

from __future__ import annotations

import numpy as np

from textbook.embeddings.vectors import Vectors


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, in float64 (zero rows stay zero)."""
    m = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(norms > 0, norms, 1.0)


def cosine_similarity(x: np.ndarray, y: np.ndarray) -> float | np.ndarray:
    """Cosine similarity of vectors or of every row pair.

    Args:
        x: ``(d,)`` or ``(n, d)``.
        y: ``(d,)`` or ``(m, d)``.

    Returns:
        A float for two vectors, ``(m,)`` or ``(n,)`` for a vector and a
        matrix, ``(n, m)`` for two matrices.

    Example:
        >>> cosine_similarity(np.array([1.0, 0.0]), np.array([1.0, 1.0]))  # doctest: +ELLIPSIS
        0.7071...
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    for name, a in (("x", x), ("y", y)):
        if a.ndim not in (1, 2):
            raise ValueError(f"{name} must have shape (d,) or (n, d), got {a.shape}")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"x and y must have the same last dimension d, got {x.shape} and {y.shape}")
    out = unit_rows(x) @ unit_rows(y).T  # (n, m), (n,), (m,) or ()
    return float(out) if out.ndim == 0 else out


def nearest_neighbours(
    vectors: Vectors, query: str | np.ndarray, k: int = 10
) -> list[tuple[str, float]]:
    """The ``k`` words closest by cosine to a word (itself excluded) or to a vector.

    Returns:
        ``[(word, cosine), ...]``, best first.
    """
    return vectors.most_similar(positive=[query], topn=k)
