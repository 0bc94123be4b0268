"""Embedding commands: ``textbook vectors WORD...`` and the ``--compare`` mode of ``textbook evaluate``.

* ``register(sub)`` adds ``vectors``: nearest neighbours of words, from vectors in the
  word2vec format (``--vectors FILE``) and/or a FastText model saved by
  ``textbook train fasttext --params NPZ`` (``--model NPZ``), which also answers for words that
  were never seen in training (their vector is the mean of their character n-gram rows).
* ``extend_evaluate(ev)`` adds ``--compare`` (and its options) to the ``evaluate`` parser:
  train Word2Vec, GloVe, FastText and PPMI-SVD on one corpus and print one table of scores.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# ----------------------------------------------------------------------------- textbook vectors


def _load_model(path: Path, vocab_words: list[str] | None):
    """``(params, config, words)`` of a FastText model file; ``words`` from the file or from ``vocab_words``."""
    from textbook.embeddings import fasttext

    if not path.is_file():
        raise FileNotFoundError(f"--model: no such file: {path}")
    try:
        params, config = fasttext.load_params(path)
    except (KeyError, TypeError) as err:
        raise ValueError(f"--model: {path} is not a FastText model written by "
                         f"`textbook train fasttext --params` ({err})") from None
    words = fasttext.load_words(path) or vocab_words
    if words is None:
        raise ValueError(f"--model: {path} holds no vocabulary; give the vectors it was trained with (--vectors FILE)")
    if len(words) != config.vocab_size:
        raise ValueError(f"--model: {path} has {config.vocab_size} word rows but the vocabulary has {len(words)} words")
    return params, config, words


def run_vectors(args: argparse.Namespace) -> int:
    """Print the nearest neighbours of each WORD; out-of-vocabulary words need a FastText ``--model``."""
    from textbook.embeddings import fasttext
    from textbook.embeddings.vectors import Vectors

    if args.vectors is None and args.model is None:
        raise ValueError("give --vectors FILE (word2vec format) and/or --model NPZ (a FastText model)")
    if args.topn < 1:
        raise ValueError(f"--topn must be >= 1, got {args.topn}")
    vecs = None
    if args.vectors is not None:
        path = Path(args.vectors)
        if not path.is_file():
            raise FileNotFoundError(f"--vectors: no such file: {path}")
        vecs = Vectors.load_word2vec(path, binary=args.binary)
    model = None
    if args.model is not None:
        model = _load_model(Path(args.model), vecs.words if vecs is not None else None)
        if vecs is None:                                          # the composed vocabulary vectors
            vecs = fasttext.vectors(model[0], model[1], model[2])
    missing = 0
    for word in args.words:
        if word in vecs:
            how, neighbours = "in the vocabulary", vecs.most_similar(word, topn=args.topn)
        elif model is not None and (word in model[2] or fasttext.char_ngrams(word, model[1].min_n, model[1].max_n)):
            vec = fasttext.word_vectors(model[0], model[1], model[2], [word])[0]
            how = "in the model's vocabulary" if word in model[2] else \
                f"out of vocabulary: mean of its {len(fasttext.char_ngrams(word, model[1].min_n, model[1].max_n))} n-grams"
            neighbours = vecs.most_similar(positive=[vec], topn=args.topn, exclude=[word])
        else:
            missing += 1
            why = ("it is not in the vocabulary and has no character n-gram of "
                   f"{model[1].min_n}..{model[1].max_n} characters") if model is not None else \
                "it is not in the vocabulary (a FastText model, --model NPZ, gives vectors to unseen words)"
            print(f"{word}: no vector: {why}", file=sys.stderr)
            continue
        print(f"{word} ({how}):")
        for other, cos in neighbours:
            print(f"  {other:<20} {cos:.3f}")
    return 1 if missing else 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``vectors`` to the top-level ``textbook`` commands."""
    p = sub.add_parser(
        "vectors", help="nearest neighbours of words (FastText models: unseen words too)",
        description="Print the nearest neighbours (cosine similarity) of each WORD. With --model, a FastText "
                    "model saved by `textbook train fasttext --params NPZ`, words never seen in training get "
                    "a vector too: the mean of their character n-gram rows.",
    )
    p.add_argument("words", metavar="WORD", nargs="+", help="words to look up")
    p.add_argument("--vectors", metavar="FILE", help="vectors in the word2vec text or binary format")
    p.add_argument("--model", metavar="NPZ", help="a FastText model (textbook train fasttext --params NPZ)")
    p.add_argument("--topn", type=int, default=10, help="neighbours per word")
    p.add_argument("--binary", action="store_true", default=None, help="FILE is binary (guessed if omitted)")
    p.set_defaults(func=run_vectors)


