"""GloVe training speed against a straightforward NumPy AdaGrad epoch: non-zeros/sec, peak memory, loss and quality.

The corpus is synthetic (`textbook.data.synthetic.zipf_topic_corpus`: Zipfian words with
planted topics, 2M tokens by default), so it needs no download and the quality of the
vectors ``W + W_tilde`` can be scored against the planted structure: same-topic
precision@10 of the nearest neighbours, over all topic words and over the rarer half of them.

The vocabulary keeps the words seen at least 5 times (as in ``word2vec_speed.py``). The
co-occurrence counts are built once, by this package's ``glove.cooccurrence`` (its default
window of 10, each pair weighted by ``1/distance``), saved to a temporary ``.npz`` and loaded
by every trainer, so all of them fit the same non-zero entries. Each trainer runs in its own
process (so peak memory is its own):

* ``numpy`` and ``jax``: this package's ``glove.fit`` (the JAX backend in JAX's default float32,
  one jitted ``lax.scan`` per epoch, compiled before the clock starts and its compile time
  given in a column of its own);
* ``reference``: a straightforward NumPy AdaGrad epoch written in this script, as one would
  write it without this package: minibatches of shuffled entries, the weighted least-squares
  gradients of ``w_i``, ``w~_j``, ``b_i``, ``b~_j`` by hand, repeated rows summed with
  ``np.add.at``, then AdaGrad on the touched rows.

All three use ``glove.Config``'s defaults (x_max 100, alpha 0.75, learning rate 0.05,
AdaGrad accumulators starting at 1, batches of 512 entries) with d=100, the same initial
params (every entry ``~ U(-0.5/d, 0.5/d)``, from the same seed) and the same shuffles: each
epoch is the same ``nnz // 512`` batches of 512 entries (the final partial batch is skipped,
as ``glove.fit`` does), and a step applies the SUM of its entries' gradients. So ``reference``
and ``numpy`` compute the same numbers up to rounding, which the script checks.

Run::

    python benchmarks/glove_speed.py                             # 2M tokens, 1 epoch
    python benchmarks/glove_speed.py --epochs 5
    python benchmarks/glove_speed.py --tokens 500000 --trainers numpy,reference
    python benchmarks/glove_speed.py --repeat 3                  # fastest of 3 runs each, on a busy machine

Only the epochs are timed (not the counting, not the scoring). Non-zeros/sec counts the
co-occurrence entries processed (``epochs * steps * 512``), for every trainer alike. The loss
is the mean over all non-zero entries of ``f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2``,
computed the same way (in float64, by this script) for every trainer, before and after training.
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

from _common import frequent_vocabulary, peak_mb, topic_quality

TRAINERS = ("numpy", "jax", "reference")
SETTINGS = dict(dim=100, min_count=5)          # everything else: glove.Config's defaults


def _config(vocab_size: int, epochs: int):
    from textbook.embeddings import glove

    return glove.Config(vocab_size=vocab_size, dim=SETTINGS["dim"], epochs=epochs)


def full_loss(params: dict, rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, x_max: float, alpha: float,
              chunk: int = 1 << 15) -> float:
    """Mean over all entries of ``f(X_ij) e_ij^2`` (float64, in chunks so memory stays small)."""
    W, Wt, b, bt = (np.asarray(params[k], dtype=np.float64) for k in ("W", "W_tilde", "b", "b_tilde"))
    total = 0.0
    for s in range(0, counts.size, chunk):
        i, j, x = rows[s:s + chunk], cols[s:s + chunk], counts[s:s + chunk]
        f = np.minimum(1.0, (x / x_max) ** alpha)
        e = np.einsum("bd,bd->b", W[i], Wt[j]) + b[i] + bt[j] - np.log(x)
        total += float(np.sum(f * e ** 2))
    return total / counts.size


# ----------------------------------------------------------------------------- the reference trainer


def reference_init(V: int, d: int, seed: int) -> dict:
    """Every entry ``~ U(-0.5/d, 0.5/d)``, as the GloVe paper's code (and in the same order as ``glove.init``)."""
    rng = np.random.default_rng(seed)
    scale = 0.5 / d
    return {"W": rng.uniform(-scale, scale, (V, d)), "W_tilde": rng.uniform(-scale, scale, (V, d)),
            "b": rng.uniform(-scale, scale, V), "b_tilde": rng.uniform(-scale, scale, V)}


