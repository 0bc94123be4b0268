"""Gradescope: the ``results.json`` format, the autograder entry point and the bundle builder.

Gradescope runs ``run_autograder`` (as root) with the student's upload in
``/autograder/submission``; it reads ``/autograder/results/results.json``.  The bundle made by
:func:`build_bundle` grades with the same engine and sandbox as ``textbook grade``:

    python -m textbook.grading.gradescope --exercise SLUG [--root /autograder]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import sys
import zipfile
from pathlib import Path

HIDDEN_VISIBILITY = "after_published"   # hidden checks: shown once the instructor publishes grades
SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when building the autograder image.
set -euo pipefail
cd /autograder/source
if ! command -v python3 >/dev/null; then apt-get update && apt-get install -y python3 python3-pip; fi
python3 -m pip install --upgrade pip
python3 -m pip install "numpy>=1.26" matplotlib
python3 -m pip install --no-deps /autograder/source
"""
RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission (as root); the sandbox drops privileges itself.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
cd "$ROOT/source"
mkdir -p "$ROOT/results"
export TEXTBOOK_EXERCISES="$ROOT/source/exercises"
"${{PYTHON:-python3}}" -m textbook.grading.gradescope --exercise {slug} --root "$ROOT" \\
    --secret "$ROOT/source/grading_secret"
"""


def results_json(report, hidden_visibility: str = HIDDEN_VISIBILITY) -> dict:
    """A report in Gradescope's format: score, output, and one test per check."""
    tests = []
    for r in report.results:
        text = "\n".join(r.messages + ([f"hint: {r.hint}"] if not r.passed and r.hint else []))
        tests.append({"name": r.name, "score": float(r.points), "max_score": float(r.max_points),
                      "status": "passed" if r.passed else "failed", "output": text,
                      "visibility": hidden_visibility if r.hidden else "visible"})
    summary = [f"{report.score:g} / {report.max_score:g} points"]
    if report.fatal:
        summary.append(f"Problem: {report.fatal}")
    summary += [f"Hint: {h}" for h in report.hints]
    return {"score": float(report.score), "execution_time": round(float(report.elapsed), 3),
            "output": "\n".join(summary), "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests}


def run(slug: str, root: str | os.PathLike = "/autograder", secret_file: str | None = None) -> dict:
    """Grade ``ROOT/submission`` and write ``ROOT/results/results.json``."""
    from textbook.grading import engine, gradebook
    from textbook.grading.spec import load_exercise

    root = Path(root)
    exercise = load_exercise(slug)
    secret = engine.resolve_secret(secret_file=secret_file if secret_file and Path(secret_file).is_file() else None)
    path, problem = gradebook.find_submission_file(root / "submission", exercise)
    report = None
    if path is not None:
        try:
            report = gradebook.grade_source(exercise, engine.build_plan(exercise, secret), gradebook.read_source(path))
        except ValueError as exc:
            problem = str(exc)
    if report is None:
        report = gradebook.failed_report(exercise, problem or "no submission")
    results = results_json(report)
    (root / "results").mkdir(parents=True, exist_ok=True)
    gradebook.atomic_write(root / "results" / "results.json", json.dumps(results, indent=2))
    return results


def build_bundle(slug: str, out: str | os.PathLike, secret: str) -> Path:
    """Write ``setup.sh``, ``run_autograder`` and the sources to ``out``, and zip them.

    Returns the path of ``autograder.zip`` (upload it as the Gradescope autograder).  The zip
    holds the grading secret: keep it private.
    """
    from textbook.grading.spec import load_exercise

    exercise = load_exercise(slug)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pkg = Path(__file__).resolve().parents[1]
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(pkg, out / "textbook", ignore=ignore, dirs_exist_ok=True)
    shutil.copytree(exercise.root, out / "exercises" / slug, ignore=ignore, dirs_exist_ok=True)
    for name in ("pyproject.toml", "README.md"):
        src = pkg.parent / name
        if src.is_file():
            shutil.copyfile(src, out / name)
    (out / "setup.sh").write_text(SETUP_SH)
    (out / "run_autograder").write_text(RUN_AUTOGRADER.format(slug=slug))
    for name in ("setup.sh", "run_autograder"):
        os.chmod(out / name, 0o755)
    (out / "grading_secret").write_text(secret + "\n")
    os.chmod(out / "grading_secret", stat.S_IRUSR | stat.S_IWUSR)
    zpath = out / "autograder.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(out.rglob("*")):
            if p.is_file() and p != zpath:
                info = zipfile.ZipInfo.from_file(p, p.relative_to(out).as_posix())
                with open(p, "rb") as f:
                    z.writestr(info, f.read(), zipfile.ZIP_DEFLATED)
    return zpath


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m textbook.grading.gradescope",
                                 description="Grade a Gradescope submission into results/results.json.")
    ap.add_argument("--exercise", required=True, metavar="SLUG")
    ap.add_argument("--root", default="/autograder", help="the autograder folder (default /autograder)")
    ap.add_argument("--secret", metavar="FILE", help="file holding the grading secret")
    args = ap.parse_args(argv)
    results = run(args.exercise, args.root, args.secret)
    print(results["output"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