# ----------------------------------------------------------------------------- textbook evaluate --compare


def run_compare(args: argparse.Namespace) -> int:
    """Train the selected models on one corpus and print their scores as one table."""
    from textbook.data.demo import corpus_or_demo, demo_path
    from textbook.embeddings import evaluation

    sents = corpus_or_demo(args.corpus, args.demo)
    if args.analogies or args.similarity:
        analogies = [Path(p) for p in args.analogies or []]
        similarity = [Path(p) for p in args.similarity or []]
    elif args.demo:
        analogies, similarity = [demo_path("demo_analogies.txt")], [demo_path("demo_similarity.tsv")]
    else:
        analogies, similarity = [], []
        for name, bucket in (("wordsim353", similarity), ("simlex999", similarity), ("analogies", analogies)):
            try:
                bucket.append(Path(evaluation.benchmark_path(name)))
            except FileNotFoundError as err:
                print(f"note: {err}", file=sys.stderr)
    for p in analogies + similarity:
        if not p.is_file():
            raise FileNotFoundError(f"no such benchmark file: {p}")
    print(f"training {args.models} on {sum(map(len, sents))} tokens (backend {args.backend}, "
          f"{'demo' if args.demo else 'default'} settings) ...", file=sys.stderr)
    method = {"3cosadd": "add", "3cosmul": "mul"}.get(getattr(args, "method", "3cosadd"), "add")
    rows = evaluation.compare_models(sents, analogies=analogies, similarity=similarity, models=args.models,
                                     min_count=args.min_count, dim=args.dim, window=args.window, epochs=args.epochs,
                                     settings="demo" if args.demo else "default", backend=args.backend,
                                     seed=args.seed, method=method, progress=not args.quiet)
    print(evaluation.report_table(rows))
    return 0


def extend_evaluate(ev: argparse.ArgumentParser) -> None:
    """Give ``textbook evaluate`` a ``--compare`` mode (call after its own arguments and ``func`` are set).

    ``textbook evaluate --compare --demo`` (or ``--corpus FILE``) trains Word2Vec, GloVe, FastText and
    PPMI-SVD on one corpus and prints one table; without ``--compare`` the command is unchanged.
    The ``VECTORS`` positional of ``evaluate`` must be optional (``nargs="?"``) for ``--compare``
    to be usable without it.
    """
    from textbook.embeddings.evaluation.compare import MODELS

    g = ev.add_argument_group("compare models (--compare)")
    g.add_argument("--compare", action="store_true",
                   help="train Word2Vec, GloVe, FastText and PPMI-SVD on one corpus (--corpus FILE, or --demo: "
                        "the demo corpus and its benchmark files) and print one table of scores")
    g.add_argument("--corpus", metavar="FILE", help="with --compare: UTF-8 text, one sentence per line")
    g.add_argument("--models", default=",".join(MODELS), help="with --compare: comma-separated models")
    g.add_argument("--backend", choices=["numpy", "jax"], default="jax", help="with --compare")
    g.add_argument("--dim", type=int, help="with --compare: vector size for every model")
    g.add_argument("--window", type=int, help="with --compare: window for every model")
    g.add_argument("--epochs", type=int, help="with --compare: epochs for the trained models")
    g.add_argument("--min-count", type=int, default=1, help="with --compare: drop words seen fewer times")
    g.add_argument("--seed", type=int, default=0, help="with --compare")
    g.add_argument("--quiet", action="store_true", help="with --compare: no progress bars")
    evaluate = ev.get_default("func")

    def dispatch(args: argparse.Namespace) -> int:
        if args.compare:
            if getattr(args, "vectors", None):
                raise ValueError("--compare trains its own models: leave out VECTORS")
            return run_compare(args)
        if args.corpus is not None:
            raise ValueError("--corpus is an option of --compare")
        if getattr(args, "vectors", None) is None:
            raise ValueError("give VECTORS (a word2vec-format file), or --compare to train and compare the models")
        return evaluate(args)

    ev.set_defaults(func=dispatch)
