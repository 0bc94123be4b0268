"""``textbook train fasttext``: skip-gram on subword-composed vectors; write vectors and (optionally) the model."""

from __future__ import annotations

import argparse
import sys

from textbook.embeddings._cli import (add_common, add_sgd_options, corpus_and_vocab, make_config, sgd_options,
                                      write_vectors)

# hyperparameters the command line may set; the ones left out fall back to the demo settings
# (with --demo) or to Config's defaults
OPTIONS = ("dim", "window", "negatives", "epochs", "sample", "alpha", "min_alpha", "batch_size", "min_n", "max_n",
           "bucket")


def run(args: argparse.Namespace) -> int:
    from textbook.embeddings import fasttext

    sents, vocab = corpus_and_vocab(args)
    config = make_config(fasttext, args, len(vocab), OPTIONS)
    print(f"n-grams {config.min_n}..{config.max_n} hashed into {config.bucket} buckets", file=sys.stderr)
    result = fasttext.train(sents, vocab, config, backend=args.backend, seed=args.seed, progress=not args.quiet,
                            **sgd_options(args))
    write_vectors(fasttext.vectors(result.params, config, vocab), args)
    if args.params:
        fasttext.save_params(args.params, result.params, config, words=vocab.words)
        print(f"wrote the model (params, config and words) to {args.params}; "
              f"out-of-vocabulary words: textbook vectors WORD --model {args.params}")
    return 0


def register_train(models: argparse._SubParsersAction) -> None:
    """Add ``fasttext`` to the ``textbook train`` subcommands."""
    p = models.add_parser(
        "fasttext", help="FastText: skip-gram on words composed of character n-grams",
        description="Train FastText (skip-gram, negative sampling, a word's vector being the mean of its row "
                    "and its character n-gram rows) and write the vocabulary's vectors in the word2vec text "
                    "(or binary) format. Keep --params for vectors of out-of-vocabulary words.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add_common(p, params_help="also save the model (params, config, words) as .npz")
    add_sgd_options(p)
    p.add_argument("--dim", type=int, help="vector size (100; 32 with --demo)")
    p.add_argument("--min-n", type=int, help="shortest n-gram, in characters (3)")
    p.add_argument("--max-n", type=int, help="longest n-gram, in characters (6)")
    p.add_argument("--bucket", type=int, help="rows of the n-gram hash table (2000000; 32768 with --demo)")
    p.add_argument("--window", type=int, help="maximum context window (5)")
    p.add_argument("--negatives", type=int, help="negative samples per pair (5)")
    p.add_argument("--epochs", type=int, help="passes over the corpus (5; 10 with --demo)")
    p.add_argument("--sample", type=float, help="frequent-word subsampling threshold (1e-3)")
    p.add_argument("--alpha", type=float, help="initial learning rate (0.5)")
    p.add_argument("--min-alpha", type=float, help="final learning rate (1e-4)")
    p.add_argument("--batch-size", type=int, help="pairs per SGD step (64; 256 with --demo)")
    p.set_defaults(func=run)
