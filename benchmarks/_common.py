"""Pieces the benchmark scripts share."""

from __future__ import annotations

import resource

import numpy as np


def peak_mb() -> float:
    """This process's peak resident memory in MB.

    ``VmHWM`` of ``/proc/self/status`` where there is one: on Linux ``ru_maxrss`` of a child
    started by ``subprocess`` starts from the parent's peak (it survives ``exec``), so it would
    report the parent's memory when that is larger.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def frequent_vocabulary(corpus, min_count: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The words of a synthetic corpus seen at least ``min_count`` times, and its sentences in their ids.

    Returns ``(kept, sentences)``: ``kept (V,)`` the corpus ids by descending count (ties in id
    order), and each sentence re-encoded as positions in ``kept``, rarer words dropped.
    """
    counts = np.bincount(corpus.ids, minlength=corpus.topic.size)
    order = np.argsort(-counts, kind="stable")
    kept = order[counts[order] >= min_count]                      # ids by descending count
    remap = np.full(counts.size, -1, dtype=np.int64)
    remap[kept] = np.arange(kept.size)
    return kept, [s[s >= 0] for s in np.split(remap[corpus.ids], corpus.offsets[1:-1])]


def topic_quality(vectors: np.ndarray, topic: np.ndarray, seed: int = 0) -> dict:
    """Same-topic precision@10 of the rows of ``vectors``, all topic words and the rarer half (2000 queries each).

    ``topic (V,)`` is each row's planted topic (-1: none); rows are in vocabulary order (by count).
    """
    from textbook.data.synthetic import topic_precision

    rng = np.random.default_rng(seed)
    candidates = np.flatnonzero(topic >= 0)
    rare = candidates[candidates.size // 2:]
    pick = lambda a: rng.choice(a, size=min(2000, a.size), replace=False)   # noqa: E731
    return {"p@10": topic_precision(vectors, topic, queries=pick(candidates)),
            "p@10 rare": topic_precision(vectors, topic, queries=pick(rare))}
