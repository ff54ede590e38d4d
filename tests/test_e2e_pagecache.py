"""Conditional page requests between rounds against the farm (tests/farm/sites_pagecache.py): round 2
asks for every page with round 1's validators, the unchanged ones answer 304, and what round 2 stores
and finds is exactly what a round 2 fetching every page whole stores and finds; the same requests go
out (the site is always asked), fewer bytes come back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from govcheck.db.models import Column, ColumnCheck, Crawl, Entry, PageCacheEntry, Site
from tests.farm.process import FarmProcess
from tests.farm.sites_pagecache import PAGECACHE_SITES, PAGECACHE_TRUTH
from tests.farm.truth import AS_OF
from tests.helpers import environment, farm_json, report, scrapy_crawl


def _round(env: dict[str, str], cwd: Path, round_name: str) -> None:
    for host in PAGECACHE_SITES:
        result = scrapy_crawl(host, env, cwd, f"as_of={AS_OF}", f"round={round_name}")
        assert result.returncode == 0, result.stderr[-3000:]


def _farm_log(farm: FarmProcess) -> list[tuple[str, str, int | None]]:
    return [tuple(entry) for entry in farm_json(farm, "/_farm/stats")["log"]]  # type: ignore[misc]


def _stored(database_url: str, round_name: str) -> dict[str, Any]:
    """What the round's crawls stored: column checks, the sites' entries, and the crawls' stats."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            crawls = connection.execute(
                select(Crawl.id, Site.host, Crawl.homepage_status, Crawl.stats)
                .join(Site, Site.id == Crawl.site_id)
                .where(Crawl.round == round_name)
            ).all()
            ids = [crawl.id for crawl in crawls]
            checks = connection.execute(
                select(Column.url, ColumnCheck.status, ColumnCheck.reason, ColumnCheck.entry_count)
                .join(Column, Column.id == ColumnCheck.column_id)
                .where(ColumnCheck.crawl_id.in_(ids))
            ).all()
            # Entries span rounds (first and last seen): read as they stand right after the round.
            entries = connection.execute(
                select(Entry.url, Entry.title, Entry.published, Entry.date_text, Entry.date_source)
                .join(Column, Column.id == Entry.column_id)
                .join(Site, Site.id == Column.site_id)
                .where(Site.host.in_(PAGECACHE_SITES))
            ).all()
    finally:
        engine.dispose()
    return {
        "homepages": sorted((crawl.host, crawl.homepage_status) for crawl in crawls),
        "checks": sorted(tuple(check) for check in checks),
        "entries": sorted(tuple(entry) for entry in entries),
        "stats": {crawl.host: crawl.stats or {} for crawl in crawls},
    }


def _findings(env: dict[str, str], cwd: Path, round_name: str) -> dict[str, list[tuple[str, str | None]]]:
    data = report(env, cwd, "--round", round_name)
    return {
        site["host"]: sorted((f["code"], f.get("url")) for f in site.get("findings", []))
        for site in data["sites"]
        if site["host"] in PAGECACHE_SITES
    }


def _total(stats: dict[str, dict[str, Any]], key: str) -> int:
    return sum(int(site.get(key, 0)) for site in stats.values())


def test_round_two_revalidates_every_page_and_finds_what_a_full_fetch_finds(
    farm: FarmProcess, database_url: str, tmp_path: Path
) -> None:
    # Conditional requests alone: no sitemap skipping (the sites' sitemaps list the detail pages).
    env = environment(farm, database_url, GOVCHECK_SITEMAP="false")
    env.pop("REDIS_URL", None)
    _round(env, tmp_path, "r1")
    engine = create_engine(database_url)
    with engine.connect() as connection:
        kept = connection.scalar(select(func.count()).select_from(PageCacheEntry))
    engine.dispose()
    assert kept

    farm_json(farm, "/_farm/reset", "POST")
    _round(env, tmp_path, "r2-cached")
    cached_log, cached = _farm_log(farm), _stored(database_url, "r2-cached")
    farm_json(farm, "/_farm/reset", "POST")
    _round({**env, "GOVCHECK_PAGE_CACHE": "false"}, tmp_path, "r2-full")
    full_log, full = _farm_log(farm), _stored(database_url, "r2-full")

    # The site is asked for every page either way; only the answers' size differs.
    gets = sorted(url for method, url, _ in cached_log if method == "GET")
    assert gets == sorted(url for method, url, _ in full_log if method == "GET")
    unchanged = [url for method, url, status in cached_log if method == "GET" and status == 304]
    assert not [entry for entry in full_log if entry[0] == "GET" and entry[2] == 304]
    for host in PAGECACHE_SITES:  # both kinds of validators: the homepage, a list page 2, detail pages
        truth = PAGECACHE_TRUTH[host]
        assert f"http://{host}/" in unchanged and f"http://{host}/gzdt/index_1.html" in unchanged
        assert set(truth.detail_dated) <= set(unchanged)
    assert _total(cached["stats"], "govcheck/pagecache/unchanged") == len(unchanged)
    assert _total(full["stats"], "govcheck/pagecache/unchanged") == 0

    assert cached["homepages"] == full["homepages"] == [(host, "ok") for host in sorted(PAGECACHE_SITES)]
    assert cached["checks"] == full["checks"] and cached["checks"]
    assert cached["entries"] == full["entries"]
    dated = {url: source for url, *_facts, source in cached["entries"]}
    assert all(dated[url] == "detail" for truth in PAGECACHE_TRUTH.values() for url in truth.detail_dated)
    findings = _findings(env, tmp_path, "r2-cached")
    assert findings == _findings(env, tmp_path, "r2-full")
    for host, truth in PAGECACHE_TRUTH.items():  # the findings are the farm's truth, not only equal
        codes = set(findings[host])
        assert {("link_broken", url) for url in truth.broken_links} <= codes, findings[host]
        assert any(code == "column_stale" for code, _url in codes), findings[host]
        assert any(code == "homepage_stale" for code, _url in codes) == truth.homepage_stale, findings[host]

    saved = _total(cached["stats"], "govcheck/pagecache/bytes_saved")
    bytes_cached = _total(cached["stats"], "downloader/response_bytes")
    bytes_full = _total(full["stats"], "downloader/response_bytes")
    assert saved > 0 and bytes_cached < bytes_full
    print(  # the figures in the report: round 2 with and without the page cache
        f"\nround 2 requests: {len(cached_log)} with the page cache ({len(unchanged)} answered 304), "
        f"{len(full_log)} without; response bytes {bytes_cached} with, {bytes_full} without "
        f"(page bodies not sent: {saved})"
    )
