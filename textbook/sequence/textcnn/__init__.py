"""TextCNN (Kim, 2014): sentence classification with parallel convolutions and max-over-time pooling.

    >>> from textbook.sequence import textcnn
    >>> train_set, test_set = textcnn.split(textcnn.load_demo(), test_share=0.2, seed=0)
    >>> config = textcnn.demo_config(vocab_size=1, num_classes=2)      # sizes are set by `train`
    >>> result = textcnn.train(train_set, config, backend="numpy", seed=0, progress=False)
    >>> textcnn.accuracy(result, test_set) > 0.9
    True

Embeddings -> one convolution per filter width (default 3, 4, 5 words) -> ReLU -> max over time,
with padding masked out -> concatenation -> dropout -> a linear classifier; cross-entropy, Adam.

The two implementations (``backend("numpy")``, ``backend("jax")``) share ``features``,
``forward``, ``loss``, ``loss_and_grad`` and ``train_step``; the batch format and its checks are
in ``textbook.sequence.textcnn._batch``, the data tools (reading ``label<TAB>text`` and
``__label__x text`` files, splitting, encoding) in ``textbook.sequence.textcnn.data``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from textbook.core.validate import is_int, is_real, check_int_fields
from textbook.core import checkpoint
from textbook.core.backend import check_backend, load_impl, to_jax, to_numpy
from textbook.data.vocab import Vocab
from textbook.sequence.textcnn._batch import check_batch, check_params, param_shapes
from textbook.sequence.textcnn.data import (Encoded, LabelledTexts, batches, build_vocab, encode, load_demo,
                                            parse_labelled, read_labelled, split)

__all__ = ["Config", "DEMO_SETTINGS", "demo_config", "init", "backend", "TrainResult", "train", "predict",
           "accuracy", "top_ngrams", "save_params", "load_params", "check_batch", "check_params", "param_shapes",
           "LabelledTexts", "Encoded", "read_labelled", "parse_labelled", "load_demo", "split", "build_vocab",
           "encode", "batches"]


@dataclass(frozen=True)
class Config:
    """Hyperparameters of TextCNN (frozen and hashable, so JAX can treat it as static).

    Attributes:
        vocab_size: number of word ids ``V >= 1`` (id 0 is ``<unk>`` when built by ``build_vocab``).
        num_classes: number of labels ``K >= 2``.
        dim: word-vector size ``d``.
        widths: filter widths in words, distinct, e.g. ``(3, 4, 5)``.
        filters: feature maps per width ``F``; the classifier sees ``len(widths) * F`` features.
        dropout: probability of dropping a pooled feature while training, in ``[0, 1)``.
        lr: Adam's learning rate ``> 0``.
        batch_size: texts per step ``>= 1``.
        epochs: passes over the training set ``>= 1``.
        max_len: texts are cut after this many words.
    """

    vocab_size: int
    num_classes: int
    dim: int = 64
    widths: tuple = (3, 4, 5)
    filters: int = 32
    dropout: float = 0.5
    lr: float = 1e-3
    batch_size: int = 32
    epochs: int = 10
    max_len: int = 100

    def __post_init__(self) -> None:
        check_int_fields(self, (("vocab_size", 1), ("num_classes", 2), ("dim", 1), ("filters", 1),
                          ("batch_size", 1), ("epochs", 1), ("max_len", 1)))
        widths = self.widths
        if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
            raise ValueError(f"Config.widths must be a sequence of filter widths, e.g. (3, 4, 5), got {widths!r}")
        widths = tuple(widths)
        if not widths or not all(is_int(w) and w >= 1 for w in widths) or len(set(widths)) != len(widths):
            raise ValueError(f"Config.widths must be distinct integers >= 1, e.g. (3, 4, 5), got {self.widths!r}")
        if not is_real(self.dropout) or not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"Config.dropout must be a float in [0, 1), got {self.dropout!r}")
        if not is_real(self.lr) or self.lr <= 0:
            raise ValueError(f"Config.lr must be a finite float > 0, got {self.lr!r}")
        if max(widths) > self.max_len:
            raise ValueError(f"Config.max_len ({self.max_len}) must be at least the widest filter ({max(widths)})")
        # plain Python values: the config is hashed (JAX static argument) and saved as JSON
        object.__setattr__(self, "widths", tuple(int(w) for w in widths))
        for name in ("vocab_size", "num_classes", "dim", "filters", "batch_size", "epochs", "max_len"):
            object.__setattr__(self, name, int(getattr(self, name)))
        for name in ("dropout", "lr"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def num_features(self) -> int:
        """``len(widths) * filters``: the size of the pooled feature vector."""
        return len(self.widths) * self.filters


#: Settings for the demo sentiment set (800 short sentences): small vectors and filters suffice, widths
#: 2-4 suit sentences of 4-15 words, and so small a set wants a larger learning rate than Adam's usual
#: 1e-3. The CLI's ``--demo``, the book and the tests use these.
DEMO_SETTINGS: dict = dict(dim=32, widths=(2, 3, 4), filters=16, dropout=0.5, lr=1e-2, batch_size=32,
                           epochs=10, max_len=60)


def demo_config(vocab_size: int, num_classes: int, **overrides) -> Config:
    """A `Config` with `DEMO_SETTINGS`, any of them replaced by ``overrides``."""
    return Config(vocab_size=vocab_size, num_classes=num_classes, **{**DEMO_SETTINGS, **overrides})


def init(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """Initial params (float64, from ``seed``): embeddings ``U(-0.25, 0.25)`` as in Kim (2014), kernels and
    classifier ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, biases zero."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a TextCNN Config, got {type(config).__name__}")
    rng = np.random.default_rng(seed)
    params = {}
    for key, shape in param_shapes(config).items():
        if key == "embed":
            params[key] = rng.uniform(-0.25, 0.25, size=shape)
        elif key.endswith(".b"):
            params[key] = np.zeros(shape)
        else:
            fan_in = int(np.prod(shape[:-1]))
            params[key] = rng.uniform(-1.0, 1.0, size=shape) / math.sqrt(fan_in)
    return params


