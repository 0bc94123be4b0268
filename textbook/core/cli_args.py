"""Command-line options every ``textbook train MODEL`` shares, written once.

Each model's ``cli.py`` adds its own hyperparameters; these helpers add the data source
(a file or ``--demo``), the backend, the seed and ``--quiet`` in the same words everywhere.
"""

from __future__ import annotations

import argparse

__all__ = ["add_source", "add_run_options", "given"]


def add_source(p: argparse.ArgumentParser, flag: str = "--corpus",
               help: str = "UTF-8 text, one sentence per line",
               demo_help: str = "use the embedded demo corpus") -> None:
    """``FLAG FILE | --demo``, mutually exclusive."""
    src = p.add_mutually_exclusive_group()
    src.add_argument(flag, metavar="FILE", help=help)
    src.add_argument("--demo", action="store_true", help=demo_help)


def add_run_options(p: argparse.ArgumentParser) -> None:
    """``--backend numpy|jax``, ``--seed`` and ``--quiet``."""
    p.add_argument("--backend", choices=["numpy", "jax"], default="numpy")
    p.add_argument("--seed", type=int, default=0, help="seeds the initial params and every random draw")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def given(args: argparse.Namespace, names: tuple[str, ...]) -> dict:
    """The hyperparameters among ``names`` the user set (options left out are ``None``)."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}
