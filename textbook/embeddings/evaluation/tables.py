"""Format evaluation results as a Markdown or plain-text table."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence


def _as_row(row) -> dict:
    if isinstance(row, Mapping):
        return dict(row)
    if hasattr(row, "as_row"):
        return dict(row.as_row())
    if dataclasses.is_dataclass(row) and not isinstance(row, type):
        return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    raise TypeError(f"a row must be a mapping, a report with .as_row(), or a dataclass; got {type(row).__name__}")


def _cell(value, floatfmt: str) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else format(value, floatfmt)
    return str(value)


def report_table(
    rows: Iterable,
    columns: Sequence[str] | None = None,
    style: str = "markdown",
    floatfmt: str = ".3f",
) -> str:
    """Format results as a table.

    Args:
        rows: Mappings, reports with ``.as_row()`` (`AnalogyReport`,
            `SimilarityReport`) or dataclasses.
        columns: Column order; default: the keys in order of first appearance.
        style: ``"markdown"`` (GitHub/MkDocs pipe table) or ``"plain"`` (aligned text).
        floatfmt: Format of float cells.

    Returns:
        The table as a string (no trailing newline). Numbers are right-aligned.

    Example:
        >>> print(report_table([{"model": "sgns", "spearman": 0.6512}]))
        | model | spearman |
        | :---- | -------: |
        | sgns  |    0.651 |
    """
    if style not in ("markdown", "plain"):
        raise ValueError(f"style must be 'markdown' or 'plain', got {style!r}")
    dicts = [_as_row(r) for r in rows]
    if columns is None:
        columns = list(dict.fromkeys(k for d in dicts for k in d))
    cells = [[_cell(d.get(c), floatfmt) for c in columns] for d in dicts]
    if style == "markdown":  # a "|" inside a cell would end it
        cells = [[c.replace("|", "\\|") for c in row] for row in cells]
    numeric = [
        all(isinstance(d.get(c), (int, float)) and not isinstance(d.get(c), bool) for d in dicts if c in d)
        and any(c in d for d in dicts)
        for c in columns
    ]
    widths = [max([len(str(c))] + [len(r[j]) for r in cells]) for j, c in enumerate(columns)]
    if style == "markdown":
        widths = [max(w, 5) for w in widths]

    def line(values):
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return ("| " + " | ".join(parts) + " |") if style == "markdown" else "  ".join(parts).rstrip()

    head = [str(c) for c in columns]
    if style == "markdown":
        marks = [("-" * (w - 1) + ":") if num else (":" + "-" * (w - 1)) for w, num in zip(widths, numeric)]
        rule = "| " + " | ".join(marks) + " |"
    else:
        rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(head), rule] + [line(r) for r in cells])
