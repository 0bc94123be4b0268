"""The launcher: trusted code that turns itself into the sandboxed interpreter.

Started by the grader as ``python -I -S -B _launcher.py CONFIG_JSON`` in a new session, it
applies the resource limits, and when running as root it enters the jail (``chroot``), leaves the
network namespace if it can, drops every privilege (supplementary groups, gid, uid) and only then
``exec``s the interpreter on the runner.  Doing this in a separate program (rather than in a
``preexec_fn``) keeps it safe when the grader runs several sandboxes from threads.

Standard library only; it never imports ``textbook``.
"""

import ctypes
import json
import os
import resource
import sys

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1


def user_tasks(uid):
    """Number of tasks (threads included) of ``uid``: what RLIMIT_NPROC counts (None without /proc)."""
    if not os.path.isdir("/proc/self"):
        return None
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            continue
    return total


def set_limit(name, soft, hard, required):
    """Set one limit; as root (grading) every limit must hold, otherwise it is best effort."""
    try:
        resource.setrlimit(getattr(resource, name), (soft, hard))
    except (AttributeError, ValueError, OSError):
        if required:
            raise


def main():
    cfg = json.loads(sys.argv[1])
    lim = cfg["limits"]
    uid = cfg.get("uid")
    strict = uid is not None
    mb = 1024 * 1024
    cpu = int(lim["cpu_seconds"])
    set_limit("RLIMIT_CPU", cpu, cpu + 1, strict)
    set_limit("RLIMIT_AS", lim["memory_mb"] * mb, lim["memory_mb"] * mb, strict)  # not enforced on macOS
    set_limit("RLIMIT_FSIZE", lim["file_mb"] * mb, lim["file_mb"] * mb, strict)
    set_limit("RLIMIT_NOFILE", lim["open_files"], lim["open_files"], strict)
    set_limit("RLIMIT_CORE", 0, 0, strict)
    if uid is None:
        # Unprivileged grader: RLIMIT_NPROC counts all of this user's tasks, so allow a margin.
        n = user_tasks(os.getuid())
        if n is not None:
            set_limit("RLIMIT_NPROC", n + lim["processes"], n + lim["processes"], False)
    else:
        set_limit("RLIMIT_NPROC", lim["processes"], lim["processes"], True)
        if cfg.get("jail"):
            try:  # no network: a fresh, empty network namespace (needs CAP_SYS_ADMIN; best effort)
                ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWNET)
            except OSError:
                pass
            os.chroot(cfg["jail"])
        os.chdir(cfg["cwd"])
        os.setgroups([])
        os.setgid(cfg["gid"])
        os.setuid(uid)
        if os.getuid() != uid or os.geteuid() != uid:
            raise SystemExit("sandbox: could not drop privileges")
    os.chdir(cfg["cwd"])
    # Die with the grader: if it is killed, this run must not outlive it (set after setuid, which
    # clears it). Linux only.
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, 9)
    if os.getppid() != cfg["parent"]:
        raise SystemExit("sandbox: the grader is gone")
    os.execve(cfg["argv"][0], cfg["argv"], cfg["env"])


if __name__ == "__main__":
    main()
