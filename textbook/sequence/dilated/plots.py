"""Pictures of the receptive field, measured on the model itself.

`influence` asks the real stack (its backward pass, ``input_gradient``) which positions of every
layer one output step depends on; `plot_receptive_field` draws that cone, and `plot_growth` the
receptive field against depth, dilated against undilated. The figures use
``matplotlib.figure.Figure`` directly (no pyplot state).
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from textbook.sequence.dilated import Config, backend, init, receptive_field

COLORS = {"cone": "#3f51b5", "other": "#c5cae9", "edge": "#3f51b5", "output": "#e65100"}


def influence(config: Config, length: int, t: int | None = None, seed: int = 0) -> list[np.ndarray]:
    """Which positions of each layer output step ``t`` of the stack depends on.

    For layer ``l`` the sub-stack of layers ``l, l+1, ...`` is given random params and its
    Jacobian row ``t`` (``input_gradient`` with an upstream gradient at step ``t`` only) is
    computed; its non-zero entries are the positions of layer ``l``'s input that reach the output.

    Returns:
        ``L + 1`` boolean arrays of shape ``(length,)``: level 0 is the input, level ``L`` the output.
    """
    t = length - 1 if t is None else int(t)
    if not 0 <= t < length:
        raise ValueError(f"t must lie in [0, {length}), got {t}")
    impl = backend("numpy")
    rng = np.random.default_rng(seed)
    L = len(config.dilations)
    levels = []
    for l in range(L):
        sub = dataclasses.replace(config, in_channels=config.in_channels if l == 0 else config.channels,
                                  dilations=config.dilations[l:], out_channels=0)
        params = {k: v + 0.1 * rng.normal(size=v.shape) for k, v in init(sub, seed).items()}
        x = rng.normal(size=(1, length, sub.in_channels))
        dy = np.zeros((1, length, sub.channels))
        dy[0, t] = rng.normal(size=sub.channels)
        dx = impl.input_gradient(params, x, dy, sub)[0]
        levels.append(np.abs(dx).sum(axis=1) > 0)
    top = np.zeros(length, dtype=bool)
    top[t] = True
    return levels + [top]


def measured_receptive_field(config: Config, seed: int = 0) -> int:
    """The receptive field read off the Jacobian: how far back the last output step reaches, plus one."""
    length = receptive_field(config.kernel_size, config.dilations) + 2
    used = np.flatnonzero(influence(config, length, seed=seed)[0])
    return int(length - used.min())


def plot_receptive_field(config: Config, length: int | None = None, t: int | None = None, ax=None,
                         title: str | None = None) -> Figure:
    """Draw the stack as rows of nodes (input at the bottom) and the cone of output step ``t``.

    Blue nodes are the positions that step ``t`` of the output depends on (measured by
    `influence`); lines are the convolution taps that connect them.
    """
    RF = receptive_field(config.kernel_size, config.dilations)
    length = RF + 3 if length is None else int(length)
    t = length - 1 if t is None else int(t)
    levels = influence(config, length, t)
    L = len(config.dilations)
    if ax is None:
        fig = Figure(figsize=(max(6.0, 0.32 * length + 1.5), 0.75 * (L + 1) + 1.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    for level in range(L, 0, -1):                                 # taps from level to level - 1
        d = config.dilations[level - 1]
        for s in np.flatnonzero(levels[level]):
            for j in range(config.kernel_size):
                src = s - j * d
                if src >= 0:
                    ax.plot([src, s], [level - 1, level], color=COLORS["edge"], lw=0.8, alpha=0.6, zorder=1)
    for level, used in enumerate(levels):
        xs = np.arange(length)
        ax.scatter(xs[~used], np.full((~used).sum(), level), s=28, color=COLORS["other"], zorder=2)
        color = COLORS["output"] if level == L else COLORS["cone"]
        ax.scatter(xs[used], np.full(used.sum(), level), s=36, color=color, zorder=3)
    first = int(np.flatnonzero(levels[0]).min())
    ax.annotate("", xy=(first - 0.3, -0.55), xytext=(t + 0.3, -0.55),
                arrowprops=dict(arrowstyle="<->", color=COLORS["output"], lw=1.2))
    ax.text((first + t) / 2, -0.95, f"receptive field: {t - first + 1} steps", ha="center", va="top",
            color=COLORS["output"], fontsize=9)
    ax.set_yticks(range(L + 1))
    ax.tick_params(axis="y", length=0)
    ax.set_yticklabels(["input"] + [f"layer {l + 1}, d={d}" for l, d in enumerate(config.dilations)])
    ax.set_xticks(range(0, length, max(1, length // 12)))
    ax.set_xlabel("time step")
    ax.set_ylim(-1.5, L + 0.5)
    ax.set_xlim(-0.8, length - 0.2)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(title or f"Kernel size {config.kernel_size}, dilations {config.dilations}: RF = {RF}")
    return fig


def plot_growth(kernel_sizes: Sequence[int] = (2, 3), max_layers: int = 10, measured_layers: int = 5,
                ax=None, title: str = "Receptive field against depth") -> Figure:
    """The receptive field after ``L`` layers: dilations ``1, 2, 4, ...`` against dilation 1 everywhere.

    Lines are the formula ``1 + (k - 1) * sum(dilations)``; markers, for the first
    ``measured_layers`` depths, are read off the Jacobian of a real stack (`measured_receptive_field`).
    """
    if ax is None:
        fig = Figure(figsize=(6.4, 4.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    depths = np.arange(1, max_layers + 1)
    colors = ["#3f51b5", "#e65100", "#2e7d32", "#6a1b9a"]
    for i, k in enumerate(kernel_sizes):
        for dilated_stack, style in ((True, "-"), (False, "--")):
            def dils(L):
                return tuple(2 ** l for l in range(L)) if dilated_stack else (1,) * L
            rf = [receptive_field(k, dils(L)) for L in depths]
            label = f"k={k}, " + ("dilations 1, 2, 4, ..." if dilated_stack else "no dilation")
            ax.plot(depths, rf, style, color=colors[i % len(colors)], label=label)
            shown = depths[:measured_layers]
            measured = [measured_receptive_field(Config(1, 2, k, dils(L))) for L in shown]
            ax.plot(shown, measured, "o", color=colors[i % len(colors)], ms=5, mfc="none")
    ax.plot([], [], "o", color="gray", mfc="none", label="measured on the model (Jacobian)")
    ax.set_yscale("log", base=2)
    ax.set_xlabel("layers L")
    ax.set_ylabel("receptive field (input steps)")
    ax.set_xticks(depths)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title)
    return fig
