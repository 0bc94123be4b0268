"""Instructor side: CLI, resumable gradebook, Gradescope results.json and autograder bundle."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from textbook.grading.spec import load_exercise

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "tests" / "solutions"
SECRET = "gradebook-tests-secret"

# Gradescope's documented results.json fields (https://gradescope-autograders.readthedocs.io/en/latest/specs/)
TOP_FIELDS = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
              "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_FIELDS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
               "tags", "visibility", "extra_data"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def validate_results_json(doc: object) -> None:
    """Raise AssertionError unless ``doc`` follows Gradescope's results.json specification."""
    assert isinstance(doc, dict), "results.json must hold an object"
    assert set(doc) <= TOP_FIELDS, f"unknown top-level fields {set(doc) - TOP_FIELDS}"
    tests = doc.get("tests", [])
    assert isinstance(tests, list)
    assert "score" in doc or (tests and all("score" in t for t in tests)), "a score is required"
    if "score" in doc:
        assert isinstance(doc["score"], (int, float)) and not isinstance(doc["score"], bool)
    for key in ("visibility", "stdout_visibility"):
        assert doc.get(key, "visible") in VISIBILITY
    if "execution_time" in doc:
        assert isinstance(doc["execution_time"], (int, float)) and doc["execution_time"] >= 0
    assert isinstance(doc.get("output", ""), str)
    for t in tests:
        assert isinstance(t, dict) and set(t) <= TEST_FIELDS, f"unknown test fields {set(t) - TEST_FIELDS}"
        assert isinstance(t.get("name", ""), str)
        for key in ("score", "max_score"):
            if key in t:
                assert isinstance(t[key], (int, float)) and not isinstance(t[key], bool)
        if "score" in t and "max_score" in t:
            assert 0 <= t["score"] <= t["max_score"]
        assert t.get("status", "passed") in {"passed", "failed"}
        assert t.get("visibility", "visible") in VISIBILITY
        assert isinstance(t.get("output", ""), str)


def _env(**extra) -> dict:
    env = dict(os.environ, TEXTBOOK_GRADING_SECRET=SECRET, PYTHONWARNINGS="ignore")
    env.update(extra)
    return env


def _cli(*args: str, cwd: Path | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "textbook.grading.cli", *args], cwd=cwd or ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def _run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    proc = _cli(*args, cwd=cwd)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _submissions(base: Path) -> Path:
    subs = base / "subs"
    good = (SOLUTIONS / "ppmi.py").read_text()
    files = {"ann": good, "ben": "import time\ntime.sleep(3)\n" + good,
             "cat": good.replace("np.maximum(pmi(counts), 0.0)", "pmi(counts)"),
             "dan": (ROOT / "exercises" / "ppmi" / "ppmi.py").read_text()}
    for name, text in files.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "ppmi.py").write_text(text)
    (subs / "eve.py").write_text(good)             # a student given as a single file
    return subs


def test_resume_after_a_kill_gives_the_same_gradebook(tmp_path):
    subs = _submissions(tmp_path)
    full, part = tmp_path / "full", tmp_path / "part"
    reference = _cli("grade", str(subs), "--exercise", "ppmi", "--out", str(full), "--jobs", "2")

    killed = _cli("grade", str(subs), "--exercise", "ppmi", "--out", str(part), "--jobs", "1")
    deadline = time.monotonic() + 120
    while not list(part.glob("students/*/grade.json")) and time.monotonic() < deadline:
        time.sleep(0.02)
    killed.send_signal(signal.SIGKILL)
    killed.communicate()
    finished = list(part.glob("students/*/grade.json"))
    assert 1 <= len(finished) < 5, "the kill should land part-way through"

    out, err = reference.communicate(timeout=300)
    assert reference.returncode == 0, err
    rerun = _run_cli("grade", str(subs), "--exercise", "ppmi", "--out", str(part), "--jobs", "2")
    assert rerun.returncode == 0, rerun.stderr
    assert f"({len(finished)} unchanged, skipped)" in rerun.stderr
    assert (part / "gradebook.csv").read_text() == (full / "gradebook.csv").read_text()

    rows = {r["student"]: r for r in csv.DictReader((full / "gradebook.csv").open())}
    ex = load_exercise("ppmi")
    assert list(rows["ann"])[:3] == ["student", "score", "max_score"]
    assert [c for c in list(rows["ann"])[3:-2]] == [c.name for c in ex.checks]
    assert float(rows["ann"]["score"]) == float(rows["ben"]["score"]) == float(rows["eve"]["score"]) == ex.max_points
    assert float(rows["dan"]["score"]) == 0.0
    assert 0 < float(rows["cat"]["score"]) < ex.max_points
    for student in rows:
        validate_results_json(json.loads((full / "students" / student / "results.json").read_text()))
        assert "points" in (full / "students" / student / "feedback.txt").read_text()

    again = _run_cli("grade", str(subs), "--exercise", "ppmi", "--out", str(part))
    assert "grading 0 of 5" in again.stderr and "(5 unchanged, skipped)" in again.stderr
    (subs / "dan" / "ppmi.py").write_text((SOLUTIONS / "ppmi.py").read_text())
    changed = _run_cli("grade", str(subs), "--exercise", "ppmi", "--out", str(part))
    assert "grading 1 of 5" in changed.stderr
    forced = _run_cli("grade", str(subs), "--exercise", "ppmi", "--out", str(part), "--force")
    assert "grading 5 of 5" in forced.stderr
    rows = {r["student"]: r for r in csv.DictReader((part / "gradebook.csv").open())}
    assert float(rows["dan"]["score"]) == ex.max_points


