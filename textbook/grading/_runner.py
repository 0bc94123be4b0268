"""The runner: the only grading code that runs inside the sandbox, next to the student's file.

It is copied into the sandbox's working directory and started as
``python -I -S -B runner.py RESULT_FD NUMPY_DIR``.  It must not import ``textbook``
(the sandbox cannot see it) and uses only the standard library and NumPy.

Steps: keep only the standard library on ``sys.path`` (plus the folder holding NumPy), import
NumPy, read ``calls.json`` and ``inputs.npz``, install an import blocker for ``textbook``, import
the student's module, then call each requested function on fresh copies of its inputs and write
one frame per call to the result channel (file descriptor ``RESULT_FD``, never stdout)::

    <u64 header length> <u64 payload length> <JSON header> <.npz payload>

Nothing here is trusted by the grader: the student's code shares this process and may replace
any of it.  The parent treats every frame as a claim to be checked against its own reference.
"""

import importlib.abc
import importlib.util
import io
import json
import os
import struct
import sys
import traceback
import types

BLOCKED = ("textbook",)
MAX_DEPTH = 20


class ImportBlocker(importlib.abc.MetaPathFinder):
    """Refuses the reference package (and editable-install finders that could locate it)."""

    def find_spec(self, name, path=None, target=None):
        root = name.partition(".")[0]
        if root in BLOCKED or root.startswith("__editable__"):
            raise ImportError(f"module {name!r} is not available when grading: write the code yourself")
        return None


def clean_sys_path(numpy_dir):
    """Only the standard library and the folder that holds NumPy (no site-packages, no cwd)."""
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix)}
    keep = []
    for p in sys.path:
        real = os.path.realpath(p) if p else ""
        if real and any(real.startswith(pre) for pre in prefixes) and "site-packages" not in real:
            keep.append(p)
    sys.path[:] = keep + [numpy_dir]


# ------------------------------------------------------------------ inputs: JSON tree + arrays

def decode(node, arrays):
    t = node["t"]
    if t == "arr":
        return arrays[node["k"]].copy()
    if t in ("list", "tuple"):
        items = [decode(v, arrays) for v in node["v"]]
        return items if t == "list" else tuple(items)
    if t == "dict":
        return {k: decode(v, arrays) for k, v in node["v"]}
    if t == "ns":
        return types.SimpleNamespace(**{k: decode(v, arrays) for k, v in node["v"]})
    if t == "none":
        return None
    return {"int": int, "float": float, "bool": bool, "str": str}[t](node["v"])


def first_change(before, after, path=""):
    """Where ``after`` differs from the pristine copy ``before`` (``None`` if nowhere)."""
    import numpy as np

    if isinstance(before, np.ndarray):
        if type(after) is not np.ndarray or after.shape != before.shape or after.dtype != before.dtype:
            return path or "an argument"
        return None if np.array_equal(before, after, equal_nan=before.dtype.kind == "f") else path
    if isinstance(before, dict):
        if type(after) is not dict or list(after) != list(before):
            return path
        for k in before:
            p = first_change(before[k], after[k], f"{path}[{k!r}]")
            if p:
                return p
        return None
    if isinstance(before, (list, tuple)):
        if type(after) is not type(before) or len(after) != len(before):
            return path
        for i, (b, a) in enumerate(zip(before, after)):
            p = first_change(b, a, f"{path}[{i}]")
            if p:
                return p
        return None
    if isinstance(before, types.SimpleNamespace):
        return first_change(vars(before), vars(after), path)
    return None


# ------------------------------------------------------------------ outputs: plain arrays only

def changed_argument(fn, pristine, current):
    """The first argument (by its parameter name) that the call modified, or ``None``."""
    try:
        import inspect

        names = list(inspect.signature(fn).parameters)
    except BaseException:
        names = []
    (args0, kw0), (args1, kw1) = pristine, current
    for i, (b, a) in enumerate(zip(args0, args1)):
        p = first_change(b, a, names[i] if i < len(names) else f"argument {i + 1}")
        if p:
            return p
    for k in kw0:
        p = first_change(kw0[k], kw1.get(k), k)
        if p:
            return p
    return None


