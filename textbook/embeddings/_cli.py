"""What ``textbook train word2vec|glove|fasttext`` share: read the corpus, make the config, write vectors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from textbook.core.cli_args import add_run_options, add_source, given

__all__ = ["add_common", "corpus_and_vocab", "make_config", "write_vectors"]


def add_common(p: argparse.ArgumentParser, params_help: str = "also save the full params as .npz") -> None:
    """The source, run and output options of every embedding trainer."""
    add_source(p)
    add_run_options(p)
    p.add_argument("--min-count", type=int, default=1, help="drop words seen fewer times")
    p.add_argument("--out", default="vectors.txt", help="where to write the vectors")
    p.add_argument("--binary", action="store_true", help="write the binary word2vec format")
    p.add_argument("--params", metavar="NPZ", help=params_help)


def add_sgd_options(p: argparse.ArgumentParser) -> None:
    """``--pipeline`` and ``--dtype``: where Word2Vec and FastText batches are made, and the tables'
    precision (the ``pipeline`` and ``dtype`` of ``word2vec.train``)."""
    p.add_argument("--pipeline", choices=["auto", "host", "device"], default="auto",
                   help="where batches are made: host (NumPy, either backend) or device (JAX); "
                        "auto: the device for JAX with negative sampling")
    p.add_argument("--dtype", choices=["float32", "float64"],
                   help="the precision the tables train in (the backend's default: float64 for NumPy, "
                        "float32 for JAX); float32 makes NumPy faster")


def sgd_options(args: argparse.Namespace) -> dict:
    """The keywords `add_sgd_options` gives ``train``."""
    return {"pipeline": args.pipeline, "dtype": args.dtype}


def corpus_and_vocab(args: argparse.Namespace, extra: str = ""):
    """The tokenised corpus (``--corpus`` or ``--demo``) and its vocabulary, with a one-line summary."""
    from textbook.data import Vocab
    from textbook.data.demo import corpus_or_demo

    sents = corpus_or_demo(args.corpus, args.demo)
    vocab = Vocab.build(sents, min_count=args.min_count)
    print(f"corpus: {sum(map(len, sents))} tokens, vocabulary: {len(vocab)} words "
          f"(min_count={args.min_count}){extra}; backend: {args.backend}", file=sys.stderr)
    return sents, vocab


def make_config(module, args: argparse.Namespace, vocab_size: int, options: tuple[str, ...], **fixed):
    """``module.demo_config`` under ``--demo``, else ``module.Config`` (dimension 100 unless given)."""
    settings = given(args, options)
    if args.demo:
        return module.demo_config(vocab_size, **fixed, **settings)
    return module.Config(vocab_size=vocab_size, dim=settings.pop("dim", 100), **fixed, **settings)


def write_vectors(vecs, args: argparse.Namespace, what: str = "") -> None:
    """Write ``vecs`` to ``--out`` in the word2vec format (``--binary`` or text)."""
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    vecs.save_word2vec(out, binary=args.binary)
    print(f"wrote {len(vecs)} vectors{what} of dimension {vecs.dim} to {out}"
          f" ({'binary' if args.binary else 'text'} word2vec format)")
