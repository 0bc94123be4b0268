"""The sandbox: isolation from the repository and other students, limits, and hostile result frames."""

from __future__ import annotations

import io
import json
import os
import struct
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from textbook.core.testing import Case
from textbook.grading import jail, sandbox, wire

ROOT = Path(__file__).resolve().parents[1]
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the jail (chroot + throw-away uid) needs root")


def _run(tmp_path: Path, source: str, calls: dict, **limits) -> sandbox.RunResult:
    path = tmp_path / "submission.py"
    path.write_text(textwrap.dedent(source))
    return sandbox.run(path, calls, sandbox.Limits(**{"wall_seconds": 10.0, **limits}))


def _uid_alive(uid: int) -> bool:
    """Is a live (non-zombie) process of ``uid`` left?"""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if str(uid) in fields["Uid"].split()[1:3] and fields["State"].split()[0] not in ("Z", "X"):
            return True
    return False


def test_values_round_trip_and_config_becomes_a_namespace(tmp_path):
    from textbook.embeddings.word2vec import Config

    r = _run(tmp_path, """
        import numpy as np
        def f(x, batch, config):
            return (x * config.dim, {"ids": batch["ids"] + 1, "n": np.int64(config.vocab_size)}, [1.5, True])
    """, {"a": Case("f", (np.arange(3.0), {"ids": np.array([1, 2], dtype=np.int32)}, Config(vocab_size=7, dim=2)))})
    assert r.status == "ok" and not r.errors
    x, d, extra = r.outputs["a"]
    np.testing.assert_array_equal(x, [0.0, 2.0, 4.0])
    assert d["ids"].dtype == np.int32 and d["ids"].tolist() == [2, 3] and d["n"].shape == ()
    assert extra[0].dtype == np.float64 and extra[1].dtype == bool


@as_root
def test_child_cannot_read_the_repository_other_students_or_import_textbook(tmp_path):
    other = tmp_path / "other_student"
    other.mkdir()
    (other / "sgns.py").write_text("# someone else's work\n")
    os.chmod(tmp_path, 0o755)
    os.chmod(other, 0o755)
    targets = [ROOT / "exercises" / "sgns" / "spec.py", ROOT / "textbook" / "embeddings" / "word2vec" / "numpy_impl.py",
               other / "sgns.py", Path("/etc/passwd"), ROOT]
    r = _run(tmp_path, f"""
        import os, sys
        import numpy as np
        TARGETS = {[str(p) for p in targets]!r}
        def probe():
            seen = []
            for p in TARGETS:
                try:
                    os.listdir(p) if p == TARGETS[-1] else open(p).read()
                    seen.append(1)
                except OSError:
                    seen.append(0)
            sys.path.insert(0, {str(ROOT)!r})
            try:
                import textbook
                seen.append(1)
            except ImportError:
                seen.append(0)
            for target in ["pwned.txt", "../pwned.txt", {str(other / "pwned.txt")!r}]:
                try:
                    with open(target, "w") as f:
                        f.write("x")
                    seen.append(1)
                except OSError:
                    seen.append(0)
            return np.array(seen + [os.getuid(), os.getgid(), len(os.getgroups()), os.geteuid()])
    """, {"p": Case("probe", ())})
    assert r.isolation == "jail" and r.status == "ok", r
    out = r.outputs["p"].tolist()
    n = len(targets)
    assert out[:n] == [0] * n, "the child could read a file outside its jail"
    assert out[n] == 0, "the child imported textbook"
    assert out[n + 1:n + 4] == [0, 0, 0], "the child could write a file"
    uid, gid, groups, euid = out[n + 4:]
    assert uid == euid == r.uid and uid >= jail.UID_RANGE[0] and gid != 0 and groups == 0
    assert not (other / "pwned.txt").exists()


