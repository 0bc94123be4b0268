"""Host-side checks shared by both decoders: the arguments, and what a step function returns.

Both ``numpy_impl`` and ``jax_impl`` call these before decoding (the JAX decoder also after its
jitted loop, for the values it can only see inside it), so a bad call fails the same way in
either backend, with a ``ValueError``/``TypeError`` naming the argument and the expected range.
"""

from __future__ import annotations

import math

import numpy as np
from textbook.core.validate import check_int

#: A step's log-probabilities must satisfy ``|logsumexp(log_probs)| <= NORM_TOL``: loose enough
#: for float32 models, tight enough to catch logits passed instead of log-probabilities.
NORM_TOL = 1e-3

#: The default length-normalisation exponent of both `greedy` and `beam_search`.
DEFAULT_ALPHA = 0.7

#: Padding of the fixed-shape token arrays returned by the batched decoders.
PAD = -1


def check_alpha(alpha: object) -> float:
    """The length-normalisation exponent: a finite float ``>= 0``."""
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(alpha)) or alpha < 0:
        raise ValueError(f"alpha must be a finite number >= 0 (0: no length normalisation), got {alpha!r}")
    return float(alpha)


def check_args(eos: object, max_len: object, beam_size: object = 1, alpha: object = 0.0) -> tuple[int, int, int, float]:
    """``(eos, max_len, beam_size, alpha)`` checked and as Python numbers (eos is checked against V later)."""
    return (check_int("eos", eos, 0), check_int("max_len", max_len, 1), check_int("beam_size", beam_size, 1),
            check_alpha(alpha))


def check_eos(eos: int, vocab_size: int) -> None:
    """``eos`` must be a token the step function can produce."""
    if not 0 <= eos < vocab_size:
        raise ValueError(f"eos must be a token id in [0, {vocab_size}) (the step function returns "
                         f"log_probs over V = {vocab_size} tokens), got {eos}")


def split_step_output(out: object) -> tuple[object, object, object]:
    """``(log_probs, new_state, extras)`` from what a step returned (``extras`` is None if absent)."""
    if not isinstance(out, tuple) or len(out) not in (2, 3):
        got = f"a tuple of length {len(out)}" if isinstance(out, tuple) else type(out).__name__
        raise TypeError(f"step must return (log_probs, new_state) or (log_probs, new_state, extras), got {got}")
    return out[0], out[1], (out[2] if len(out) == 3 else None)


def not_finite_message(where: str) -> str:
    return (f"step returned NaN or +inf log-probabilities {where}: log_probs must be finite or -inf "
            f"(-inf for a token of probability 0)")


def not_normalised_message(lse: float, where: str) -> str:
    return (f"step returned log-probabilities that are not normalised {where}: logsumexp(log_probs) = "
            f"{lse:.6g}, expected 0 within {NORM_TOL:g}; return log_softmax(logits), not the logits")


def check_log_probs(log_probs: object, vocab_size: int | None, where: str) -> np.ndarray:
    """One step's ``log_probs`` (NumPy decoder): a float vector ``(V,)``, finite or -inf, normalised.

    Returned as float64, so that the decoder adds up log-probabilities in float64 whatever the model's dtype.
    """
    a = np.asarray(log_probs)
    if a.dtype.kind != "f":
        raise TypeError(f"step must return float log_probs, got dtype {a.dtype} {where}")
    a = a.astype(np.float64)
    if a.ndim != 1 or a.shape[0] < 1 or (vocab_size is not None and a.shape[0] != vocab_size):
        want = "(V,)" if vocab_size is None else f"(V,) = ({vocab_size},) as at the first step"
        raise ValueError(f"step must return log_probs of shape {want}, got shape {a.shape} {where}")
    if np.isnan(a).any() or np.isposinf(a).any():
        raise ValueError(not_finite_message(where))
    m = np.max(a)
    lse = float(m + np.log(np.sum(np.exp(a - m)))) if np.isfinite(m) else -math.inf
    if not abs(lse) <= NORM_TOL:
        raise ValueError(not_normalised_message(lse, where))
    return a


def check_extras(extras: object, shape: tuple[int, ...] | None, where: str) -> np.ndarray:
    """One step's extras (NumPy decoder): a numeric array of the same shape at every step."""
    a = np.asarray(extras)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"step's extras must be a numeric array (e.g. attention weights), got dtype {a.dtype} {where}")
    if shape is not None and a.shape != shape:
        raise ValueError(f"step's extras must have the same shape at every step: {shape} before, "
                         f"got {a.shape} {where}")
    return a