def reference_epoch(P: dict, G: dict, rows, cols, counts, order, lr, x_max, alpha, eps=1e-8) -> np.ndarray:
    """One AdaGrad epoch over the batches ``order (steps, B)``; updates ``P`` and ``G`` in place.

    Returns the batch-mean loss of every step (before its update).
    """
    W, Wt, b, bt = P["W"], P["W_tilde"], P["b"], P["b_tilde"]
    losses = np.empty(len(order))
    for s, idx in enumerate(order):
        i, j, x = rows[idx], cols[idx], counts[idx]
        wi, wj = W[i], Wt[j]                                      # (B, d) copies: gradients use the old values
        f = np.minimum(1.0, (x / x_max) ** alpha)
        e = (wi * wj).sum(axis=1) + b[i] + bt[j] - np.log(x)
        losses[s] = np.mean(f * e ** 2)
        g = 2.0 * f * e                                           # d(f e^2)/de
        for table, accum, ids, grad in ((W, G["W"], i, g[:, None] * wj), (Wt, G["W_tilde"], j, g[:, None] * wi),
                                        (b, G["b"], i, g), (bt, G["b_tilde"], j, g)):
            touched, where = np.unique(ids, return_inverse=True)
            summed = np.zeros((touched.size,) + grad.shape[1:])
            np.add.at(summed, where, grad)                        # a row used twice gets both gradients
            accum[touched] += summed ** 2
            table[touched] -= lr * summed / np.sqrt(accum[touched] + eps)
    return losses


# ----------------------------------------------------------------------------- one trainer per process


def _compile_jax_epoch(config, co, steps: int, B: int, seed: int) -> float:
    """Seconds to compile the JAX backend's jitted epoch for these shapes (then cached for ``glove.fit``)."""
    import jax.numpy as jnp

    from textbook.core.backend import to_jax
    from textbook.embeddings import glove
    from textbook.embeddings.glove import jax_impl

    params = to_jax(glove.init(config, seed))
    state = jax_impl.init_state(params, config)
    data = jax_impl._device_batch({"rows": co.rows, "cols": co.cols, "counts": co.counts}, config, params)
    order = jnp.zeros((steps, B), dtype=jnp.int32)
    start = time.perf_counter()
    jax_impl._train_epoch.lower(params, state, data, order, config.learning_rate, config).compile()
    return time.perf_counter() - start


