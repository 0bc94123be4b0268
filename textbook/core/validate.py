"""Checks shared by every ``Config`` and command: clear ``ValueError``s that name the field.

Booleans are not integers here (``True`` is not a valid vocabulary size), and a real number
must be finite.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

__all__ = ["is_int", "is_real", "check_int", "check_int_fields"]


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
