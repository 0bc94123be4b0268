"""Pictures of sequence to sequence: attention heatmaps and accuracy against source length.

Both functions draw on ``matplotlib.figure.Figure`` directly (no pyplot state), so they work with
any backend, including Agg on a server.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure


def plot_attention(weights, source: Sequence[str], output: Sequence[str], title: str = "Attention weights",
                   ax=None) -> Figure:
    """A heatmap of attention weights: one row per output token, one column per source token.

    Args:
        weights: ``(T, S)`` the weights that predicted each of the ``T`` output tokens.
        source: the ``S`` source tokens (column labels).  output: the ``T`` output tokens (row labels).
    """
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (len(output), len(source)):
        raise ValueError(f"weights must have shape (len(output), len(source)) = ({len(output)}, {len(source)}), "
                         f"got {weights.shape}")
    if ax is None:
        fig = Figure(figsize=(0.45 * len(source) + 1.6, 0.4 * len(output) + 1.2))
        ax = fig.add_subplot()
    image = ax.imshow(weights, cmap="Blues", vmin=0.0, vmax=1.0, aspect="equal")
    ax.set_xticks(range(len(source)), [repr(t)[1:-1] if t != " " else "␣" for t in source])
    ax.set_yticks(range(len(output)), [t if t != " " else "␣" for t in output])
    ax.xaxis.tick_top()
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    ax.set_title(title, fontsize=10)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.figure.tight_layout()
    return ax.figure


def plot_accuracy_by_length(curves: Mapping[str, Mapping[int, float]], title: str = "Held-out exact match",
                            ax=None) -> Figure:
    """One line per model: exact match (0..1) against the source length. ``curves[name][length] = accuracy``."""
    if ax is None:
        fig = Figure(figsize=(5.5, 3.2))
        ax = fig.add_subplot()
    for name, curve in curves.items():
        lengths = sorted(curve)
        ax.plot(lengths, [100 * curve[n] for n in lengths], marker="o", label=name)
    ax.set_xlabel("source length (digits)")
    ax.set_ylabel("exact match (%)")
    ax.set_ylim(-3, 103)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.figure.tight_layout()
    return ax.figure
