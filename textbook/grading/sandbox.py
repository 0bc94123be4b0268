"""Run one submission's functions in a separate, locked-down process.

:func:`run` writes the inputs of every requested call into a fresh working directory next to a
copy of the student's file and of the runner (``_runner.py``), starts the trusted launcher
(``_launcher.py``) in a new session, and reads the result frames from a dedicated pipe while
capping stdout/stderr.  The wall-clock timeout kills the whole process group.

Isolation depends on who runs the grader:

* **root** (instructors, CI, Gradescope): the child runs in a *jail*, a directory holding only a
  hard-linked copy of the interpreter, its standard library, NumPy and the shared libraries they
  load, entered with ``chroot``; then it drops to a fresh unprivileged uid/gid (one per run, so
  concurrent submissions cannot signal or read each other) and leaves the network namespace when
  the kernel allows it.  The repository, the exercise specs, the instructor secret and the other
  submissions do not exist from its point of view.  After the run every process of that uid is
  killed.
* **any other user** (students running ``textbook check``): the same limits and timeout, a clean
  ``sys.path`` and an import blocker for ``textbook``, but the child can read what the user can
  read.  That is fine for self-checks; grade as root.

The jail is built by :mod:`textbook.grading.jail`, once per interpreter/NumPy version.
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from textbook.core.testing import Case
from textbook.grading import jail, wire
from textbook.grading.jail import SandboxError, isolation, runtime  # noqa: F401 (re-exported)

RUNNER = Path(__file__).resolve().parent / "_runner.py"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed run (for all its calls together).

    Attributes:
        wall_seconds: wall-clock budget; the process group is killed when it runs out.
        cpu_seconds: CPU-time limit (RLIMIT_CPU); defaults to ``wall_seconds``.
        memory_mb: address-space limit (RLIMIT_AS). NumPy needs a few hundred MB of it.
        output_mb: the most the result channel may carry.
        log_kb: how much of stdout and of stderr is kept for the feedback.
        log_max_mb: printing more than this to stdout or stderr stops the run.
        processes: RLIMIT_NPROC (tasks of the sandbox user; stops fork bombs).
        open_files: RLIMIT_NOFILE.
        file_mb: RLIMIT_FSIZE, the largest file the child may write.
    """

    wall_seconds: float = 30.0
    cpu_seconds: float | None = None
    memory_mb: int = 2048
    output_mb: int = 64
    log_kb: int = 32
    log_max_mb: int = 8
    processes: int = 32
    open_files: int = 64
    file_mb: int = 16


@dataclass
class RunResult:
    """What came back from one run. Only ``outputs`` can ever earn points (after comparison).

    Attributes:
        outputs: call id -> the returned value (plain nested lists/dicts of numeric arrays).
        errors: call id -> why that call has no output (exception, bad return value, ...).
        fatal: why the whole run failed (import error, timeout, crash), or ``None``.
        status: ``"ok"``, ``"import error"``, ``"timeout"``, ``"output too large"`` or ``"crashed"``.
        stdout, stderr: the first ``log_kb`` of each (untrusted text, for feedback only).
        elapsed: wall-clock seconds.
        isolation: ``"jail"`` (chroot + fresh uid) or ``"user"`` (limits only).
        uid: the throw-away uid the child ran as (jail only).
    """

    outputs: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    fatal: str | None = None
    status: str = "ok"
    stdout: str = ""
    stderr: str = ""
    elapsed: float = 0.0
    returncode: int | None = None
    isolation: str = ""
    uid: int | None = None


# ------------------------------------------------------------------ one run

def _limit_cfg(limits: Limits) -> dict:
    cpu = limits.cpu_seconds if limits.cpu_seconds is not None else limits.wall_seconds
    return {"cpu_seconds": max(1, int(cpu + 0.999)), "memory_mb": limits.memory_mb,
            "file_mb": limits.file_mb, "open_files": limits.open_files, "processes": limits.processes}


def _module_name(filename: str) -> str:
    stem = Path(filename).stem
    return stem if stem.isidentifier() and stem not in sys.stdlib_module_names else "submission"


def _prepare(run_dir: Path, source: Path, calls: Mapping[str, Case], filename: str) -> None:
    manifest, arrays = wire.encode_calls(calls)
    shutil.copyfile(source, run_dir / filename)
    shutil.copyfile(RUNNER, run_dir / "runner.py")
    (run_dir / "calls.json").write_text(json.dumps(
        {"file": filename, "module": _module_name(filename), "calls": manifest}))
    np.savez(run_dir / "inputs.npz", **arrays)
    for p in run_dir.iterdir():
        os.chmod(p, 0o444)


