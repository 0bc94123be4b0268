"""``textbook train textcnn``: train a sentence classifier on labelled lines (or the demo set)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from textbook.core.cli_args import add_run_options, add_source

# hyperparameters the command line may set; the ones left out fall back to the demo settings
# (with --demo) or to Config's defaults
OPTIONS = ("dim", "widths", "filters", "dropout", "lr", "batch_size", "epochs", "max_len")


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in text.replace(",", " ").split())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected filter widths like '3,4,5', got {text!r}") from None
    if not widths:
        raise argparse.ArgumentTypeError("expected at least one filter width, e.g. '3,4,5'")
    return widths


def run(args: argparse.Namespace) -> int:
    from textbook.sequence import textcnn

    if args.demo == bool(args.data):
        raise ValueError("give exactly one of --data FILE or --demo")
    data = textcnn.load_demo() if args.demo else textcnn.read_labelled(args.data, encoding=args.encoding)
    if args.test:
        train_set, test_set = data, textcnn.read_labelled(args.test, encoding=args.encoding)
    elif args.test_share > 0:
        train_set, test_set = textcnn.split(data, test_share=args.test_share, seed=args.seed)
    else:
        train_set, test_set = data, None
    given = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}
    if args.demo:
        config = textcnn.demo_config(vocab_size=1, num_classes=2, **given)
    else:
        config = textcnn.Config(vocab_size=1, num_classes=2, **given)
    print(f"data: {len(train_set)} training texts" + (f", {len(test_set)} held out" if test_set else "") +
          f", labels {train_set.label_names()}; backend: {args.backend}", file=sys.stderr)
    result = textcnn.train(train_set, config, backend=args.backend, seed=args.seed, progress=not args.quiet,
                           eval_data=test_set, min_count=args.min_count)
    print(f"vocabulary: {len(result.vocab)} words (with <unk>); {len(result.losses)} Adam steps, "
          f"{result.texts_per_sec:.0f} texts/s")
    print(f"training accuracy: {textcnn.accuracy(result, train_set, backend=args.backend):.3f}")
    if test_set is not None:
        print(f"held-out accuracy: {textcnn.accuracy(result, test_set, backend=args.backend):.3f}")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        textcnn.save_params(out, result)
        print(f"wrote the model to {out}")
    return 0


def register_train(models: argparse._SubParsersAction) -> None:
    """Add ``textcnn`` to the ``textbook train`` subcommands."""
    p = models.add_parser(
        "textcnn", help="TextCNN sentence classifier (Kim, 2014)",
        description="Train TextCNN on labelled lines, 'label<TAB>text' or fastText's '__label__x text', "
                    "and report its accuracy on held-out texts.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add_source(p, "--data", help="UTF-8 file, one labelled text per line", demo_help="use the embedded demo sentiment set")
    add_run_options(p)
    p.add_argument("--encoding", default="utf-8", help="text encoding of --data and --test (e.g. cp1252)")
    p.add_argument("--test", metavar="FILE", help="held-out labelled texts (default: split --test-share off the data)")
    p.add_argument("--test-share", type=float, default=0.2, help="share of the data held out (0: none)")
    p.add_argument("--dim", type=int, help="word-vector size (64; 32 with --demo)")
    p.add_argument("--widths", type=_widths, help="filter widths, e.g. 3,4,5 (3,4,5; 2,3,4 with --demo)")
    p.add_argument("--filters", type=int, help="feature maps per width (32; 16 with --demo)")
    p.add_argument("--dropout", type=float, help="dropout on the pooled features (0.5)")
    p.add_argument("--lr", type=float, help="Adam learning rate (1e-3; 1e-2 with --demo)")
    p.add_argument("--batch-size", type=int, help="texts per step (32)")
    p.add_argument("--epochs", type=int, help="passes over the training texts (10)")
    p.add_argument("--max-len", type=int, help="cut texts after this many words (100; 60 with --demo)")
    p.add_argument("--min-count", type=int, default=1, help="rarer training words become <unk>")
    p.add_argument("--out", metavar="NPZ", help="save the model (params, vocabulary, labels) as .npz")
    p.set_defaults(func=run)
