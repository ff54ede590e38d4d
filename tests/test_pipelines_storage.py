"""The storage pipeline in a real crawl: one site lifecycle (the crawl row's status comes from the
close reason, written once), and writes off the reactor (a slow database batch does not stop the
other sites' downloads in a fleet job)."""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from govcheck.db.models import Crawl, Evaluation
from govcheck.fleet.round import Round, redis_from_url
from tests.farm.process import FarmProcess
from tests.helpers import environment, farm_json, fleet_env, queue, run, scrapy_crawl
from tests.storage_components import CUT_EXTENSIONS, SLOW_PIPELINES

SMALL_SITE = "jyj.zgsuixian.gov.cn"
FLEET_SITES = ("sjj.suizhou.gov.cn", "jtj.suizhou.gov.cn", "yjglj.suizhou.gov.cn", "sfj.suizhou.gov.cn")
SLOW = re.compile(r"Slow batch of (\S+) (begins|ends): farm log at (\d+)")
WAITS = re.compile(r"'govcheck/storage/writer_waits': (\d+)")  # in Scrapy's stats dump
CRAWLED = re.compile(r"Crawled \(\d+\) <GET https?://([^/:>]+)")  # Scrapy's line for each response


def crawl_rows(database_url: str) -> list[dict[str, Any]]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(Crawl.attempt, Crawl.status, Crawl.stats).order_by(Crawl.attempt))
        crawls = [dict(row._mapping) for row in rows]
        evaluations = connection.execute(select(Evaluation.crawl_id)).scalars().all()
    engine.dispose()
    return [{**crawl, "evaluations": len(evaluations)} for crawl in crawls]


def test_a_one_site_crawl_is_finished_or_interrupted_by_its_close_reason(
    farm: FarmProcess, database_url: str, tmp_path: Path
) -> None:
    """Cut short (a reason that is not complete), the attempt is interrupted and not evaluated; closed
    by a page count (complete), the next attempt is finished and evaluated. Either way the row keeps
    the whole crawl's stats as they were when the spider closed."""
    env = environment(farm, database_url)
    cut = scrapy_crawl(
        SMALL_SITE,
        env,
        tmp_path,
        "round=r1",
        settings=(f"EXTENSIONS={CUT_EXTENSIONS}", "CUT_AFTER_RESPONSES=3"),
    )
    assert cut.returncode == 0 and "Traceback" not in cut.stderr, cut.stderr[-3000:]
    assert cut.stderr.count(f"Crawl of {SMALL_SITE} ended with 'cut_by_test'") == 1
    assert "Evaluated" not in cut.stderr
    counted = scrapy_crawl(SMALL_SITE, env, tmp_path, "round=r1", settings=("CLOSESPIDER_PAGECOUNT=4",))
    assert counted.returncode == 0 and "Traceback" not in counted.stderr, counted.stderr[-3000:]
    assert f"Evaluated {SMALL_SITE}" in counted.stderr
    first, second = crawl_rows(database_url)
    assert (first["attempt"], first["status"]) == (1, "interrupted")
    assert (second["attempt"], second["status"]) == (2, "finished")
    assert second["evaluations"] == 1
    for crawl in (first, second):
        stats = crawl["stats"]
        assert stats["downloader/response_count"] >= 3  # Scrapy's counters: the whole crawl's stats
        assert stats["govcheck/storage/batches"] >= 1  # the last batch written before the snapshot
        assert "finish_reason" not in stats  # taken as the spider closed, before Scrapy's own close


def test_a_slow_database_batch_does_not_stop_the_other_sites_downloads(
    farm: FarmProcess, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    """A fleet job of four sites; the first batch written sleeps 5 s in the database. The farm keeps
    answering the other sites' requests meanwhile (the write is off the reactor) while their items
    wait for the writer (at most two writes queued), and every site is stored and finished all the
    same."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    round_ = Round(redis_from_url(redis_url), "2024-Q1", prefix=prefix)
    queue(round_, *FLEET_SITES)
    env = fleet_env(farm, database_url, redis_url, prefix)
    command = [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "round=2024-Q1"]
    settings = (
        f"ITEM_PIPELINES={SLOW_PIPELINES}",
        "GOVCHECK_STORE_BATCH_SIZE=10",
        "GOVCHECK_STORE_MAX_PENDING_BATCHES=2",
        "LOG_LEVEL=DEBUG",
    )
    result = run([*command, *(part for s in settings for part in ("-s", s))], env, tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    marks = SLOW.findall(result.stderr)
    assert [mark[1] for mark in marks] == ["begins", "ends"], result.stderr[-3000:]
    slow_host, begin, end = marks[0][0], int(marks[0][2]), int(marks[1][2])
    # The farm answered other sites meanwhile, and the crawl received those answers while the write
    # slept: a blocked reactor would log nothing between the two marks.
    answered = farm_json(farm, "/_farm/stats")["log"][begin:end]
    assert [url for _method, url, status in answered if slow_host not in url and status is not None]
    during = result.stderr.split(f"Slow batch of {slow_host} begins")[1].split(
        f"Slow batch of {slow_host} ends"
    )[0]
    received = [host for host in CRAWLED.findall(during) if host != slow_host]
    assert received, f"no other site's response reached the crawl during the slow write of {slow_host}"
    # Meanwhile the queue of writes grew past its bound: items waited for the writer (back-pressure).
    waits = WAITS.search(result.stderr)
    assert waits and int(waits[1]) > 0
    assert sorted(round_.progress().done) == sorted(FLEET_SITES)
    assert [crawl["status"] for crawl in crawl_rows(database_url)] == ["finished"] * len(FLEET_SITES)
