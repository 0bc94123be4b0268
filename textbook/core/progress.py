"""A small progress bar for long loops: counts, rate, time left and live metrics.

It writes to stderr, redraws at most a few times a second, and falls back to
one line per ~10% when stderr is not a terminal (CI logs stay short).

    >>> with Progress(total=3, desc="epoch 1", unit="words", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.update(1, loss=0.5)
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _fmt_count(x: float) -> str:
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"{x / div:.1f}{unit}"
    return f"{x:.0f}"


def _fmt_time(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """Progress over ``total`` units; ``update(n, **metrics)`` advances it and shows the metrics."""

    def __init__(self, total: int, desc: str = "", unit: str = "it", enabled: bool = True,
                 stream: TextIO | None = None, min_interval: float = 0.2) -> None:
        self.total = max(int(total), 1)
        self.desc, self.unit, self.enabled = desc, unit, enabled
        self.stream = stream if stream is not None else sys.stderr
        self.min_interval = min_interval
        self.count = 0
        self.metrics: dict[str, float] = {}
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._last_decile = -1
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    @property
    def rate(self) -> float:
        """Units per second since the start."""
        return self.count / max(time.perf_counter() - self.start, 1e-9)

    def update(self, n: int = 1, **metrics: float) -> None:
        self.count += n
        self.metrics.update(metrics)
        now = time.perf_counter()
        if self._tty and now - self._last_draw >= self.min_interval:
            self._draw(end="\r")
            self._last_draw = now
        elif not self._tty:
            decile = min(10, 10 * self.count // self.total)
            if decile > self._last_decile:
                self._last_decile = decile
                self._draw(end="\n")

    def line(self) -> str:
        frac = min(self.count / self.total, 1.0)
        width = 24
        filled = int(round(frac * width))
        bar = "#" * filled + "-" * (width - filled)
        rate = self.rate
        left = (self.total - self.count) / rate if rate > 0 else 0.0
        extra = " ".join(f"{k}={v:.4g}" for k, v in self.metrics.items())
        return (f"{self.desc} [{bar}] {100 * frac:3.0f}% {_fmt_count(self.count)}/{_fmt_count(self.total)} "
                f"{_fmt_count(rate)} {self.unit}/s eta {_fmt_time(left)} {extra}").strip()

    def _draw(self, end: str) -> None:
        if self.enabled:
            print(self.line(), end=end, file=self.stream, flush=True)

    def close(self) -> None:
        if self._tty:
            self._draw(end="\n")
        elif self._last_decile < 10:
            self._draw(end="\n")

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
