"""Beam search speed: NumPy (one sequence at a time) against batched, jitted JAX.

The model is a random bigram language model over V tokens (a V x V table of log-probabilities,
``textbook.sequence.decoding.toy.random_markov``), so the step itself costs almost nothing and
the numbers measure the decoders. Each of the B sequences starts from a different token. Each
decoder runs in its own child process, so its peak memory is its own. Run::

    python benchmarks/beam_search.py                      # beam 5, batch 64, V 1000, max_len 30
    python benchmarks/beam_search.py --vocab 5000 --batch 256

JAX runs in its default float32 and NumPy in float64, so a few hypotheses whose scores are
within float32 rounding may be ranked differently; the table's quality column is the share of
sequences whose best output is identical to NumPy's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import peak_mb  # noqa: E402

#: The decoders, by the name a child process is given, and their label in the table.
DECODERS = {"numpy": "NumPy, one sequence at a time", "jax": "JAX, batched and jitted",
            "jax-nocheck": "JAX, check=False"}


def _time(fn, repeats: int) -> float:
    """Best wall-clock seconds of ``repeats`` calls."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _problem(args):
    from textbook.sequence.decoding import toy

    lm = toy.random_markov(args.vocab, seed=0, sharpness=2.0, eos_logit=2.0)
    state = np.arange(args.batch) % args.vocab
    bos = (np.arange(args.batch) + 2) % args.vocab          # a different first token per sequence
    bos[bos == lm.eos] = lm.bos
    return lm, state, bos, (lm.eos, args.max_len, args.beam, args.alpha)


def run_decoder(name: str, args) -> dict:
    """Time one decoder in this process: ``{seconds, compile s, peak MB, best (B, max_len) tokens, mean length}``."""
    from textbook.sequence.decoding import backend, toy

    lm, state, bos, common = _problem(args)
    if name == "numpy":
        out = {}

        def run():
            out.update(backend("numpy").beam_search_batch(toy.table_step, lm.params(), state, bos, *common))

        seconds, compile_s = _time(run, 2), None
    else:
        import jax

        params = lm.params("jax")                            # float32 unless x64 is enabled
        check = name == "jax"

        def run():
            result = backend("jax").beam_search_batch(toy.table_step, params, state, bos, *common, check=check)
            return jax.block_until_ready(result)

        start = time.perf_counter()
        out = run()                                          # compiles
        compile_s = time.perf_counter() - start
        seconds = _time(run, args.repeats)
    return {"decoder": name, "seconds": seconds, "compile s": compile_s, "peak MB": peak_mb(),
            "best": np.asarray(out["tokens"])[:, 0].tolist(),
            "length": float(np.mean(np.asarray(out["lengths"])[:, 0]))}


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vocab", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--max-len", type=int, default=30)
    ap.add_argument("--alpha", type=float, default=0.7)
    ap.add_argument("--repeats", type=int, default=20, help="JAX timing: best of this many runs (NumPy: 2)")
    ap.add_argument("--worker", choices=tuple(DECODERS), help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:                                          # a child process: one decoder, JSON out
        with open(args.out, "w") as f:
            json.dump(run_decoder(args.worker, args), f)
        return []

    flags = [f"--{k.replace('_', '-')}={getattr(args, k)}" for k in ("vocab", "batch", "beam", "max_len", "alpha",
                                                                      "repeats")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in DECODERS:
            out = os.path.join(tmp, f"{name}.json")
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", name, "--out", out, *flags],
                                  capture_output=True, text=True)
            if proc.returncode:
                print(f"  {name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            with open(out) as f:
                rows.append(json.load(f))
    ref = next((r for r in rows if r["decoder"] == "numpy"), None)
    B = args.batch
    print(f"beam search: beam {args.beam}, batch {B}, V {args.vocab}, max_len {args.max_len}, alpha {args.alpha}"
          + (f"; mean best length {ref['length']:.1f}" if ref else ""))
    print()
    print("| decoder | seconds / batch | sequences / s | vs NumPy | compile s | peak MB | same best output as NumPy |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        ratio = f"{ref['seconds'] / r['seconds']:.1f}x" if ref else "n/a"
        same = np.mean([a == b for a, b in zip(r["best"], ref["best"])]) if ref else float("nan")
        r["same"] = float(same)
        comp = f"{r['compile s']:.2f}" if r["compile s"] is not None else "-"
        print(f"| {DECODERS[r['decoder']]} | {r['seconds']:.4f} | {B / r['seconds']:.1f} | {ratio} | {comp} "
              f"| {r['peak MB']:,.0f} | {same:.1%} |")
    return rows


if __name__ == "__main__":
    main()
