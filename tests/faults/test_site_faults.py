"""Faulty sites that govcheck already survives, each crawled once and held row by row against a clean
control serving the same pages (tests/farm/sites_faulty.py): slow drip, redirect loops, Content-Length
lies, a GBK site claiming UTF-8 and an unknown charset name.

"Rows" are the site's columns and entries (path and title); items lost = control rows missing after
the faulty crawl. A fault confined to one page may cost that page's rows and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.farm import sites_faulty as faulty
from tests.farm.process import FarmProcess
from tests.faults.crawl_figures import (
    Control,
    crawl_site,
    farm_requests,
    findings,
    link_outcomes,
    stored_rows,
)
from tests.faults.record import FaultReport
from tests.helpers import environment

SITE_SECONDS = 90  # generous bound for one small site on a loaded machine (the control takes ~2 s)
RSS_MB = 400


@pytest.fixture(scope="module")
def control(farm: FarmProcess, tmp_path_factory: pytest.TempPathFactory) -> Control:
    workdir = tmp_path_factory.mktemp("control")
    database_url = f"sqlite:///{workdir / 'govcheck.db'}"
    env = environment(farm, database_url)
    measured = crawl_site(faulty.CONTROL, env, workdir)
    assert measured.returncode == 0, measured.stderr[-3000:]
    rows = frozenset(stored_rows(database_url, faulty.CONTROL))
    assert any(entry for _column, entry, _title in rows), "the control stored no entry"
    return Control(
        rows, findings(env, workdir, faulty.CONTROL), measured, farm_requests(farm, faulty.CONTROL)
    )


def crawl_fault(
    host: str, farm: FarmProcess, tmp_path: Path
) -> tuple[object, set[tuple[str, str, str]], list[dict[str, object]], str]:
    database_url = f"sqlite:///{tmp_path / 'govcheck.db'}"
    env = environment(farm, database_url)
    measured = crawl_site(host, env, tmp_path)
    assert measured.returncode == 0 and not measured.timed_out, measured.stderr[-3000:]
    assert "Traceback" not in measured.stderr, measured.stderr[-3000:]
    return measured, stored_rows(database_url, host), findings(env, tmp_path, host), database_url


def record(
    fault_report: FaultReport,
    fault: str,
    control: Control,
    farm: FarmProcess,
    host: str,
    measured: object,
    rows: set[tuple[str, str, str]],
    site_findings: list[dict[str, object]],
    note: str,
    survived: bool,
) -> None:
    fault_report.record(
        fault,
        survived=survived,
        seconds=measured.seconds,  # type: ignore[attr-defined]
        peak_rss_mb=measured.peak_rss_mb,  # type: ignore[attr-defined]
        requests=farm_requests(farm, host),
        rows_expected=len(control.rows),
        rows_stored=len(control.rows & rows),
        findings=len(site_findings),
        control_findings=len(control.findings),
        note=note,
    )


def bounded(measured: object) -> bool:
    return measured.seconds < SITE_SECONDS and measured.peak_rss_mb < RSS_MB  # type: ignore[attr-defined]


def test_clean_control(control: Control, fault_report: FaultReport) -> None:
    control.record(fault_report, faulty.CONTROL, "reference for the site faults")
    assert control.findings == []  # the faults below start from a site without any finding


def test_slow_drip_is_read_whole(
    control: Control, farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    measured, rows, site_findings, _ = crawl_fault(faulty.DRIP, farm, tmp_path)
    survived = rows >= control.rows and site_findings == control.findings and bounded(measured)
    record(
        fault_report, "slow drip (news list over 4 s)", control, farm, faulty.DRIP, measured, rows,
        site_findings, f"{faulty.DRIP_SECONDS:.0f} s trickle < DOWNLOAD_TIMEOUT: read whole", survived,
    )  # fmt: skip
    assert rows >= control.rows
    assert site_findings == control.findings
    assert bounded(measured) and measured.seconds >= faulty.DRIP_SECONDS  # type: ignore[attr-defined]


def test_redirect_loops_end_and_cost_nothing_else(
    control: Control, farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    measured, rows, site_findings, database_url = crawl_fault(faulty.LOOP, farm, tmp_path)
    outcomes = {path: link_outcomes(database_url, faulty.LOOP).get(path) for path in faulty.LOOP_LINKS}
    requests = farm_requests(farm, faulty.LOOP)
    survived = rows >= control.rows and bounded(measured) and requests <= control.requests + 30
    record(
        fault_report, "redirect loops (a→b→a, self)", control, farm, faulty.LOOP, measured, rows,
        site_findings, "links: " + ", ".join(f"{o[0]}/{o[1]}" if o else "unchecked" for o in outcomes.values()),
        survived,
    )  # fmt: skip
    assert rows >= control.rows
    # Each loop is followed at most REDIRECT_MAX_TIMES (10), never endlessly.
    assert requests <= control.requests + 30, requests
    assert all(outcomes.values()), outcomes  # both links were checked and recorded
    assert {f["code"] for f in site_findings} <= {"link_broken"}


def test_content_length_longer_than_the_body_loses_nothing(
    control: Control, farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    """The body ends before its declared length: kept (flagged dataloss), read as it is."""
    measured, rows, site_findings, _ = crawl_fault(faulty.CL_LONG, farm, tmp_path)
    survived = rows == set(control.rows) and site_findings == control.findings and bounded(measured)
    record(
        fault_report, "Content-Length longer than body (+4 KiB, then close)", control, farm,
        faulty.CL_LONG, measured, rows, site_findings, "the short body is read as sent", survived,
    )  # fmt: skip
    assert rows == set(control.rows)
    assert site_findings == control.findings


def test_content_length_shorter_than_the_body_reads_what_http_delivers(
    control: Control, farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    """HTTP ends the body at its Content-Length (a browser shows the same cut list): the rows
    expected are the control's that lie within the declared bytes."""
    measured, rows, site_findings, _ = crawl_fault(faulty.CL_SHORT, farm, tmp_path)
    news = faulty.faulty_sites()[faulty.CL_SHORT].pages[faulty.NEWS_LIST]
    delivered = news.body[: int(len(news.body) * faulty.CL_SHORT_KEEP)].decode("utf-8", "ignore")
    list_path = faulty.NEWS_LIST.rsplit("/", 1)[0] + "/"
    expected = {
        row for row in control.rows
        if not (row[0].startswith(list_path) and row[1]) or (row[1].rsplit("/", 1)[-1] in delivered and f"{row[2]}</a>" in delivered)
    }  # fmt: skip
    veto = [f for f in site_findings if f.get("veto")]
    survived = expected <= rows and not veto and bounded(measured)
    fault_report.record(
        "Content-Length shorter than body (75 %)",
        survived=survived,
        seconds=measured.seconds,
        peak_rss_mb=measured.peak_rss_mb,
        requests=farm_requests(farm, faulty.CL_SHORT),
        rows_expected=len(expected),
        rows_stored=len(expected & rows),
        findings=len(site_findings),
        control_findings=len(control.findings),
        note=f"expected: the {len(expected)} of {len(control.rows)} control rows within the declared length",
    )
    assert len(expected) < len(control.rows)  # the lie does cut the list
    assert expected <= rows, expected - rows
    assert not veto, veto
    assert bounded(measured)


@pytest.mark.parametrize(
    ("host", "fault"),
    [
        (faulty.GBK_AS_UTF8, "GBK pages claiming UTF-8 (header and meta)"),
        (faulty.BOGUS_CHARSET, "unknown charset name (x-govcheck-bogus)"),
    ],
)
def test_bogus_charsets_read_the_same_titles(
    host: str, fault: str, control: Control, farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    measured, rows, site_findings, _ = crawl_fault(host, farm, tmp_path)
    survived = rows == set(control.rows) and site_findings == control.findings and bounded(measured)
    record(
        fault_report, fault, control, farm, host, measured, rows, site_findings,
        "titles identical to the control's", survived,
    )  # fmt: skip
    assert rows == set(control.rows)  # same columns, same entries, same (correctly decoded) titles
    assert site_findings == control.findings
