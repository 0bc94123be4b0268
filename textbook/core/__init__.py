"""Shared machinery: the backend registry, stable numerics, optimisers, gradcheck, the equivalence harness."""

from textbook.core.backend import BACKENDS, backend, check_backend, convert, load_impl, to_jax, to_numpy

__all__ = ["BACKENDS", "backend", "check_backend", "convert", "load_impl", "to_jax", "to_numpy"]
