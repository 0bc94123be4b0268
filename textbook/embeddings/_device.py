r"""The fast JAX path of Word2Vec and FastText: every batch is made on the device, thousands of steps per call.

The host pipeline (`textbook.embeddings._sgd`) builds each batch in NumPy, ships it to the device
and runs one jitted step on it: the device waits for the host at every step. Here the host only
subsamples each epoch (one vectorised draw over the corpus) and ships the kept tokens once, with
how far each token's window may reach inside its sentence. Then one call of a jitted function
trains on a whole *chunk* of ``T`` centre words:

1. it draws every centre's shrunk window ``b ~ U{1..w}`` and clips it to the sentence;
2. it lays out the chunk's examples in corpus order: for skip-gram one ``(centre, context)`` pair
   per context word (a ``repeat`` of each centre by its number of contexts, so no padded window
   slots are computed), for CBOW one example per centre with its ``(2w,)`` window mask;
3. it cuts them into batches of ``batch_size`` examples and, in a ``lax.fori_loop``, draws ``k``
   negatives per example from a unigram^0.75 table and applies the model's own SGD step (the very
   ``sgd_step`` the host pipeline jits) to the tables, which are donated and updated in place.

The last batch of a chunk is padded with examples of weight 0, so no example is dropped.

Compared with the host pipeline, examples come in corpus order (as in the C tool and gensim), not
shuffled, and the random draws come from JAX's generator, so the two pipelines do not give the
same numbers; each is reproducible from its seed. The code has no CPU-specific part: on a GPU the
same chunk function runs there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = ["DeviceSpec", "noise_table", "epoch_stream", "skipgram_examples", "cbow_examples", "run_chunk",
           "device_epochs", "CHUNK"]

#: Centre words per jitted call (rounded up to a multiple of the batch size).
CHUNK = 32768
#: Entries of the noise table: a word of noise probability ``p`` fills about ``p * NOISE_TABLE`` of them.
NOISE_TABLE = 1 << 22


def noise_table(probs: np.ndarray, size: int = NOISE_TABLE) -> np.ndarray:
    """Word ids laid out so that a uniform entry is word ``v`` with probability about ``probs[v]``, ``(size,)``.

    Entry ``j`` holds the word whose cumulative probability first exceeds ``(j + 1/2) / size``
    (the C tool's table); a draw from it costs one random integer and one read. ``size`` is a
    power of two, ``2^m``, so the top ``m`` bits of a random 32-bit word are a uniform entry.
    """
    if size < 2 or size & (size - 1) or size > 1 << 32:
        raise ValueError(f"size must be a power of two in [2, 2^32], got {size}")
    cdf = np.cumsum(np.asarray(probs, dtype=np.float64))
    cdf /= cdf[-1]
    ids = np.searchsorted(cdf, (np.arange(size) + 0.5) / size, side="right")
    return np.minimum(ids, cdf.size - 1).astype(np.int32)


def _params_dtype(params) -> np.dtype:
    """The float dtype the tables train in (they all share it): of the steps' scalars and learning rates."""
    return jax.tree.leaves(params)[0].dtype


class Stream(NamedTuple):
    """One epoch's kept tokens on the device, padded to the same shape every epoch (so nothing recompiles).

    Attributes:
        tokens: ``(w + N + T + w,)`` int32 word ids; the kept token ``i`` is at ``w + i``.
        left: ``(N + T,)`` int32 how many kept tokens of its sentence precede token ``i``, at most ``w``.
        right: ``(N + T,)`` int32 how many follow it, at most ``w``.
        live: the number of kept tokens ``n <= N`` (an int32 scalar).
    """

    tokens: jax.Array
    left: jax.Array
    right: jax.Array
    live: int


def epoch_stream(flat: np.ndarray, sentence: np.ndarray, keep: np.ndarray | None, window: int, chunk: int,
                 rng: np.random.Generator) -> Stream:
    """Subsample one epoch on the host and move it to the device.

    Args:
        flat: ``(N,)`` the corpus's word ids, sentences concatenated.
        sentence: ``(N,)`` non-decreasing sentence index of each token.
        keep: ``(V,)`` keep probability of each word, or ``None`` to keep every token.
        window: the largest window ``w``.
        chunk: centres per jitted call ``T`` (the padding at the end).
        rng: draws one uniform per token, as ``textbook.data.sampling.subsample`` does.
    """
    kept = np.ones(flat.size, bool) if keep is None else rng.random(flat.size) < keep[flat]
    ids, sent = flat[kept], sentence[kept]                        # (n,)
    n = ids.size
    pos = np.arange(n)
    starts = np.ones(n, bool)
    starts[1:] = sent[1:] != sent[:-1]                            # first kept token of a sentence
    ends = np.ones(n, bool)
    ends[:-1] = starts[1:]                                        # last kept token of a sentence
    first = np.maximum.accumulate(np.where(starts, pos, 0))       # (n,) index of the sentence's first token
    last = np.minimum.accumulate(np.where(ends, pos, n)[::-1])[::-1]   # (n,) and of its last
    pad = flat.size - n + chunk                                   # the same shapes every epoch
    tokens = np.concatenate([np.zeros(window, np.int32), ids.astype(np.int32), np.zeros(pad + window, np.int32)])
    room = lambda r: np.concatenate([np.minimum(r, window), np.zeros(pad, np.int64)]).astype(np.int32)  # noqa: E731
    return Stream(*jax.device_put((tokens, room(pos - first), room(last - pos))), live=np.int32(n))


# --- the examples of one chunk, in corpus order ----------------------------------------------------------

# --8<-- [start:skipgram_examples]
def skipgram_examples(tok, left, right, window):
    """Every ``(centre, context)`` pair of the chunk, centre by centre, padded to ``(T * 2w,)``.

    ``tok`` is ``(T + 2w,)`` with centre ``i`` at ``w + i``; ``left``/``right`` ``(T,)`` are the
    clipped shrunk windows (0 for a centre past the end of the epoch). Returns
    ``({"center": (L,), "context": (L,)}, count)``: the first ``count`` pairs are real.
    """
    T, w = left.shape[0], window
    n = left + right                                              # (T,) contexts of each centre
    end = jnp.cumsum(n)                                           # (T,) its pairs end here
    count = end[-1]
    c = jnp.repeat(jnp.arange(T), n, total_repeat_length=T * 2 * w)   # (L,) centre of each pair
    r = jnp.arange(T * 2 * w) - (end - n)[c]                      # (L,) which of its contexts, 0..n-1
    off = jnp.where(r < left[c], r - left[c], r - left[c] + 1)    # (L,) offsets -left..-1, then 1..right
    ctx = jnp.clip(c + off, -w, T + w - 1)                        # pairs past `count` are padding
    return {"center": tok[w + c], "context": tok[w + ctx]}, count
# --8<-- [end:skipgram_examples]


def cbow_examples(tok, left, right, window):
    """One example per centre that has a context: ``{"center": (T,), "context", "context_mask": (T, 2w)}``.

    Returns ``(examples, count)``; the first ``count`` rows are real, the others repeat the first
    real one (so every row has a context and a finite mean).
    """
    T, w = left.shape[0], window
    has = left + right > 0                                        # (T,)
    idx = jnp.nonzero(has, size=T, fill_value=jnp.argmax(has))[0]   # (T,) centres with a context first
    off = jnp.concatenate([jnp.arange(-w, 0), jnp.arange(1, w + 1)])   # (2w,) the offsets, as the host's
    mask = jnp.where(off < 0, -off <= left[idx, None], off <= right[idx, None])   # (T, 2w)
    context = jnp.where(mask, tok[w + idx[:, None] + off], 0)    # (T, 2w) an empty slot reads row 0, which
    return {"center": tok[w + idx], "context": context,           # stays in cache (its gradient is 0)
            "context_mask": mask}, has.sum()


#: How each model lays out a chunk's examples: skip-gram pairs; CBOW windows; "windows": skip-gram
#: by whole windows (every pair of a centre in one example, for a step that reads the centre's rows once).
LAYOUTS = {"skipgram": skipgram_examples, "cbow": cbow_examples, "windows": cbow_examples}


@dataclass(frozen=True)
class DeviceSpec:
    """What the chunk function needs to know at compile time (hashable: a static argument).

    Attributes:
        step: the model's ``sgd_step(params, batch, lr, config, weight) -> (params, summed loss)``.
        config: the model's config (``window``, ``negatives``, ``batch_size``).
        model: ``"skipgram"``, ``"cbow"`` or ``"windows"``: how examples are laid out (`LAYOUTS`).
        chunk: centres per call ``T`` (a multiple of ``batch``).
        batch: examples per step: pairs (skip-gram), centres (CBOW, windows).
        complete: ``complete(batch, tables) -> batch`` adds model-specific rows (FastText's n-grams).
    """

    step: Callable
    config: object
    model: str
    chunk: int
    batch: int
    complete: Callable | None = None


# --8<-- [start:run_chunk]
@partial(jax.jit, static_argnames="spec", donate_argnums=0)
def run_chunk(params, tables, stream: Stream, start, key, epoch, index, lr_from, lr_to, *, spec: DeviceSpec):
    """Train on the centres ``start .. start + T - 1`` of the stream; returns ``(params, loss sum, examples)``.

    ``tables["noise"]`` is the `noise_table`; the random draws come from ``key`` folded with
    ``epoch`` and the chunk's ``index``; the learning rate goes linearly from ``lr_from`` at the
    chunk's first example to ``lr_to`` after its last.
    """
    T, w, B, k = spec.chunk, spec.config.window, spec.batch, spec.config.negatives
    key_window, key_noise = jax.random.split(jax.random.fold_in(jax.random.fold_in(key, epoch), index))
    tok = lax.dynamic_slice_in_dim(stream.tokens, start, T + 2 * w)       # (T + 2w,)
    live = start + jnp.arange(T) < stream.live                          # (T,) inside this epoch
    b = jax.random.randint(key_window, (T,), 1, w + 1)                  # (T,) shrunk windows
    left = jnp.where(live, jnp.minimum(b, lax.dynamic_slice_in_dim(stream.left, start, T)), 0)
    right = jnp.where(live, jnp.minimum(b, lax.dynamic_slice_in_dim(stream.right, start, T)), 0)
    examples, count = LAYOUTS[spec.model](tok, left, right, w)
    dtype = _params_dtype(params)
    noise = tables["noise"]

    L = examples["center"].shape[0]                                     # examples laid out (padded)
    per_example = (2 * w, k) if spec.model == "windows" else (k,)       # k per pair
    bits = jax.random.bits(key_noise, (L, *per_example), jnp.uint32)   # a table of 2^m entries:
    examples["negatives"] = noise[bits >> (32 - (noise.size.bit_length() - 1))]   # the top m bits
    if spec.model == "windows":                                         # an empty slot's negatives: row 0
        examples["negatives"] = jnp.where(examples["context_mask"][..., None], examples["negatives"], 0)

    def one_step(s, carry):
        params, loss_sum = carry
        batch = {name: lax.dynamic_slice_in_dim(a, s * B, B) for name, a in examples.items()}
        if spec.complete is not None:
            batch = spec.complete(batch, tables)
        weight = (s * B + jnp.arange(B) < count).astype(dtype)          # (B,) 0 for the padding
        lr = lr_from + (lr_to - lr_from) * (s * B / jnp.maximum(count, 1))
        params, loss = spec.step(params, batch, lr.astype(dtype), spec.config, weight)
        return params, loss_sum + loss

    steps = (count + B - 1) // B
    params, loss_sum = lax.fori_loop(0, steps, one_step, (params, jnp.zeros((), dtype)))
    return params, loss_sum, count
# --8<-- [end:run_chunk]


def _compile(params, tables, n_raw: int, spec: DeviceSpec):
    """`run_chunk` compiled ahead of time for a stream of ``n_raw`` corpus tokens (shapes only).

    ``params`` and ``tables`` may be arrays or ``jax.ShapeDtypeStruct``s: only their shapes and
    dtypes are read, so the compile can start before the tables are built.
    """
    T, w = spec.chunk, spec.config.window
    i32 = jax.ShapeDtypeStruct((), jnp.int32)
    rate = jax.ShapeDtypeStruct((), _params_dtype(params))
    stream = Stream(tokens=jax.ShapeDtypeStruct((w + n_raw + T + w,), jnp.int32),
                    left=jax.ShapeDtypeStruct((n_raw + T,), jnp.int32),
                    right=jax.ShapeDtypeStruct((n_raw + T,), jnp.int32), live=i32)
    return run_chunk.lower(params, tables, stream, i32, jax.random.key(0), i32, i32, rate, rate, spec=spec).compile()


def _shape_of(x) -> jax.ShapeDtypeStruct:
    return jax.ShapeDtypeStruct(np.shape(x), x.dtype)


def device_epochs(spec_step: Callable, params: dict, corpus_ids: list[np.ndarray], config, *, model: str,
                  noise_probs: np.ndarray, keep: np.ndarray | None, seed: int, desc: str, progress: bool,
                  callback: Callable[[int, dict, float], None] | None = None, tables: dict | None = None,
                  complete: Callable | None = None, chunk: int = CHUNK) -> tuple[dict, np.ndarray, float]:
    """Run ``config.epochs`` epochs on the device; the drop-in twin of ``_sgd.sgd_epochs`` for JAX.

    ``model="windows"`` (skip-gram by whole windows) takes ``batch_size // (window + 1)`` centres
    per step, about ``batch_size`` pairs. Returns ``(params, losses, words/sec)``: ``losses`` holds
    the mean loss of each chunk's examples.
    The learning rate decays linearly from ``config.alpha`` to ``config.min_alpha`` over the
    epochs, by the share of each epoch's kept tokens done. XLA compiles the chunk function in a
    background thread while the host flattens the corpus, builds the noise table and subsamples
    the first epoch; each next epoch is subsampled while the device trains on the current one.
    """
    from concurrent.futures import ThreadPoolExecutor

    from textbook.core.progress import Progress
    from textbook.data._validate import flatten

    start_time = time.perf_counter()
    B = config.batch_size if model != "windows" else max(1, config.batch_size // (config.window + 1))
    raw_words = sum(s.size for s in corpus_ids)
    T = -(-min(chunk, max(raw_words, 1)) // B) * B                # a multiple of the batch size
    spec = DeviceSpec(step=spec_step, config=config, model=model, chunk=T, batch=B, complete=complete)
    extra = tables or {}
    shapes = {"noise": jax.ShapeDtypeStruct((NOISE_TABLE,), jnp.int32), **jax.tree.map(_shape_of, extra)}
    rng, key = np.random.default_rng(seed), jax.random.key(seed)
    dtype = _params_dtype(params)
    rate = lambda p: np.asarray(config.alpha - (config.alpha - config.min_alpha) * p, dtype)   # noqa: E731
    losses: list = []
    with Progress(total=config.epochs * raw_words, desc=desc, unit="words", enabled=progress) as bar, \
            ThreadPoolExecutor(max_workers=2) as background:
        compiling = background.submit(_compile, params, shapes, raw_words, spec)   # XLA, from the start
        flat, sentence = flatten(corpus_ids)                      # meanwhile, on the host
        subsample = partial(epoch_stream, flat, sentence, keep, config.window, T, rng)
        next_stream = background.submit(subsample)                # epoch 0
        tables = jax.device_put({"noise": noise_table(noise_probs), **extra})
        train_chunk = compiling.result()
        for epoch in range(config.epochs):
            stream = next_stream.result()
            if epoch + 1 < config.epochs:
                next_stream = background.submit(subsample)        # the next epoch, while this one trains
            n, shown, epoch_losses = max(int(stream.live), 1), 0, []
            for i, start in enumerate(range(0, int(stream.live), T)):
                done = (epoch + start / n) / config.epochs, (epoch + min(start + T, n) / n) / config.epochs
                params, loss_sum, count = train_chunk(params, tables, stream, np.int32(start), key, np.int32(epoch),
                                                      np.int32(i), rate(done[0]), rate(done[1]))
                epoch_losses.append((loss_sum, count))
                words = round(raw_words * min(start + T, n) / n)
                bar.update(words - shown, **({"loss": float(loss_sum / max(int(count), 1))} if progress else {}))
                shown = words
            bar.update(raw_words - shown)
            pairs = np.array(jax.device_get(epoch_losses), dtype=np.float64).reshape(-1, 2)
            losses.append(pairs[:, 0] / np.maximum(pairs[:, 1], 1))
            if callback is not None:
                mean = pairs[:, 0].sum() / max(pairs[:, 1].sum(), 1)
                callback(epoch, {k: np.array(v) for k, v in params.items()}, float(mean))
    jax.block_until_ready(params)
    words_per_sec = config.epochs * raw_words / max(time.perf_counter() - start_time, 1e-9)
    return params, np.concatenate(losses) if losses else np.zeros(0), words_per_sec
