"""The processors laid out as Lambda runs them: built artifacts, read-only, no writable bytecode cache.

On Lambda the function's package is unpacked in ``/var/task`` and each layer's ``python/`` folder in
``/opt/python``, both read-only; the runtime's SDK (boto3, botocore and what they import) comes with
the runtime, already compiled. A module shipped without a usable ``__pycache__/*.cpython-313.pyc``
is therefore compiled from source on every cold start. This module copies those trees into a
scratch folder, compiles only the runtime's SDK (the one part neither processor ships), and takes
the write permission away from everything, so that a run can use nothing but the bytecode the
artifacts carry. Standard library only: the unit tests import it without the benchmark's path.
"""

from __future__ import annotations

import compileall
import importlib.util
import py_compile
import shutil
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# What the Lambda runtime provides beside the standard library, as the processors use it.
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
_WRITE = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


@dataclass(frozen=True)
class Deployment:
    """One processor as deployed: its ``sys.path`` entries, in Lambda's order."""

    task: Path  # /var/task: the function's package
    layer: Path | None  # /opt/python: the layer's python/ folder, if the function has one
    runtime: Path  # the runtime's SDK (boto3 and its dependencies), compiled

    def python_path(self) -> list[Path]:
        """``/var/task`` first, then the layer, then the runtime's packages."""
        return [path for path in (self.task, self.layer, self.runtime) if path is not None]


def lay_out(root: Path, trees: Mapping[str, Path]) -> dict[str, Path]:
    """Copy each tree under ``root`` at its name: a directory's content, or a single file into a folder.

    ``{"task": build / "OrderProcessorFunction"}`` gives ``root/task/order_processor/...``;
    ``{"task": Path("baseline.py")}`` gives ``root/task/baseline.py``, the one-file function as
    `sam build` would package it. Symbolic links are copied as what they point to. Returns the
    folder of each name.
    """
    placed: dict[str, Path] = {}
    for name, source in trees.items():
        target = root / name
        if source.is_dir():
            shutil.copytree(source, target, symlinks=False)
        elif source.is_file():
            target.mkdir(parents=True)
            shutil.copy2(source, target / source.name)
        else:
            raise FileNotFoundError(f"{source} does not exist: build it first (make build)")
        placed[name] = target
    return placed


def copy_runtime_sdk(site_packages: Iterable[Path], target: Path, packages: Iterable[str] = RUNTIME_SDK) -> Path:
    """Copy the runtime's SDK from an interpreter's site-packages and compile it, as the runtime ships it.

    Each name is a package folder or a one-file module (``six`` is ``six.py``), taken from the first
    of ``site_packages`` that has it. Compiled with unchecked-hash pycs, which stay valid whatever
    the copy did to modification times.
    """
    target.mkdir(parents=True)
    folders = list(site_packages)
    for name in packages:
        found = next(
            (
                folder / candidate
                for folder in folders
                for candidate in (name, f"{name}.py")
                if (folder / candidate).exists()
            ),
            None,
        )
        if found is None:
            raise FileNotFoundError(f"{name} is not installed in {', '.join(map(str, folders))}")
        if found.is_dir():
            shutil.copytree(found, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(found, target / found.name)
    compileall.compile_dir(target, quiet=1, workers=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return target


def freeze(root: Path) -> None:
    """Take the write permission away from every file and folder under ``root`` (``chmod -R a-w``)."""
    for path in [*sorted(root.rglob("*"), reverse=True), root]:
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) & ~_WRITE)


def thaw(root: Path) -> None:
    """Give the owner the write permission back (so that the scratch folder can be removed)."""
    for path in [root, *sorted(root.rglob("*"))]:
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IWUSR)


def listing(root: Path) -> set[str]:
    """Every path under ``root``, relative: compared before and after the runs, it shows nothing was written.

    The permissions alone do not prove it: they do not stop root, which these machines run as.
    """
    return {str(path.relative_to(root)) for path in root.rglob("*")}


def writable(root: Path) -> list[Path]:
    """Every file or folder under ``root`` (itself included) that someone may still write."""
    return [
        path
        for path in [root, *root.rglob("*")]
        if not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) & _WRITE
    ]


def site_packages_of(module: str) -> Path:
    """The folder a module is installed in (for ``boto3``: this interpreter's site-packages)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(module)
    origin = Path(spec.origin)
    return origin.parent.parent if origin.name == "__init__.py" else origin.parent


def bytecode_environment(environment: Mapping[str, str]) -> dict[str, str]:
    """``environment`` without a bytecode cache to read or write: only the artifacts' own pycs count."""
    cleaned = {key: value for key, value in environment.items() if key != "PYTHONPYCACHEPREFIX"}
    cleaned["PYTHONDONTWRITEBYTECODE"] = "1"
    return cleaned
