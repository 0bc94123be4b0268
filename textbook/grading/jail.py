"""Where sandboxed code runs: a jail for root, a plain runtime for everyone else.

As root, :func:`runtime` builds (once per interpreter and NumPy version, under
``$TEXTBOOK_SANDBOX_DIR``, default ``/var/tmp``) a directory holding only hard links to the
interpreter, its standard library, NumPy and the shared libraries they load.  The launcher
``chroot``s into it and drops to a throw-away uid from :func:`fresh_uid`; :func:`kill_uid` ends
every process of that uid after the run.  The jail's files are root-owned and read-only for the
sandbox user, so hard links to them cannot be used to change the grader's interpreter.

For other users, :func:`runtime` only prepares a folder with NumPy (and nothing else from
site-packages) to put on the child's ``sys.path``.  ``TEXTBOOK_SANDBOX_ISOLATION=user`` forces
that mode even for root (for hosts where ``chroot`` is not allowed; much weaker).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LAUNCHER = Path(__file__).resolve().parent / "_launcher.py"
JAIL_FORMAT = "1"
UID_RANGE = (1_000_000, 1_900_000_000)  # fresh ids far from any real account
SKIP_STDLIB = ("site-packages", "dist-packages", "test", "tests", "idlelib", "tkinter", "turtledemo",
               "ensurepip", "lib2to3", "pydoc_data", "_tkinter*")
SMOKE_LIMITS = {"cpu_seconds": 60, "memory_mb": 2048, "file_mb": 16, "open_files": 64, "processes": 32}


class SandboxError(RuntimeError):
    """The sandbox itself could not be set up (not the submission's fault)."""


@dataclass(frozen=True)
class Runtime:
    """Where and how the child runs."""

    isolation: str           # "jail" or "user"
    python: str              # interpreter path as the child sees it
    numpy_dir: str           # folder holding numpy, as the child sees it
    runs_dir: Path           # where run folders are created (host path)
    jail: Path | None = None


_runtime_lock = threading.Lock()
_runtime: Runtime | None = None


def runtime() -> Runtime:
    """The sandbox runtime of this process (built on first use)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            forced = os.environ.get("TEXTBOOK_SANDBOX_ISOLATION", "").strip()
            if forced not in ("", "jail", "user"):
                raise SandboxError(f"TEXTBOOK_SANDBOX_ISOLATION must be 'jail' or 'user', got {forced!r}")
            if forced == "jail" and os.geteuid() != 0:
                raise SandboxError("TEXTBOOK_SANDBOX_ISOLATION=jail needs root")
            jailed = os.geteuid() == 0 and forced != "user"
            _runtime = build_jail() if jailed else plain_runtime()
        return _runtime


def isolation() -> str:
    """``"jail"`` when grading as root (chroot + unprivileged uid), else ``"user"`` (limits only)."""
    return runtime().isolation


def _numpy_source() -> list[Path]:
    pkg = Path(np.__file__).resolve().parent
    libs = pkg.parent / "numpy.libs"
    return [pkg] + ([libs] if libs.is_dir() else [])


def plain_runtime() -> Runtime:
    base = Path(tempfile.mkdtemp(prefix="textbook-sandbox-"))
    site = base / "site"
    site.mkdir()
    for src in _numpy_source():                      # only NumPy: no site-packages on the path
        (site / src.name).symlink_to(src)
    runs = base / "runs"
    runs.mkdir()
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    return Runtime("user", sys.executable, str(site), runs)


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    """Hard-link ``src`` into the jail (cheap), or copy it when a link is impossible or unsafe.

    A file its owner is not root, or that group/others may write, is copied (read-only): a
    hard link would let the sandbox user change the grader's own interpreter.
    """
    src = os.path.realpath(src)                      # a hard link to a symlink would dangle in the jail
    st = os.stat(src)
    if st.st_uid == 0 and not st.st_mode & 0o022:
        try:
            os.link(src, dst)
            return
        except OSError:
            pass
    shutil.copy2(src, dst)
    os.chmod(dst, stat.S_IMODE(st.st_mode) & 0o755)


def _elf_files(paths: list[Path]) -> list[str]:
    out = []
    for root in paths:
        if root.is_file():
            out.append(str(root))
            continue
        for dirpath, _, names in os.walk(root):
            out += [os.path.join(dirpath, n) for n in names if ".so" in n]
    return out


def _shared_libraries(files: list[str]) -> set[str]:
    """Absolute paths of every shared library (and the ELF loader) the files need (via ``ldd``)."""
    libs: set[str] = set()
    for i in range(0, len(files), 200):
        proc = subprocess.run(["ldd", *files[i:i + 200]], capture_output=True, text=True, check=False)
        for line in proc.stdout.splitlines():
            line = line.strip()
            target = line.split("=>", 1)[1].strip() if "=>" in line else line
            target = target.split(" (", 1)[0].strip()
            if target.startswith("/") and os.path.isfile(target):
                libs.add(target)
    return libs


def _jail_key() -> str:
    parts = [JAIL_FORMAT, sys.version, os.path.realpath(sys.executable), sys.base_prefix,
             np.__version__, str(_numpy_source()[0])]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _safe_dir(path: Path) -> bool:
    try:
        st = path.lstat()
    except OSError:
        return False
    return path.is_dir() and not path.is_symlink() and st.st_uid == 0 and not st.st_mode & 0o022


def build_jail() -> Runtime:
    parent = Path(os.environ.get("TEXTBOOK_SANDBOX_DIR", "/var/tmp"))
    final = parent / f"textbook-jail-{_jail_key()}"
    exe = Path(os.path.realpath(sys.executable))
    rt = Runtime("jail", "/py/bin/python3", "/site", final / "runs", final)
    if _safe_dir(final) and (final / "ready").is_file():
        _purge_stale_runs(rt.runs_dir)
        return rt
    tmp = Path(tempfile.mkdtemp(prefix=".textbook-jail-", dir=parent))
    try:
        os.chmod(tmp, 0o755)
        stdlib = Path(sysconfig.get_paths(vars={"installed_base": sys.base_prefix,
                                               "base": sys.base_prefix})["stdlib"])
        rel = stdlib.relative_to(sys.base_prefix)
        (tmp / "py/bin").mkdir(parents=True)
        _link_or_copy(exe, tmp / "py/bin/python3")
        shutil.copytree(stdlib, tmp / "py" / rel, ignore=shutil.ignore_patterns(*SKIP_STDLIB),
                        copy_function=_link_or_copy, symlinks=False)
        (tmp / "site").mkdir()
        for src in _numpy_source():
            shutil.copytree(src, tmp / "site" / src.name, copy_function=_link_or_copy)
        elves = _elf_files([exe, stdlib / "lib-dynload", *_numpy_source()])
        for lib in _shared_libraries(elves):
            dst = tmp / lib.lstrip("/")
            dst.parent.mkdir(parents=True, exist_ok=True)
            if not dst.exists():
                _link_or_copy(lib, dst)
        (tmp / "runs").mkdir(mode=0o711)
        os.chmod(tmp / "runs", 0o711)
        for dirpath, dirnames, _ in os.walk(tmp):
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o711 if d == "runs" else 0o755)
        _smoke_test(tmp)
        (tmp / "ready").write_text("ok\n")
        try:
            os.rename(tmp, final)
        except OSError:                              # someone else finished first, or a stale copy
            if not (_safe_dir(final) and (final / "ready").is_file()):
                stale = final.with_name(final.name + f".stale-{secrets.token_hex(4)}")
                os.rename(final, stale)
                shutil.rmtree(stale, ignore_errors=True)
                os.rename(tmp, final)
    except Exception as exc:
        raise SandboxError(
            f"could not build the sandbox jail under {parent} ({type(exc).__name__}: {exc}). "
            f"Set TEXTBOOK_SANDBOX_DIR to a root-owned folder, ideally on the same file system as "
            f"{sys.base_prefix}") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return rt


def _purge_stale_runs(runs: Path, max_age: float = 6 * 3600) -> None:
    """Remove run folders left behind by a grader that was killed (no run lasts hours)."""
    now = time.time()
    for p in runs.iterdir():
        try:
            if now - p.lstat().st_mtime > max_age:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def _smoke_test(jail: Path) -> None:
    """The jailed interpreter starts as an unprivileged user and imports NumPy."""
    uid = fresh_uid()
    cfg = {"limits": SMOKE_LIMITS, "uid": uid, "gid": uid, "jail": str(jail),
           "parent": os.getpid(),
           "cwd": "/", "env": child_env("/"),
           "argv": ["/py/bin/python3", "-I", "-S", "-B", "-c",
                    "import sys; sys.path.append('/site'); import numpy; print(numpy.ones(3).sum())"]}
    proc = subprocess.run([sys.executable, "-I", "-S", "-B", str(LAUNCHER), json.dumps(cfg)],
                          capture_output=True, text=True, timeout=120, start_new_session=True)
    kill_uid(uid)
    if proc.stdout.strip() != "3.0":
        raise SandboxError(f"the jailed interpreter does not work: {proc.stderr.strip()[-800:]}")


def fresh_uid() -> int:
    return UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0])


def kill_uid(uid: int) -> None:
    """SIGKILL every live process whose real or effective uid is ``uid`` (the run's private uid)."""
    for _ in range(100):
        found = False
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/status") as f:
                    fields = dict(line.split(":", 1) for line in f if ":" in line)
                uids, state = fields["Uid"].split()[1:3], fields["State"].split()[0]
            except (OSError, KeyError, IndexError, ValueError):
                continue
            if str(uid) in uids and state not in ("Z", "X"):     # zombies are dead already
                found = True
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
        if not found:
            return
        time.sleep(0.01)


def child_env(home: str) -> dict[str, str]:
    one = "1"
    return {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": one,
            "OMP_NUM_THREADS": one, "MKL_NUM_THREADS": one, "NUMEXPR_NUM_THREADS": one}


__all__ = ["Runtime", "SandboxError", "UID_RANGE", "child_env", "fresh_uid", "isolation", "kill_uid", "runtime"]
