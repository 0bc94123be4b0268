"""Beam search speed: NumPy (one sequence at a time) against batched, jitted JAX.

The model is a random bigram language model over V tokens (a V x V table of log-probabilities,
``textbook.sequence.decoding.toy.random_markov``), so the step itself costs almost nothing and
the numbers measure the decoders. Each of the B sequences starts from a different token. Run::

    python benchmarks/beam_search.py                      # beam 5, batch 64, V 1000, max_len 30
    python benchmarks/beam_search.py --vocab 5000 --batch 256

JAX runs in its default float32 and NumPy in float64, so a few hypotheses whose scores are
within float32 rounding may be ranked differently; the share of identical best outputs is
printed as a check.
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

from textbook.sequence.decoding import backend, toy


def _time(fn, repeats: int) -> float:
    """Best wall-clock seconds of ``repeats`` calls."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vocab", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--max-len", type=int, default=30)
    ap.add_argument("--alpha", type=float, default=0.7)
    ap.add_argument("--repeats", type=int, default=20, help="JAX timing: best of this many runs (NumPy: 2)")
    args = ap.parse_args(argv)

    lm = toy.random_markov(args.vocab, seed=0, sharpness=2.0, eos_logit=2.0)
    state = np.arange(args.batch) % args.vocab
    bos = (np.arange(args.batch) + 2) % args.vocab          # a different first token per sequence
    bos[bos == lm.eos] = lm.bos
    B, common = args.batch, (lm.eos, args.max_len, args.beam, args.alpha)
    numpy_impl, jax_impl = backend("numpy"), backend("jax")

    rows, ref = [], {}

    def run_numpy():
        ref.update(numpy_impl.beam_search_batch(toy.table_step, lm.params(), state, bos, *common))

    rows.append(("NumPy, one sequence at a time", _time(run_numpy, 2), None))

    params = lm.params("jax")                                # float32 unless x64 is enabled
    for label, check in (("JAX, batched and jitted", True), ("JAX, check=False", False)):
        def run(check=check):
            out = jax_impl.beam_search_batch(toy.table_step, params, state, bos, *common, check=check)
            jax.block_until_ready(out)
            return out

        start = time.perf_counter()
        out = run()                                          # compiles
        compile_s = time.perf_counter() - start
        rows.append((label, _time(run, args.repeats), compile_s))

    same = np.mean([np.array_equal(np.asarray(out["tokens"])[b, 0], ref["tokens"][b, 0]) for b in range(B)])
    print(f"beam search: beam {args.beam}, batch {B}, V {args.vocab}, max_len {args.max_len}, "
          f"alpha {args.alpha}; mean best length {ref['lengths'][:, 0].mean():.1f}; "
          f"jax {jax.__version__} on {jax.default_backend()}")
    print()
    base = rows[0][1]
    print(f"| {'decoder':32} | {'seconds / batch':>15} | {'sequences / s':>13} | {'vs NumPy':>8} | {'compile s':>9} |")
    print(f"|{'-' * 34}|{'-' * 16}:|{'-' * 14}:|{'-' * 9}:|{'-' * 10}:|")
    for label, seconds, compile_s in rows:
        comp = f"{compile_s:9.2f}" if compile_s is not None else f"{'-':>9}"
        print(f"| {label:32} | {seconds:15.4f} | {B / seconds:13.1f} | {base / seconds:7.1f}x | {comp} |")
    print()
    print(f"identical best output (float32 JAX vs float64 NumPy): {same:.1%} of sequences")


if __name__ == "__main__":
    main()
