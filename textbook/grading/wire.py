"""What crosses the sandbox boundary: inputs going in, result frames coming back.

Inputs are a JSON tree (``calls.json``) whose array leaves live in ``inputs.npz``.  Frozen config
dataclasses travel as plain namespaces (the child cannot import the package that defines them).

Results come back on a dedicated pipe as frames ``<u64 header length> <u64 payload length>
<JSON header> <.npz payload>`` (see ``_runner.py``).  Everything in them is hostile until checked
here: the header must be small, well-formed JSON; the payload an *uncompressed* ``.npz`` whose
members are read with ``allow_pickle=False`` after their declared size has been checked; every
array must be a bool, integer or float array; the tree may nest only tuples, lists and dicts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import struct
import zipfile
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from textbook.core.testing import Case

MAX_HEADER = 1 << 20
MAX_NODES = 100_000
MAX_DEPTH = 20
NUMERIC_KINDS = "biuf"


# ------------------------------------------------------------------ inputs (parent -> child)

def _encode_input(x: object, arrays: dict[str, np.ndarray], where: str) -> dict:
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {"t": "ns", "v": [[f.name, _encode_input(getattr(x, f.name), arrays, f"{where}.{f.name}")]
                                 for f in dataclasses.fields(x)]}
    if isinstance(x, Mapping):
        return {"t": "dict", "v": [[str(k), _encode_input(v, arrays, f"{where}[{k!r}]")] for k, v in x.items()]}
    if isinstance(x, (tuple, list)):
        return {"t": "tuple" if isinstance(x, tuple) else "list",
                "v": [_encode_input(v, arrays, f"{where}[{i}]") for i, v in enumerate(x)]}
    if x is None:
        return {"t": "none"}
    if isinstance(x, (bool, np.bool_)):
        return {"t": "bool", "v": bool(x)}
    if isinstance(x, (int, np.integer)):
        return {"t": "int", "v": int(x)}
    if isinstance(x, (float, np.floating)):
        return {"t": "float", "v": float(x)}
    if isinstance(x, str):
        return {"t": "str", "v": x}
    a = np.asarray(x)
    if a.dtype.kind not in NUMERIC_KINDS:
        raise TypeError(f"case input {where} has dtype {a.dtype}; only numeric arrays can be sent")
    key = f"x{len(arrays)}"
    arrays[key] = a
    return {"t": "arr", "k": key}


def encode_calls(calls: Mapping[str, Case]) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The manifest entries and the arrays for ``calls`` (id -> Case)."""
    arrays: dict[str, np.ndarray] = {}
    manifest = [{"id": cid, "fn": c.fn,
                 "args": _encode_input(tuple(c.args), arrays, f"{c.fn} args"),
                 "kwargs": _encode_input(dict(c.kwargs), arrays, f"{c.fn} kwargs")}
                for cid, c in calls.items()]
    return manifest, arrays


