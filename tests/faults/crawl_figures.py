"""Figures of one measured crawl for the fault suite: the rows it stored, its findings, the farm's
request count for its host. Rows are compared by path and text, so a fault host serving the same
pages as the control host (tests/farm/sites_faulty.py) is compared row by row."""

from __future__ import annotations

import json
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import create_engine, select

from govcheck.db.models import Column, Crawl, Entry, LinkCheck, Site
from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF
from tests.faults.measure import Measured, run_measured
from tests.faults.record import FaultReport
from tests.helpers import report

Row = tuple[str, str, str]  # (column path, entry path or "", title or column name)
# Short limits: a fault case must fail fast where it fails at all (a loaded 2-core machine).
FAST = ("DOWNLOAD_TIMEOUT=10", "RETRY_TIMES=1", "AUTOTHROTTLE_ENABLED=false", "DOWNLOAD_DELAY=0")
FAST_ENV = {"GOVCHECK_HOMEPAGE_RETRY_DELAY": "0.2", "GOVCHECK_HOMEPAGE_ATTEMPTS": "2"}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def stored_rows(database_url: str, host: str) -> set[Row]:
    """The site's columns and entries as stored, host left out."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            site_id = connection.scalar(select(Site.id).where(Site.host == host))
            columns = connection.execute(
                select(Column.url, Column.name).where(Column.site_id == site_id)
            ).all()
            entries = connection.execute(
                select(Column.url, Entry.url, Entry.title)
                .join(Entry, Entry.column_id == Column.id)
                .where(Column.site_id == site_id)
            ).all()
    finally:
        engine.dispose()
    return {(_path(url), "", name or "") for url, name in columns} | {
        (_path(column), _path(url), title or "") for column, url, title in entries
    }


def link_outcomes(database_url: str, host: str) -> dict[str, tuple[str, str | None]]:
    """Path -> (outcome, error) of every link checked in the site's crawls."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(LinkCheck.url, LinkCheck.outcome, LinkCheck.error)
                .join(Crawl, Crawl.id == LinkCheck.crawl_id)
                .join(Site, Site.id == Crawl.site_id)
                .where(Site.host == host)
            ).all()
    finally:
        engine.dispose()
    return {_path(url): (outcome, error) for url, outcome, error in rows}


def farm_requests(farm: FarmProcess, host: str) -> int:
    """Requests the farm answered for ``host`` so far (each fault host is crawled by one test)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{farm.url}/_farm/stats", timeout=30) as response:
        return int(json.load(response)["requests"].get(host, 0))


def findings(env: dict[str, str], cwd: Path, host: str) -> list[dict[str, object]]:
    site = next(s for s in report(env, cwd, "--site", host)["sites"] if s["host"] == host)
    return list(site["findings"])


def crawl_site(
    host: str, env: dict[str, str], cwd: Path, *settings: str, timeout: float = 180, **measure: Any
) -> Measured:
    """``scrapy crawl portal -a site=HOST`` with the suite's short limits, measured (``measure``:
    run_measured's file_size_limit / started_process)."""
    setting_args = [part for setting in (*FAST, *settings) for part in ("-s", setting)]
    args = [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"site={host}", "-a", f"as_of={AS_OF}"]
    return run_measured([*args, *setting_args], env={**env, **FAST_ENV}, cwd=cwd, timeout=timeout, **measure)


@dataclass(frozen=True)
class Control:
    """The clean control's figures, which every fault on the same pages is held against."""

    rows: frozenset[Row]
    findings: list[dict[str, object]]
    measured: Measured
    requests: int

    def codes(self) -> list[str]:
        return sorted(str(f["code"]) for f in self.findings)

    def record(self, fault_report: FaultReport, name: str, note: str) -> None:
        """List the control in the summary table (not counted as a fault)."""
        fault_report.record(
            f"clean control ({name})",
            survived=True,
            seconds=self.measured.seconds,
            peak_rss_mb=self.measured.peak_rss_mb,
            requests=self.requests,
            rows_expected=len(self.rows),
            rows_stored=len(self.rows),
            findings=len(self.findings),
            control_findings=len(self.findings),
            note=note,
            control=True,
        )
