"""Test-session set-up: JAX in float64 (so the backends compare tightly) and Hypothesis profiles.

Profiles: ``fast`` (default: few examples, for the 15-minute budget, and the same ones on every
run, so that a run's result does not depend on its luck) and ``thorough`` (select with
``HYPOTHESIS_PROFILE=thorough``: many examples, drawn afresh each run, to search for failures).
"""

import os

# Two xdist workers share two cores: one BLAS thread each. Several threads per worker
# oversubscribe the cores and made the NumPy tests many times slower on a busy machine.
# The workers are started after this file is read, so they inherit these settings.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import jax  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

jax.config.update("jax_enable_x64", True)

settings.register_profile(
    "fast",
    max_examples=15,
    derandomize=True,
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


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The book built with ``mkdocs build --strict`` (once per session, shared by xdist workers)."""
    from _site import built_site

    return built_site(tmp_path_factory)
