"""The fault suite's record: every case adds one row, and the session ends with the summary table
(faults injected, survived, items lost) that the README quotes. Run it alone with ``pytest -m faults``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest


@dataclass
class FaultRow:
    fault: str
    survived: bool
    seconds: float | None = None
    peak_rss_mb: float | None = None
    requests: int | None = None
    rows_expected: int | None = None
    rows_stored: int | None = None
    findings: int | None = None
    control_findings: int | None = None
    note: str = ""
    control: bool = False  # a clean reference run: listed, but not counted as an injected fault

    @property
    def items_lost(self) -> int:
        if self.rows_expected is None or self.rows_stored is None:
            return 0
        return max(self.rows_expected - self.rows_stored, 0)


@dataclass
class FaultReport:
    rows: list[FaultRow] = field(default_factory=list)

    def record(self, fault: str, *, survived: bool, **figures: object) -> FaultRow:
        row = FaultRow(fault, survived, **figures)  # type: ignore[arg-type]
        self.rows.append(row)
        return row


_REPORT = FaultReport()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in item.nodeid:
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def fault_report() -> Iterator[FaultReport]:
    """Record one row per injected fault: ``fault_report.record("gzip bomb", survived=…, seconds=…)``."""
    yield _REPORT


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    rows = _REPORT.rows
    if not rows:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault injection")
    header = ("fault", "survived", "s", "peak MB", "requests", "rows exp/stored", "findings/control", "note")
    # Markdown, so that the README can quote the table as printed.
    write("| " + " | ".join(header) + " |")
    write("|" + "---|" * len(header))
    for row in rows:
        write(
            "| "
            + " | ".join(
                (
                    row.fault,
                    "control" if row.control else "yes" if row.survived else "NO",
                    _cell(row.seconds),
                    _cell(row.peak_rss_mb),
                    _cell(row.requests),
                    f"{_cell(row.rows_expected)}/{_cell(row.rows_stored)}",
                    f"{_cell(row.findings)}/{_cell(row.control_findings)}",
                    row.note,
                )
            )
            + " |"
        )
    faults = [row for row in rows if not row.control]
    survived = sum(row.survived for row in faults)
    lost = sum(row.items_lost for row in faults)
    write(f"faults injected: {len(faults)}, survived: {survived}, items lost: {lost}")
