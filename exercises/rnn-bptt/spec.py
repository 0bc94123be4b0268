"""Grading spec of the RNN forward / BPTT exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import Compare, Exercise, GradCheck, Hint, Limits
from textbook.sequence import rnn
from textbook.sequence.rnn import numpy_impl as rnn_np

KEYS = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0", "b_hh": "bias_hh_l0"}


def _config(params):
    H, I = params["W_ih"].shape
    return rnn.Config(cell="rnn", input_size=I, hidden_size=H)


def reference_forward(params, x, h0):
    """The library's Elman layer (PyTorch's names), one sequence per row, no padding."""
    outputs, _ = rnn_np.forward({KEYS[k]: v for k, v in params.items()}, {"x": x, "h0": h0[None]}, _config(params))
    return outputs


def reference_loss_and_grad(params, batch):
    B, T, _ = batch["x"].shape
    H = params["W_hh"].shape[0]
    lib_batch = {"x": batch["x"], "h0": batch["h0"][None], "weights": batch["weights"],
                 "h_weights": np.zeros((1, B, H))}
    loss, grads, input_grads = rnn_np.loss_and_grad_all({KEYS[k]: v for k, v in params.items()}, lib_batch,
                                                        _config(params))
    return loss, {k: grads[v] for k, v in KEYS.items()}, {"x": input_grads["x"], "h0": input_grads["h0"][0]}


def _params(rng, I, H, scale):
    return {"W_ih": rng.normal(0, scale, (H, I)), "W_hh": rng.normal(0, scale, (H, H)),
            "b_ih": rng.normal(0, scale, H), "b_hh": rng.normal(0, scale, H)}


def _batch(rng, B, T, I, H, x_scale=1.0):
    return {"x": rng.normal(0, x_scale, (B, T, I)), "h0": rng.normal(0, 0.5, (B, H)),
            "weights": rng.normal(size=(B, T, H))}


def forward_case(rng):
    params, b = _params(rng, 3, 4, 0.6), _batch(rng, 2, 5, 3, 4)
    return Case("rnn_forward", (params, b["x"], b["h0"]), name="B=2, T=5, I=3, H=4")


def small(rng):
    return Case("rnn_loss_and_grad", (_params(rng, 3, 4, 0.6), _batch(rng, 2, 5, 3, 4)), name="B=2, T=5, I=3, H=4")


def long(rng):
    return Case("rnn_loss_and_grad", (_params(rng, 2, 6, 0.4), _batch(rng, 3, 30, 2, 6)), name="T=30")


def saturated(rng):
    return Case("rnn_loss_and_grad", (_params(rng, 3, 4, 3.0), _batch(rng, 2, 6, 3, 4, x_scale=5.0)),
                name="saturated units (|a| in the tens)")


def one_step(rng):
    return Case("rnn_loss_and_grad", (_params(rng, 3, 4, 0.6), _batch(rng, 1, 1, 3, 4)), name="B=1, T=1")


def _only(*keys):
    def pick(grads):
        return {k: grads[k] for k in keys}
    return pick


EXERCISE = Exercise(
    slug="rnn-bptt",
    title="An Elman RNN: forward pass and back-propagation through time",
    starter="rnn_bptt.py",
    functions=("rnn_forward", "rnn_loss_and_grad"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="forward states", cases=forward_case, reference=reference_forward, points=2, rtol=1e-9,
                atol=1e-12, hint="h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), starting from h0"),
        Compare(name="loss", cases=small, reference=reference_loss_and_grad, output=(0,), points=1, rtol=1e-9,
                hint="the loss is sum(hs * weights) over every b, t and unit"),
        Compare(name="gradient dW_hh", cases=small, reference=reference_loss_and_grad, output=(1, "W_hh"),
                points=2, rtol=1e-7, atol=1e-10,
                hint="dW_hh = sum_t da_t^T h_{t-1} with da_t = delta_t (1 - h_t^2), and delta_t collects the "
                     "output weight at t AND da_{t+1} W_hh from the next step"),
        Compare(name="gradients dW_ih, db_ih, db_hh", cases=small, reference=reference_loss_and_grad, output=(1,),
                transform=_only("W_ih", "b_ih", "b_hh"), points=1, rtol=1e-7, atol=1e-10,
                hint="dW_ih = sum_t da_t^T x_t; both biases get sum_t sum_b da_t"),
        Compare(name="gradients of the inputs and of h0", cases=small, reference=reference_loss_and_grad,
                output=(2,), points=1, rtol=1e-7, atol=1e-10,
                hint="dx_t = da_t W_ih; dh0 is what flows out of the first step: da_1 W_hh"),
        GradCheck(name="gradient agrees with finite differences of your loss", cases=small, n=2,
                  reference=reference_loss_and_grad, points=1, requires=("loss",),
                  hint="your gradient is not the derivative of your own loss: the bug is in the backward pass"),
        Compare(name="long sequences", cases=long, reference=reference_loss_and_grad, points=1, hidden=True,
                rtol=1e-7, atol=1e-10),
        Compare(name="saturated units", cases=saturated, reference=reference_loss_and_grad, points=1, hidden=True,
                rtol=1e-7, atol=1e-10, hint="use 1 - h^2 with h = tanh(a), computed by np.tanh (no overflow)"),
        Compare(name="one step, one sequence", cases=one_step, reference=reference_loss_and_grad, points=1,
                hidden=True, rtol=1e-7, atol=1e-10),
    ),
    hints=(
        Hint("dW_ih and the biases are right but dW_hh is not: dW_hh pairs da_t with the PREVIOUS state h_{t-1} "
             "(h0 at the first step).", failed=("gradient dW_hh",), passed=("gradients dW_ih, db_ih, db_hh",)),
        Hint("The forward pass is right but every gradient is off: check that the gradient flowing into h_t "
             "includes the one coming back from step t+1 (da_{t+1} W_hh).",
             failed=("gradient dW_hh", "gradients dW_ih, db_ih, db_hh"), passed=("forward states", "loss")),
    ),
)
