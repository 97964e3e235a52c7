"""Recorders standing in for the Powertools Metrics and Logger a telemetry module is handed."""

from __future__ import annotations

from typing import Any


class FakeMetrics:
    """Records ``add_metric`` calls as (name, value)."""

    def __init__(self) -> None:
        self.added: list[tuple[str, float]] = []

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.added.append((name, value))


class FakeLogger:
    """Records log lines as (level, message, extra)."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, Any]]] = []

    def debug(self, message: str, extra: dict[str, Any]) -> None:
        self.lines.append(("debug", message, extra))

    def info(self, message: str, extra: dict[str, Any]) -> None:
        self.lines.append(("info", message, extra))

    def warning(self, message: str, extra: dict[str, Any]) -> None:
        self.lines.append(("warning", message, extra))

    def error(self, message: str, exc_info: BaseException, extra: dict[str, Any]) -> None:
        self.lines.append(("error", message, {**extra, "exc_info": exc_info}))

    def said(self, message: str) -> list[tuple[str, dict[str, Any]]]:
        """(level, extra) of each line logged with ``message``."""
        return [(level, extra) for level, text, extra in self.lines if text == message]
