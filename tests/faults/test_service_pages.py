"""A hostile service site costs bounded resources: a 办事指南 column listing 5,000 guides, each linking
300 attachments that are gone, and a blank column drawn as a grid of 40,000 empty cells
(``guides.servicefarm.gov.cn``, tests/farm/sites_service.py), crawled as a user runs it
(``scrapy crawl portal``) and measured: at most GOVCHECK_SERVICE_GUIDE_LIMIT guides read, the request
budget held, peak RSS under 400 MB, the grid a blank column, every gone attachment confirmed broken an
online_system_down finding and none that the budget left unconfirmed."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from govcheck.db.models import Column, ColumnCheck, Crawl, Evaluation, Finding, LinkCheck, ServicePage
from tests.farm.process import FarmProcess
from tests.farm.sites_service import FLOOD_ATTACHMENTS, FLOOD_GUIDES, GUIDE_FLOOD
from tests.faults.measure import run_measured
from tests.faults.record import FaultReport
from tests.helpers import environment

PEAK_RSS_MB = 400
BUDGET = 150
GUIDE_LIMIT = 5


def test_a_flood_of_guides_and_attachments_is_bounded(
    farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    database_url = f"sqlite:///{tmp_path / 'govcheck.db'}"
    settings = (
        f"GOVCHECK_SITE_PAGE_BUDGET={BUDGET}",
        f"GOVCHECK_SERVICE_GUIDE_LIMIT={GUIDE_LIMIT}",
        "GOVCHECK_HOMEPAGE_RETRY_DELAY=0",
        "DOWNLOAD_TIMEOUT=5",
    )
    arguments = ["-a", f"site={GUIDE_FLOOD}", "-a", "as_of=2024-02-28"]
    arguments += [part for setting in settings for part in ("-s", setting)]
    measured = run_measured(
        [sys.executable, "-m", "scrapy", "crawl", "portal", *arguments],
        env=environment(farm, database_url),
        cwd=tmp_path,
        timeout=300,
    )
    assert measured.returncode == 0 and not measured.timed_out, measured.stderr[-3000:]
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            crawl = session.scalars(select(Crawl)).one()
            guides = session.scalar(select(func.count()).where(ServicePage.kind == "guide")) or 0
            statuses = dict(session.execute(select(Column.url, ColumnCheck.status).join(ColumnCheck)).all())
            checked_gone = set(
                session.scalars(
                    select(LinkCheck.url).where(
                        LinkCheck.outcome == "broken", LinkCheck.url.like("%/files/%")
                    )
                )
            )
            down = set(
                session.scalars(
                    select(Finding.url)
                    .join(Evaluation)
                    .where(Evaluation.crawl_id == crawl.id, Finding.code == "online_system_down")
                )
            )
    finally:
        engine.dispose()
    requests = crawl.health["limits"]["requests"]
    survived = (
        guides <= GUIDE_LIMIT
        and requests <= BUDGET + 10  # redirect hops of requests in flight may pass it by a few
        and measured.peak_rss_mb < PEAK_RSS_MB
        and statuses.get(f"http://{GUIDE_FLOOD}/kb/") == "blank"
        and down == checked_gone
    )
    fault_report.record(
        f"service column listing {FLOOD_GUIDES} guides × {FLOOD_ATTACHMENTS} gone attachments; a blank grid of 40,000 cells",
        survived=survived,
        seconds=round(measured.seconds, 1),
        peak_rss_mb=round(measured.peak_rss_mb, 1),
        requests=requests,
        findings=len(down),
        note=f"guides read {guides} (limit {GUIDE_LIMIT}); attachments checked broken {len(checked_gone)}",
    )
    assert guides <= GUIDE_LIMIT and guides > 0
    assert requests <= BUDGET + 10, crawl.health["limits"]
    assert measured.peak_rss_mb < PEAK_RSS_MB
    assert statuses[f"http://{GUIDE_FLOOD}/kb/"] == "blank"
    # Each gone attachment confirmed broken is one finding; one the budget left unconfirmed (a HEAD's 404
    # awaiting its GET: inconclusive) is none.
    assert down == checked_gone
