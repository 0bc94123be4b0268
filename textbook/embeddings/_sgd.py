"""The training loop Word2Vec and FastText share: epochs of shuffled batches, SGD with a decaying rate.

Each epoch subsamples the corpus, draws shrunk windows and negatives, shuffles the examples and
cuts them into batches (``textbook.data.batches.word2vec_batches``). Each step applies the sum of
a batch's gradients with a learning rate decaying linearly over all steps. A final partial batch
is skipped (unless it is the epoch's only one) so every step has the same shape and a jitted step
compiles once. With ``chunk > 1`` (JAX), ``chunk`` steps run in one call of ``impl.train_steps``
(one jitted scan); a short last chunk is padded with steps of rate 0, which change nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

__all__ = ["PIPELINES", "DTYPES", "encode_corpus", "host_losses", "sgd_epochs", "choose_pipeline", "table_dtype",
           "train_sgd"]

#: Where the batches are made: ``"host"`` (NumPy, shared by both backends), ``"device"`` (JAX only,
#: see ``textbook.embeddings._device``), ``"auto"`` (the device for JAX, else the host).
PIPELINES: tuple[str, ...] = ("auto", "host", "device")

#: The precisions the tables can train in (``None``: the backend's default, float64 for NumPy and
#: JAX's default float, float32 unless x64 is enabled).
DTYPES: tuple[str, ...] = ("float32", "float64")


def encode_corpus(corpus, vocab) -> list[np.ndarray]:
    """Tokenised sentences (lists of str) encoded with ``vocab``, or id arrays as int64."""
    corpus = list(corpus)
    if corpus and all(isinstance(s, np.ndarray) and s.dtype.kind in "iu" for s in corpus):
        return [np.asarray(s, dtype=np.int64) for s in corpus]
    if corpus and all(not isinstance(s, (str, np.ndarray)) and all(isinstance(t, str) for t in s) for s in corpus):
        return vocab.encode_corpus(corpus)
    raise TypeError("corpus must be a list of tokenised sentences (lists of str) or of 1-D int id arrays")


def host_losses(values: list) -> np.ndarray:
    """Python floats or JAX arrays of step losses as one flat float64 NumPy array (one transfer for JAX)."""
    if values and not isinstance(values[0], float):
        import jax

        values = jax.device_get(values)
    return np.concatenate([np.ravel(np.asarray(v, dtype=np.float64)) for v in values]) if values else np.zeros(0)


def sgd_epochs(impl, params: dict, corpus_ids: list[np.ndarray], config, *, model: str, negatives: int, noise,
               keep, rng: np.random.Generator, desc: str, progress: bool,
               callback: Callable[[int, dict, float], None] | None = None,
               complete: Callable[[dict], None] | None = None, chunk: int = 1) -> tuple[dict, np.ndarray, float]:
    """Run ``config.epochs`` epochs of ``impl.train_step`` (or ``impl.train_steps`` when ``chunk > 1``).

    ``complete(batch)`` adds model-specific arrays to each batch (FastText's n-gram rows).
    Returns ``(params, losses (steps,), words/sec)``, corpus words counted before subsampling;
    ``params`` stay in the backend's arrays.
    """
    from textbook.core.optim import linear_decay
    from textbook.core.progress import Progress
    from textbook.data.batches import word2vec_batches

    raw_words = sum(s.size for s in corpus_ids)                   # counted before subsampling, as word2vec does
    losses: list = []
    start = time.perf_counter()
    with Progress(total=config.epochs * raw_words, desc=desc, unit="words", enabled=progress) as bar:
        for epoch in range(config.epochs):
            batches = word2vec_batches(corpus_ids, model=model, window=config.window, batch_size=config.batch_size,
                                       negatives=negatives, noise=noise, keep_prob=keep, rng=rng)
            steps, n = len(batches), max(batches.num_examples, 1)
            if steps > 1 and batches.num_examples % config.batch_size:
                steps -= 1                                        # one shape for every step
            epoch_start, shown, pending = len(losses), 0, []
            for i, batch in zip(range(steps), batches):
                if complete is not None:
                    complete(batch)
                lr = linear_decay(epoch * steps + i, config.epochs * steps, config.alpha, config.min_alpha)
                pending.append((batch, lr))
                if len(pending) < chunk and i < steps - 1:
                    continue
                if chunk == 1:
                    params, loss = impl.train_step(params, batch, config, lr)
                    losses.append(loss)
                else:
                    real = len(pending)
                    pending += [(pending[-1][0], 0.0)] * (chunk - real)   # rate-0 padding: compiles once
                    params, chunk_losses = impl.train_steps(params, [b for b, _ in pending], config,
                                                            [r for _, r in pending])
                    losses.append(chunk_losses[:real])            # (real,) still on the device
                pending = []
                words = round(raw_words * batches.examples_done / n)   # corpus words of this epoch, pro rata
                show = progress and (chunk > 1 or i % 20 == 0 or i == steps - 1)   # float() waits for the device
                bar.update(words - shown, **({"loss": float(np.ravel(losses[-1])[-1]), "lr": lr} if show else {}))
                shown = words
            bar.update(raw_words - shown)                         # the skipped remainder, if any
            if callback is not None:
                epoch_losses = host_losses(losses[epoch_start:])
                snapshot = {k: np.array(v) for k, v in params.items()}   # a copy: NumPy steps work in place
                callback(epoch, snapshot, float(epoch_losses.mean()) if epoch_losses.size else float("nan"))
    losses = host_losses(losses)                                  # waits for the last device step
    return params, losses, config.epochs * raw_words / max(time.perf_counter() - start, 1e-9)


def choose_pipeline(pipeline: str, backend: str, objective: str = "neg") -> str:
    """``"host"`` or ``"device"`` for a `PIPELINES` name; ``"auto"`` picks the device for JAX with negatives."""
    if pipeline not in PIPELINES:
        raise ValueError(f"pipeline must be one of {PIPELINES}, got {pipeline!r}")
    if pipeline == "auto":
        return "device" if backend == "jax" and objective == "neg" else "host"
    if pipeline == "device" and backend != "jax":
        raise ValueError(f"pipeline='device' makes batches with JAX: it needs backend='jax', got {backend!r}")
    if pipeline == "device" and objective != "neg":
        raise ValueError(f"pipeline='device' trains with negative sampling only, got objective={objective!r}")
    return pipeline


def table_dtype(dtype: object, backend: str) -> np.dtype | None:
    """The dtype the tables train in, ``None`` for the backend's default; a ``ValueError`` for anything else.

    JAX computes in float64 only with x64 enabled (``jax.config.update("jax_enable_x64", True)``).
    """
    if dtype is None:
        return None
    try:
        chosen = np.dtype(dtype)
    except TypeError:
        chosen = None
    if chosen is None or chosen.name not in DTYPES:
        raise ValueError(f"dtype must be None or one of {DTYPES}, got {dtype!r}")
    if backend == "jax" and chosen == np.float64:
        import jax

        if not jax.config.jax_enable_x64:
            raise ValueError("dtype='float64' with backend='jax' needs x64: "
                             "jax.config.update('jax_enable_x64', True) before training")
    return chosen


def train_sgd(package, name: str, corpus, vocab, config, *, backend: str, pipeline: str, seed: int,
              progress: bool, callback, model: str, objective: str = "neg", dtype: object = None,
              completion: Callable | None = None, steps_per_call: int = 1,
              device_model: str | None = None, device_step: str = "sgd_step") -> tuple[dict, np.ndarray, float]:
    """The body of ``word2vec.train`` and ``fasttext.train``: checks, data, then the host or device loop.

    ``package`` provides ``Config``, ``init`` and the backends; ``name`` names the model in errors
    and the progress bar. ``completion()``, called after the checks, returns ``(host_complete,
    device_complete, device_tables)``: ``host_complete(batch)`` / ``device_complete(batch, tables)``
    add model-specific rows to a batch in either pipeline (FastText's n-grams). The device
    pipeline lays examples out as ``device_model`` (default ``model``) and steps with the JAX
    backend's ``device_step`` function. The tables train in ``dtype`` (`table_dtype`). Returns
    ``(NumPy float64 params, losses, words/sec)``, words counted before subsampling.
    """
    from textbook.core.backend import check_backend, load_impl, to_jax, to_numpy
    from textbook.data.sampling import NoiseSampler, keep_probabilities

    check_backend(backend)
    if not isinstance(config, package.Config):
        raise TypeError(f"config must be a {name} Config, got {type(config).__name__}")
    if len(vocab) != config.vocab_size:
        raise ValueError(f"config.vocab_size ({config.vocab_size}) must equal len(vocab) ({len(vocab)})")
    where = choose_pipeline(pipeline, backend, objective)
    dtype = table_dtype(dtype, backend)
    corpus_ids = encode_corpus(corpus, vocab)
    params = package.init(config, seed)                           # float64
    if backend == "jax":
        params = to_jax(params, dtype)                            # once; the steps stay on the device
    elif dtype is not None:
        params = {k: v.astype(dtype, copy=False) for k, v in params.items()}   # NumPy computes in this dtype
    noise = NoiseSampler(vocab.counts, config.noise_power) if objective == "neg" else None
    keep = keep_probabilities(vocab.counts, config.sample) if config.sample > 0 else None
    impl = load_impl(package.__name__, backend)
    host_complete, device_complete, device_tables = completion() if completion else (None, None, None)
    if where == "device":
        from textbook.embeddings._device import device_epochs

        params, losses, words_per_sec = device_epochs(getattr(impl, device_step), params, corpus_ids, config,
                                                      model=device_model or model, noise_probs=noise.probs,
                                                      keep=keep, seed=seed, desc=name, progress=progress,
                                                      callback=callback, tables=device_tables,
                                                      complete=device_complete)
    else:
        params, losses, words_per_sec = sgd_epochs(impl, params, corpus_ids, config, model=model,
                                                   negatives=config.negatives if noise else 0, noise=noise,
                                                   keep=keep, rng=np.random.default_rng(seed), desc=name,
                                                   progress=progress, callback=callback, complete=host_complete,
                                                   chunk=steps_per_call if backend == "jax" else 1)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in to_numpy(params).items()}
    return params, losses, words_per_sec
