"""The README's commands: every `make <target>` it names is a target of the Makefile."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# A rule line: `name:` or `name: prerequisites`, not a `NAME := value` assignment.
RULE = re.compile(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", re.MULTILINE)
# Code in the README: fenced blocks and inline spans, where commands are written.
CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
MAKE_TARGET = re.compile(r"\bmake\s+(?:[A-Z_]+=\S*\s+)*([a-z][a-z0-9_-]*)")


def makefile_targets(text: str) -> set[str]:
    """The targets the Makefile defines."""
    return set(RULE.findall(text))


def readme_make_targets(text: str) -> set[str]:
    """The targets the README's code names after `make` (variables such as `STAGE=prod` skipped)."""
    return {target for code in CODE.findall(text) for target in MAKE_TARGET.findall(code)}


def test_readme_names_only_existing_make_targets() -> None:
    # GIVEN the Makefile's targets
    targets = makefile_targets((ROOT / "Makefile").read_text(encoding="utf-8"))

    # WHEN the README's `make <target>` commands are collected
    named = readme_make_targets((ROOT / "README.md").read_text(encoding="utf-8"))

    # THEN there are some, and each is a target of the Makefile
    assert {"demo", "test", "up", "down"} <= named
    assert sorted(named - targets) == []


def test_readme_targets_are_read_from_code_with_variables_skipped() -> None:
    # GIVEN README text with make commands in code, with variables before the target, and in prose
    text = "Run `make deploy STAGE=prod` or\n```bash\nmake ORDERS=5 publish\n```\nthen make sure it works."

    # WHEN the targets are collected THEN the code's count and the prose does not
    assert readme_make_targets(text) == {"deploy", "publish"}


def test_readme_makefile_targets_skip_assignments_and_recipes() -> None:
    # GIVEN a Makefile with a rule, a phony declaration and an assignment
    text = ".PHONY: up\nup: $(VENV) ## start\nLOCAL_ENV := x\n\tcommand: not a rule\n"

    # WHEN its targets are read THEN the rule and .PHONY count, the assignment and recipe line do not
    assert makefile_targets(text) == {".PHONY", "up"}


CONFLICT = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)  # a merge left unresolved (the ======= line may be markdown)


def test_no_document_or_module_holds_an_unresolved_merge() -> None:
    # GIVEN every text file of the project a reader or the interpreter reads
    files = [
        path
        for pattern in ("*.md", "**/*.md", "**/*.py", "*.yaml", "*.toml", "Makefile")
        for path in ROOT.glob(pattern)
        if not {".venv", ".tools", ".aws-sam", ".local", "node_modules"} & set(path.relative_to(ROOT).parts)
    ]
    # WHEN they are searched for the markers git leaves in a conflicted merge
    conflicted = sorted({str(path.relative_to(ROOT)) for path in files if CONFLICT.search(path.read_text("utf-8"))})
    # THEN there are none
    assert files
    assert conflicted == []
