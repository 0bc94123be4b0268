"""Command-line interface of the language model: ``textbook train lm`` and ``textbook generate``.

    textbook train lm --demo --cell lstm --level char --out lm.npz
    textbook train lm --text my.txt --level word --hidden-size 256 --epochs 20 --backend jax
    textbook generate lm.npz --prompt "The wind" --temperature 0.7 --top-k 10 --length 300

``register_train(models)`` adds ``lm`` to the subparsers of ``textbook train``;
``register(sub)`` adds the top-level ``generate`` command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from textbook.core.cli_args import add_run_options, add_source

_OPTIONS = ("cell", "embedding_dim", "hidden_size", "num_layers", "seq_len", "batch_size", "epochs", "lr", "clip")


def _read_text(args: argparse.Namespace) -> str:
    from textbook.sequence.language_model import demo_text

    if args.demo == bool(args.text):
        raise ValueError("give exactly one of --text FILE or --demo")
    if args.demo:
        return demo_text()
    path = Path(args.text)
    if not path.is_file():
        raise FileNotFoundError(f"--text: no such file: {path}")
    return path.read_text(encoding="utf-8")


def _cmd_train_lm(args: argparse.Namespace) -> int:
    import numpy as np

    from textbook.sequence import language_model as lm

    text = _read_text(args)
    ids, vocab = lm.encode_text(text, level=args.level)
    if not 0.0 <= args.valid_fraction < 0.5:
        raise ValueError(f"--valid-fraction must be in [0, 0.5), got {args.valid_fraction}")
    n_valid = int(len(ids) * args.valid_fraction)
    train_ids, valid_ids = (ids[: len(ids) - n_valid], ids[len(ids) - n_valid:]) if n_valid > 1 else (ids, None)
    given = {name: getattr(args, name) for name in _OPTIONS if getattr(args, name) is not None}
    if args.residual:
        given["residual"] = True
    config = lm.demo_config(len(vocab), **given) if args.demo else lm.Config(vocab_size=len(vocab), **given)
    print(f"text: {len(ids)} {args.level} tokens ({len(train_ids)} train, {0 if valid_ids is None else len(valid_ids)} "
          f"valid), vocabulary: {len(vocab)}; backend: {args.backend}", file=sys.stderr)
    print(f"config: {config}", file=sys.stderr)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    def save(epoch, params, loss):
        if args.save_every and (epoch + 1) % args.save_every == 0:
            lm.save_checkpoint(out, params, config, vocab, args.level, epoch=epoch + 1, train_loss=loss)

    result = lm.train(train_ids, config, backend=args.backend, seed=args.seed, progress=not args.quiet,
                      callback=save)
    meta = {"epoch": config.epochs, "train_loss": float(result.epoch_losses[-1]), "seed": args.seed}
    baseline_ids = valid_ids if valid_ids is not None else train_ids
    unigram = lm.perplexity(lm.unigram_cross_entropy(train_ids, baseline_ids, len(vocab)))
    lines = [f"trained {len(result.losses)} steps at {result.tokens_per_sec:,.0f} tokens/sec "
             f"(first step {result.first_step_seconds:.1f} s)",
             f"train perplexity (last epoch, while training): {lm.perplexity(result.epoch_losses[-1]):.3f}"]
    if valid_ids is not None:
        valid = lm.perplexity(lm.evaluate(result.params, valid_ids, config, backend=args.backend))
        meta["valid_perplexity"] = valid
        lines.append(f"valid perplexity: {valid:.3f}   (unigram baseline: {unigram:.3f})")
    else:
        lines.append(f"unigram baseline perplexity: {unigram:.3f}")
    lm.save_checkpoint(out, result.params, config, vocab, args.level, **meta)
    print("\n".join(lines))
    print(f"wrote checkpoint {out}")
    if args.sample:
        prompt = lm.encode_prompt(lm.decode(train_ids[:1], vocab, args.level), vocab, args.level)
        sample = lm.generate(result.params, config, prompt, args.sample, temperature=0.8, seed=args.seed,
                             backend=args.backend)
        print("sample (temperature 0.8):\n" + lm.decode(np.concatenate([prompt, sample]), vocab, args.level))
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    import numpy as np

    from textbook.sequence import language_model as lm

    path = Path(args.checkpoint)
    if not path.is_file():
        raise FileNotFoundError(f"CHECKPOINT: no such file: {path}")
    ck = lm.load_checkpoint(path)
    vocab, level = ck["vocab"], ck["level"]
    prompt = args.prompt if args.prompt is not None else vocab.words[0]
    prompt_ids = lm.encode_prompt(prompt, vocab, level)
    out = lm.generate(ck["params"], ck["config"], prompt_ids, args.length, temperature=args.temperature,
                      top_k=args.top_k, seed=args.seed, backend=args.backend)
    print(lm.decode(np.concatenate([prompt_ids, out]), vocab, level))
    return 0


def register_train(models: argparse._SubParsersAction) -> None:
    """Add ``lm`` to the subparsers of ``textbook train``."""
    p = models.add_parser(
        "lm", help="a character- or word-level RNN/LSTM/GRU language model",
        description="Train a recurrent language model with truncated BPTT, gradient clipping and Adam; "
                    "report the perplexity against the unigram baseline and write a checkpoint (.npz) "
                    "for `textbook generate`.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add_source(p, "--text", help="UTF-8 text to learn", demo_help="use the embedded demo text (about 4 KB)")
    add_run_options(p)
    p.add_argument("--level", choices=["char", "word"], default="char", help="tokens are characters or words")
    p.add_argument("--cell", choices=["rnn", "lstm", "gru"], help="recurrent cell (lstm)")
    p.add_argument("--embedding-dim", type=int, help="embedding size, 0 for one-hot inputs (32; 16 with --demo)")
    p.add_argument("--hidden-size", type=int, help="hidden units (128; 64 with --demo)")
    p.add_argument("--num-layers", type=int, help="stacked layers (1)")
    p.add_argument("--residual", action="store_true", help="residual connections between layers")
    p.add_argument("--seq-len", type=int, help="tokens per truncated-BPTT chunk (64; 32 with --demo)")
    p.add_argument("--batch-size", type=int, help="parallel streams per step (16)")
    p.add_argument("--epochs", type=int, help="passes over the text (10; 25 with --demo)")
    p.add_argument("--lr", type=float, help="Adam learning rate (0.002; 0.01 with --demo)")
    p.add_argument("--clip", type=float, help="maximal global gradient norm, 0 to disable (1.0)")
    p.add_argument("--valid-fraction", type=float, default=0.1, help="held-out tail of the text for perplexity")
    p.add_argument("--out", default="lm.npz", metavar="CHECKPOINT", help="where to write the checkpoint")
    p.add_argument("--save-every", type=int, default=0, metavar="EPOCHS",
                   help="also write the checkpoint every EPOCHS epochs (0: only at the end)")
    p.add_argument("--sample", type=int, default=200, metavar="N", help="print N sampled tokens at the end (0: none)")
    p.set_defaults(func=_cmd_train_lm)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the top-level ``generate`` command."""
    g = sub.add_parser(
        "generate", help="sample text from a language-model checkpoint",
        description="Read PROMPT with the model in CHECKPOINT (written by `textbook train lm`) and continue it "
                    "by sampling; the same seed gives the same text.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    g.add_argument("checkpoint", metavar="CHECKPOINT", help=".npz written by `textbook train lm`")
    g.add_argument("--prompt", help="text to continue (default: the most frequent token)")
    g.add_argument("--length", type=int, default=200, help="tokens to generate")
    g.add_argument("--temperature", type=float, default=1.0, help="divides the logits; 0 is greedy")
    g.add_argument("--top-k", type=int, default=0, help="sample among the k most likely tokens (0: all)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--backend", choices=["numpy", "jax"], default="numpy")
    g.set_defaults(func=_cmd_generate)
