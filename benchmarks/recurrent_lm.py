"""Recurrent language-model training: NumPy and JAX against PyTorch, same model, same steps.

A character-level LM (embedding -> LSTM/GRU/RNN stack -> linear -> softmax) trained with
truncated BPTT, global-norm clipping and Adam, on the embedded demo text or a text file. All
three start from the same initial params (ours, loaded into a ``torch.nn`` module with
``load_state_dict``: the names match) and see the same batches in the same order, so they
should reach about the same perplexity; the table reports training throughput (tokens per
second after the first step, which for JAX includes compiling it) and held-out perplexity.
Run::

    python benchmarks/recurrent_lm.py                          # demo text, LSTM, 64 units, 10 epochs
    python benchmarks/recurrent_lm.py --cell gru --hidden-size 256 --batch-size 64 --epochs 3
    python benchmarks/recurrent_lm.py --text my.txt --backends jax,torch

NumPy computes in float64, JAX and PyTorch in float32, all on the CPU (JAX on a GPU if its
installation has one). PyTorch is skipped, with a note, when it is not installed. On a busy
machine the BLAS and OpenMP thread pools can slow everything down many times over; for steadier
numbers run with ``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from textbook.sequence import language_model as lm


def train_torch(ids, config, seed, valid_ids):
    """The same model and training loop in PyTorch: ``(tokens_per_sec, held-out perplexity)``."""
    import torch

    torch.manual_seed(seed)
    cells = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(config.vocab_size, config.embedding_dim)
            self.rnn = cells[config.cell](config.embedding_dim, config.hidden_size, num_layers=config.num_layers,
                                          batch_first=True)
            self.output = torch.nn.Linear(config.hidden_size, config.vocab_size)

        def forward(self, tokens, state):
            h, state = self.rnn(self.embedding(tokens), state)
            return self.output(h), state

    model = Model()
    model.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in lm.init(config, seed).items()})
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    rng = np.random.default_rng(seed)
    offsets = [int(o) for o in rng.integers(config.seq_len, size=config.epochs)]
    done, t0, n0 = 0, None, 0
    for offset in offsets:
        state = None
        for batch in lm.tbptt_batches(ids, config.batch_size, config.seq_len, offset):
            tokens, targets = torch.from_numpy(batch["tokens"]), torch.from_numpy(batch["targets"])
            n = int(batch["lengths"][0])
            logits, state = model(tokens, state)
            loss = torch.nn.functional.cross_entropy(logits[:, :n].reshape(-1, config.vocab_size),
                                                     targets[:, :n].reshape(-1))
            opt.zero_grad()
            loss.backward()
            if config.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            opt.step()
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
            done += n * config.batch_size
            if t0 is None:
                t0, n0 = time.perf_counter(), done
    elapsed = time.perf_counter() - t0
    params = {k: v.detach().numpy().astype(np.float64) for k, v in model.state_dict().items()}
    return (done - n0) / elapsed, lm.perplexity(lm.evaluate(params, valid_ids, config))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--text", help="UTF-8 text file (default: the embedded demo text)")
    ap.add_argument("--cell", choices=["rnn", "lstm", "gru"], default="lstm")
    ap.add_argument("--hidden-size", type=int, default=64)
    ap.add_argument("--embedding-dim", type=int, default=16)
    ap.add_argument("--num-layers", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--seq-len", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--backends", default="numpy,jax,torch")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    text = Path(args.text).read_text(encoding="utf-8") if args.text else lm.demo_text()
    ids, vocab = lm.encode_text(text, level="char")
    split = int(0.9 * len(ids))
    train_ids, valid_ids = ids[:split], ids[split:]
    config = lm.Config(vocab_size=len(vocab), cell=args.cell, embedding_dim=args.embedding_dim,
                       hidden_size=args.hidden_size, num_layers=args.num_layers, seq_len=args.seq_len,
                       batch_size=args.batch_size, epochs=args.epochs, lr=args.lr, clip=1.0)
    unigram = lm.perplexity(lm.unigram_cross_entropy(train_ids, valid_ids, len(vocab)))
    print(f"{len(train_ids)} training characters, {len(valid_ids)} held out, vocabulary {len(vocab)}; "
          f"unigram perplexity {unigram:.2f}")
    print(config)
    print(f"{'backend':10}{'tokens/sec':>12}{'first step (s)':>16}{'held-out ppl':>14}")
    rows = {}
    for name in args.backends.split(","):
        if name == "torch":
            try:
                import torch  # noqa: F401
            except ImportError:
                print("torch     (not installed: pip install -e '.[oracles]')")
                continue
            speed, ppl = train_torch(train_ids, config, args.seed, valid_ids)
            rows[name] = speed
            print(f"{'torch':10}{speed:12,.0f}{'-':>16}{ppl:14.2f}")
            continue
        result = lm.train(train_ids, config, backend=name, seed=args.seed, progress=False)
        ppl = lm.perplexity(lm.evaluate(result.params, valid_ids, config))
        rows[name] = result.tokens_per_sec
        print(f"{name:10}{result.tokens_per_sec:12,.0f}{result.first_step_seconds:16.2f}{ppl:14.2f}")
    if "torch" in rows:
        for name in ("numpy", "jax"):
            if name in rows:
                print(f"{name} / torch throughput: {rows[name] / rows['torch']:.2f}")


if __name__ == "__main__":
    main()
