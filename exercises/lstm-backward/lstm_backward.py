"""Exercise lstm-backward: one step of an LSTM cell and its backward pass, by hand.

Fill in ``lstm_step_loss_and_grad``. Use NumPy only: your file is graded on its own, without the
``textbook`` package. Check your work with ``textbook check lstm_backward.py``.
"""

import numpy as np


def lstm_step_loss_and_grad(params, batch):
    """One LSTM step (PyTorch's equations and gate order), a linear loss on it, and every gradient.

    ``a = x W_ih^T + b_ih + h W_hh^T + b_hh`` is ``(B, 4H)``, split into the gates i, f, g, o (in
    that order); ``i, f, o = sigmoid(.)``, ``g = tanh(.)``; ``c' = f * c + i * g``;
    ``h' = o * tanh(c')``. The loss is ``L = sum(h' * w_h) + sum(c' * w_c)``.

    Args:
        params: ``{"W_ih": (4H, I), "W_hh": (4H, H), "b_ih": (4H,), "b_hh": (4H,)}`` (do not modify).
        batch: ``{"x": (B, I), "h": (B, H), "c": (B, H), "w_h": (B, H), "w_c": (B, H)}``.

    Returns:
        ``(loss, grads, state_grads)``: ``loss`` a float, ``grads`` the gradients of the four
        weights (keys and shapes of ``params``), ``state_grads`` ``{"x": (B, I), "h": (B, H), "c": (B, H)}``,
        the gradients of the step's input and of the OLD states.
    """
    raise NotImplementedError("lstm_step_loss_and_grad: forward one step, then back through c', the gates, a")
