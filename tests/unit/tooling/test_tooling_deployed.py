"""The cold start as deployed: bench/deployed.py lays the artifacts out read-only, scripts/check_bytecode.py
says whether their shipped bytecode is what Python 3.13 uses as it is."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import stat
from pathlib import Path

import pytest
from check_bytecode import main as check_bytecode_main
from check_bytecode import problem, problems, pyc_path

from bench.deployed import (
    Deployment,
    bytecode_environment,
    copy_runtime_sdk,
    freeze,
    lay_out,
    listing,
    thaw,
    writable,
)

UNCHECKED = py_compile.PycInvalidationMode.UNCHECKED_HASH


def _package(root: Path) -> Path:
    """A small built package: ``pkg/__init__.py`` and ``pkg/mod.py``."""
    package = root / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("VALUE = 1\n")
    return root


def _compile(source: Path, mode: py_compile.PycInvalidationMode = UNCHECKED) -> None:
    py_compile.compile(str(source), cfile=str(pyc_path(source)), invalidation_mode=mode, doraise=True)


# --- check_bytecode ------------------------------------------------------------------------------------


def test_check_bytecode_accepts_unchecked_hash_pycs_of_each_source(tmp_path: Path) -> None:
    # GIVEN a package whose every module was compiled with unchecked-hash pycs
    root = _package(tmp_path)
    for source in root.rglob("*.py"):
        _compile(source)

    # WHEN it is checked THEN nothing would be compiled at import
    assert problems(root) == []


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda source: None, "no pyc"),
        (lambda source: _compile(source, py_compile.PycInvalidationMode.TIMESTAMP), "not an unchecked-hash pyc"),
        (lambda source: _compile(source, py_compile.PycInvalidationMode.CHECKED_HASH), "not an unchecked-hash pyc"),
        (
            lambda source: (_compile(source), source.write_text("VALUE = 2\n")),
            "pyc of another source",
        ),
    ],
    ids=["missing", "timestamp", "checked-hash", "stale"],
)
def test_check_bytecode_names_a_module_the_runtime_would_compile(tmp_path: Path, spoil, reason: str) -> None:  # type: ignore[no-untyped-def]
    # GIVEN a package where one module's pyc is missing, of the wrong kind, or of an older source
    root = _package(tmp_path)
    _compile(root / "pkg" / "__init__.py")
    spoil(root / "pkg" / "mod.py")

    # WHEN it is checked THEN that module is named, with the reason
    assert problems(root) == [f"pkg/mod.py: {reason}"]


def test_check_bytecode_refuses_another_pythons_pyc(tmp_path: Path) -> None:
    # GIVEN a valid unchecked-hash pyc, checked against another version's magic number
    source = _package(tmp_path) / "pkg" / "mod.py"
    _compile(source)

    # WHEN the runtime's magic differs THEN the pyc is not the runtime's
    assert problem(source, magic=b"\x00\x00\r\n") == "another Python's pyc"
    assert problem(source, magic=importlib.util.MAGIC_NUMBER) is None


def test_check_bytecode_fails_a_folder_without_modules(tmp_path: Path) -> None:
    # GIVEN a path with no .py at all (a wrong build path) WHEN checked THEN it fails rather than passes
    assert check_bytecode_main([str(tmp_path)]) == 1


# --- deployed --------------------------------------------------------------------------------------------


def test_lay_out_copies_a_folders_content_and_a_single_file_into_a_folder(tmp_path: Path) -> None:
    # GIVEN a built function folder and a one-file function
    built = _package(tmp_path / "build")
    single = tmp_path / "baseline.py"
    single.write_text("def handler(event, context): ...\n")

    # WHEN both are laid out
    placed = lay_out(tmp_path / "deployed", {"task": built, "other": single})

    # THEN each is a folder holding what Lambda would unpack, at its name
    assert placed == {"task": tmp_path / "deployed" / "task", "other": tmp_path / "deployed" / "other"}
    assert (placed["task"] / "pkg" / "mod.py").read_text() == "VALUE = 1\n"
    assert [path.name for path in placed["other"].iterdir()] == ["baseline.py"]


def test_lay_out_refuses_a_missing_artifact(tmp_path: Path) -> None:
    # GIVEN no build output WHEN laid out THEN it says to build first, rather than measuring nothing
    with pytest.raises(FileNotFoundError, match="make build"):
        lay_out(tmp_path / "deployed", {"task": tmp_path / "missing"})


def test_freeze_takes_every_write_permission_and_thaw_gives_the_owner_one_back(tmp_path: Path) -> None:
    # GIVEN a laid-out copy, with a folder and a file anybody may write
    root = lay_out(tmp_path / "deployed", {"task": _package(tmp_path / "build")})["task"].parent
    (root / "task" / "pkg").chmod(0o777)
    (root / "task" / "pkg" / "mod.py").chmod(0o666)
    assert {root / "task" / "pkg", root / "task" / "pkg" / "mod.py"} <= set(writable(root))

    # WHEN frozen THEN nobody may write a file or a folder in it (a __pycache__ could not be created)
    freeze(root)
    try:
        assert writable(root) == []
        assert not stat.S_IMODE((root / "task" / "pkg").stat().st_mode) & stat.S_IWUSR
    finally:
        # WHEN thawed THEN the scratch folder can be removed again
        thaw(root)
    assert all(path.stat().st_mode & stat.S_IWUSR for path in [root, *root.rglob("*")])


def test_listing_shows_a_file_written_after_it_was_taken(tmp_path: Path) -> None:
    # GIVEN the listing of a copy (permissions do not stop root, so the runs are checked this way)
    root = _package(tmp_path)
    before = listing(root)

    # WHEN a run writes a bytecode cache THEN the difference names it
    (root / "pkg" / "__pycache__").mkdir()
    assert listing(root) - before == {"pkg/__pycache__"}


def test_copy_runtime_sdk_compiles_what_it_copies_for_this_python(tmp_path: Path) -> None:
    # GIVEN a site-packages with a package (and a stale cache of its own) and a one-file module
    site = _package(tmp_path / "site")
    (site / "pkg" / "__pycache__").mkdir()
    (site / "pkg" / "__pycache__" / "junk.pyc").write_bytes(b"junk")
    (site / "six.py").write_text("X = 1\n")

    # WHEN the runtime's SDK is copied from it
    runtime = copy_runtime_sdk([tmp_path / "elsewhere", site], tmp_path / "runtime", packages=("pkg", "six"))

    # THEN every module has the pyc the runtime would use, and nothing of the old cache came along
    assert problems(runtime) == []
    assert not (runtime / "pkg" / "__pycache__" / "junk.pyc").exists()
    with pytest.raises(FileNotFoundError, match="missing"):
        copy_runtime_sdk([site], tmp_path / "again", packages=("missing",))


def test_deployment_orders_the_path_as_lambda_and_the_environment_has_no_bytecode_cache(tmp_path: Path) -> None:
    # GIVEN a function with a layer, and one without
    with_layer = Deployment(tmp_path / "task", tmp_path / "opt", tmp_path / "runtime")
    alone = Deployment(tmp_path / "task", None, tmp_path / "runtime")

    # THEN /var/task comes first, then /opt/python, then the runtime's packages
    assert with_layer.python_path() == [tmp_path / "task", tmp_path / "opt", tmp_path / "runtime"]
    assert alone.python_path() == [tmp_path / "task", tmp_path / "runtime"]
    # AND a warm cache given by the caller's environment is dropped, and none is written
    env = bytecode_environment({"PYTHONPYCACHEPREFIX": str(tmp_path), "PATH": os.environ.get("PATH", "")})
    assert "PYTHONPYCACHEPREFIX" not in env
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
