"""One ``.npz`` layout for every model's params and checkpoints: plain arrays, no pickle.

A file holds

- ``param/<name>``: each parameter array, under its own name;
- ``config``: a JSON string ``{"model": <model name>, "fields": {<the Config's fields>}}``;
- ``meta``: a JSON string of anything else a model wants back (epoch, label names, task ...);
- ``vocab_words`` and ``vocab_counts``: the vocabulary, when there is one.

``load`` is read with ``allow_pickle=False``, checks the model name, and rebuilds the
``Config`` (whose own checks then run), so a file of another model or a tampered config
fails with a clear ``ValueError``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Checkpoint", "save", "load"]

_PARAM = "param/"


@dataclass
class Checkpoint:
    """What `load` returns."""

    params: dict[str, np.ndarray]
    config: object
    meta: dict = field(default_factory=dict)
    words: list[str] | None = None
    counts: np.ndarray | None = None


def save(path: str | os.PathLike, params: Mapping, config: object, *, model: str, meta: Mapping | None = None,
         words: Sequence[str] | None = None, counts: Sequence[int] | None = None) -> None:
    """Write ``params`` (NumPy or JAX arrays), ``config`` (a dataclass) and extras to ``path``."""
    if not dataclasses.is_dataclass(config):
        raise TypeError(f"config must be a Config dataclass, got {type(config).__name__}")
    arrays = {_PARAM + k: np.asarray(v) for k, v in params.items()}
    arrays["config"] = np.array(json.dumps({"model": model, "fields": dataclasses.asdict(config)}))
    arrays["meta"] = np.array(json.dumps(dict(meta or {})))
    if words is not None:
        arrays["vocab_words"] = np.array([str(w) for w in words], dtype=str)
    if counts is not None:
        arrays["vocab_counts"] = np.asarray(counts, dtype=np.int64)
    np.savez(path, **arrays)


def load(path: str | os.PathLike, config_cls: type, *, model: str) -> Checkpoint:
    """Read what `save` wrote for ``model``; ``config_cls(**fields)`` rebuilds (and re-checks) the config."""
    name = os.fspath(path)
    with np.load(path, allow_pickle=False) as data:
        if "config" not in data.files:
            raise ValueError(f"{name!r} is not a {model} checkpoint (no 'config' entry)")
        settings = json.loads(str(data["config"]))
        found = settings.get("model") if isinstance(settings, dict) else None
        if found != model or not isinstance(settings.get("fields"), dict):
            raise ValueError(f"{name!r} holds another model ({found or 'unknown'}), not {model}")
        params = {k[len(_PARAM):]: data[k] for k in data.files if k.startswith(_PARAM)}
        meta = json.loads(str(data["meta"])) if "meta" in data.files else {}
        words = [str(w) for w in data["vocab_words"]] if "vocab_words" in data.files else None
        counts = np.array(data["vocab_counts"]) if "vocab_counts" in data.files else None
    return Checkpoint(params=params, config=config_cls(**settings["fields"]), meta=meta, words=words, counts=counts)
