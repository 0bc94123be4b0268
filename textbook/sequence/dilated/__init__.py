"""A stack of dilated causal convolutions (WaveNet-style), and its receptive field.

    >>> receptive_field(kernel_size=2, dilations=(1, 2, 4, 8))
    16
    >>> config = Config(in_channels=1, channels=8, kernel_size=2, dilations=(1, 2, 4, 8))
    >>> params = init(config, seed=0)
    >>> import numpy as np
    >>> backend("numpy").forward(params, np.zeros((3, 20, 1)), config).shape
    (3, 20, 8)

Layer ``l`` convolves with kernel size ``k`` and dilation ``d_l``, padded on the left only, so
output ``t`` depends on inputs ``t - (k - 1) d_l .. t`` of that layer and never on a later one.
Stacked, the last layer's output ``t`` sees the inputs ``t - RF + 1 .. t`` with
``RF = 1 + (k - 1) * sum_l d_l`` (`receptive_field`, eq. (RF-1) of the dilated page): doubling
dilations ``1, 2, 4, ...`` make it grow exponentially with depth (RF-2), where an undilated stack
grows by ``k - 1`` per layer (RF-3).

The two implementations (``backend("numpy")``, ``backend("jax")``) share ``forward``,
``predict``, ``input_gradient``, ``loss``, ``loss_and_grad`` and ``train_step``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from textbook.core.backend import check_backend, load_impl, to_jax, to_numpy
from textbook.sequence.dilated._batch import check_batch, check_input, check_params, param_shapes
from textbook.core.validate import is_int, check_int_fields

__all__ = ["Config", "receptive_field", "reachable_lags", "init", "backend", "TrainResult", "train",
           "echo_task", "DEMO_SETTINGS", "check_batch", "check_input", "check_params", "param_shapes"]


def _check_kernel_and_dilations(kernel_size: object, dilations: object, where: str) -> tuple[int, tuple[int, ...]]:
    if not is_int(kernel_size) or kernel_size < 1:
        raise ValueError(f"{where}kernel_size must be an integer >= 1, got {kernel_size!r}")
    if isinstance(dilations, (str, bytes)) or not hasattr(dilations, "__iter__"):
        raise ValueError(f"{where}dilations must be a sequence of integers >= 1, e.g. (1, 2, 4, 8), "
                         f"got {dilations!r}")
    dils = tuple(dilations)
    if not dils or not all(is_int(d) and d >= 1 for d in dils):
        raise ValueError(f"{where}dilations must be a non-empty sequence of integers >= 1, e.g. (1, 2, 4, 8), "
                         f"got {dilations!r}")
    return int(kernel_size), tuple(int(d) for d in dils)


# --8<-- [start:receptive_field]
def receptive_field(kernel_size: int, dilations) -> int:
    """How many input steps one output step of the stack sees: ``1 + (k - 1) * sum(dilations)``, eq. (RF-1).

    Layer ``l`` reaches ``(k - 1) d_l`` steps further back than its input does; the reaches add up.

    >>> receptive_field(3, (1, 2, 4))       # 1 + 2 * 7
    15
    """
    k, dils = _check_kernel_and_dilations(kernel_size, dilations, "")
    return 1 + (k - 1) * sum(dils)


def reachable_lags(kernel_size: int, dilations) -> np.ndarray:
    """The lags ``s`` (sorted) such that output ``t`` depends on input ``t - s``.

    Each layer adds one of ``0, d_l, ..., (k - 1) d_l`` to the lag. With doubling dilations every
    lag ``0 .. RF - 1`` is reachable; a schedule that jumps too far leaves blind spots, e.g.
    ``k = 2`` with dilations ``(1, 4)`` reaches lags ``0, 1, 4, 5`` but not 2 or 3.
    """
    k, dils = _check_kernel_and_dilations(kernel_size, dilations, "")
    lags = np.zeros(1, dtype=np.int64)
    for d in dils:
        lags = np.unique((lags[:, None] + d * np.arange(k)[None, :]).ravel())
    return lags
# --8<-- [end:receptive_field]


@dataclass(frozen=True)
class Config:
    """A dilated causal stack (frozen and hashable, so JAX can treat it as static).

    Attributes:
        in_channels: input features per step.
        channels: features per step of every layer (and of the output of `forward`).
        kernel_size: taps per convolution ``k >= 1``.
        dilations: one dilation per layer, e.g. ``(1, 2, 4, 8)``.
        residual: add each layer's input to its output (``h + f(h)``), on every layer whose input
            has ``channels`` features (all but the first, unless ``in_channels == channels``).
        gated: WaveNet's gated activation ``tanh(conv_f(h)) * sigmoid(conv_g(h))`` instead of
            ``tanh(conv(h))``.
        out_channels: if ``> 0``, a per-step linear readout ``(channels -> out_channels)`` used by
            `predict` and the loss (WaveNet's 1x1 output layer); ``0`` means none.
    """

    in_channels: int
    channels: int
    kernel_size: int
    dilations: tuple
    residual: bool = False
    gated: bool = False
    out_channels: int = 0

    def __post_init__(self) -> None:
        check_int_fields(self, (("in_channels", 1), ("channels", 1), ("out_channels", 0)))
        k, dils = _check_kernel_and_dilations(self.kernel_size, self.dilations, "Config.")
        for name in ("residual", "gated"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"Config.{name} must be True or False, got {getattr(self, name)!r}")
        object.__setattr__(self, "kernel_size", k)
        object.__setattr__(self, "dilations", dils)
        for name in ("in_channels", "channels", "out_channels"):
            object.__setattr__(self, name, int(getattr(self, name)))
        for name in ("residual", "gated"):
            object.__setattr__(self, name, bool(getattr(self, name)))

    @property
    def receptive_field(self) -> int:
        """``1 + (kernel_size - 1) * sum(dilations)``."""
        return receptive_field(self.kernel_size, self.dilations)

    @property
    def output_size(self) -> int:
        """Features per step of `predict`: ``out_channels`` if there is a readout, else ``channels``."""
        return self.out_channels or self.channels


def init(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """Initial params (float64, from ``seed``): kernels ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, biases zero."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a dilated Config, got {type(config).__name__}")
    rng = np.random.default_rng(seed)
    params = {}
    for key, shape in param_shapes(config).items():
        if key.split(".")[-1] in ("b", "b_gate"):
            params[key] = np.zeros(shape)
        else:
            fan_in = int(np.prod(shape[:-1]))
            params[key] = rng.uniform(-1.0, 1.0, size=shape) / math.sqrt(fan_in)
    return params