def backend(name: str):
    """The implementation module: ``backend("numpy")`` or ``backend("jax")``."""
    return load_impl(__name__, name)


@dataclass
class TrainResult:
    """What `train` returns.

    Attributes:
        params: NumPy params (float64).
        config: the configuration (with ``vocab_size`` and ``num_classes`` of the data).
        vocab: the vocabulary (``<unk>`` is id 0).
        label_names: class id -> label.
        losses: ``(steps,)`` the batch loss of every step, before its update.
        epoch_accuracy: held-out accuracy after each epoch (empty without ``eval_data``).
        texts_per_sec: training throughput.
    """

    params: dict
    config: Config
    vocab: Vocab
    label_names: list
    losses: np.ndarray
    epoch_accuracy: list = field(default_factory=list)
    texts_per_sec: float = float("nan")


def train(data: LabelledTexts, config: Config, backend: str = "numpy", seed: int = 0, progress: bool = True,
          eval_data: LabelledTexts | None = None, min_count: int = 1,
          callback: Callable[[int, dict, float], None] | None = None) -> TrainResult:
    """Train TextCNN with Adam on labelled texts.

    The vocabulary (plus ``<unk>``) and the label set are built from ``data``; ``config`` supplies
    the hyperparameters, its ``vocab_size`` and ``num_classes`` are replaced by those of the data.
    Every epoch shuffles the texts and draws the dropout masks on the host from ``seed``, so both
    backends see the same batches; a final partial batch is skipped so that every step has the
    same shape (the jitted JAX step compiles once).

    Args:
        data: training texts and labels (`read_labelled`, `load_demo`, `split`).
        config: hyperparameters.
        backend: ``"numpy"`` (float64) or ``"jax"`` (float32, jitted).
        seed: seeds the initial params, the shuffling and the dropout masks.
        progress: show a progress bar with the loss.
        eval_data: if given, the accuracy on it is recorded after each epoch.
        min_count: words seen fewer times in ``data`` map to ``<unk>``.
        callback: called after each epoch as ``callback(epoch, params, mean_loss)``.
    """
    from textbook.core.optim import backend as optim_backend
    from textbook.core.progress import Progress

    check_backend(backend)
    if not isinstance(config, Config):
        raise TypeError(f"config must be a TextCNN Config, got {type(config).__name__}")
    if not isinstance(data, LabelledTexts):
        raise TypeError(f"data must be LabelledTexts (read_labelled, load_demo), got {type(data).__name__}")
    label_names = data.label_names()
    if len(label_names) < 2:
        raise ValueError(f"data must hold at least two labels, got {label_names}")
    vocab = build_vocab(data.texts, min_count=min_count)
    config = dataclasses.replace(config, vocab_size=len(vocab), num_classes=len(label_names))
    encoded = encode(data, vocab, label_names, max_len=config.max_len, min_len=max(config.widths))
    held_out = None if eval_data is None else \
        encode(eval_data, vocab, label_names, max_len=config.max_len, min_len=max(config.widths))
    impl = load_impl(__name__, backend)
    rng = np.random.default_rng(seed)
    params = init(config, seed)
    if backend == "jax":
        params = to_jax(params)
    state = optim_backend(backend).adam_init(params)
    steps_per_epoch = max(len(encoded) // config.batch_size, 1)

    losses: list = []
    accuracies: list = []
    start = time.perf_counter()
    with Progress(total=config.epochs * steps_per_epoch * min(config.batch_size, len(encoded)),
                  desc="textcnn", unit="texts", enabled=progress) as bar:
        for epoch in range(config.epochs):
            first = len(losses)
            for i, batch in enumerate(batches(encoded, config.batch_size, rng, config.dropout,
                                              config.num_features)):
                params, state, value = impl.train_step(params, state, batch, config, config.lr)
                losses.append(value)
                show = progress and (i % 10 == 0 or i == steps_per_epoch - 1)
                bar.update(batch["tokens"].shape[0], **({"loss": float(value)} if show else {}))
            epoch_losses = _host(losses[first:])
            if held_out is not None:
                accuracies.append(_accuracy(impl, params, held_out, config))
                if progress:
                    bar.update(0, accuracy=accuracies[-1])
            if callback is not None:
                callback(epoch, {k: np.array(v) for k, v in params.items()}, float(epoch_losses.mean()))
    losses_arr = _host(losses)
    elapsed = time.perf_counter() - start
    params = {k: np.asarray(v, dtype=np.float64) for k, v in to_numpy(params).items()}
    texts = config.epochs * steps_per_epoch * min(config.batch_size, len(encoded))
    return TrainResult(params=params, config=config, vocab=vocab, label_names=label_names, losses=losses_arr,
                       epoch_accuracy=accuracies, texts_per_sec=texts / max(elapsed, 1e-9))


def _host(values: list) -> np.ndarray:
    if values and not isinstance(values[0], float):
        import jax

        values = jax.device_get(values)
    return np.asarray(values, dtype=np.float64)


def _logits(impl, params, data: Encoded, config: Config, chunk: int = 256) -> np.ndarray:
    """Logits of every text, in chunks of ``chunk`` texts padded to a multiple of 16 tokens.

    Padding the chunks (with masked positions, and with repeated rows in the last chunk) gives
    the jitted JAX forward pass few distinct shapes, so it compiles once or twice, not per call.
    """
    N, T = data.tokens.shape
    T_pad = -(-T // 16) * 16
    tokens = np.pad(data.tokens, ((0, 0), (0, T_pad - T)))
    mask = np.pad(data.mask, ((0, 0), (0, T_pad - T)))
    size = min(chunk, N)
    out = []
    for i in range(0, N, size):
        rows = np.arange(i, i + size) % N                            # the last chunk wraps around
        out.append(np.asarray(impl.forward(params, {"tokens": tokens[rows], "mask": mask[rows]}, config)))
    return np.concatenate(out, axis=0)[:N]


def _accuracy(impl, params, data: Encoded, config: Config) -> float:
    return float(np.mean(_logits(impl, params, data, config).argmax(axis=1) == data.labels))


def predict(result: TrainResult, data: LabelledTexts | list, backend: str = "numpy") -> list[str]:
    """The predicted label of each text (``LabelledTexts``, or a list of strings or of word lists)."""
    if not isinstance(data, LabelledTexts):
        from textbook.data.text import tokenize

        texts = [tokenize(t) if isinstance(t, str) else list(t) for t in data]
        data = LabelledTexts(texts, [result.label_names[0]] * len(texts), [" ".join(t) for t in texts])
    enc = encode(data, result.vocab, result.label_names, max_len=result.config.max_len,
                 min_len=max(result.config.widths))
    logits = _logits(load_impl(__name__, check_backend(backend)), result.params, enc, result.config)
    return [result.label_names[i] for i in logits.argmax(axis=1)]


def accuracy(result: TrainResult, data: LabelledTexts, backend: str = "numpy") -> float:
    """The share of ``data`` whose predicted label is the true one."""
    predicted = predict(result, data, backend=backend)
    return float(np.mean([p == t for p, t in zip(predicted, data.labels)]))


def top_ngrams(result: TrainResult, data: LabelledTexts, width: int, k: int = 3,
               filters: list[int] | None = None) -> dict[int, list[tuple[str, float]]]:
    """For each filter of one width, the ``k`` n-grams of ``data`` on which it fires hardest.

    Every text contributes its winning window (the max-over-time position), so these are the
    n-grams that the classifier actually sees.

    Returns:
        ``{filter: [(ngram, activation), ...]}``, strongest first, distinct n-grams.
    """
    config = result.config
    if width not in config.widths:
        raise ValueError(f"width must be one of the model's widths {config.widths}, got {width!r}")
    enc = encode(data, result.vocab, result.label_names, max_len=config.max_len, min_len=max(config.widths))
    impl = load_impl(__name__, "numpy")
    pooled, where = impl.features(result.params, enc.batch(slice(None)), config)
    i = config.widths.index(width)
    cols = slice(i * config.filters, (i + 1) * config.filters)
    pooled, where = pooled[:, cols], where[:, cols]
    words = [t[: config.max_len] for t in data.texts]
    out = {}
    for f in (range(config.filters) if filters is None else filters):
        best: dict[str, float] = {}
        for n in np.argsort(-pooled[:, f]):
            start = int(where[n, f])
            gram = " ".join(words[n][start:start + width]) or "<empty>"
            if gram not in best:
                best[gram] = float(pooled[n, f])
            if len(best) == k:
                break
        out[f] = list(best.items())
    return out


def save_params(path: str | os.PathLike, result: TrainResult) -> None:
    """Save params, config, vocabulary and labels to one ``.npz`` (`textbook.core.checkpoint`, no pickle)."""
    check_params(result.params, result.config)
    checkpoint.save(path, result.params, result.config, model="textcnn", meta={"labels": list(result.label_names)},
                    words=result.vocab.words, counts=result.vocab.counts)


def load_params(path: str | os.PathLike) -> TrainResult:
    """Load what `save_params` wrote (``allow_pickle=False``), as a `TrainResult` without training history."""
    ck = checkpoint.load(path, Config, model="textcnn")
    check_params(ck.params, ck.config)
    return TrainResult(params=ck.params, config=ck.config, vocab=Vocab(ck.words, ck.counts),
                       label_names=ck.meta["labels"], losses=np.zeros(0))