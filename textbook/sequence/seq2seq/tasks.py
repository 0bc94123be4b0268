"""Toy tasks for sequence to sequence, generated from a seed, over a small character vocabulary.

* ``reverse``: a string of 3..10 digits -> the same digits reversed (``"12345" -> "54321"``): the
  output's first token depends on the input's last one, the hardest case for a bottleneck.
* ``dates``: an ISO date -> day, month name, year (``"1999-12-31" -> "31 dec 1999"``): a
  translation with reordering (the year moves from the front to the back).

Every task shares the ids ``PAD = 0``, ``BOS = 1``, ``EOS = 2``; the characters follow. A pair is
encoded as ``src = x``, ``tgt_in = BOS y``, ``tgt_out = y EOS`` (`encode`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable

import numpy as np

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<s>", "</s>")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

__all__ = ["PAD", "BOS", "EOS", "Task", "TASKS", "get", "make_pairs", "encode", "pad", "to_ids", "to_text"]


def _reverse_pair(rng: np.random.Generator, min_len: int, max_len: int) -> tuple[str, str]:
    n = int(rng.integers(min_len, max_len + 1))
    digits = "".join(str(d) for d in rng.integers(0, 10, size=n))
    return digits, digits[::-1]


def _date_pair(rng: np.random.Generator, min_len: int, max_len: int) -> tuple[str, str]:
    day = datetime.date(1950, 1, 1) + datetime.timedelta(days=int(rng.integers(0, 36525)))
    return day.isoformat(), f"{day.day:02d} {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Task:
    """A toy task: its name, its vocabulary (specials first) and its pair generator."""

    name: str
    vocab: tuple[str, ...]
    generate: Callable
    min_len: int
    max_len: int
    max_src: int
    max_tgt: int

    def index(self) -> dict[str, int]:
        return {ch: i for i, ch in enumerate(self.vocab)}


_DATE_CHARS = sorted(set("0123456789- " + "".join(MONTHS)))
TASKS = {
    "reverse": Task("reverse", SPECIALS + tuple("0123456789"), _reverse_pair, 3, 10, 10, 10),
    "dates": Task("dates", SPECIALS + tuple(_DATE_CHARS), _date_pair, 10, 10, 10, 11),
}


def get(name) -> Task:
    """The task called ``name`` (``"reverse"`` or ``"dates"``); a `Task` is returned as is."""
    if isinstance(name, Task):
        return name
    if name not in TASKS:
        raise ValueError(f"task must be one of {tuple(TASKS)}, got {name!r}")
    return TASKS[name]


def make_pairs(task, n: int, seed: int, min_len: int | None = None, max_len: int | None = None,
               exclude: set | None = None) -> list[tuple[str, str]]:
    """``n`` distinct (source, target) string pairs of ``task`` from ``seed``, none of whose sources is in
    ``exclude`` (to hold out a test set). ``min_len``/``max_len`` bound the reversal's lengths (3..10)."""
    task = get(task)
    lo, hi = min_len or task.min_len, max_len or task.max_len
    if not task.min_len <= lo <= hi <= task.max_len:
        raise ValueError(f"lengths must satisfy {task.min_len} <= min_len <= max_len <= {task.max_len}, "
                         f"got {lo}, {hi}")
    rng = np.random.default_rng(seed)
    seen, pairs = set(exclude or ()), []
    for _ in range(100 * n + 1000):
        if len(pairs) == n:
            break
        src, tgt = task.generate(rng, lo, hi)
        if src not in seen:
            seen.add(src)
            pairs.append((src, tgt))
    if len(pairs) < n:
        raise ValueError(f"could not draw {n} distinct pairs of {task.name!r} with lengths {lo}..{hi}")
    return pairs


def to_ids(text: str, task) -> np.ndarray:
    """A string as ``(len,)`` int64 ids; ``ValueError`` naming any character outside the vocabulary."""
    index = get(task).index()
    unknown = sorted({ch for ch in text if ch not in index or index[ch] < len(SPECIALS)})
    if unknown:
        raise ValueError(f"characters not in the {get(task).name!r} vocabulary: {unknown}")
    return np.array([index[ch] for ch in text], dtype=np.int64)


def to_text(ids, task) -> str:
    """Ids back to a string, stopping at EOS and skipping PAD/BOS (and the -1 padding of decoders)."""
    vocab, out = get(task).vocab, []
    for i in np.asarray(ids).tolist():
        if i == EOS:
            break
        if i >= len(SPECIALS):
            out.append(vocab[i])
    return "".join(out)


def pad(seqs: list, length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Stack 1-D id arrays into ``(B, length)`` padded with PAD, and their ``(B,)`` lengths."""
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    out = np.full((len(seqs), int(length or lengths.max())), PAD, dtype=np.int64)
    for b, s in enumerate(seqs):
        out[b, :len(s)] = s
    return out, lengths


def encode(pairs: list, task) -> dict[str, np.ndarray]:
    """Pairs as one padded batch ``{"src", "src_lengths", "tgt_in", "tgt_out", "tgt_lengths"}``, padded to
    the task's maximal lengths (so every batch of a task has one shape)."""
    task = get(task)
    src, src_lengths = pad([to_ids(s, task) for s, _ in pairs], task.max_src)
    ys = [to_ids(t, task) for _, t in pairs]
    tgt_in, tgt_lengths = pad([np.concatenate([[BOS], y]) for y in ys], task.max_tgt + 1)
    tgt_out, _ = pad([np.concatenate([y, [EOS]]) for y in ys], task.max_tgt + 1)
    return {"src": src, "src_lengths": src_lengths, "tgt_in": tgt_in, "tgt_out": tgt_out,
            "tgt_lengths": tgt_lengths}
