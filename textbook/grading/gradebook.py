"""Grading a folder of submissions: parallel, resumable, one CSV gradebook.

Layout of ``SUBMISSIONS_DIR``: one sub-folder per student (holding the starter's file name, or a
single ``.py`` file), or one ``.py`` file per student.  Output in ``OUT``::

    gradebook.csv                    student, score, max_score, one column per check, status, file
    students/<student>/feedback.txt  the readable report (public and hidden checks)
    students/<student>/results.json  Gradescope's results format
    students/<student>/grade.json    the record: content hash, exercise fingerprint, points

``grade.json`` is written last and atomically, so an interrupted run loses no finished grade; a
re-run skips every student whose file hash and exercise fingerprint match the record.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import stat
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from textbook.grading import engine, gradescope, sandbox
from textbook.grading.spec import Exercise

MAX_SOURCE_BYTES = 1 << 20


@dataclass(frozen=True)
class Submission:
    """One student's entry in the submissions folder."""

    student: str              # safe name, used for the output folder
    path: Path | None         # the file to grade, if one was found
    problem: str | None = None


def _safe_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._@-]+", "_", name).strip("._") or "student"
    out, i = base, 2
    while out in taken:
        out, i = f"{base}_{i}", i + 1
    taken.add(out)
    return out


def find_submission_file(folder: Path, exercise: Exercise) -> tuple[Path | None, str | None]:
    """The file to grade in a student's folder: the starter's name, else its only ``.py`` file."""
    named = folder / exercise.starter
    if named.exists() or named.is_symlink():
        return named, None
    files = sorted(p for p in folder.iterdir() if p.suffix == ".py")
    if len(files) == 1:
        return files[0], None
    if not files:
        return None, f"no {exercise.starter} (and no other .py file) in the submission"
    return None, (f"no {exercise.starter} in the submission, and several .py files: "
                  f"{', '.join(p.name for p in files[:5])}")


def find_submissions(root: str | os.PathLike, exercise: Exercise, exclude: Path | None = None) -> list[Submission]:
    """Every student of ``root``: sub-folders and top-level ``.py`` files, sorted by name.

    ``exclude`` (the output folder, if it lies inside ``root``) is skipped.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"SUBMISSIONS_DIR {root} is not a folder")
    taken: set[str] = set()
    out = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or (exclude is not None and entry.resolve() == exclude.resolve()):
            continue
        if entry.is_symlink():
            out.append(Submission(_safe_name(entry.stem, taken), None,
                                  f"{entry.name} is a symbolic link; submit the file itself"))
        elif entry.is_dir():
            path, problem = find_submission_file(entry, exercise)
            out.append(Submission(_safe_name(entry.name, taken), path, problem))
        elif entry.suffix == ".py" and entry.is_file():
            out.append(Submission(_safe_name(entry.stem, taken), entry))
    return out


def read_source(path: Path) -> bytes:
    """The file's bytes; refuses symbolic links, non-regular and oversized files."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ValueError(f"cannot read {path.name}: it is a symbolic link or unreadable ({exc.strerror})")
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ValueError(f"{path.name} is not a regular file")
        data = f.read(MAX_SOURCE_BYTES + 1)
    if len(data) > MAX_SOURCE_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_SOURCE_BYTES // 1024} KB")
    return data


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def grade_source(exercise: Exercise, plan: engine.Plan, data: bytes) -> engine.Report:
    """Grade file contents (written to a private temporary file first)."""
    with tempfile.TemporaryDirectory(prefix="textbook-submission-") as tmp:
        path = Path(tmp) / exercise.starter
        path.write_bytes(data)
        return engine.grade_file(exercise, path, plan=plan)


def failed_report(exercise: Exercise, problem: str) -> engine.Report:
    """A zero grade for a submission that could not be run at all."""
    results = [engine.CheckResult(c.name, 0.0, c.points, False, c.hidden, [problem]) for c in exercise.checks]
    return engine.Report(exercise.slug, exercise.version, results, "no submission", problem)


