"""Principal component analysis and a labelled scatter plot of word vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from textbook.embeddings.vectors import Vectors


def pca(matrix: np.ndarray, k: int = 2) -> np.ndarray:
    r"""Project the rows of ``matrix`` on its first ``k`` principal components.

    With the centred matrix $X_c = X - \bar{x}$ and its SVD $X_c = U S V^\top$,
    the coordinates are $X_c V_k = U_k S_k$. Each component's sign is fixed so
    that its largest-magnitude coordinate is positive (reproducible plots).

    Args:
        matrix: ``(n, d)`` with ``n >= 2``.
        k: Number of components, ``1 <= k <= min(n, d)``.

    Returns:
        ``(n, k)`` float64 coordinates.
    """
    X = np.asarray(matrix, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"matrix must be 2-D (n, d) with n >= 2 rows, got shape {X.shape}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= min(X.shape):
        raise ValueError(f"k must be an int in [1, {min(X.shape)}], got {k!r}")
    Xc = X - X.mean(axis=0)  # (n, d) centred
    U, S, _ = np.linalg.svd(Xc, full_matrices=False)  # (n, r), (r,)
    coords = U[:, :k] * S[:k]  # (n, k) = Xc V_k
    signs = np.sign(coords[np.argmax(np.abs(coords), axis=0), np.arange(k)])
    return coords * np.where(signs == 0, 1.0, signs)


def plot_words(
    vectors: Vectors,
    words: Sequence[str],
    ax=None,
    title: str = "Word vectors, first two principal components",
) -> Figure:
    """Scatter plot of ``words`` on the first two principal components of their vectors.

    Uses ``matplotlib.figure.Figure`` directly (no pyplot state), so it works
    with any backend, including Agg on a server.

    Args:
        vectors: The embeddings.
        words: At least two distinct words, all in ``vectors``.
        ax: An existing matplotlib Axes to draw on, or ``None`` for a new Figure.
        title: Axes title.

    Returns:
        The Figure holding the plot.

    Raises:
        KeyError: listing the words that are not in the vocabulary.
    """
    words = list(words)
    missing = [w for w in words if w not in vectors]
    if missing:
        raise KeyError(f"words not in the vocabulary: {missing}")
    coords = pca(vectors[words], k=2)  # (n, 2)
    if ax is None:
        fig = Figure(figsize=(6.4, 5.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    ax.scatter(coords[:, 0], coords[:, 1], s=30, color="#3f51b5")
    for (x, y), w in zip(coords, words):
        ax.annotate(w, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=9)
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return fig