def encode(x, arrays, depth=0):
    import numpy as np

    if depth > MAX_DEPTH:
        raise TypeError("the returned value is nested too deeply")
    t = type(x)
    if t is tuple or t is list:
        return {"t": "list", "v": [encode(v, arrays, depth + 1) for v in x]}
    if t is dict:
        bad = [k for k in x if type(k) is not str]
        if bad:
            raise TypeError(f"returned a dict with a non-string key {bad[0]!r}")
        return {"t": "dict", "v": [[k, encode(v, arrays, depth + 1)] for k, v in x.items()]}
    if x is None:
        return {"t": "none"}
    if t is bool or t is int or t is float or t is np.ndarray or (
            isinstance(x, np.generic) and t.__module__ == "numpy"):
        a = np.asarray(x)
    elif isinstance(x, np.ndarray):
        raise TypeError(f"returned a {t.__name__} (a subclass of numpy.ndarray); return a plain array: "
                        f"np.asarray(x)")
    else:
        raise TypeError(f"returned a {t.__module__}.{t.__qualname__}; return NumPy arrays or numbers "
                        f"(in a tuple, list or dict where the statement asks for several)")
    if type(a) is not np.ndarray or a.dtype.kind not in "biuf":
        raise TypeError(f"returned an array of dtype {a.dtype}; only bool, integer and float arrays count")
    key = f"a{len(arrays)}"
    arrays[key] = a
    return {"t": "arr", "k": key}


def send(channel, header, arrays=None):
    import numpy as np

    payload = b""
    if arrays is not None:
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        payload = buf.getvalue()
    head = json.dumps(header).encode()
    channel.write(struct.pack("<QQ", len(head), len(payload)) + head + payload)
    channel.flush()


def describe(exc, filename):
    """``ValueError: message (line 12 of sgns.py: return x @ y)``, the student's frames only."""
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:
        text = type(exc).__name__
    text = text[:800]
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if os.path.basename(f.filename) == filename]
        if frames:
            f = frames[-1]
            text += f" (line {f.lineno} of {filename}: {(f.line or '').strip()[:120]})"
    except BaseException:
        pass
    return text


def main():
    fd, numpy_dir = int(sys.argv[1]), sys.argv[2]
    sys.dont_write_bytecode = True
    clean_sys_path(numpy_dir)
    import numpy as np

    with open("calls.json", encoding="utf-8") as f:
        spec = json.load(f)
    with np.load("inputs.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    channel = os.fdopen(fd, "wb")
    sys.meta_path.insert(0, ImportBlocker())
    filename = spec["file"]
    try:
        mod_spec = importlib.util.spec_from_file_location(spec["module"], os.path.abspath(filename))
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[spec["module"]] = module
        mod_spec.loader.exec_module(module)
    except BaseException as exc:  # SyntaxError, ImportError, SystemExit, KeyboardInterrupt, ...
        send(channel, {"type": "import_error", "error": describe(exc, filename)})
        channel.close()
        os._exit(0)
    for call in spec["calls"]:
        try:
            fn = getattr(module, call["fn"], None)
        except BaseException:
            fn = None
        if not callable(fn):
            send(channel, {"type": "error", "id": call["id"],
                           "error": f"{filename} defines no function {call['fn']!r}"})
            continue
        args, kwargs = decode(call["args"], arrays), decode(call["kwargs"], arrays)
        pristine = (decode(call["args"], arrays), decode(call["kwargs"], arrays))
        try:
            value = fn(*args, **kwargs)
            out = {}
            tree = encode(value, out)
        except BaseException as exc:
            send(channel, {"type": "error", "id": call["id"], "error": describe(exc, filename)})
            continue
        changed = changed_argument(fn, pristine, (args, kwargs))
        if changed:
            send(channel, {"type": "error", "id": call["id"],
                           "error": f"{call['fn']} modified its input {changed} in place; a function "
                                    f"must not change its arguments (work on a copy)"})
            continue
        send(channel, {"type": "result", "id": call["id"], "tree": tree}, out)
    channel.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # stop any thread the submission left running


if __name__ == "__main__":
    main()
