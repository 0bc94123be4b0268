"""What the filters of a trained TextCNN respond to: votes, activations over a text, and a heatmap.

The figure uses ``matplotlib.figure.Figure`` directly (no pyplot state).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from textbook.data.text import tokenize
from textbook.sequence.conv.numpy_impl import conv1d
from textbook.sequence.textcnn.numpy_impl import window_starts


def votes(result, width: int, label: str) -> np.ndarray:
    """``(filters,)``: how much each filter of ``width`` pushes the logit of ``label`` above the others.

    Row ``f`` of the classifier weights ``U`` times the pooled value: a filter with a large positive
    vote fires on evidence for ``label``, one with a negative vote on evidence against it.
    """
    config = result.config
    if width not in config.widths:
        raise ValueError(f"width must be one of the model's widths {config.widths}, got {width!r}")
    if label not in result.label_names:
        raise ValueError(f"label must be one of {result.label_names}, got {label!r}")
    i, c = config.widths.index(width), result.label_names.index(label)
    U = np.asarray(result.params["out.W"])[i * config.filters:(i + 1) * config.filters]   # (F, K)
    others = np.delete(U, c, axis=1)
    return U[:, c] - others.mean(axis=1)


def window_activations(result, text: str | Sequence[str], width: int):
    """The ReLU activations of every filter of ``width`` over every window of one text.

    Returns:
        ``(grams, acts, allowed)``: the n-gram of each window (``<pad>`` where it reaches past the
        text), ``acts (windows, filters)`` and ``allowed (windows,)``, the windows max-over-time
        pooling may pick.
    """
    config = result.config
    words = tokenize(text) if isinstance(text, str) else list(text)
    words = words[: config.max_len] or ["<unk>"]
    n, T = len(words), max(len(words), max(config.widths))
    ids = np.zeros((1, T), dtype=np.int64)
    ids[0, :n] = [result.vocab.index.get(w, 0) for w in words]
    mask = np.arange(T)[None, :] < n
    X = np.asarray(result.params["embed"])[ids] * mask[:, :, None]
    A = conv1d(X, result.params[f"conv{width}.W"], result.params[f"conv{width}.b"])[0]   # (T - w + 1, F)
    padded = words + ["<pad>"] * (T - n)
    grams = [" ".join(padded[t:t + width]) for t in range(T - width + 1)]
    return grams, np.maximum(A, 0.0), window_starts(mask, width)[0]


def plot_activations(result, text: str, width: int, filters: Sequence[int], ax=None,
                     title: str | None = None) -> Figure:
    """Heatmap of the chosen filters (rows) over the windows of ``text`` (columns).

    The window each filter keeps after max-over-time pooling is framed; windows the pooling may
    not pick (they reach into the padding) are hatched.
    """
    grams, acts, allowed = window_activations(result, text, width)
    acts = acts[:, list(filters)].T                                   # (rows, windows)
    if ax is None:
        fig = Figure(figsize=(max(6.0, 0.75 * len(grams) + 2.0), 0.42 * len(filters) + 2.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    image = ax.imshow(acts, aspect="auto", cmap="Blues", vmin=0.0)
    for col in np.flatnonzero(~allowed):
        ax.axvspan(col - 0.5, col + 0.5, facecolor="none", edgecolor="#9e9e9e", hatch="///", lw=0)
    masked = np.where(allowed[None, :], acts, -np.inf)
    for row, col in enumerate(masked.argmax(axis=1)):
        ax.add_patch(_frame(col, row))
    ax.set_xticks(range(len(grams)))
    ax.set_xticklabels(grams, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(filters)))
    ax.set_yticklabels([f"filter {f}" for f in filters], fontsize=8)
    fig.colorbar(image, ax=ax, label="ReLU activation", shrink=0.8)
    ax.set_title(title or f"Width-{width} filters over: {text}", fontsize=10)
    return fig


def _frame(col: int, row: int):
    from matplotlib.patches import Rectangle

    return Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="#e65100", lw=2)
