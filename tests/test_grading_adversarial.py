"""Malicious submissions score zero, get a clear message, and leave everyone else's grade intact.

One grading run holds two honest students and every attack; each attack tries to earn points it
does not deserve (returning wrong values or none) while breaking something.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import textwrap
from pathlib import Path

import pytest

from textbook.grading import engine, gradebook, sandbox
from textbook.grading.spec import load_exercise

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = (ROOT / "tests" / "solutions" / "sgns.py").read_text()
SECRET = "adversarial-tests-secret-0123456789"
ZEROS = 'def loss_and_grad(params, batch, config):\n    return 11.0, {"W_in": params["W_in"] * 0, "W_out": params["W_out"] * 0}\n'

# student -> (source, text expected in the feedback). {out} and {subs} are replaced by real paths.
ATTACKS = {
    "syntax_error": ("def loss_and_grad(params, batch, config:\n    return 0\n", "SyntaxError"),
    "import_error": ("import torch_that_is_not_there\n" + ZEROS, "ModuleNotFoundError"),
    "exception": ("class Loud(Exception):\n    def __str__(self):\n        return 'boom' * 10**6\n"
                  "def loss_and_grad(params, batch, config):\n    raise Loud()\n", "Loud: boomboom"),
    "infinite_loop": ("def loss_and_grad(params, batch, config):\n    while True:\n        pass\n", "time limit"),
    "sleep": ("import time\ndef loss_and_grad(params, batch, config):\n    time.sleep(3600)\n", "time limit"),
    "memory_bomb": ("import numpy as np\nhog = [np.empty(10**9) for _ in range(100)]\n" + ZEROS, "MemoryError"),
    "fork_bomb": ("import os\ndef loss_and_grad(params, batch, config):\n    while True:\n        try:\n"
                  "            os.fork()\n        except OSError:\n            pass\n", "time limit"),
    "sys_exit": ("import sys\nprint('All tests passed! Score: 11/11')\nsys.exit(0)\n", "SystemExit"),
    "os_exit": ("import os\ndef loss_and_grad(params, batch, config):\n    print('PASS ' * 100)\n    os._exit(0)\n",
                "before answering every call"),
    "keyboard_interrupt": ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
    "monkeypatch_numpy": ("import numpy as np\nnp.allclose = lambda *a, **k: True\n"
                          "np.testing.assert_allclose = lambda *a, **k: None\nnp.array_equal = lambda *a, **k: True\n"
                          "np.isclose = lambda a, b, **k: np.ones(np.shape(a), bool)\n" + ZEROS, "entries differ"),
    "fake_results": (textwrap.dedent("""
        import json, os, sys
        fake = {"score": 11, "tests": [{"name": "loss", "score": 2, "max_score": 2, "status": "passed"}]}
        print(json.dumps(fake))
        for target in ["results.json", "../results.json", "/autograder/results/results.json",
                       "{out}/gradebook.csv", "{out}/students/alice/grade.json", "{subs}/alice/sgns.py",
                       "{subs}/pwned.txt"]:
            try:
                with open(target, "w") as f:
                    json.dump(fake, f)
            except OSError:
                pass
        """) + ZEROS, "entries differ"),
    "import_reference": ("import textbook.embeddings.word2vec.numpy_impl as ref\n"
                         "loss_and_grad = ref.loss_and_grad\n", "not available when grading"),
    "walk_the_stack": (textwrap.dedent("""
        import gc, inspect, sys
        def loss_and_grad(params, batch, config):
            for frame in inspect.stack():
                for v in list(frame.frame.f_globals.values()) + list(frame.frame.f_locals.values()):
                    if callable(v) and getattr(v, "__module__", "").startswith("textbook"):
                        return v(params, batch, config)
            for obj in gc.get_objects():
                if callable(obj) and getattr(obj, "__module__", "") and "word2vec" in obj.__module__:
                    return obj(params, batch, config)
            for name in list(sys.modules):
                if "textbook" in name:
                    return sys.modules[name].loss_and_grad(params, batch, config)
            raise RuntimeError("no reference to steal")
        """), "no reference to steal"),
    "object_array": ("import numpy as np\ndef loss_and_grad(params, batch, config):\n"
                     "    return np.array([1.0, None], dtype=object), {}\n", "dtype object"),
    "ndarray_subclass": (textwrap.dedent("""
        import numpy as np
        class Always(np.ndarray):
            def __eq__(self, other):
                return np.ones(self.shape, bool)
            def __array_finalize__(self, obj):
                pass
        def loss_and_grad(params, batch, config):
            z = np.zeros(3).view(Always)
            return z, {"W_in": params["W_in"].view(Always), "W_out": params["W_out"].view(Always)}
        """), "subclass"),
    "equal_to_everything": (textwrap.dedent("""
        class Yes(float):
            def __eq__(self, other):
                return True
            __le__ = __ge__ = __lt__ = __gt__ = __eq__
        def loss_and_grad(params, batch, config):
            return Yes(0.0), {"W_in": Yes(0.0), "W_out": Yes(0.0)}
        """), "return NumPy arrays"),
    "mutate_inputs": ("import numpy as np\n" + SOLUTION.split("import numpy as np", 1)[1].replace(
        "    W_in, W_out = params[\"W_in\"], params[\"W_out\"]",
        "    params[\"W_in\"][:] = 0.0\n    params[\"W_out\"][:] = 0.0\n    W_in, W_out = params[\"W_in\"], params[\"W_out\"]"),
        "modified its input params['W_in'] in place"),
    "huge_output": ("import numpy as np\ndef loss_and_grad(params, batch, config):\n"
                    "    return 0.0, {\"W_in\": np.zeros(12_000_000), \"W_out\": np.zeros(1)}\n", "sent more than"),
    "print_flood": ("import sys\ndef loss_and_grad(params, batch, config):\n    while True:\n"
                    "        sys.stdout.write('11/11 ' * 100000)\n", "printed more than"),
    "forged_frames": (textwrap.dedent("""
        import io, json, os, struct, sys, zipfile
        import numpy as np
        def _send(fd, head, payload=b""):
            h = json.dumps(head).encode()
            os.write(fd, struct.pack("<QQ", len(h), len(payload)) + h + payload)
        fd = int(sys.argv[1])
        calls = json.load(open("calls.json"))["calls"]
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("a0.npy", b"\\x00" * 50_000_000)
        for c in calls:
            _send(fd, {"type": "result", "id": c["id"], "tree": {"t": "arr", "k": "a0"}}, bomb.getvalue())
        os._exit(0)
        """), "uncompressed"),
    "deep_recursion": ("def loss_and_grad(params, batch, config):\n    return loss_and_grad(params, batch, config)\n",
                       "RecursionError"),
}
if os.geteuid() == 0:   # as another user these would hit the grader itself (only safe inside the jail)
    ATTACKS["kill_grader"] = ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + ZEROS,
                              "PermissionError")
    ATTACKS["kill_everything"] = ("import os, signal\ndef loss_and_grad(params, batch, config):\n"
                                  "    os.kill(-1, signal.SIGKILL)\n", "got NoneType")
    ATTACKS["read_secret"] = ("import os\nprint(dict(os.environ))\nprint(open('/proc/1/environ').read())\n" + ZEROS,
                              "FileNotFoundError")


def _grade_all(base: Path):
    subs, out = base / "submissions", base / "grades"
    subs.mkdir()
    for name, source in (("alice", SOLUTION),
                         ("bob", SOLUTION.replace("return np.logaddexp(0.0, -s)\n\n\ndef _sigmoid",
                                                  "return -np.log(1.0 / (1.0 + np.exp(-s)))\n\n\ndef _sigmoid"))):
        (subs / name).mkdir()
        (subs / name / "sgns.py").write_text(source)
    for name, (source, _) in ATTACKS.items():
        (subs / name).mkdir()
        (subs / name / "sgns.py").write_text(source.replace("{out}", str(out)).replace("{subs}", str(subs)))
    (subs / "symlinked").mkdir()
    (subs / "symlinked" / "sgns.py").symlink_to(subs / "alice" / "sgns.py")
    (subs / "nothing").mkdir()
    (subs / "linked_folder").symlink_to(subs / "alice", target_is_directory=True)
    ex = dataclasses.replace(load_exercise("sgns"), limits=sandbox.Limits(wall_seconds=5.0, processes=16,
                                                                               memory_mb=1024))
    before = sorted(p.relative_to(subs) for p in subs.rglob("*"))
    records = gradebook.grade_folder(subs, ex, out, SECRET, jobs=2, progress=False)
    return ex, subs, out, {r["student"]: r for r in records}, before


def test_adversarial_submissions(tmp_path):
    """One run: every attack scores zero with its message; honest grades and all files stay intact."""
    ex, subs, out, records, before = _grade_all(tmp_path)
    problems = []
    for student, (_, expected) in sorted(ATTACKS.items()):
        feedback = (out / "students" / student / "feedback.txt").read_text()
        if records[student]["score"] != 0.0:
            problems.append(f"{student} scored {records[student]['score']}:\n{feedback[:1500]}")
        elif expected not in feedback:
            problems.append(f"{student}: feedback lacks {expected!r}:\n{feedback[:1500]}")
    assert not problems, "\n\n".join(problems)

    # honest students are graded as if they were alone
    assert records["alice"]["score"] == ex.max_points
    assert records["bob"]["score"] == ex.max_points - 1          # fails "large scores" only
    alone = gradebook.grade_source(ex, engine.build_plan(ex, SECRET), (subs / "bob" / "sgns.py").read_bytes())
    assert {r.name: r.points for r in alone.results} == records["bob"]["checks"]

    # symlinked and missing files
    assert records["symlinked"]["score"] == 0.0 == records["nothing"]["score"] == records["linked_folder"]["score"]
    assert "symbolic link" in (out / "students" / "symlinked" / "feedback.txt").read_text()
    assert "symbolic link" in (out / "students" / "linked_folder" / "feedback.txt").read_text()
    assert "no sgns.py" in (out / "students" / "nothing" / "feedback.txt").read_text()

    # nothing was written into the submissions, the gradebook is whole, the secret never leaks
    assert sorted(p.relative_to(subs) for p in subs.rglob("*")) == before
    assert (subs / "alice" / "sgns.py").read_text() == SOLUTION
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert len(rows) == len(ATTACKS) + 5
    assert float(rows["alice"]["score"]) == ex.max_points
    assert all(float(rows[name]["score"]) == 0.0 for name in ATTACKS)
    assert json.loads((out / "students" / "alice" / "grade.json").read_text())["score"] == ex.max_points
    assert not list(out.rglob("pwned*")) and not (out / "results.json").exists()
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path