def case_key(case: Case) -> str:
    """A content hash of a call (function name and inputs): equal calls are sent once."""
    manifest, arrays = encode_calls({"": case})
    h = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode())
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(f"{k}{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:24]


# ------------------------------------------------------------------ results (child -> parent)

class BadFrame(ValueError):
    """A result frame that is not well-formed; its message is shown to the student."""


@dataclass
class Frames:
    """The decoded result channel."""

    results: dict[str, object] = field(default_factory=dict)  # call id -> plain value
    errors: dict[str, str] = field(default_factory=dict)      # call id -> message
    import_error: str | None = None
    problems: list[str] = field(default_factory=list)          # malformed data, truncation


_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _load_npz(payload: bytes) -> dict[str, np.ndarray]:
    """Arrays of an uncompressed ``.npz`` after checking each member's declared size and dtype."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(payload))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise BadFrame(f"the result is not a valid .npz file ({exc})") from None
    out = {}
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED or info.file_size > len(payload):
            raise BadFrame("the result .npz must be uncompressed")
        try:
            with zf.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version not in _HEADER_READERS:
                    raise BadFrame(f"unsupported .npy format version {version}")
                shape, _, dtype = _HEADER_READERS[version](f)
                if dtype.hasobject or dtype.kind not in NUMERIC_KINDS or dtype.fields is not None:
                    raise BadFrame(f"returned an array of dtype {dtype}; only bool, integer and float "
                                   f"arrays count")
                if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize > info.file_size:
                    raise BadFrame("an array in the result is truncated")
            with zf.open(info) as f:
                a = np.lib.format.read_array(f, allow_pickle=False)
        except BadFrame:
            raise
        except Exception as exc:
            raise BadFrame(f"an array in the result could not be read ({type(exc).__name__}: {exc})") from None
        if type(a) is not np.ndarray or a.dtype.kind not in NUMERIC_KINDS:
            raise BadFrame(f"returned an array of dtype {a.dtype}; only bool, integer and float arrays count")
        out[info.filename[:-4] if info.filename.endswith(".npy") else info.filename] = a
    return out


def _decode_tree(node: object, arrays: dict[str, np.ndarray], depth: int, budget: list[int]) -> object:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise BadFrame("the returned value is too large or nested too deeply")
    if not isinstance(node, dict) or not isinstance(node.get("t"), str):
        raise BadFrame("malformed result")
    t = node["t"]
    if t == "arr":
        key = node.get("k")
        if not isinstance(key, str) or key not in arrays:
            raise BadFrame("malformed result: missing array")
        return arrays[key]
    if t == "none":
        return None
    if t == "list" and isinstance(node.get("v"), list):
        return [_decode_tree(v, arrays, depth + 1, budget) for v in node["v"]]
    if t == "dict" and isinstance(node.get("v"), list):
        out = {}
        for item in node["v"]:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                raise BadFrame("malformed result: bad dict entry")
            out[item[0]] = _decode_tree(item[1], arrays, depth + 1, budget)
        return out
    raise BadFrame(f"malformed result: unknown node {t!r:.40}")


def _text(x: object, limit: int = 2000) -> str:
    return (x if isinstance(x, str) else repr(x))[:limit]


def decode_frames(data: bytes, ids: set[str]) -> Frames:
    """Parse the whole result channel; the first frame for each requested call id wins."""
    out = Frames()
    pos = 0
    while pos < len(data):
        if len(data) - pos < 16:
            out.problems.append("the result channel ended in the middle of a frame")
            break
        n_head, n_pay = struct.unpack_from("<QQ", data, pos)
        if n_head > MAX_HEADER or pos + 16 + n_head + n_pay > len(data):
            out.problems.append("the result channel ended in the middle of a frame (or a frame is malformed)")
            break
        head_bytes = data[pos + 16: pos + 16 + n_head]
        payload = data[pos + 16 + n_head: pos + 16 + n_head + n_pay]
        pos += 16 + n_head + n_pay
        try:
            head = json.loads(head_bytes.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            out.problems.append("a result frame has a malformed header")
            continue
        if not isinstance(head, dict):
            out.problems.append("a result frame has a malformed header")
            continue
        kind, cid = head.get("type"), head.get("id")
        if kind == "import_error":
            if out.import_error is None:
                out.import_error = _text(head.get("error"))
            continue
        if not isinstance(cid, str) or cid not in ids or cid in out.results or cid in out.errors:
            continue
        if kind == "error":
            out.errors[cid] = _text(head.get("error"))
        elif kind == "result":
            try:
                arrays = _load_npz(payload) if payload else {}
                out.results[cid] = _decode_tree(head.get("tree"), arrays, 0, [MAX_NODES])
            except BadFrame as exc:
                out.errors[cid] = str(exc)
            except RecursionError:
                out.errors[cid] = "the returned value is nested too deeply"
    return out


__all__ = ["BadFrame", "Frames", "case_key", "decode_frames", "encode_calls"]