def test_results_json_validator_rejects_bad_documents():
    import pytest

    validate_results_json({"score": 1.0, "tests": [{"name": "a", "score": 1, "max_score": 1, "status": "passed",
                                                     "visibility": "after_published", "output": ""}]})
    for bad in ({"tests": [{"name": "a"}]}, {"score": "1"}, {"score": 1, "grade": 2},
                {"score": 1, "tests": [{"score": 2, "max_score": 1}]},
                {"score": 1, "tests": [{"score": 0, "status": "error"}]},
                {"score": 1, "visibility": "public"}):
        with pytest.raises(AssertionError):
            validate_results_json(bad)


def test_student_commands_list_start_and_check(tmp_path):
    listing = _run_cli("exercises", "list")
    assert listing.returncode == 0
    for slug in ("sgns", "cbow", "noise", "subsampling", "ppmi", "analogy"):
        assert slug in listing.stdout
    start = _run_cli("exercises", "start", "analogy", str(tmp_path / "work"))
    assert start.returncode == 0 and (tmp_path / "work" / "analogy.py").is_file()
    assert (tmp_path / "work" / "README.md").is_file()
    assert _run_cli("exercises", "start", "analogy", str(tmp_path / "work")).returncode == 2   # no overwrite

    starter = _run_cli("check", str(tmp_path / "work" / "analogy.py"))
    assert starter.returncode == 1 and "[FAIL] answers" in starter.stdout and "NotImplementedError" in starter.stdout
    assert "hidden check(s)" in starter.stdout and "[hidden]" not in starter.stdout
    (tmp_path / "work" / "analogy.py").write_text((SOLUTIONS / "analogy.py").read_text())
    solved = _run_cli("check", str(tmp_path / "work" / "analogy.py"))
    assert solved.returncode == 0 and "4 / 4 points" in solved.stdout


def test_gradescope_bundle_grades_a_submission(tmp_path):
    ag = tmp_path / "autograder"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET + "\n")
    built = _run_cli("gradescope-bundle", "noise", str(ag / "source"), "--secret", str(secret_file))
    assert built.returncode == 0, built.stderr
    with zipfile.ZipFile(ag / "source" / "autograder.zip") as z:
        names = set(z.namelist())
    assert {"setup.sh", "run_autograder", "grading_secret", "exercises/noise/spec.py",
            "textbook/grading/sandbox.py", "pyproject.toml"} <= names
    (ag / "submission").mkdir()
    (ag / "submission" / "noise.py").write_text((SOLUTIONS / "noise.py").read_text())
    proc = subprocess.run(["bash", str(ag / "source" / "run_autograder")], capture_output=True, text=True,
                          env=_env(AUTOGRADER_ROOT=str(ag), PYTHON=sys.executable), timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((ag / "results" / "results.json").read_text())
    validate_results_json(doc)
    ex = load_exercise("noise")
    assert doc["score"] == ex.max_points and len(doc["tests"]) == len(ex.checks)
    assert {t["visibility"] for t in doc["tests"]} == {"visible", "after_published"}

    (ag / "submission" / "noise.py").write_text("import os\nos._exit(0)\n")
    subprocess.run(["bash", str(ag / "source" / "run_autograder")], capture_output=True, text=True,
                   env=_env(AUTOGRADER_ROOT=str(ag), PYTHON=sys.executable), timeout=300)
    doc = json.loads((ag / "results" / "results.json").read_text())
    validate_results_json(doc)
    assert doc["score"] == 0.0