def backend(name: str):
    """The implementation module: ``backend("numpy")`` or ``backend("jax")``."""
    return load_impl(__name__, name)


# --8<-- [start:echo_task]
def echo_task(n: int, length: int, delay: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A causal sequence-prediction task: repeat the input ``delay`` steps later.

    Returns ``(x, y)``, both ``(n, length, 1)``: ``x`` uniform in ``[-1, 1]``, ``y[:, t] = x[:, t - delay]``
    (0 for ``t < delay``). A causal model can only solve it if its receptive field exceeds ``delay``.
    """
    for name, value, low in (("n", n, 1), ("length", length, 1), ("delay", delay, 0)):
        if not is_int(value) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    x = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(n, length, 1))
    y = np.zeros_like(x)
    y[:, delay:] = x[:, : length - delay]
    return x, y
# --8<-- [end:echo_task]


#: The book's demo: the echo task with delay 10 on sequences of 64 steps, learned by stacks of
#: kernel size 2 with 8 channels; RF 16 (dilations 1, 2, 4, 8) can solve it, RF 8 (1, 2, 4) cannot.
DEMO_SETTINGS: dict = dict(delay=10, length=64, examples=256, channels=8, kernel_size=2, steps=600,
                           batch_size=32, lr=1e-2)


@dataclass
class TrainResult:
    """What `train` returns: NumPy params, the loss of every step, and steps per second."""

    params: dict
    config: Config
    losses: np.ndarray
    steps_per_sec: float


def train(config: Config, inputs: np.ndarray, targets: np.ndarray, steps: int = 500, batch_size: int = 32,
          lr: float = 1e-2, backend: str = "numpy", seed: int = 0, progress: bool = True) -> TrainResult:
    """Fit the stack (and its readout) to ``targets`` by Adam on the mean squared error.

    Args:
        config: the stack.
        inputs: ``(N, T, in_channels)``.
        targets: ``(N, T, output_size)``.
        steps: Adam steps, each on ``batch_size`` sequences drawn at random (from ``seed``).
        lr: Adam's learning rate.
        backend: ``"numpy"`` (float64) or ``"jax"`` (float32, jitted).
        seed: seeds the initial params and the batches.
        progress: show a progress bar with the loss.
    """
    from textbook.core.optim import backend as optim_backend
    from textbook.core.progress import Progress

    check_backend(backend)
    if not isinstance(config, Config):
        raise TypeError(f"config must be a dilated Config, got {type(config).__name__}")
    data = check_batch({"x": inputs, "target": targets}, config)
    if not is_int(steps) or steps < 1 or not is_int(batch_size) or batch_size < 1:
        raise ValueError(f"steps and batch_size must be integers >= 1, got {steps!r} and {batch_size!r}")
    impl = load_impl(__name__, backend)
    rng = np.random.default_rng(seed)
    params = init(config, seed)
    if backend == "jax":
        params = to_jax(params)
    state = optim_backend(backend).adam_init(params)
    N = data["x"].shape[0]
    losses = []
    start = time.perf_counter()
    with Progress(total=steps, desc="dilated", unit="steps", enabled=progress) as bar:
        for step in range(steps):
            index = rng.choice(N, size=min(batch_size, N), replace=False)
            batch = {"x": data["x"][index], "target": data["target"][index]}
            params, state, value = impl.train_step(params, state, batch, config, lr)
            losses.append(value)
            bar.update(1, **({"loss": float(value)} if progress and step % 25 == 0 else {}))
    if losses and not isinstance(losses[0], float):
        import jax

        losses = jax.device_get(losses)
    elapsed = time.perf_counter() - start
    params = {k: np.asarray(v, dtype=np.float64) for k, v in to_numpy(params).items()}
    return TrainResult(params, config, np.asarray(losses, dtype=np.float64), steps / max(elapsed, 1e-9))
