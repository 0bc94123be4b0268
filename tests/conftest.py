"""Test-session set-up: JAX in float64 (so the backends compare tightly) and Hypothesis profiles.

Profiles: ``fast`` (default, few examples, for the 15-minute budget) and
``thorough`` (select with ``HYPOTHESIS_PROFILE=thorough``).
"""

import os

import jax
from hypothesis import HealthCheck, settings

jax.config.update("jax_enable_x64", True)

settings.register_profile(
    "fast",
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
