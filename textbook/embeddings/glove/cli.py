"""``textbook train glove``: count co-occurrences, fit GloVe, write word2vec-format vectors."""

from __future__ import annotations

import argparse
import sys

from textbook.embeddings._cli import add_common, corpus_and_vocab, make_config, write_vectors

# hyperparameters the command line may set; the ones left out fall back to the demo settings
# (with --demo) or to Config's defaults
OPTIONS = ("dim", "window", "x_max", "alpha", "learning_rate", "batch_size", "epochs")


def run(args: argparse.Namespace) -> int:
    from textbook.embeddings import glove

    sents, vocab = corpus_and_vocab(args)
    config = make_config(glove, args, len(vocab), OPTIONS)
    result = glove.train(sents, vocab, config, backend=args.backend, seed=args.seed, progress=not args.quiet)
    print(f"co-occurrence matrix: {result.counts.nnz} non-zero entries (window {config.window}, "
          f"weighted by 1/distance); final loss {result.losses[-20:].mean():.4f}", file=sys.stderr)
    write_vectors(glove.vectors(result.params, vocab, which=args.vectors), args, f" ({args.vectors})")
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
    add_common(p)
    p.add_argument("--dim", type=int, help="vector size (100; 32 with --demo)")
    p.add_argument("--window", type=int, help="co-occurrence window (10)")
    p.add_argument("--x-max", type=float, help="count at which the weight f reaches 1 (100; 50 with --demo)")
    p.add_argument("--alpha", type=float, help="exponent of the weight f below x_max (0.75)")
    p.add_argument("--learning-rate", type=float, help="AdaGrad step size (0.05)")
    p.add_argument("--batch-size", type=int, help="non-zero entries per step (512; 256 with --demo)")
    p.add_argument("--epochs", type=int, help="passes over the non-zero entries (25)")
    p.add_argument("--vectors", choices=["W+W_tilde", "W"], default="W+W_tilde", help="which vectors to write")
    p.set_defaults(func=run)
