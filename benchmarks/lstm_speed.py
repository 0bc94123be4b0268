"""LSTM training speed: this package's NumPy and JAX backends against ``torch.nn.LSTM`` on the CPU.

One LSTM layer (input size 64, hidden size 256 by default) on a batch of 32 sequences of 100
steps: the forward pass and the backward pass of the linear loss of ``rnn.loss_and_grad``
(``sum(outputs * w) + sum(h_n * w_h) + sum(c_n * w_c)``, fixed random weights), which computes
the gradients of the four weights and of the inputs. The NumPy and JAX backends are called
through the public interface (``rnn.backend(name).loss_and_grad(params, batch, config)``, host
checks included); PyTorch runs ``torch.nn.LSTM(batch_first=True)`` with our params loaded and
``x.requires_grad`` set, so it does the same work (its gradients are compared with ours).

Each trainer runs in its own process, with 1 or 2 threads set before NumPy, JAX or PyTorch
is imported (so the thread pools and the peak memory are its own):

* ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` = n for every trainer;
* JAX (XLA on the CPU): ``PJRT_NPROC`` = n sizes the pool that runs the compiled program's
  operations, and with n = 1 ``XLA_FLAGS=--xla_cpu_multi_thread_eigen=false`` keeps the
  matrix products (Eigen) on the calling thread;
* PyTorch: ``torch.set_num_threads(n)`` (and ``set_num_interop_threads(1)``).

The "cores used" column is the process's CPU time over wall time during the timed calls: it
shows that a 1-thread trainer really used one core, and whether a 2-thread one got two. The
2-thread rows mean something only on two otherwise idle cores: when another process holds one,
the BLAS and OpenMP threads of NumPy and PyTorch wait on each other and can run many times
slower than with one thread (compare the best and the median round). "Page faults/call" counts
the fresh memory pages each call touches: the kernel maps and zeroes every one, which costs
micro-seconds each on some machines (it counts as CPU time). A 1-thread JAX trainer can show more
than one core used: XLA's runtime runs part of the program, such as filling fresh arrays, on a
second thread.

Run::

    python benchmarks/lstm_speed.py                                  # all eight trainers, ~6 s each
    python benchmarks/lstm_speed.py --trainers jax-1,torch-1 --seconds 10
    python benchmarks/lstm_speed.py --hidden-size 128 --seq-len 50

Tokens/sec counts ``B * T`` tokens per forward+backward call, after two warm-up calls (for JAX
the first call compiles; its time is reported separately). The timed seconds are split into
``--rounds`` rounds and the fastest round counts (the median round is shown too): on a shared
machine the slower rounds measure the other load. ``--repeat 2`` runs the list of trainers twice,
interleaved, and keeps each trainer's best run. ``numpy`` computes in float64 (the NumPy
backend's default), ``numpy32`` in float32 (the same code, given float32 params and inputs), JAX and
PyTorch in float32.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

TRAINERS = ("numpy-1", "numpy-2", "numpy32-1", "numpy32-2", "jax-1", "jax-2", "torch-1", "torch-2")
DTYPE = {"numpy": "float64", "numpy32": "float32", "jax": "float32", "torch": "float32"}


def thread_env(backend: str, n: int) -> dict[str, str]:
    """The environment of a worker limited to ``n`` threads (read by the libraries when imported)."""
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(n)
    env.pop("XLA_FLAGS", None)
    if backend == "jax":
        env["JAX_PLATFORMS"] = "cpu"
        env["PJRT_NPROC"] = str(n)                                 # XLA's CPU client: its thread pool size
        if n == 1:
            env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false"   # matrix products on one thread
    return env


def make_problem(path: str, input_size: int, hidden_size: int, batch_size: int, seq_len: int, seed: int) -> None:
    """Params (PyTorch's init) and a full-length batch with the loss weights, saved to ``path``."""
    import numpy as np

    from textbook.sequence import rnn

    config = rnn.Config(cell="lstm", input_size=input_size, hidden_size=hidden_size)
    params = rnn.init(config, seed=seed)
    rng = np.random.default_rng(seed + 1)
    batch = rnn.random_batch(config, batch_size, seq_len, rng, lengths=np.full(batch_size, seq_len),
                             initial_state=False)
    np.savez(path, **{"param:" + k: v for k, v in params.items()}, **{"batch:" + k: v for k, v in batch.items()})


def _load(path: str):
    import numpy as np

    with np.load(path) as z:
        params = {k[6:]: z[k] for k in z.files if k.startswith("param:")}
        batch = {k[6:]: z[k] for k in z.files if k.startswith("batch:")}
    return params, batch


def _timed(call, seconds: float, rounds: int) -> tuple[list[float], float, float]:
    """Call ``call()`` for about ``seconds``, in ``rounds`` rounds.

    Returns ``(seconds per call of each round, cores used, page faults per call)``: cores used is
    the process's CPU time over the wall time of all rounds; page faults are the minor ones, each
    a fresh page of memory that the kernel maps (and zeroes) on first touch.
    """
    import resource

    per_call, calls, cpu0, wall0 = [], 0, time.process_time(), time.perf_counter()
    faults0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(rounds):
        if per_call and time.perf_counter() - wall0 > 2 * seconds:   # very slow calls (a busy machine): stop
            break
        reps, start = 0, time.perf_counter()
        while reps < 1 or time.perf_counter() - start < seconds / rounds:
            call()
            reps += 1
        per_call.append((time.perf_counter() - start) / reps)
        calls += reps
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults0) / calls
    return per_call, (time.process_time() - cpu0) / (time.perf_counter() - wall0), faults


