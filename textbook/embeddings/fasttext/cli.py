"""``textbook train fasttext``: skip-gram on subword-composed vectors; write vectors and (optionally) the model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# hyperparameters the command line may set; the ones left out fall back to the demo settings
# (with --demo) or to Config's defaults
OPTIONS = ("dim", "window", "negatives", "epochs", "sample", "alpha", "min_alpha", "batch_size", "min_n", "max_n",
           "bucket")


def run(args: argparse.Namespace) -> int:
    from textbook.data import Vocab
    from textbook.data.demo import corpus_or_demo
    from textbook.embeddings import fasttext

    sents = corpus_or_demo(args.corpus, args.demo)
    vocab = Vocab.build(sents, min_count=args.min_count)
    given = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}
    if args.demo:
        config = fasttext.demo_config(len(vocab), **given)
    else:
        config = fasttext.Config(vocab_size=len(vocab), dim=given.pop("dim", 100), **given)
    print(f"corpus: {sum(map(len, sents))} tokens, vocabulary: {len(vocab)} words "
          f"(min_count={args.min_count}); n-grams {config.min_n}..{config.max_n} in {config.bucket} buckets; "
          f"backend: {args.backend}", file=sys.stderr)
    result = fasttext.train(sents, vocab, config, backend=args.backend, seed=args.seed, progress=not args.quiet)
    vecs = fasttext.vectors(result.params, config, vocab)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    vecs.save_word2vec(out, binary=args.binary)
    print(f"wrote {len(vecs)} vectors of dimension {vecs.dim} to {out}"
          f" ({'binary' if args.binary else 'text'} word2vec format)")
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
    src = p.add_mutually_exclusive_group()
    src.add_argument("--corpus", metavar="FILE", help="UTF-8 text, one sentence per line")
    src.add_argument("--demo", action="store_true", help="use the embedded demo corpus")
    p.add_argument("--backend", choices=["numpy", "jax"], default="numpy")
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
    p.add_argument("--min-count", type=int, default=1, help="drop words seen fewer times")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="vectors.txt", help="where to write the vectors")
    p.add_argument("--binary", action="store_true", help="write the binary word2vec format")
    p.add_argument("--params", metavar="NPZ", help="also save the model (params, config, words) as .npz")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
