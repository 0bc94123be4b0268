"""Build the book once per test session, shared by the xdist workers (used by the docs and browser tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def mkdocs_run(args: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``python -m mkdocs ARGS`` in ``cwd`` and capture its output."""
    env = dict(os.environ)
    env["NO_MKDOCS_2_WARNING"] = "1"  # Material's banner about its future, not a warning about this site
    return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder shared by all xdist workers of this session (a per-run folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built with ``mkdocs build --strict``: once per session, whichever worker asks first."""
    shared = _shared_dir(tmp_path_factory)
    out, record = shared / "docs-site", shared / "docs-site.json"
    with open(shared / "docs-site.lock", "w") as lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:  # not POSIX: each worker builds its own copy
            out, record = out.with_name(f"docs-site-{os.getpid()}"), record.with_name(f"docs-site-{os.getpid()}.json")
        if not record.exists():
            start = time.perf_counter()
            proc = mkdocs_run(["build", "--strict", "--site-dir", str(out)], cwd=ROOT)
            record.write_text(json.dumps({"returncode": proc.returncode, "seconds": time.perf_counter() - start,
                                          "log": (proc.stdout + proc.stderr)[-20000:]}))
        result = json.loads(record.read_text())
    if result["returncode"] != 0:
        pytest.fail(f"mkdocs build --strict failed (exit {result['returncode']}):\n{result['log']}")
    return out
