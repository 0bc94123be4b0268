"""``textbook train word2vec``: train on a corpus (or the demo) and write word2vec-format vectors."""

from __future__ import annotations

import argparse

from textbook.embeddings._cli import (add_common, add_sgd_options, corpus_and_vocab, make_config, sgd_options,
                                      write_vectors)

# hyperparameters the command line may set; the ones left out fall back to the demo settings
# (with --demo) or to Config's defaults
OPTIONS = ("dim", "window", "negatives", "epochs", "sample", "alpha", "min_alpha", "batch_size", "cbow_update")


def run(args: argparse.Namespace) -> int:
    from textbook.embeddings import word2vec

    sents, vocab = corpus_and_vocab(args)
    config = make_config(word2vec, args, len(vocab), OPTIONS, model=args.model, objective=args.objective)
    result = word2vec.train(sents, vocab, config, backend=args.backend, seed=args.seed,
                            progress=not args.quiet, **sgd_options(args))
    write_vectors(word2vec.vectors(result.params, vocab), args)
    if args.params:
        word2vec.save_params(args.params, result.params, config)
        print(f"wrote params to {args.params}")
    return 0


def register_train(models: argparse._SubParsersAction) -> None:
    """Add ``word2vec`` to the ``textbook train`` subcommands."""
    p = models.add_parser(
        "word2vec", help="skip-gram or CBOW, negative sampling or full softmax",
        description="Train Word2Vec and write its input vectors in the word2vec text (or binary) format.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add_common(p)
    add_sgd_options(p)
    p.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram")
    p.add_argument("--objective", choices=["neg", "softmax"], default="neg")
    p.add_argument("--cbow-update", choices=["mean", "full"],
                   help="CBOW context rows get dl/dh / n (mean, the gradient) or the whole dl/dh (full, "
                        "as the C tool and gensim) (mean)")
    p.add_argument("--dim", type=int, help="embedding dimension (100; 32 with --demo)")
    p.add_argument("--window", type=int, help="maximum context window (5)")
    p.add_argument("--negatives", type=int, help="negative samples per pair (5)")
    p.add_argument("--epochs", type=int, help="passes over the corpus (5; 10 with --demo)")
    p.add_argument("--sample", type=float, help="frequent-word subsampling threshold (1e-3)")
    p.add_argument("--alpha", type=float, help="initial learning rate (0.025; 0.1 with --demo)")
    p.add_argument("--min-alpha", type=float, help="final learning rate (1e-4)")
    p.add_argument("--batch-size", type=int, help="pairs per SGD step (64; 256 with --demo)")
    p.set_defaults(func=run)
