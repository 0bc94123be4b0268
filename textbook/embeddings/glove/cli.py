"""``textbook train glove``: count co-occurrences, fit GloVe, write word2vec-format vectors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# hyperparameters the command line may set; the ones left out fall back to the demo settings
# (with --demo) or to Config's defaults
OPTIONS = ("dim", "window", "x_max", "alpha", "learning_rate", "batch_size", "epochs")


def run(args: argparse.Namespace) -> int:
    from textbook.data import Vocab
    from textbook.data.demo import corpus_or_demo
    from textbook.embeddings import glove

    sents = corpus_or_demo(args.corpus, args.demo)
    vocab = Vocab.build(sents, min_count=args.min_count)
    given = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}
    if args.demo:
        config = glove.demo_config(len(vocab), **given)
    else:
        config = glove.Config(vocab_size=len(vocab), dim=given.pop("dim", 100), **given)
    print(f"corpus: {sum(map(len, sents))} tokens, vocabulary: {len(vocab)} words "
          f"(min_count={args.min_count}); backend: {args.backend}", file=sys.stderr)
    result = glove.train(sents, vocab, config, backend=args.backend, seed=args.seed, progress=not args.quiet)
    print(f"co-occurrence matrix: {result.counts.nnz} non-zero entries (window {config.window}, "
          f"weighted by 1/distance); final loss {result.losses[-20:].mean():.4f}", file=sys.stderr)
    vecs = glove.vectors(result.params, vocab, which=args.vectors)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    vecs.save_word2vec(out, binary=args.binary)
    print(f"wrote {len(vecs)} vectors ({args.vectors}) of dimension {vecs.dim} to {out}"
          f" ({'binary' if args.binary else 'text'} word2vec format)")
    if args.params:
        glove.save_params(args.params, result.params, config)
        print(f"wrote params to {args.params}")
    return 0


def register_train(models: argparse._SubParsersAction) -> None:
    """Add ``glove`` to the ``textbook train`` subcommands."""
    p = models.add_parser(
        "glove", help="GloVe: weighted least squares on log co-occurrence counts, AdaGrad",
        description="Count co-occurrences (symmetric window, weighted by 1/distance), fit GloVe with AdaGrad "
                    "and write W + W_tilde in the word2vec text (or binary) format.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--corpus", metavar="FILE", help="UTF-8 text, one sentence per line")
    src.add_argument("--demo", action="store_true", help="use the embedded demo corpus")
    p.add_argument("--backend", choices=["numpy", "jax"], default="numpy")
    p.add_argument("--dim", type=int, help="vector size (100; 32 with --demo)")
    p.add_argument("--window", type=int, help="co-occurrence window (10)")
    p.add_argument("--x-max", type=float, help="count at which the weight f reaches 1 (100; 50 with --demo)")
    p.add_argument("--alpha", type=float, help="exponent of the weight f below x_max (0.75)")
    p.add_argument("--learning-rate", type=float, help="AdaGrad step size (0.05)")
    p.add_argument("--batch-size", type=int, help="non-zero entries per step (512; 256 with --demo)")
    p.add_argument("--epochs", type=int, help="passes over the non-zero entries (25)")
    p.add_argument("--vectors", choices=["W+W_tilde", "W"], default="W+W_tilde", help="which vectors to write")
    p.add_argument("--min-count", type=int, default=1, help="drop words seen fewer times")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="vectors.txt", help="where to write the vectors")
    p.add_argument("--binary", action="store_true", help="write the binary word2vec format")
    p.add_argument("--params", metavar="NPZ", help="also save the full params as .npz")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
