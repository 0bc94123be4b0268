"""Train Word2Vec, GloVe, FastText and the PPMI-SVD baseline on one corpus and score them side by side.

    >>> from textbook.data.demo import demo_path, load_demo_corpus
    >>> rows = compare_models(load_demo_corpus(), analogies=[demo_path("demo_analogies.txt")],
    ...                       similarity=[demo_path("demo_similarity.tsv")], models=("ppmi-svd",), dim=16)
    >>> [row["model"] for row in rows]
    ['PPMI-SVD']

Every model sees the same tokens and the same vocabulary (built once, ``min_count``), the
same vector size, window and number of epochs; the rest of each model's settings come from its
own ``DEMO_SETTINGS`` (``settings="demo"``, tuned for small corpora) or its ``Config`` defaults
(``settings="default"``). Scores follow gensim's conventions (questions with an unknown word
are skipped and their share reported), so a table row reads: training time, then per
similarity file Spearman's rho and the share of pairs skipped, then per analogy file the
accuracy and the share of questions skipped. `report_table` prints the rows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from textbook.embeddings.evaluation.analogies import evaluate_analogies, read_analogies
from textbook.embeddings.evaluation.wordsim import evaluate_similarity, read_similarity
from textbook.embeddings.vectors import Vectors

__all__ = ["MODELS", "MODEL_NAMES", "SETTINGS", "compare_models", "score_vectors", "train_models"]

#: The models `compare_models` can train, by key, with the name shown in tables.
MODEL_NAMES: dict[str, str] = {"word2vec": "Word2Vec (SGNS)", "glove": "GloVe", "fasttext": "FastText",
                               "ppmi-svd": "PPMI-SVD"}
MODELS: tuple[str, ...] = tuple(MODEL_NAMES)
SETTINGS: tuple[str, ...] = ("demo", "default")


def _check_models(models: Sequence[str]) -> tuple[str, ...]:
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    models = tuple(models)
    unknown = [m for m in models if m not in MODEL_NAMES]
    if unknown or not models:
        raise ValueError(f"models must be a non-empty selection of {MODELS}, got {list(models)!r}")
    return models


def train_models(sentences: Sequence[Sequence[str]], vocab, models: Sequence[str] = MODELS, *,
                 dim: int | None = None, window: int | None = None, epochs: int | None = None,
                 settings: str = "demo", backend: str = "numpy", seed: int = 0, progress: bool = False,
                 options: Mapping[str, Mapping] | None = None) -> dict[str, tuple[Vectors, float]]:
    """Train each model on ``sentences`` over ``vocab``: ``{key: (vectors, training seconds)}``.

    Args:
        sentences: tokenised sentences.
        vocab: a ``textbook.data.Vocab`` built from them (shared by every model).
        models: keys of `MODEL_NAMES`, e.g. ``("word2vec", "glove")``.
        dim, window, epochs: shared by every model (``None``: each model's own setting).
            PPMI-SVD uses ``dim`` and ``window`` (uniform window, SVD of the PPMI matrix).
        settings: ``"demo"`` (each model's ``DEMO_SETTINGS``) or ``"default"`` (its ``Config`` defaults).
        backend: ``"numpy"`` or ``"jax"`` for the three trained models.
        seed: one seed for all.
        progress: progress bars while training.
        options: per-model overrides, e.g. ``{"glove": {"x_max": 50.0}}``.

    Returns:
        For FastText the vectors are the composed vocabulary vectors (what fastText writes to ``.vec``).
    """
    from textbook.embeddings import fasttext, glove, pmi, word2vec

    models = _check_models(models)
    if settings not in SETTINGS:
        raise ValueError(f"settings must be one of {SETTINGS}, got {settings!r}")
    options = dict(options or {})
    shared = {k: v for k, v in (("dim", dim), ("window", window), ("epochs", epochs)) if v is not None}
    packages = {"word2vec": word2vec, "glove": glove, "fasttext": fasttext}
    out: dict[str, tuple[Vectors, float]] = {}
    V = len(vocab)
    for key in models:
        extra = dict(options.get(key, {}))
        start = time.perf_counter()
        if key == "ppmi-svd":
            base = {"dim": word2vec.DEMO_SETTINGS["dim"] if settings == "demo" else 100,
                    "window": word2vec.DEMO_SETTINGS["window"] if settings == "demo" else 5}
            opts = {**base, **{k: v for k, v in shared.items() if k != "epochs"}, **extra}
            counts = pmi.cooccurrence(vocab.encode_corpus(sentences), V, window=opts["window"])
            vecs = pmi.svd_vectors(pmi.ppmi(counts), vocab.words, dim=min(opts["dim"], V))
        else:
            package = packages[key]
            base = dict(package.DEMO_SETTINGS) if settings == "demo" else {}
            base.setdefault("dim", 100)
            config = package.Config(vocab_size=V, **{**base, **shared, **extra})
            result = package.train(sentences, vocab, config, backend=backend, seed=seed, progress=progress)
            if key == "word2vec":
                vecs = word2vec.vectors(result.params, vocab)
            elif key == "glove":
                vecs = glove.vectors(result.params, vocab)
            else:
                vecs = fasttext.vectors(result.params, config, vocab)
        out[key] = (vecs, time.perf_counter() - start)
    return out


def _files(paths) -> list[Path]:
    if paths is None:
        return []
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return [Path(p) for p in paths]


def score_vectors(vectors: Vectors, analogies: Sequence = (), similarity: Sequence = (),
                  method: str = "add") -> dict[str, float]:
    """One table row of scores: per similarity file ``"<name> rho"`` and ``"<name> OOV"``, per
    analogy file ``"<name> acc"`` and ``"<name> OOV"`` (shares of skipped items in ``[0, 1]``).

    ``analogies`` and ``similarity`` are file paths (Google analogy format; WordSim-353 /
    SimLex-999 layout), or already-read ``{name: data}`` mappings.
    """
    row: dict[str, float] = {}
    for name, pairs in _named(similarity, read_similarity):
        rep = evaluate_similarity(vectors, pairs, name=name)
        row[f"{name} rho"] = rep.spearman
        row[f"{name} OOV"] = rep.oov_share
    for name, questions in _named(analogies, read_analogies):
        rep = evaluate_analogies(vectors, questions, method=method)
        row[f"{name} acc"] = rep.accuracy
        row[f"{name} OOV"] = rep.oov_share
    return row


def _named(files, reader) -> list[tuple[str, object]]:
    if isinstance(files, Mapping):
        return list(files.items())
    return [(p.stem, reader(p)) for p in _files(files)]


def compare_models(sentences: Sequence[Sequence[str]], *, analogies: Sequence = (), similarity: Sequence = (),
                   models: Sequence[str] = MODELS, min_count: int = 1, dim: int | None = None,
                   window: int | None = None, epochs: int | None = None, settings: str = "demo",
                   backend: str = "numpy", seed: int = 0, method: str = "add", progress: bool = False,
                   options: Mapping[str, Mapping] | None = None) -> list[dict]:
    """Train the models on one corpus and score them: one row per model, for `report_table`.

    Args:
        sentences: tokenised sentences (e.g. ``load_demo_corpus()``).
        analogies: Google-format analogy files (or ``{name: questions}``).
        similarity: word-pair similarity files (or ``{name: pairs}``).
        models: keys of `MODEL_NAMES`; a comma-separated string works too.
        min_count: the shared vocabulary keeps words seen at least this often.
        dim, window, epochs, settings, backend, seed, progress, options: see `train_models`.
        method: analogy rule, ``"add"`` (3CosAdd) or ``"mul"`` (3CosMul).

    Returns:
        ``[{"model": name, "train s": seconds, **score_vectors(...)}, ...]`` in the order of ``models``.
    """
    from textbook.data import Vocab

    models = _check_models(models)
    analogies = _named(analogies, read_analogies)       # read once, shared by every model
    similarity = _named(similarity, read_similarity)
    if not analogies and not similarity:
        raise ValueError("nothing to evaluate on: give analogy and/or similarity files")
    vocab = Vocab.build(sentences, min_count=min_count)
    trained = train_models(sentences, vocab, models, dim=dim, window=window, epochs=epochs, settings=settings,
                           backend=backend, seed=seed, progress=progress, options=options)
    rows = []
    for key, (vecs, seconds) in trained.items():
        scores = score_vectors(vecs, dict(analogies), dict(similarity), method=method)
        rows.append({"model": MODEL_NAMES[key], "train s": seconds, **scores})
    return rows
