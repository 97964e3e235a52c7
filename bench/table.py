"""The benchmark's table: rows of six cells, a verdict per target, rendered as aligned text."""

from __future__ import annotations

Row = tuple[str, str, str, str, str, str]
HEADER: Row = ("metric", "ours", "baseline", "ours vs baseline", "target", "result")


def verdict(passed: bool | None) -> str:
    """``PASS`` or ``FAIL`` for a target, empty for a row without one (None)."""
    return "" if passed is None else ("PASS" if passed else "FAIL")


def render(table: list[Row]) -> str:
    """The rows under the header, each column as wide as its widest cell."""
    widths = [max(len(row[column]) for row in [HEADER, *table]) for column in range(len(HEADER))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(HEADER, widths, strict=True))]
    lines.append("-+-".join("-" * width for width in widths))
    lines.extend(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in table)
    return "\n".join(line.rstrip() for line in lines)
