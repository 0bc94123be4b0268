"""Exercise gru-scan: a GRU over a padded batch, written as a scan.

Fill in ``gru_step`` and ``gru_forward``. Use NumPy only: your file is graded on its own, without
the ``textbook`` package. Check your work with ``textbook check gru_scan.py``.
"""

import numpy as np


def gru_step(params, h, x_t, m_t):
    """The body of the scan: one GRU step (PyTorch's equations, gates r, z, n) with a mask.

    Args:
        params: ``{"W_ih": (3H, I), "W_hh": (3H, H), "b_ih": (3H,), "b_hh": (3H,)}`` (do not modify).
        h: ``(B, H)`` the carried state.  x_t: ``(B, I)`` this step's input.
        m_t: ``(B,)`` bool, True for the rows whose sequence has a real token at this step.

    Returns:
        ``(new_h, y_t)``, both ``(B, H)``: where ``m_t`` is True the new state and, as output, the
        new state; where it is False the old state ``h`` and an output of zeros.
    """
    raise NotImplementedError("gru_step: the three gates, the candidate, the interpolation, the mask")


def gru_forward(params, x, h0, lengths):
    """Scan ``gru_step`` over time, as ``lax.scan(step, h0, xs)`` would.

    Args:
        params: as in ``gru_step``.  x: ``(B, T, I)`` padded inputs.  h0: ``(B, H)``.
        lengths: ``(B,)`` int, the real length of each sequence (0 to T).

    Returns:
        ``(outputs (B, T, H), h_final (B, H))``: the stacked outputs of every step, and the final carry.
    """
    raise NotImplementedError("gru_forward: carry the state through the T steps, stack the outputs")
