"""Grading spec of the ELMo scalar-mix exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import CheckFailed, Compare, Exercise, GradCheck, Hint, Limits, Property, expect_array

MIX = "textbook.sequence.elmo.numpy_impl:scalar_mix"
MIX_GRAD = "textbook.sequence.elmo.numpy_impl:scalar_mix_loss_and_grad"


def _mix(rng, layers, s_scale=1.0, gamma=None):
    return {"s": rng.normal(0, s_scale, layers),
            "gamma": np.asarray(float(rng.normal(1.0, 0.5)) if gamma is None else gamma)}


def _batch(rng, layers, B=2, T=3, D=4):
    return {"layers": rng.normal(size=(layers, B, T, D)), "weights": rng.normal(size=(B, T, D))}


def mix_case(rng):
    return Case("scalar_mix", (_mix(rng, 3), _batch(rng, 3)["layers"]), name="3 layers, B=2, T=3, D=4")


def grad_case(rng):
    return Case("scalar_mix_loss_and_grad", (_mix(rng, 3), _batch(rng, 3)), name="3 layers, B=2, T=3, D=4")


def large_s(rng):
    return Case("scalar_mix_loss_and_grad", (_mix(rng, 4, s_scale=300.0), _batch(rng, 4)), name="s of a few hundred")


def one_layer(rng):
    return Case("scalar_mix_loss_and_grad", (_mix(rng, 1), _batch(rng, 1)), name="a single layer")


def gamma_zero(rng):
    return Case("scalar_mix_loss_and_grad", (_mix(rng, 3, gamma=0.0), _batch(rng, 3, B=3, T=5, D=6)),
                name="gamma = 0")


def ds_sums_to_zero(case, out):
    if not isinstance(out, (tuple, list)) or len(out) != 2 or not isinstance(out[1], dict) or "s" not in out[1]:
        raise CheckFailed("scalar_mix_loss_and_grad should return (loss, {'s': ..., 'gamma': ...})")
    ds = expect_array(out[1]["s"], "grads['s']", shape=case.args[0]["s"].shape, kinds="f")
    scale = max(1.0, float(np.abs(ds).max()))
    if abs(float(ds.sum())) > 1e-9 * scale:
        raise CheckFailed(f"the gradients of s must sum to 0 (adding a constant to every s_j changes nothing), "
                          f"yours sum to {float(ds.sum()):.3g}")


EXERCISE = Exercise(
    slug="scalar-mix",
    title="ELMo's scalar mix and its gradient",
    starter="scalar_mix.py",
    functions=("scalar_mix", "scalar_mix_loss_and_grad"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="mix", cases=mix_case, reference=MIX, points=2, rtol=1e-9, atol=1e-12,
                hint="gamma * sum_j softmax(s)_j layers[j]"),
        Compare(name="loss", cases=grad_case, reference=MIX_GRAD, output=(0,), points=1, rtol=1e-9),
        Compare(name="gradient ds", cases=grad_case, reference=MIX_GRAD, output=(1, "s"), points=2, rtol=1e-7,
                atol=1e-10, hint="c_j = gamma * sum(weights * layers[j]); ds = a * (c - sum(a * c)) with a = softmax(s)"),
        Compare(name="gradient dgamma", cases=grad_case, reference=MIX_GRAD, output=(1, "gamma"), points=1,
                rtol=1e-7, atol=1e-10, hint="dgamma = sum(weights * sum_j a_j layers[j])"),
        Property(name="the gradients of s sum to zero", cases=grad_case, test=ds_sums_to_zero, points=1,
                 requires=("gradient ds",)),
        GradCheck(name="gradient agrees with finite differences of your loss", cases=grad_case, n=2,
                  reference=MIX_GRAD, points=1, requires=("loss",),
                  hint="your gradient is not the derivative of your own loss: the bug is in the backward pass"),
        Compare(name="large s", cases=large_s, reference=MIX_GRAD, points=1, hidden=True, rtol=1e-7, atol=1e-10,
                hint="a softmax of values in the hundreds needs the maximum subtracted first"),
        Compare(name="a single layer", cases=one_layer, reference=MIX_GRAD, points=1, hidden=True, rtol=1e-7,
                atol=1e-10),
        Compare(name="gamma = 0", cases=gamma_zero, reference=MIX_GRAD, points=1, hidden=True, rtol=1e-7,
                atol=1e-10, hint="with gamma = 0 the gradient of s is 0, that of gamma is not"),
    ),
    hints=(
        Hint("dgamma is right but ds is not: go through the softmax Jacobian, da_j/ds_k = a_j ([j = k] - a_k).",
             failed=("gradient ds",), passed=("gradient dgamma",)),
    ),
)
