"""Pruning the page cache against the farm (tests/farm/sites_pagecache.py): a site's rows for pages it
no longer links go when its crawl ends finished and whole, never after a crawl cut short, and never
another site's rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import create_engine, delete, insert, select

from govcheck.db.models import PageCacheEntry
from tests.farm.process import FarmProcess
from tests.farm.sites_pagecache import ETAG_SITE
from tests.farm.truth import AS_OF
from tests.helpers import environment, farm_json, scrapy_crawl

GONE = f"http://{ETAG_SITE}/old/gone.html"  # a page the site linked once
ELSEWHERE = "http://elsewhere.pagecache.gov.cn/old/gone.html"  # another site's


def _crawl(env: dict[str, str], cwd: Path, round_name: str, *settings: str) -> str:
    result = scrapy_crawl(ETAG_SITE, env, cwd, f"as_of={AS_OF}", f"round={round_name}", settings=settings)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


def _cached(database_url: str) -> dict[str, str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(select(PageCacheEntry.url, PageCacheEntry.host)).all())
    finally:
        engine.dispose()


def _seed(database_url: str) -> None:
    row = {"status": 200, "headers": {}, "body": b"", "size": 0, "round": "r0", "etag": '"old"'}
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(delete(PageCacheEntry).where(PageCacheEntry.url.in_([GONE, ELSEWHERE])))
            connection.execute(
                insert(PageCacheEntry),
                [
                    {**row, "url": GONE, "host": ETAG_SITE, "fetched_at": dt.datetime.now(dt.UTC)},
                    {
                        **row,
                        "url": ELSEWHERE,
                        "host": "elsewhere.pagecache.gov.cn",
                        "fetched_at": dt.datetime.now(dt.UTC),
                    },
                ],
            )
    finally:
        engine.dispose()


def test_a_finished_whole_crawl_prunes_the_pages_its_site_no_longer_links(
    farm: FarmProcess, database_url: str, tmp_path: Path
) -> None:
    # The farm's sitemaps would let a round read detail pages from the store, unrequested; this test counts
    # a round's pages from the farm's log (a page so read is kept: tests/test_pagecache_middleware.py).
    env = environment(farm, database_url, GOVCHECK_SITEMAP="false")
    env.pop("REDIS_URL", None)
    _crawl(env, tmp_path, "r1")  # the tables, and the site's pages
    _seed(database_url)

    # Cut short (a closespider limit), or by the site's budget: what it did not reach may still be linked.
    log = _crawl(env, tmp_path, "r2", "CLOSESPIDER_PAGECOUNT=3")
    assert "closespider_pagecount" in log and GONE in _cached(database_url)
    log = _crawl(env, tmp_path, "r3", "GOVCHECK_SITE_PAGE_BUDGET=4")
    assert "'govcheck/budget/exhausted': 'pages'" in log and GONE in _cached(database_url)
    assert "govcheck/pagecache/pruned" not in log

    farm_json(farm, "/_farm/reset", "POST")
    log = _crawl(env, tmp_path, "r4")
    fetched = {url for method, url, _status in farm_json(farm, "/_farm/stats")["log"] if method == "GET"}
    cached = _cached(database_url)
    assert "'govcheck/pagecache/pruned': 1" in log
    assert GONE not in cached and cached[ELSEWHERE] == "elsewhere.pagecache.gov.cn"
    kept = {url for url, host in cached.items() if host == ETAG_SITE}
    assert kept and kept <= fetched  # every row left is a page this round asked for
