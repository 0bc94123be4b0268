"""Recurrent layers: Elman RNN, LSTM and GRU cells, padded batches, bidirectional and stacked, in NumPy and JAX.

    >>> import numpy as np
    >>> config = Config(cell="lstm", input_size=3, hidden_size=4, num_layers=2, bidirectional=True)
    >>> params = init(config, seed=0)
    >>> sorted(params)[:4]
    ['bias_hh_l0', 'bias_hh_l0_reverse', 'bias_hh_l1', 'bias_hh_l1_reverse']
    >>> inputs = {"x": np.ones((2, 5, 3)), "lengths": np.array([5, 3])}
    >>> outputs, final = backend("numpy").forward(params, inputs, config)
    >>> outputs.shape, final["h"].shape, final["c"].shape
    ((2, 5, 8), (4, 2, 4), (4, 2, 4))
    >>> bool(np.all(outputs[1, 3:] == 0))          # past its length a sequence's outputs are zero
    True

The equations, gate order and parameter names are PyTorch's (``torch.nn.RNN``,
``LSTM``, ``GRU`` with ``batch_first=True``; on the pages, (RNN-1), (LSTM-1)-(LSTM-3) and
(GRU-1), (GRU-2), names as in ``numpy_impl``): ``params`` has exactly the keys
of the module's ``state_dict()``, so weights move between the two with
``{k: v.numpy() for k, v in module.state_dict().items()}`` and
``module.load_state_dict({k: torch.from_numpy(v) ...})``.

**Inputs.** ``{"x": (B, T, I), "lengths": (B,)}`` and optionally the initial
states ``"h0"`` (and, for the LSTM, ``"c0"``), each ``(L*D, B, H)``; missing
lengths mean every sequence fills all ``T`` steps, missing initial states are
zero. ``L = num_layers``, ``D = 2`` if bidirectional else 1.

**Outputs.** ``forward(params, inputs, config) -> (outputs, final_states)``:
``outputs`` is ``(B, T, D*H)``, the last layer's hidden states (forward
direction first, then the reverse one, (BI-2)), zero at ``t >= lengths[b]`` (RNN-9);
``final_states`` is a dict ``{"h": (L*D, B, H)}`` (LSTM: also ``"c"``), row
``l*D + d`` for layer ``l`` and direction ``d`` (0 forward, 1 reverse), as
PyTorch's ``h_n``/``c_n``. The forward direction's final state is its state
after step ``lengths[b] - 1``; the reverse direction reads each sequence
from ``t = lengths[b] - 1`` down to 0, so its final state is its state after
``t = 0``.

**Residual stacks.** With ``residual=True``, layer ``l >= 1`` adds its input to
its output (``out_l = layer_l(out_{l-1}) + out_{l-1}``, (BI-4)); the shapes match
since every layer above the first reads ``D*H`` features. PyTorch has no such
option, so residual stacks are checked against JAX and finite differences only.

**Loss for tests.** ``loss(params, batch, config)`` is the fixed linear function
``sum(outputs * weights) + sum(h_n * h_weights) (+ sum(c_n * c_weights))`` of
the outputs, with the weights carried by the batch: its gradient is the
backward pass with those weights as the upstream gradient.
``loss_and_grad`` returns the gradients of the params,
``loss_and_grad_all`` also those of the inputs ``x``, ``h0`` (and ``c0``).

The NumPy module also exposes the pieces other models reuse: one time step
of a cell with its cache (``step`` / ``step_backward``), a whole stack with
its cache (``forward_with_cache`` / ``backward``).  The JAX module exposes
the same step (``step``, pure and scannable) and the un-jitted stack
(``run_stack``) for use inside other jitted functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from textbook.core.validate import is_int
from textbook.core.backend import load_impl
from textbook.sequence.rnn._checks import (check_batch, check_inputs, check_params, param_shapes,
                                           state_keys)

CELLS: tuple[str, ...] = ("rnn", "lstm", "gru")
#: gates per cell: the rows of ``weight_ih`` are ``G * hidden_size``
GATES: dict[str, int] = {"rnn": 1, "lstm": 4, "gru": 3}

__all__ = ["Config", "CELLS", "GATES", "init", "backend", "param_shapes", "state_keys",
           "check_params", "check_inputs", "check_batch", "random_batch"]


@dataclass(frozen=True)
class Config:
    """Shape of a recurrent stack (frozen and hashable, so JAX can treat it as static).

    Attributes:
        cell: ``"rnn"`` (Elman, tanh), ``"lstm"`` or ``"gru"``.
        input_size: features per time step of the input, ``I >= 1``.
        hidden_size: features of the hidden state, ``H >= 1``.
        num_layers: layers in the stack, ``L >= 1``.
        bidirectional: add a reverse direction to every layer (``D = 2``).
        residual: layers ``l >= 1`` add their input to their output.
    """

    cell: str
    input_size: int
    hidden_size: int
    num_layers: int = 1
    bidirectional: bool = False
    residual: bool = False

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"Config.cell must be one of {CELLS}, got {self.cell!r}")
        for name in ("input_size", "hidden_size", "num_layers"):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise ValueError(f"Config.{name} must be an integer >= 1, got {value!r}")
            object.__setattr__(self, name, int(value))
        for name in ("bidirectional", "residual"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"Config.{name} must be a bool, got {value!r}")
            object.__setattr__(self, name, bool(value))

    @property
    def directions(self) -> int:
        """``D``: 2 if bidirectional, else 1."""
        return 2 if self.bidirectional else 1

    @property
    def gates(self) -> int:
        """``G``: 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n)."""
        return GATES[self.cell]

    @property
    def output_size(self) -> int:
        """Features per time step of the output, ``D * H``."""
        return self.directions * self.hidden_size

    def layer_input_size(self, layer: int) -> int:
        """Input features of ``layer``: ``I`` for layer 0, ``D * H`` above."""
        return self.input_size if layer == 0 else self.output_size


def init(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """PyTorch's initialisation: every weight and bias ``~ U(-1/sqrt(H), 1/sqrt(H))``, float64.

    Keys are PyTorch's ``state_dict()`` names, in its order (layer by layer,
    forward direction before reverse; ``weight_ih, weight_hh, bias_ih, bias_hh``).
    """
    if not isinstance(config, Config):
        raise TypeError(f"config must be an rnn Config, got {type(config).__name__}")
    rng = np.random.default_rng(seed)
    bound = 1.0 / math.sqrt(config.hidden_size)
    return {key: rng.uniform(-bound, bound, size=shape) for key, shape in param_shapes(config).items()}


def backend(name: str):
    """The implementation module: ``backend("numpy")`` or ``backend("jax")``."""
    return load_impl(__name__, name)


def random_batch(config: Config, B: int, T: int, rng: np.random.Generator, lengths=None,
                 initial_state: bool = True) -> dict[str, np.ndarray]:
    """A random test batch for ``loss``: inputs, lengths, initial states and the weights of the linear loss.

    ``lengths`` defaults to random lengths in ``[1, T]`` (one of them ``T``).
    """
    LD, H = config.num_layers * config.directions, config.hidden_size
    if lengths is None:
        lengths = rng.integers(1, T + 1, size=B)
        lengths[rng.integers(B)] = T
    batch = {"x": rng.normal(size=(B, T, config.input_size)), "lengths": np.asarray(lengths, dtype=np.int64),
             "weights": rng.normal(size=(B, T, config.output_size))}
    for key in state_keys(config):
        if initial_state:
            batch[key + "0"] = rng.normal(scale=0.5, size=(LD, B, H))
        batch[key + "_weights"] = rng.normal(size=(LD, B, H))
    return batch
