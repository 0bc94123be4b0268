"""Where the standard benchmark files are.

Copies of the Google analogy set, WordSim-353 and SimLex-999 ship inside
gensim's wheel (``gensim/test/test_data``); `benchmark_path` finds them there
without importing gensim. A directory named by the environment variable
``TEXTBOOK_BENCHMARKS`` is searched first, for your own copies.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

BENCHMARKS = {
    "analogies": "questions-words.txt",
    "wordsim353": "wordsim353.tsv",
    "simlex999": "simlex999.txt",
}
ENV_VAR = "TEXTBOOK_BENCHMARKS"


def _gensim_data_dir() -> Path | None:
    try:
        spec = importlib.util.find_spec("gensim")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data"


def benchmark_path(name: str) -> Path:
    """Path of a benchmark file: ``"analogies"``, ``"wordsim353"`` or ``"simlex999"``.

    Looks in ``$TEXTBOOK_BENCHMARKS`` first, then in gensim's test data.

    Raises:
        ValueError: for an unknown name.
        FileNotFoundError: explaining how to get the file when neither place has it.
    """
    if name not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {name!r}; choose one of {sorted(BENCHMARKS)}")
    filename = BENCHMARKS[name]
    places = []
    if os.environ.get(ENV_VAR):
        places.append(Path(os.environ[ENV_VAR]) / filename)
    gensim_dir = _gensim_data_dir()
    if gensim_dir is not None:
        places.append(gensim_dir / filename)
    for path in places:
        if path.is_file():
            return path
    looked = ", ".join(str(p) for p in places) or "nowhere (gensim is not installed and $TEXTBOOK_BENCHMARKS is unset)"
    raise FileNotFoundError(
        f"benchmark {name!r} ({filename}) not found; looked in: {looked}. "
        "Copies ship with gensim: `pip install gensim` (or `pip install textbook[oracles]`). "
        f"Or put your own {filename} in a directory and set {ENV_VAR} to that directory."
    )
