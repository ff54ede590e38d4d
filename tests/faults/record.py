"""The fault suite's record: one row per injected fault, and the summary table (faults injected,
survived, items lost) that the README quotes. Workers of pytest-xdist send their rows to the
controller (tests/conftest.py), which prints the one table."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


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


REPORT = FaultReport()


def rows_as_data(rows: list[FaultRow]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(row) for row in rows]


def rows_from_data(data: list[dict[str, Any]]) -> list[FaultRow]:
    return [FaultRow(**row) for row in data]


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def summary_lines(rows: list[FaultRow]) -> list[str]:
    """The table in Markdown (the README quotes it as printed), then the totals line."""
    lines: list[str] = []
    write = lines.append
    header = ("fault", "survived", "s", "peak MB", "requests", "rows exp/stored", "findings/control", "note")
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
    return lines
