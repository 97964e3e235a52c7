"""Sizes of what is deployed: the built layer and function (``sam build``), and the baseline's package.

Unzipped bytes (Lambda's 250 MB limit counts the function and its layers unzipped) and the size of
the zip Lambda would receive (deflate, as ``sam deploy`` packs it).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from harness import ROOT

BUILD = ROOT / ".aws-sam" / "build"


def _measure(root: Path, files: list[Path]) -> dict[str, Any]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(root))
    return {
        "files": len(files),
        "bytes": sum(path.stat().st_size for path in files),
        "zipped_bytes": buffer.tell(),
    }


def _tree(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def measure() -> dict[str, Any]:
    """Sizes of the built SharedLayer and OrderProcessorFunction, and of the baseline's single file."""
    result: dict[str, Any] = {}
    for name in ("SharedLayer", "OrderProcessorFunction"):
        folder = BUILD / name
        result[name] = _measure(folder, _tree(folder)) if folder.is_dir() else None
    layer = BUILD / "SharedLayer" / "python"
    if layer.is_dir():
        # What the layer carries beside Powertools and our package: botocore comes with the X-Ray SDK.
        result["SharedLayer_top"] = sorted(
            (
                (
                    child.name,
                    sum(path.stat().st_size for path in _tree(child)) if child.is_dir() else child.stat().st_size,
                )
                for child in layer.iterdir()
            ),
            key=lambda pair: -pair[1],
        )[:6]
    baseline = ROOT / "bench" / "baseline.py"
    result["baseline"] = _measure(baseline.parent, [baseline])
    return result
