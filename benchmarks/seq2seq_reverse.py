"""Seq2seq on digit reversal: NumPy and JAX against PyTorch, same model, same data, same steps.

The demo model (`textbook.sequence.seq2seq.DEMO_SETTINGS`: an LSTM encoder, a Bahdanau-attention
LSTM decoder, teacher forcing, global-norm clipping, Adam) trained on reversal of 3..10 digits.
All three start from the same initial params (ours, copied into the PyTorch modules) and see the
same batches in the same order. The table reports the training time (JAX: including compiling)
and the held-out exact match of greedy decoding. Run::

    python benchmarks/seq2seq_reverse.py                         # DEMO_SETTINGS, numpy, jax, torch
    python benchmarks/seq2seq_reverse.py --attention none --backends jax,torch
    python benchmarks/seq2seq_reverse.py --epochs 2 --n-train 4000

NumPy computes in float64, JAX and PyTorch in float32, on the CPU. PyTorch is skipped, with a
note, when it is not installed. For steadier numbers run with ``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from textbook.sequence import seq2seq as s2s
from textbook.sequence.seq2seq import tasks


def train_torch(data, test, config, seed):
    """The same model in PyTorch (Bahdanau attention or none): ``(seconds, exact match)``."""
    import torch

    torch.manual_seed(seed)
    p = {k: torch.tensor(v, dtype=torch.float32, requires_grad=True) for k, v in s2s.init(config, seed).items()}
    lstm, gru, rnn = torch._VF.lstm_cell, torch._VF.gru_cell, torch._VF.rnn_tanh_cell

    def step(prefix, x, state, layer="_l0"):
        w = [p[f"{prefix}weight_ih{layer}"], p[f"{prefix}weight_hh{layer}"], p[f"{prefix}bias_ih{layer}"],
             p[f"{prefix}bias_hh{layer}"]]
        if config.cell == "lstm":
            h, c = lstm(x, (state[0], state[1]), *w)
            return (h, c)
        return ((gru if config.cell == "gru" else rnn)(x, state[0], *w),)

    def encode(src, lengths):
        B, S = src.shape
        x = p["src_embed.weight"][src]
        state = tuple(torch.zeros(B, config.hidden_size) for _ in range(2 if config.cell == "lstm" else 1))
        hs = []
        for t in range(S):
            m = (t < lengths)[:, None]
            new = step("enc.", x[:, t], state)
            state = tuple(torch.where(m, n, o) for n, o in zip(new, state))
            hs.append(torch.where(m, new[0], torch.zeros_like(new[0])))
        return torch.stack(hs, 1), state

    def decoder_step(keys, proj, mask, y, state):
        e = p["tgt_embed.weight"][y]
        if config.attention == "none":
            state = step("dec.", e, state)
            o = state[0]
        else:
            u = torch.tanh(proj + (state[0] @ p["attn.W_s"].T)[:, None, :])
            scores = (u @ p["attn.v"]).masked_fill(~mask, float("-inf"))
            a = torch.softmax(scores, dim=1)
            c = torch.einsum("bs,bsh->bh", a, keys)
            state = step("dec.", torch.cat([e, c], 1), state)
            o = torch.cat([state[0], c], 1)
        return o @ p["out.weight"].T + p["out.bias"], state

    def run(batch, feed=None):
        src, sl = torch.tensor(batch["src"]), torch.tensor(batch["src_lengths"])
        keys, state = encode(src, sl)
        proj = keys @ p["attn.W_h"].T if "attn.W_h" in p else None
        mask = torch.arange(src.shape[1])[None, :] < sl[:, None]
        return keys, proj, mask, state

    opt = torch.optim.Adam(list(p.values()), lr=config.lr, eps=1e-8)
    rng = np.random.default_rng(seed)
    n, B = len(data["src"]), config.batch_size
    start = time.perf_counter()
    for _ in range(config.epochs):
        order = rng.permutation(n)
        for i in range(n // B):
            rows = order[i * B:(i + 1) * B]
            batch = {k: v[rows] for k, v in data.items()}
            keys, proj, mask, state = run(batch)
            tgt_in, tgt_out = torch.tensor(batch["tgt_in"]), torch.tensor(batch["tgt_out"])
            tmask = torch.arange(tgt_in.shape[1])[None, :] < torch.tensor(batch["tgt_lengths"])[:, None]
            logits = []
            for t in range(tgt_in.shape[1]):
                z, state = decoder_step(keys, proj, mask, tgt_in[:, t], state)
                logits.append(z)
            ce = torch.nn.functional.cross_entropy(torch.stack(logits, 1).transpose(1, 2), tgt_out, reduction="none")
            loss = (ce * tmask).sum() / tmask.sum()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(p.values()), config.clip)
            opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():                                          # greedy decoding of the test set
        keys, proj, mask, state = run(test)
        y = torch.full((len(test["src"]),), tasks.BOS)
        out = []
        for _ in range(test["tgt_out"].shape[1]):
            z, state = decoder_step(keys, proj, mask, y, state)
            y = z.argmax(1)
            out.append(y)
        out = torch.stack(out, 1).numpy()
    hits = 0
    for b, L in enumerate(test["tgt_lengths"]):
        hits += int(np.array_equal(out[b, :L], test["tgt_out"][b, :L]))
    return seconds, hits / len(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--attention", default=s2s.DEMO_SETTINGS["attention"], choices=["bahdanau", "none"])
    ap.add_argument("--epochs", type=int, default=s2s.DEMO_SETTINGS["epochs"])
    ap.add_argument("--n-train", type=int, default=s2s.DEMO_SETTINGS["n_train"])
    ap.add_argument("--n-test", type=int, default=1000)
    ap.add_argument("--backends", default="numpy,jax,torch")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    task = tasks.get("reverse")
    train = tasks.make_pairs(task, args.n_train, seed=args.seed)
    test = tasks.encode(tasks.make_pairs(task, args.n_test, seed=args.seed + 1, exclude={s for s, _ in train}), task)
    data = tasks.encode(train, task)
    config = s2s.demo_config(task, attention=args.attention, epochs=args.epochs)
    print(f"{config}\n{args.n_train} training pairs, {args.n_test} held out")
    print(f"{'backend':<8} {'train s':>8} {'exact match':>12}")
    for name in args.backends.split(","):
        if name == "torch":
            try:
                seconds, acc = train_torch(data, test, config, args.seed)
            except ImportError:
                print("torch    (not installed: pip install torch)")
                continue
        else:
            result = s2s.train(data, config, backend=name, seed=args.seed, progress=False)
            seconds, acc = result.seconds, s2s.exact_match(result.params, config, test, backend=name)
        print(f"{name:<8} {seconds:8.1f} {acc:12.1%}")


if __name__ == "__main__":
    main()
