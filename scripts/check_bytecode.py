"""Check that built packages ship bytecode Lambda's Python 3.13 will use as it is, read-only.

`make layer-check` runs it on the built layer's python/ folder and every function's package.
On Lambda both are read-only and nothing writes a bytecode cache: a ``.py`` file is compiled from
source on every cold start unless ``__pycache__/<name>.cpython-313.pyc`` beside it is valid. The
builds (``layers/shared/Makefile``, ``functions/Makefile`` for every function) write unchecked-hash
pycs, which the import system uses without comparing modification times (the zip and unzip of a
deployment change them). Each ``.py`` needs such a pyc with Python 3.13's magic number, the
unchecked-hash flags and the hash of the source it sits beside. Run it with Python 3.13.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

TAG = "cpython-313"
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, check_source off
HEADER = 16  # magic (4), flags (4), source hash (8)


def pyc_path(source: Path) -> Path:
    """Where Python 3.13 looks for the bytecode of ``source``."""
    return source.parent / "__pycache__" / f"{source.stem}.{TAG}.pyc"


def problem(source: Path, magic: bytes = importlib.util.MAGIC_NUMBER) -> str | None:
    """Why the runtime would compile ``source`` itself, or None when its shipped pyc will be used.

    Parameters
    ----------
    source : Path
        A ``.py`` file of a built package.
    magic : bytes
        The magic number of the runtime's Python (this interpreter's by default, which must be 3.13).

    Returns
    -------
    str or None
        ``"no pyc"``, ``"another Python's pyc"``, ``"not an unchecked-hash pyc"`` or ``"pyc of
        another source"``; None if the pyc is valid for this source.
    """
    compiled = pyc_path(source)
    if not compiled.is_file():
        return "no pyc"
    header = compiled.read_bytes()[:HEADER]
    if header[:4] != magic:
        return "another Python's pyc"
    if int.from_bytes(header[4:8], "little") != UNCHECKED_HASH:
        return "not an unchecked-hash pyc"
    if header[8:16] != importlib.util.source_hash(source.read_bytes()):
        return "pyc of another source"
    return None


def problems(root: Path) -> list[str]:
    """Every ``.py`` under ``root`` whose shipped bytecode the runtime would not use, with the reason."""
    found = []
    for source in sorted(root.rglob("*.py")):
        reason = problem(source)
        if reason is not None:
            found.append(f"{source.relative_to(root)}: {reason}")
    return found


def main(roots: list[str]) -> int:
    """Check each built folder; print what is missing, exit 1 if anything is."""
    if sys.version_info[:2] != (3, 13):
        print(f"run with Python 3.13 (the runtime's), not {sys.version.split()[0]}", file=sys.stderr)
        return 2
    failed = 0
    for root in map(Path, roots):
        listed = problems(root)
        sources = sum(1 for _ in root.rglob("*.py"))
        if listed or not sources:
            failed = 1
            print(f"FAIL {root}: {len(listed)} of {sources} modules would compile from source", file=sys.stderr)
            for line in listed[:20]:
                print(f"     {line}", file=sys.stderr)
        else:
            print(f"ok  {root}: {sources} modules, each with its unchecked-hash {TAG} pyc")
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
