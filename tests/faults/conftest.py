"""The fault suite (run it alone with ``pytest -m faults``): every case records one row with the
``fault_report`` fixture; the table is printed at the end of the session (tests/faults/record.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.record import REPORT, FaultReport


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in item.nodeid:
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def fault_report() -> Iterator[FaultReport]:
    """Record one row per injected fault: ``fault_report.record("gzip bomb", survived=…, seconds=…)``."""
    yield REPORT
