"""Exercise rnn-bptt: an Elman RNN, forward pass and back-propagation through time, by hand.

Fill in ``rnn_forward`` and ``rnn_loss_and_grad``. Use NumPy only: your file is graded on its
own, without the ``textbook`` package. Check your work with ``textbook check rnn_bptt.py``.
"""

import numpy as np


def rnn_forward(params, x, h0):
    """Run an Elman RNN over a batch of sequences (no padding).

    ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` for ``t = 1..T``, from ``h_0 = h0``.

    Args:
        params: ``{"W_ih": (H, I), "W_hh": (H, H), "b_ih": (H,), "b_hh": (H,)}`` float64 arrays.
        x: ``(B, T, I)`` inputs.
        h0: ``(B, H)`` initial states.

    Returns:
        ``hs``, the ``(B, T, H)`` array of the states ``h_1..h_T``.
    """
    raise NotImplementedError("rnn_forward: run the recurrence over the T steps")


def rnn_loss_and_grad(params, batch):
    """The loss ``L = sum(hs * weights)`` and its gradients, by back-propagation through time.

    Args:
        params: as in ``rnn_forward`` (do not modify them).
        batch: ``{"x": (B, T, I), "h0": (B, H), "weights": (B, T, H)}``.

    Returns:
        ``(loss, grads, input_grads)``: ``loss`` a float; ``grads`` a dict with the keys of
        ``params`` and their shapes; ``input_grads`` ``{"x": (B, T, I), "h0": (B, H)}``.
    """
    raise NotImplementedError("rnn_loss_and_grad: the forward pass, then BPTT from t = T down to 1")
