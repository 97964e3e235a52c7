"""Schema versions (``<major>.<minor>``) of the event contract: parsing and ordering, nothing else."""

from __future__ import annotations

import re

VERSION_RE = re.compile(r"(?P<major>[1-9][0-9]{0,2})\.(?P<minor>0|[1-9][0-9]{0,2})\Z")


def parse_version(text: str) -> tuple[int, int]:
    """``"1.4"`` as ``(1, 4)``; ValueError for anything else (``"1.04"``, ``"1"``, ``"v1.0"``, ``"0.9"``)."""
    match = VERSION_RE.match(text)
    if match is None:
        raise ValueError(f"{text[:16]!r} is not a schema version (<major>.<minor>)")
    return int(match["major"]), int(match["minor"])