def run_trainer(name: str, path: str, seconds: float, rounds: int, grads_out: str) -> dict:
    """Time forward+backward with ``name`` (``numpy-1`` ... ``torch-2``); save its gradients to ``grads_out``."""
    import resource

    import numpy as np

    backend, n = name.split("-")[0], int(name.split("-")[1])
    params, batch = _load(path)
    B, T, I = batch["x"].shape
    H = params["weight_hh_l0"].shape[1]
    compile_s = None
    if backend in ("numpy", "numpy32", "jax"):
        from textbook.sequence import rnn

        config = rnn.Config(cell="lstm", input_size=I, hidden_size=H)
        impl = rnn.backend("jax" if backend == "jax" else "numpy")
        if DTYPE[backend] == "float32":                           # NumPy computes in the dtype of its params
            params = {k: v.astype(np.float32) for k, v in params.items()}
            batch = {k: v if k == "lengths" else v.astype(np.float32) for k, v in batch.items()}
        if backend == "jax":
            import jax

            def call():
                return jax.block_until_ready(impl.loss_and_grad_all(params, batch, config))
        else:
            def call():
                return impl.loss_and_grad_all(params, batch, config)

        start = time.perf_counter()
        value, grads, input_grads = call()                        # JAX: compiles here
        compile_s = time.perf_counter() - start if backend == "jax" else None
        call()
        per_call, cores, faults = _timed(call, seconds, rounds)
        grads = {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}
        grads["x"] = np.asarray(input_grads["x"], dtype=np.float64)
        value = float(value)
    else:
        import torch

        torch.set_num_threads(n)
        torch.set_num_interop_threads(1)
        module = torch.nn.LSTM(I, H, batch_first=True)
        module.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in params.items()})
        x = torch.tensor(batch["x"], dtype=torch.float32, requires_grad=True)
        w, w_h, w_c = (torch.tensor(batch[k], dtype=torch.float32) for k in ("weights", "h_weights", "c_weights"))

        def call():
            module.zero_grad(set_to_none=True)
            x.grad = None
            out, (h_n, c_n) = module(x)
            loss = (out * w).sum() + (h_n * w_h).sum() + (c_n * w_c).sum()
            loss.backward()
            return loss

        call()
        value = float(call())
        per_call, cores, faults = _timed(call, seconds, rounds)
        grads = {k: p.grad.double().numpy() for k, p in module.named_parameters()}
        grads["x"] = x.grad.double().numpy()
    np.savez(grads_out, **grads)
    per_call = sorted(per_call)
    return {"trainer": name, "dtype": DTYPE[backend], "threads": n, "rounds": len(per_call),
            "tokens/s": B * T / per_call[0], "median tokens/s": B * T / per_call[len(per_call) // 2],
            "cores used": cores, "faults/call": faults, "compile s": compile_s, "loss": value,
            "peak MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def compare_gradients(files: dict[str, str]) -> list[str]:
    """Max abs difference of every trainer's gradients from the first one's, over params and ``x``."""
    import numpy as np

    loaded = {}
    for name, path in files.items():
        with np.load(path) as z:
            loaded[name] = {k: z[k] for k in z.files}
    names = list(loaded)
    if len(names) < 2:
        return []
    ref = names[0]
    scale = max(float(np.abs(g).max()) for g in loaded[ref].values())
    lines = [f"gradients against {ref} (largest gradient entry {scale:.3g}):"]
    for name in names[1:]:
        diffs = {k: float(np.abs(loaded[name][k] - loaded[ref][k]).max()) for k in loaded[ref]}
        worst = max(diffs, key=diffs.get)
        lines.append(f"  {name}: max abs difference {diffs[worst]:.2e} (in {worst})")
    return lines


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--trainers", default=",".join(TRAINERS), help=f"comma-separated, from {TRAINERS}")
    p.add_argument("--input-size", type=int, default=64)
    p.add_argument("--hidden-size", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=100)
    p.add_argument("--seconds", type=float, default=6.0, help="timed seconds per trainer, after warm-up")
    p.add_argument("--rounds", type=int, default=6, help="the timed seconds are split into rounds; the best one counts")
    p.add_argument("--repeat", type=int, default=1, help="run the trainers this many times, keep each one's best")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--problem", help=argparse.SUPPRESS)
    p.add_argument("--grads-out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:                                               # a child process: one trainer, JSON out
        print(json.dumps(run_trainer(args.worker, args.problem, args.seconds, args.rounds, args.grads_out)))
        return

    trainers = [t for t in args.trainers.split(",") if t]
    unknown = set(trainers) - set(TRAINERS)
    if unknown:
        raise SystemExit(f"--trainers: unknown {sorted(unknown)}; choose from {TRAINERS}")
    print(f"LSTM, input {args.input_size}, hidden {args.hidden_size}, batch {args.batch_size}, "
          f"{args.seq_len} steps: forward + backward (weights and inputs); {os.cpu_count()} cores", file=sys.stderr)
    grad_files, load_before = {}, os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        problem = os.path.join(tmp, "problem.npz")
        make_problem(problem, args.input_size, args.hidden_size, args.batch_size, args.seq_len, args.seed)
        best = {}
        for name in [t for _ in range(args.repeat) for t in trainers]:
            print(f"timing {name} ...", file=sys.stderr)
            backend, n = name.split("-")[0], int(name.split("-")[1])
            out = os.path.join(tmp, f"grads-{name}.npz")
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", name, "--problem", problem,
                                   "--seconds", str(args.seconds), "--rounds", str(args.rounds), "--grads-out", out],
                                  capture_output=True, text=True, env=thread_env(backend, n))
            if proc.returncode:
                print(f"  {name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            if name not in best or row["tokens/s"] > best[name]["tokens/s"]:
                best[name] = row
            if backend not in (r.split("-")[0] for r in grad_files):   # one gradient file per backend
                grad_files[name] = out
        rows = [best[t] for t in trainers if t in best]
        grad_lines = compare_gradients(grad_files)
    print(f"load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for line in grad_lines:
        print(line)
    base = {r["threads"]: r["tokens/s"] for r in rows if r["trainer"].startswith("torch")}
    print("| trainer | dtype | tokens/s (best round) | vs torch, same threads | median round | cores used "
          "| page faults/call | compile s | peak MB |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        ratio = f"{r['tokens/s'] / base[r['threads']]:.2f}x" if r["threads"] in base else "n/a"
        comp = f"{r['compile s']:.1f}" if r["compile s"] is not None else "-"
        print(f"| {r['trainer']} | {r['dtype']} | {r['tokens/s']:,.0f} | {ratio} | {r['median tokens/s']:,.0f} "
              f"| {r['cores used']:.2f} | {r['faults/call']:,.0f} "
              f"| {comp} | {r['peak MB']:,.0f} |")


if __name__ == "__main__":
    main()
