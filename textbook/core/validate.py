"""Checks shared by every ``Config`` and command: clear ``ValueError``s that name the field.

Booleans are not integers here (``True`` is not a valid vocabulary size), and a real number
must be finite.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

__all__ = ["is_int", "is_real", "check_int", "check_int_fields", "check_lr", "check_param_shapes", "as_float"]


def is_int(x: object) -> bool:
    """True for Python and NumPy integers, False for booleans."""
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def is_real(x: object) -> bool:
    """True for finite Python and NumPy numbers, False for booleans, NaN and infinities."""
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_)) \
        and math.isfinite(float(x))


def check_int(name: str, value: object, low: int) -> int:
    """``value`` as a Python int, or a ``ValueError`` naming ``name`` unless it is an integer ``>= low``."""
    if not is_int(value) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def check_int_fields(config: object, lows: Iterable[tuple[str, int]]) -> None:
    """Check each ``(field, low)`` of a frozen dataclass and store it back as a Python int.

    Errors read ``Config.<field> must be an integer >= <low>, got <value>``.
    """
    owner = type(config).__name__
    for name, low in lows:
        object.__setattr__(config, name, check_int(f"{owner}.{name}", getattr(config, name), low))


def check_lr(lr: object) -> float:
    """The learning rate as a float; ``ValueError`` unless it is a finite number >= 0."""
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise TypeError(f"lr must be a real number, got {lr!r}") from None
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"lr must be a finite float >= 0, got {lr!r}")
    return value


def as_float(x: object) -> np.ndarray:
    """``x`` as a NumPy float array: float32 and float64 are kept, integers and booleans become float64.

    The NumPy backends compute in the dtype this gives their params and inputs.
    """
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _dtype(a: object) -> np.dtype:
    return np.dtype(getattr(a, "dtype", None) or np.asarray(a).dtype)


def check_param_shapes(params: object, shapes: Mapping[str, tuple[int, ...]], name: str = "params",
                       context: str = "", allow_extra: bool = False) -> None:
    """Raise unless ``params`` maps exactly the keys of ``shapes`` to float arrays of those shapes.

    ``context`` follows the expected shape in messages (e.g. ``" (vocab_size=5, dim=3)"``);
    ``allow_extra`` accepts keys beyond ``shapes`` (a part of a larger model's params).
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"{name} must be a dict of arrays with keys {list(shapes)}, got {type(params).__name__}")
    for key, shape in shapes.items():
        if key not in params:
            raise ValueError(f"{name} is missing key {key!r} (expected shape {shape}{context})")
        got = tuple(np.shape(params[key]))
        if got != tuple(shape):
            raise ValueError(f"{name}[{key!r}] must have shape {shape}{context}, got {got}")
        if not np.issubdtype(_dtype(params[key]), np.floating):
            raise TypeError(f"{name}[{key!r}] must be a float array of shape {shape}, got dtype {_dtype(params[key])}")
    extra = [k for k in params if k not in shapes]
    if extra and not allow_extra:
        raise ValueError(f"{name} has unexpected key {extra[0]!r}; expected the keys {list(shapes)}")