def _record(sub: Submission, digest: str, fp: str, report: engine.Report) -> dict:
    return {"student": sub.student, "file": str(sub.path or ""), "sha256": digest, "fingerprint": fp,
            "exercise": report.exercise, "version": report.version, "score": report.score,
            "max_score": report.max_score, "status": report.status,
            "checks": {r.name: r.points for r in report.results}}


def write_gradebook(out: Path, exercise: Exercise, records: list[dict]) -> None:
    names = [c.name for c in exercise.checks]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student", "score", "max_score", *names, "status", "file"])
    for r in sorted(records, key=lambda r: r["student"]):
        w.writerow([r["student"], f"{r['score']:g}", f"{r['max_score']:g}",
                    *[f"{r['checks'].get(n, 0.0):g}" for n in names], r["status"], r["file"]])
    atomic_write(out / "gradebook.csv", buf.getvalue())


def _load_record(path: Path) -> dict | None:
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
        return rec if isinstance(rec, dict) else None
    except (OSError, ValueError):
        return None


def grade_folder(submissions_dir: str | os.PathLike, exercise: Exercise, out: str | os.PathLike,
                 secret: str, jobs: int = 2, force: bool = False, progress: bool = True) -> list[dict]:
    """Grade every submission of ``submissions_dir`` into ``out``; returns the gradebook records."""
    out = Path(out)
    (out / "students").mkdir(parents=True, exist_ok=True)
    subs = find_submissions(submissions_dir, exercise, exclude=out)
    fp = engine.fingerprint(exercise, secret)
    plan = engine.build_plan(exercise, secret, hidden=True)
    records: dict[str, dict] = {}
    todo: list[tuple[Submission, str, bytes | None, str | None]] = []
    for sub in subs:
        data, problem = None, sub.problem
        if sub.path is not None:
            try:
                data = read_source(sub.path)
            except ValueError as exc:
                problem = str(exc)
        digest = hashlib.sha256(data if data is not None else f"missing:{problem}".encode()).hexdigest()
        old = _load_record(out / "students" / sub.student / "grade.json")
        if not force and old and old.get("sha256") == digest and old.get("fingerprint") == fp:
            records[sub.student] = old
        else:
            todo.append((sub, digest, data, problem))
    lock = threading.Lock()
    done = [len(records)]
    total = len(subs)
    if sandbox.isolation() != "jail":
        print("WARNING: not grading as root, so submissions are not jailed: they run with your user's "
              "rights and could read files you can read (hidden data, other submissions).", file=sys.stderr)
    if progress:
        print(f"grading {len(todo)} of {total} submission(s) for {exercise.slug} "
              f"({total - len(todo)} unchanged, skipped); {jobs} job(s); sandbox: {sandbox.isolation()}",
              file=sys.stderr)

    def work(sub: Submission, digest: str, data: bytes | None, problem: str | None) -> None:
        start = time.monotonic()
        report = failed_report(exercise, problem) if data is None else grade_source(exercise, plan, data)
        folder = out / "students" / sub.student
        atomic_write(folder / "feedback.txt", f"Student: {sub.student}\nFile: {sub.path}\n" + report.text())
        atomic_write(folder / "results.json", json.dumps(gradescope.results_json(report), indent=2))
        rec = _record(sub, digest, fp, report)
        atomic_write(folder / "grade.json", json.dumps(rec, indent=2))   # the commit point
        with lock:
            records[sub.student] = rec
            done[0] += 1
            write_gradebook(out, exercise, [records[s.student] for s in subs if s.student in records])
            if progress:
                print(f"[{done[0]}/{total}] {sub.student}: {report.score:g}/{report.max_score:g} "
                      f"({report.status}, {time.monotonic() - start:.1f} s)", file=sys.stderr)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for fut in as_completed([pool.submit(work, *item) for item in todo]):
            fut.result()
    write_gradebook(out, exercise, [records[s.student] for s in subs if s.student in records])
    return [records[s.student] for s in subs if s.student in records]


__all__ = ["Submission", "atomic_write", "find_submissions", "grade_folder", "grade_source", "read_source",
           "write_gradebook"]
