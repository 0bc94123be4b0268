"""Command line: ``textbook train seq2seq`` and ``textbook decode``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _cmd_train_seq2seq(args: argparse.Namespace) -> int:
    from textbook.sequence import seq2seq as s2s

    task = s2s.tasks.get(args.task)
    settings = dict(s2s.DEMO_SETTINGS)
    n_train = args.n_train if args.n_train is not None else settings["n_train"]
    overrides = {k: v for k, v in dict(cell=args.cell, attention=args.attention, embed_size=args.embed_size,
                                       hidden_size=args.hidden_size, batch_size=args.batch_size,
                                       epochs=args.epochs, lr=args.lr, clip=args.clip).items() if v is not None}
    if args.bidirectional:
        overrides["bidirectional"] = True
    if args.reverse_source:
        overrides["reverse_source"] = True
    if args.input_feeding:
        overrides["input_feeding"] = True
    config = s2s.demo_config(task, **overrides)
    if n_train < 1 or args.n_test < 1:
        raise ValueError("--n-train and --n-test must be >= 1")
    train_pairs = s2s.tasks.make_pairs(task, n_train, seed=args.seed)
    test_pairs = s2s.tasks.make_pairs(task, args.n_test, seed=args.seed + 1, exclude={a for a, _ in train_pairs})
    print(f"task: {task.name}; {n_train} training pairs, {args.n_test} held out; backend: {args.backend}",
          file=sys.stderr)
    print(f"config: {config}", file=sys.stderr)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = s2s.train(s2s.tasks.encode(train_pairs, task), config, backend=args.backend, seed=args.seed,
                       progress=not args.quiet)
    start = time.perf_counter()
    accuracy = s2s.exact_match(result.params, config, s2s.tasks.encode(test_pairs, task), backend=args.backend)
    s2s.save_checkpoint(out, result.params, config, task.name, seed=args.seed, train_loss=result.epoch_losses[-1],
                        held_out_exact_match=accuracy)
    print(f"trained {len(result.losses)} steps in {result.seconds:.1f} s "
          f"(first step {result.first_step_seconds:.1f} s); final training loss {result.epoch_losses[-1]:.4f}")
    print(f"held-out exact match (greedy): {accuracy:.2%} of {args.n_test} "
          f"({time.perf_counter() - start:.1f} s)")
    print(f"wrote checkpoint {out}")
    return 0


def _cmd_decode(args: argparse.Namespace) -> int:
    import numpy as np

    from textbook.sequence import seq2seq as s2s

    path = Path(args.checkpoint)
    if not path.is_file():
        raise FileNotFoundError(f"CHECKPOINT: no such file: {path}")
    if args.beam < 1:
        raise ValueError(f"--beam must be >= 1, got {args.beam}")
    ck = s2s.load_checkpoint(path)
    task, config = ck["task"], ck["config"]
    if not args.source:
        raise ValueError("SOURCE is empty: give at least one character")
    ids = s2s.tasks.to_ids(args.source, task)
    max_len = args.max_len or task.max_tgt + 1
    out = s2s.translate(ck["params"], config, [ids], backend=args.backend, beam_size=args.beam,
                        alpha=args.alpha, max_len=max_len)
    for k in range(int(np.asarray(out["count"])[0])):
        tokens = np.asarray(out["tokens"])[0, k]
        print(f"{float(np.asarray(out['scores'])[0, k]):9.4f}  {s2s.tasks.to_text(tokens, task)}")
    return 0


def register_train(models: argparse._SubParsersAction) -> None:
    """Add ``seq2seq`` to the subparsers of ``textbook train``."""
    p = models.add_parser(
        "seq2seq", help="an RNN encoder-decoder with attention on a toy task",
        description="Train an encoder-decoder (teacher forcing, gradient clipping, Adam) on digit reversal or "
                    "date translation; report the held-out exact match of greedy decoding and write a "
                    "checkpoint (.npz) for `textbook decode`. Unset options take the DEMO_SETTINGS.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--task", choices=["reverse", "dates"], default="reverse")
    p.add_argument("--attention", choices=["bahdanau", "luong-dot", "luong-general", "luong-concat", "none"],
                   help="attention kind, none for the plain bottleneck model (bahdanau)")
    p.add_argument("--cell", choices=["lstm", "gru", "rnn"], help="recurrent cell (lstm)")
    p.add_argument("--backend", choices=["numpy", "jax"], default="numpy")
    p.add_argument("--embed-size", type=int, help="embedding size (16)")
    p.add_argument("--hidden-size", type=int, help="hidden units (64)")
    p.add_argument("--bidirectional", action="store_true", help="bidirectional encoder (H/2 per direction)")
    p.add_argument("--reverse-source", action="store_true", help="feed the source reversed")
    p.add_argument("--input-feeding", action="store_true",
                   help="Luong only: feed the previous attentional state into the decoder cell")
    p.add_argument("--batch-size", type=int, help="pairs per step (64)")
    p.add_argument("--epochs", type=int, help="passes over the training pairs (see DEMO_SETTINGS)")
    p.add_argument("--lr", type=float, help="Adam learning rate (0.01)")
    p.add_argument("--clip", type=float, help="maximal global gradient norm, 0 to disable (1.0)")
    p.add_argument("--n-train", type=int, help="training pairs (see DEMO_SETTINGS)")
    p.add_argument("--n-test", type=int, default=1000, help="held-out pairs for the exact match")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="seq2seq.npz", metavar="CKPT", help="where to write the checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_train_seq2seq)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the top-level ``decode`` command."""
    d = sub.add_parser(
        "decode", help="translate a string with a seq2seq checkpoint",
        description="Decode SOURCE with the model in CHECKPOINT (written by `textbook train seq2seq`): beam "
                    "search with length normalisation score = log p / len ** alpha (--beam 1 is greedy); "
                    "prints the finished hypotheses, best first, with their scores.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    d.add_argument("checkpoint", metavar="CHECKPOINT", help=".npz written by `textbook train seq2seq`")
    d.add_argument("source", metavar="SOURCE", help='the string to translate, e.g. "12345" or "1999-12-31"')
    d.add_argument("--beam", type=int, default=5, help="beam width (1: greedy)")
    d.add_argument("--alpha", type=float, default=0.7, help="length-normalisation exponent")
    d.add_argument("--max-len", type=int, default=0, help="maximal output tokens (0: the task's maximum + 1)")
    d.add_argument("--backend", choices=["numpy", "jax"], default="numpy")
    d.set_defaults(func=_cmd_decode)