def run(source: str | os.PathLike, calls: Mapping[str, Case], limits: Limits = Limits(),
        filename: str | None = None) -> RunResult:
    """Import ``source`` in the sandbox and make every call in ``calls`` (id -> Case).

    Args:
        source: the student's Python file (copied; the original is never touched).
        calls: call id -> :class:`~textbook.core.testing.Case` (function name and inputs).
        limits: resource limits for the whole run.
        filename: the name the file gets inside the sandbox (default: its own name).

    Returns:
        A :class:`RunResult`. Nothing in it is trusted except as values to compare.
    """
    source = Path(source)
    filename = Path(filename or source.name).name
    if not filename.endswith(".py") or filename in ("runner.py", "calls.json", "inputs.npz"):
        filename = "submission.py"
    rt = jail.runtime()
    token = secrets.token_hex(16)
    run_dir = rt.runs_dir / token
    run_dir.mkdir(mode=0o700)
    uid = jail.fresh_uid() if rt.isolation == "jail" else None
    result = RunResult(isolation=rt.isolation, uid=uid)
    read_fd = write_fd = None
    try:
        _prepare(run_dir, source, calls, filename)
        cwd = f"/runs/{token}" if rt.jail else str(run_dir)
        if uid is not None:
            os.chown(run_dir, uid, uid)
            os.chmod(run_dir, 0o500)
        read_fd, write_fd = os.pipe()
        cfg = {"limits": _limit_cfg(limits), "uid": uid, "gid": uid, "parent": os.getpid(),
               "jail": str(rt.jail) if rt.jail else None, "cwd": cwd, "env": jail.child_env(cwd),
               "argv": [rt.python, "-I", "-S", "-B", "-X", "utf8", "runner.py", str(write_fd), rt.numpy_dir]}
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-B", str(jail.LAUNCHER), json.dumps(cfg)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                pass_fds=(write_fd,), start_new_session=True, cwd="/", env={})
        os.close(write_fd)
        write_fd = None
        data, status = _collect(proc, read_fd, limits, start)
        result.elapsed = time.monotonic() - start
        result.returncode = proc.returncode
        _interpret(result, data, status, set(calls), limits)
    finally:
        for fd in (read_fd, write_fd):
            if fd is not None:
                os.close(fd)
        if uid is not None:
            jail.kill_uid(uid)
        shutil.rmtree(run_dir, ignore_errors=True)
    return result


def _interpret(result: RunResult, data: dict[str, bytes], status: str, ids: set[str], limits: Limits) -> None:
    """Fill ``result`` from the raw channels: decoded outputs, per-call errors, what went wrong."""
    frames = wire.decode_frames(data["result"], ids)
    result.outputs, result.errors = frames.results, frames.errors
    result.stdout = _log_text(data["stdout"], limits)
    result.stderr = _log_text(data["stderr"], limits)
    if frames.import_error is not None:
        result.status, result.fatal = "import error", f"your file could not be imported: {frames.import_error}"
    elif status != "ok":
        result.status, result.fatal = status, _fatal_message(status, limits, result.stderr)
    elif len(result.outputs) + len(result.errors) < len(ids):
        code = result.returncode or 0
        how = f"was killed by signal {-code}" if code < 0 else "exited"
        result.status = "crashed"
        result.fatal = (f"the program {how} before answering every call (sys.exit, os._exit, a crash or a "
                        f"resource limit?)" + _tail(result.stderr))
    if frames.problems and result.fatal is None:
        result.fatal = "; ".join(frames.problems)


def _tail(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    return f"; last line of stderr: {lines[-1][:300]}" if lines else ""


def _fatal_message(status: str, limits: Limits, stderr: str) -> str:
    if status == "timeout":
        return (f"the run was stopped after {limits.wall_seconds:g} s (time limit): an infinite loop, "
                f"a sleep or a very slow function?")
    if status == "output too large":
        return (f"the run was stopped: it sent more than {limits.output_mb} MB of results or printed more "
                f"than {limits.log_max_mb} MB")
    return "the program crashed" + _tail(stderr)


def _log_text(raw: bytes, limits: Limits) -> str:
    keep = limits.log_kb * 1024
    text = raw[:keep].decode("utf-8", errors="replace")
    return text + ("\n[... output truncated ...]" if len(raw) > keep else "")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _collect(proc: subprocess.Popen, read_fd: int, limits: Limits, start: float) -> tuple[dict, str]:
    """Read the three channels until they close, the deadline passes, or a cap is exceeded."""
    caps = {"result": limits.output_mb << 20, "stdout": limits.log_max_mb << 20,
            "stderr": limits.log_max_mb << 20}
    keep = {"result": caps["result"], "stdout": limits.log_kb * 1024 + 1, "stderr": limits.log_kb * 1024 + 1}
    data = {k: bytearray() for k in caps}
    seen = dict.fromkeys(caps, 0)
    sel = selectors.DefaultSelector()
    sel.register(read_fd, selectors.EVENT_READ, "result")
    sel.register(proc.stdout, selectors.EVENT_READ, "stdout")
    sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
    deadline = start + limits.wall_seconds
    exited_at = None
    status = "ok"
    try:
        while sel.get_map():
            now = time.monotonic()
            if now > deadline:
                status = "timeout"
                break
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > 0.5:   # a leftover child holds a pipe
                break
            for key, _ in sel.select(timeout=min(0.1, max(0.0, deadline - now))):
                fd = key.fileobj if isinstance(key.fileobj, int) else key.fileobj.fileno()
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                name = key.data
                seen[name] += len(chunk)
                room = keep[name] - len(data[name])
                if room > 0:
                    data[name] += chunk[:room]
                if seen[name] > caps[name]:
                    status = "output too large"
                    raise StopIteration
    except StopIteration:
        pass
    finally:
        sel.close()
        _kill_group(proc)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for f in (proc.stdout, proc.stderr):
            f.close()
    return {k: bytes(v) for k, v in data.items()}, status


__all__ = ["Limits", "RunResult", "SandboxError", "isolation", "run", "runtime"]
