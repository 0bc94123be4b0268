"""Input checks shared by the data modules (clear errors that name the argument)."""

from __future__ import annotations

import numpy as np

__all__ = ["check_corpus", "check_int", "check_rng", "flatten"]


def check_int(value: object, name: str, low: int) -> int:
    """``value`` as a Python int, or a ``TypeError``/``ValueError`` naming ``name`` and the range."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value}")
    return int(value)


def check_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """Insist on an explicit ``numpy.random.Generator`` (e.g. ``np.random.default_rng(0)``)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator (np.random.default_rng(seed)), got {rng!r}")
    return rng


def check_ids(ids: object, name: str, vocab_size: int | None = None) -> np.ndarray:
    """A 1-D int64 copy of ``ids``; every id must be a non-negative integer (< vocab_size if given)."""
    arr = np.asarray(ids)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of word ids, got shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer word ids, got dtype {arr.dtype}")
    low, high = arr.min(), arr.max()
    if low < 0:
        raise ValueError(f"{name} must hold non-negative word ids, got {low}")
    if vocab_size is not None and high >= vocab_size:
        raise ValueError(f"{name} holds id {high}, outside the vocabulary [0, {vocab_size})")
    return arr.astype(np.int64)


def check_corpus(corpus_ids: object, name: str = "corpus_ids", vocab_size: int | None = None) -> list[np.ndarray]:
    """Validate an encoded corpus: a list with one 1-D array of non-negative int ids per sentence.

    Args:
        corpus_ids: e.g. ``vocab.encode_corpus(sentences)``.
        name: the argument name used in error messages.
        vocab_size: if given, every id must be smaller.

    Returns:
        The sentences as int64 arrays.

    Raises:
        TypeError: for a bare 1-D array (wrap it in a list for a single
            sentence), a string, or non-integer ids.
        ValueError: for a negative or out-of-vocabulary id, or a sentence that is not 1-D.
    """
    if isinstance(corpus_ids, (str, bytes)):
        raise TypeError(f"{name} must be a list of 1-D id arrays (one per sentence), got a string")
    if isinstance(corpus_ids, np.ndarray) and corpus_ids.ndim == 1 and corpus_ids.dtype != object:
        raise TypeError(
            f"{name} must be a list of 1-D id arrays (one per sentence), got a single 1-D array; "
            f"wrap it in a list ([ids]) for a one-sentence corpus"
        )
    try:
        sents = list(corpus_ids)
    except TypeError:
        raise TypeError(f"{name} must be a list of 1-D id arrays (one per sentence), got {type(corpus_ids).__name__}")
    return [check_ids(s, f"{name}[{i}]", vocab_size) for i, s in enumerate(sents)]


def flatten(corpus: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate checked sentences: ``(ids (M,), sentence index of each token (M,))``, both int64."""
    lengths = np.array([len(s) for s in corpus], dtype=np.int64)
    flat = np.concatenate(corpus) if corpus else np.zeros(0, dtype=np.int64)
    sid = np.repeat(np.arange(len(corpus), dtype=np.int64), lengths)
    return flat.astype(np.int64, copy=False), sid
