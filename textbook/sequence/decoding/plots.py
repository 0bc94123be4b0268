"""Pictures of decoding: the tree that beam search explores, and output length against alpha.

Both functions use ``matplotlib.figure.Figure`` directly (no pyplot state), so they work with any
backend, including Agg on a server.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

COLORS = {"open": "#3f51b5", "finished": "#2e7d32", "pruned": "#9e9e9e", "root": "#000000"}


def plot_beam_tree(trace: list, vocab: Sequence[str] | None = None, alpha: float | None = None,
                   best: Sequence[int] | None = None, ax=None,
                   title: str = "Beam search: every expansion it scored") -> Figure:
    """Draw the expansions recorded by ``beam_search(..., trace=trace)`` as a tree, left to right.

    Each node is a token with the cumulative log-probability of its prefix. Blue nodes were kept
    open, green ones finished (with their normalised score when ``alpha`` is given), grey ones
    were pruned; expansions of probability 0 are left out.

    Args:
        trace: the list filled by `~textbook.sequence.decoding.beam_search`.
        vocab: token names (default: the ids).
        alpha: the length-normalisation exponent, to print the finished hypotheses' scores.
        best: the tokens of the returned best hypothesis, whose path is drawn thicker.
        ax: an existing matplotlib Axes, or None for a new Figure.
        title: the Axes title.

    Returns:
        The Figure holding the plot.
    """
    if not trace:
        raise ValueError("trace is empty: pass trace=[] to beam_search and plot the filled list")
    nodes: dict[tuple, tuple[float, str]] = {(): (0.0, "root")}
    for record in trace:
        for parent, token, log_prob, status in record["expansions"]:
            if log_prob > -np.inf:
                nodes[tuple(parent) + (int(token),)] = (log_prob, status)
    children: dict[tuple, list[tuple]] = defaultdict(list)
    for prefix in nodes:
        if prefix:
            children[prefix[:-1]].append(prefix)

    y: dict[tuple, float] = {}
    leaves = [0]

    def place(prefix: tuple) -> None:                 # leaves on consecutive rows, parents centred
        kids = sorted(children[prefix], key=lambda q: -nodes[q][0])
        for kid in kids:
            place(kid)
        if kids:
            y[prefix] = float(np.mean([y[k] for k in kids]))
        else:
            y[prefix] = float(leaves[0])
            leaves[0] += 1

    place(())
    depth = max(len(p) for p in nodes)
    if ax is None:
        fig = Figure(figsize=(1.45 * (depth + 1) + 0.6, 0.36 * leaves[0] + 1.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    names = list(vocab) if vocab is not None else None
    on_best = {tuple(best[:i]) for i in range(len(best) + 1)} if best is not None else set()

    for prefix in nodes:
        if prefix:
            parent = prefix[:-1]
            thick = prefix in on_best and parent in on_best
            ax.plot([len(parent), len(prefix)], [y[parent], y[prefix]], color=COLORS[nodes[prefix][1]],
                    lw=2.6 if thick else 0.9, alpha=0.9 if thick else 0.5, zorder=1)
    for prefix, (log_prob, status) in nodes.items():
        if not prefix:
            label = "<s>" if names is None else "start"
        else:
            word = names[prefix[-1]] if names is not None else str(prefix[-1])
            label = f"{word}  {log_prob:.2f}"
            if status == "finished" and alpha is not None:
                label += f"\nscore {log_prob / len(prefix) ** alpha:.2f}"
        ax.text(len(prefix), y[prefix], label, ha="center", va="center", fontsize=9,
                color="white" if status in ("open", "finished", "root") else "#424242",
                bbox=dict(boxstyle="round,pad=0.3", fc=COLORS[status] if status != "pruned" else "#eeeeee",
                          ec=COLORS[status], lw=0.8), zorder=2)
    ax.set_xlim(-0.6, depth + 0.6)
    ax.set_ylim(leaves[0] - 0.4, -0.6)
    ax.set_xticks(range(depth + 1), ["start"] + [f"step {t}" for t in range(1, depth + 1)])
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.legend(handles=[Patch(color=COLORS["open"], label="kept (open)"),
                       Patch(color=COLORS["finished"], label="finished"),
                       Patch(color="#eeeeee", ec=COLORS["pruned"], label="pruned")],
              loc="lower left", fontsize=8, frameon=False, ncols=3, bbox_to_anchor=(0.0, -0.16))
    ax.set_title(title)
    return fig


def plot_length_vs_alpha(alphas: Sequence[float], lengths: Mapping[str, Sequence[float]], ax=None,
                         title: str = "Length of the best output against alpha") -> Figure:
    """Mean output length (one curve per label, e.g. per beam size) against alpha.

    Args:
        alphas: the x values.
        lengths: label -> the mean length at each alpha.
        ax: an existing matplotlib Axes, or None for a new Figure.
        title: the Axes title.

    Returns:
        The Figure holding the plot.
    """
    if ax is None:
        fig = Figure(figsize=(6.4, 4.0), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    for label, values in lengths.items():
        if len(values) != len(alphas):
            raise ValueError(f"lengths[{label!r}] has {len(values)} values for {len(alphas)} alphas")
        ax.plot(alphas, values, marker="o", ms=3.5, label=label)
    ax.set_xlabel(r"alpha (score = sum log p / |y| ** alpha)")
    ax.set_ylabel("mean length of the best output")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    return fig