def run_trainer(name: str, cache: str, epochs: int, seed: int) -> dict:
    """Train ``epochs`` epochs with ``name``; returns seconds, non-zeros/sec, peak RSS, loss and quality."""
    with np.load(cache) as z:
        rows, cols, counts, topic = z["rows"], z["cols"], z["counts"], z["topic"]
    V = topic.size
    config = _config(V, epochs)
    B = min(config.batch_size, counts.size)
    steps = counts.size // B
    out = {"trainer": name}
    if name == "reference":
        params = reference_init(V, config.dim, seed)
        loss_before = full_loss(params, rows, cols, counts, config.x_max, config.alpha)
        accum = {k: np.full_like(v, config.initial_accumulator) for k, v in params.items()}
        rng = np.random.default_rng(seed)
        step_losses = []
        start = time.perf_counter()
        for _ in range(epochs):
            order = rng.permutation(counts.size)[:steps * B].reshape(steps, B)
            step_losses.append(reference_epoch(params, accum, rows, cols, counts, order, config.learning_rate,
                                               config.x_max, config.alpha))
        seconds = time.perf_counter() - start
        step_losses = np.concatenate(step_losses)
    else:
        from textbook.embeddings import glove

        loss_before = full_loss(glove.init(config, seed), rows, cols, counts, config.x_max, config.alpha)
        co = glove.Cooccurrence(rows, cols, counts, V)           # (copies the entries as int64/float64)
        rows, cols, counts = co.rows, co.cols, co.counts          # one set of entries in memory, as from cooccurrence
        if name == "jax":                                         # compile the epoch first, timed apart
            out["compile s"] = _compile_jax_epoch(config, co, steps, B, seed)
        start = time.perf_counter()
        result = glove.fit(co, config, backend=name, seed=seed, progress=False)
        seconds = time.perf_counter() - start
        params, step_losses = result.params, result.losses
    processed = epochs * steps * B
    vectors = np.asarray(params["W"], dtype=np.float64) + np.asarray(params["W_tilde"], dtype=np.float64)
    first = step_losses[:max(1, steps // 10)].mean()              # batch losses: first tenth of epoch 1,
    last = step_losses[-max(1, steps // 10):].mean()             # last tenth of the last epoch
    out.update({"seconds": seconds, "nnz/s": processed / seconds, "processed": processed, "peak MB": peak_mb(),
                "loss before": loss_before,
                "loss": full_loss(params, rows, cols, counts, config.x_max, config.alpha),
                "step loss first": float(first), "step loss last": float(last),
                **topic_quality(vectors, topic, seed)})
    return out


# ----------------------------------------------------------------------------- the driver


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tokens", type=int, default=2_000_000)
    p.add_argument("--vocab", type=int, default=20_000)
    p.add_argument("--epochs", type=int, default=1, help="passes over the non-zero entries, for every trainer")
    p.add_argument("--trainers", default=",".join(TRAINERS), help=f"comma-separated, from {TRAINERS}")
    p.add_argument("--repeat", type=int, default=1,
                   help="run every trainer this many times (interleaved) and report its fastest run")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--cache", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:                                               # a child process: one trainer, JSON out
        print(json.dumps(run_trainer(args.worker, args.cache, args.epochs, args.seed)))
        return

    from textbook.data.synthetic import zipf_topic_corpus
    from textbook.embeddings import glove

    trainers = [t for t in args.trainers.split(",") if t]
    unknown = set(trainers) - set(TRAINERS)
    if unknown:
        raise SystemExit(f"--trainers: unknown {sorted(unknown)}; choose from {TRAINERS}")
    if args.epochs < 1 or args.repeat < 1:
        raise SystemExit("--epochs and --repeat must be >= 1")
    corpus = zipf_topic_corpus(args.tokens, args.vocab, seed=args.seed)
    kept, sents = frequent_vocabulary(corpus, SETTINGS["min_count"])
    config = _config(kept.size, args.epochs)
    start = time.perf_counter()
    co = glove.cooccurrence(sents, kept.size, config.window)
    count_seconds = time.perf_counter() - start
    B = min(config.batch_size, co.nnz)
    print(f"corpus: {corpus.ids.size:,} tokens, {len(corpus.offsets) - 1:,} sentences, vocabulary {args.vocab:,} "
          f"({kept.size:,} words with min_count {SETTINGS['min_count']}); co-occurrence window {config.window}: "
          f"{co.nnz:,} non-zeros, counted in {count_seconds:.1f} s (not timed below); d={config.dim}, "
          f"x_max {config.x_max:g}, alpha {config.alpha:g}, lr {config.learning_rate:g}, batch {B}, "
          f"{args.epochs} epoch(s) of {co.nnz // B * B:,} entries; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "cooccurrence.npz")
        np.savez(cache, rows=co.rows, cols=co.cols, counts=co.counts, topic=corpus.topic[kept])
        del co, sents, corpus
        runs: dict[str, list[dict]] = {}
        for round_ in range(args.repeat):                         # rounds interleave the trainers
            for name in trainers:
                print(f"training {name}" + (f" (round {round_ + 1})" if args.repeat > 1 else "") + " ...",
                      file=sys.stderr)
                proc = subprocess.run([sys.executable, __file__, "--worker", name, "--cache", cache,
                                       "--epochs", str(args.epochs), "--seed", str(args.seed)],
                                      capture_output=True, text=True)
                if proc.returncode:
                    print(f"  {name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                    continue
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                print(f"  {r['seconds']:.1f} s; loss {r['loss before']:.4f} -> {r['loss']:.4f}; batch losses "
                      f"{r['step loss first']:.4f} (first tenth) -> {r['step loss last']:.4f} (last tenth)"
                      + (f"; compiling the epoch: {r['compile s']:.1f} s" if "compile s" in r else ""),
                      file=sys.stderr)
                runs.setdefault(name, []).append(r)
    rows = [min(runs[name], key=lambda r: r["seconds"]) for name in trainers if name in runs]   # the fastest run
    if args.repeat > 1:
        for name in runs:
            print(f"{name}: seconds over {len(runs[name])} runs: "
                  + ", ".join(f"{r['seconds']:.1f}" for r in runs[name]), file=sys.stderr)

    # the same work: the same entries processed, and the loss going down for every trainer
    for r in rows:
        if r["processed"] != rows[0]["processed"]:
            print(f"WARNING: {r['trainer']} processed {r['processed']:,} entries, "
                  f"{rows[0]['trainer']} {rows[0]['processed']:,}", file=sys.stderr)
        if not r["loss"] < r["loss before"]:
            print(f"WARNING: {r['trainer']}'s loss did not decrease ({r['loss before']:.4f} -> {r['loss']:.4f})",
                  file=sys.stderr)
        if r["loss before"] != rows[0]["loss before"]:
            print(f"WARNING: {r['trainer']} started from another loss ({r['loss before']!r}, "
                  f"{rows[0]['trainer']} {rows[0]['loss before']!r})", file=sys.stderr)
    by_name = {r["trainer"]: r for r in rows}
    if "numpy" in by_name and "reference" in by_name:
        a, b = by_name["numpy"]["loss"], by_name["reference"]["loss"]
        print(f"numpy vs reference final loss: relative difference {abs(a - b) / abs(b):.1e} "
              f"(the same computation up to rounding)", file=sys.stderr)
    if "numpy" in by_name and "jax" in by_name:
        a, b = by_name["jax"]["loss"], by_name["numpy"]["loss"]
        print(f"jax (float32) vs numpy (float64) final loss: relative difference {abs(a - b) / abs(b):.1e}",
              file=sys.stderr)

    base = by_name.get("reference", {}).get("nnz/s")
    print("| trainer | non-zeros/s | vs reference | seconds | compile s | peak MB | loss | p@10 | p@10 rare |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        ratio = f"{r['nnz/s'] / base:.2f}x" if base else "n/a"
        compile_s = f"{r['compile s']:.1f}" if "compile s" in r else "-"
        print(f"| {r['trainer']} | {r['nnz/s']:,.0f} | {ratio} | {r['seconds']:.1f} "
              f"| {compile_s} | {r['peak MB']:,.0f} "
              f"| {r['loss']:.4f} | {r['p@10']:.3f} | {r['p@10 rare']:.3f} |")


if __name__ == "__main__":
    main()