def test_import_blocker_refuses_textbook_even_with_the_repo_on_the_path(tmp_path):
    r = _run(tmp_path, f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import textbook.embeddings.word2vec.numpy_impl as ref
        def f():
            return 1.0
    """, {"a": Case("f", ())})
    assert r.status == "import error" and "ImportError" in r.fatal or "ModuleNotFoundError" in r.fatal


def test_timeout_kills_the_whole_process_group(tmp_path):
    start = time.monotonic()
    r = _run(tmp_path, """
        import os, time
        def f():
            if os.fork() == 0:
                time.sleep(1000)
            time.sleep(1000)
    """, {"a": Case("f", ())}, wall_seconds=2.0)
    assert r.status == "timeout" and "time limit" in r.fatal
    assert time.monotonic() - start < 8
    if r.uid is not None:
        assert not _uid_alive(r.uid), "a process of the sandbox outlived the run"


@as_root
def test_fork_bomb_is_contained_and_cleaned_up(tmp_path):
    r = _run(tmp_path, """
        import os
        def f():
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    """, {"a": Case("f", ())}, wall_seconds=2.0, processes=16)
    assert r.status in ("timeout", "crashed")
    assert not _uid_alive(r.uid)


def test_memory_limit_turns_a_huge_allocation_into_memory_error(tmp_path):
    r = _run(tmp_path, """
        import numpy as np
        def f():
            return np.ones((40_000, 100_000))     # 32 GB
    """, {"a": Case("f", ())}, memory_mb=1024)
    assert "MemoryError" in r.errors["a"]


def test_output_caps(tmp_path):
    r = _run(tmp_path, """
        import numpy as np
        def big():
            return np.zeros(3_000_000)           # 24 MB > 8 MB cap
    """, {"a": Case("big", ())}, output_mb=8)
    assert r.status == "output too large" and "8 MB" in r.fatal and not r.outputs
    r = _run(tmp_path, """
        import sys
        def chatty():
            for _ in range(40):
                sys.stdout.write("x" * 1_000_000)
            return 1.0
    """, {"a": Case("chatty", ())}, log_max_mb=4, log_kb=1)
    assert r.status == "output too large" and len(r.stdout) < 2000


def test_runner_refuses_objects_subclasses_and_look_alikes(tmp_path):
    r = _run(tmp_path, """
        import numpy as np
        class Sub(np.ndarray):
            def __eq__(self, other):
                return True
        class Liar:
            def __eq__(self, other):
                return True
            def __array__(self, *a, **k):
                return np.zeros(3)
        def obj():
            return np.array([1, "a"], dtype=object)
        def sub():
            return np.zeros(3).view(Sub)
        def liar():
            return Liar()
        def text():
            return np.array(["x"])
        def deep():
            x = 1.0
            for _ in range(100):
                x = [x]
            return x
    """, {k: Case(k, ()) for k in ("obj", "sub", "liar", "text", "deep")})
    assert "dtype object" in r.errors["obj"]
    assert "subclass" in r.errors["sub"]
    assert "Liar" in r.errors["liar"] and "return NumPy arrays" in r.errors["liar"]
    assert "<U1" in r.errors["text"]
    assert "nested too deeply" in r.errors["deep"]
    assert not r.outputs


def test_inputs_mutated_in_place_fail_the_call(tmp_path):
    r = _run(tmp_path, """
        def f(params, scale):
            params["W"] *= 0
            return params["W"]
        def g(params, scale):
            return params["W"] * scale
    """, {"f": Case("f", ({"W": np.ones(3)}, 2.0)), "g": Case("g", ({"W": np.ones(3)}, 2.0))})
    assert "modified its input params['W'] in place" in r.errors["f"]
    np.testing.assert_array_equal(r.outputs["g"], [2.0, 2.0, 2.0])


def test_exit_paths_are_reported_not_trusted(tmp_path):
    r = _run(tmp_path, "import sys\nprint('{\"score\": 100}')\nsys.exit(0)\n", {"a": Case("f", ())})
    assert r.status == "import error" and "SystemExit" in r.fatal and not r.outputs
    r = _run(tmp_path, "import os\ndef f():\n    os._exit(0)\n", {"a": Case("f", ()), "b": Case("f", (1,))})
    assert r.status == "crashed" and "before answering every call" in r.fatal and not r.outputs


# ------------------------------------------------------------------ hostile frames, parsed by the parent

def _frame(head: dict, payload: bytes = b"") -> bytes:
    h = json.dumps(head).encode()
    return struct.pack("<QQ", len(h), len(payload)) + h + payload


def _npz(compress: bool = False, **arrays) -> bytes:
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **arrays)
    return buf.getvalue()


def test_decode_frames_validates_everything():
    good = _frame({"type": "result", "id": "a", "tree": {"t": "arr", "k": "a0"}}, _npz(a0=np.arange(3)))
    frames = wire.decode_frames(good + good, {"a"})
    assert frames.results["a"].tolist() == [0, 1, 2]

    zipped = _frame({"type": "result", "id": "b", "tree": {"t": "arr", "k": "a0"}}, _npz(True, a0=np.zeros(10)))
    obj = io.BytesIO()
    with zipfile.ZipFile(obj, "w") as z:                   # an object array smuggled in a stored .npz
        member = io.BytesIO()
        np.save(member, np.array([{"x": 1}], dtype=object), allow_pickle=True)
        z.writestr("a0.npy", member.getvalue())
    pickled = _frame({"type": "result", "id": "c", "tree": {"t": "arr", "k": "a0"}}, obj.getvalue())
    missing = _frame({"type": "result", "id": "d", "tree": {"t": "arr", "k": "nope"}}, _npz(a0=np.zeros(1)))
    weird = _frame({"type": "result", "id": "e", "tree": {"t": "eval", "v": "__import__('os')"}})
    unknown = _frame({"type": "result", "id": "zzz", "tree": {"t": "none"}})
    frames = wire.decode_frames(zipped + pickled + missing + weird + unknown + b"\x01\x02", {"b", "c", "d", "e"})
    assert "uncompressed" in frames.errors["b"]
    assert "object" in frames.errors["c"]
    assert "missing array" in frames.errors["d"]
    assert "unknown node" in frames.errors["e"]
    assert not frames.results and "zzz" not in frames.errors
    assert frames.problems and "middle of a frame" in frames.problems[0]

    bad_json = struct.pack("<QQ", 5, 0) + b"{nope"
    assert wire.decode_frames(bad_json, {"a"}).problems == ["a result frame has a malformed header"]


def test_unprivileged_mode_used_by_student_self_checks(tmp_path, monkeypatch):
    """What `textbook check` does for a non-root user: limits, clean path, no textbook (no jail)."""
    from textbook.grading import engine
    from textbook.grading.spec import load_exercise

    monkeypatch.setattr(jail, "_runtime", jail.plain_runtime())
    r = _run(tmp_path, f"""
        import sys
        import numpy as np
        def probe():
            sys.path.insert(0, {str(ROOT)!r})
            try:
                import textbook
                return np.array([1, len(sys.path)])
            except ImportError:
                return np.array([0, int(any("site-packages" in p for p in sys.path))])
    """, {"p": Case("probe", ())})
    assert r.isolation == "user" and r.outputs["p"].tolist() == [0, 0]
    ex = load_exercise("sgns")
    report = engine.grade_file(ex, ROOT / "tests" / "solutions" / "sgns.py", hidden=False)
    assert report.score == ex.public_points and report.isolation == "user"
