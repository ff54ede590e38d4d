"""XML sitemaps between rounds against the farm (tests/farm/sites_sitemap.py): round 1 reads the sitemaps
(robots.txt → index → a gzip and a plain file) and fetches every undated entry's page; round 2 does
not request the pages whose <lastmod> predates round 1's fetch, requests the one whose lastmod became
newer (and the future, unreadable and unlisted ones), and finds exactly what round 1 found, but for
the one page that went 404 since while its sitemap calls it old: skipped, and still reported broken
through its link check. A hostile sitemap is silence."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import Connection, Row, create_engine, select

from govcheck.db.models import Column, Crawl, Entry, Site
from tests.farm import sites_sitemap_shared as shared
from tests.farm.process import FarmProcess
from tests.farm.sites_sitemap import (
    BROKEN,
    CHANGED,
    GONE,
    HOST,
    HOSTILE_HOST,
    LASTMODS,
    NOTICE_DAYS,
    NOTICES,
    SKIPPED_IN_ROUND_2,
    STALE_COLUMN,
    notice_url,
)
from tests.farm.truth import AS_OF
from tests.helpers import environment, farm_json, govcheck, report, scrapy_crawl


def _switch(farm: FarmProcess, round_number: int) -> None:
    """The farm site's answers of round ``round_number`` (asked through the proxy, as a crawl would)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": farm.url}))
    with opener.open(f"http://{HOST}/_farm_round?n={round_number}", timeout=10) as answer:
        assert answer.status == 200
    farm_json(farm, "/_farm/reset", "POST")


def _crawl(env: dict[str, str], cwd: Path, round_name: str, site: str = f"http://{HOST}/") -> None:
    result = scrapy_crawl(site, env, cwd, f"as_of={AS_OF}", f"round={round_name}")
    assert result.returncode == 0, result.stderr[-3000:]


def _gets(farm: FarmProcess) -> list[str]:
    return [url for method, url, _status in farm_json(farm, "/_farm/stats")["log"] if method == "GET"]


def _stored(
    database_url: str, round_name: str, host: str = HOST
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The round's crawl stats and the site's entries as they stand after it."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            stats = connection.scalar(
                select(Crawl.stats)
                .join(Site, Site.id == Crawl.site_id)
                .where(Crawl.round == round_name, Site.host == host)
            )
            entries = _site_entries(connection, host, Entry.url, Entry.published, Entry.date_source)
    finally:
        engine.dispose()
    return stats or {}, sorted(tuple(entry) for entry in entries)


def _findings(
    env: dict[str, str], cwd: Path, round_name: str, host: str = HOST
) -> list[tuple[str, str | None]]:
    data = report(env, cwd, "--round", round_name)
    (site,) = [site for site in data["sites"] if site["host"] == host]
    return sorted((finding["code"], finding.get("url")) for finding in site.get("findings", []))


def test_round_two_skips_the_pages_its_sitemap_calls_unchanged(
    farm: FarmProcess, database_url: str, tmp_path: Path
) -> None:
    env = environment(farm, database_url)
    env.pop("REDIS_URL", None)
    notices = [notice_url(HOST, index) for index in range(NOTICES)]

    _switch(farm, 1)
    _crawl(env, tmp_path, "r1")
    round_1 = _gets(farm)
    stats_1, entries_1 = _stored(database_url, "r1")
    assert set(notices) <= set(round_1)
    # robots.txt, the index and its two files on the site's host (the other host's file is never read)
    assert {f"http://{HOST}/sitemap_index.xml", f"http://{HOST}/sitemaps/notices.xml.gz"} <= set(round_1)
    assert not [url for url in round_1 if "elsewhere.example.com" in url]
    assert stats_1["govcheck/sitemap/files"] == 3
    assert stats_1["govcheck/sitemap/urls"] == 5  # the off-site URL is not kept
    assert "govcheck/sitemap/skipped_unchanged" not in stats_1
    findings_1 = _findings(env, tmp_path, "r1")
    assert ("link_broken", BROKEN) in findings_1
    assert any(code == "column_stale" and url == STALE_COLUMN for code, url in findings_1), findings_1

    _switch(farm, 2)
    _crawl(env, tmp_path, "r2")
    round_2 = _gets(farm)
    stats_2, entries_2 = _stored(database_url, "r2")
    # Not requested as pages: exactly those listed with a readable past lastmod older than round 1's
    # fetch. GONE is asked once all the same: by its link check from the homepage (the GET that
    # confirms its HEAD's 404), never answered from the store.
    assert [url for url in notices if url not in round_2] == [notice_url(HOST, 0)]
    assert round_2.count(notice_url(HOST, GONE)) == 1 and round_1.count(notice_url(HOST, GONE)) == 1
    assert {0, GONE} == set(SKIPPED_IN_ROUND_2) and notice_url(HOST, CHANGED) in round_2
    assert stats_2["govcheck/sitemap/skipped_unchanged"] == len(SKIPPED_IN_ROUND_2)
    # The skipped pages cost nothing; GONE's 404 costs its link check's confirming GET.
    requests_1, requests_2 = stats_1["govcheck/budget/requests"], stats_2["govcheck/budget/requests"]
    assert requests_2 == requests_1 - len(SKIPPED_IN_ROUND_2) + 1
    assert entries_2 == entries_1
    dated = {url: source for url, _published, source in entries_2}
    assert all(dated[url] == "detail" for url in notices)
    # The same findings, but for the one the site's change made: GONE, skipped as unchanged, went 404,
    # and its link check from the homepage (never answered from the store) reports it.
    assert _findings(env, tmp_path, "r2") == sorted([*findings_1, ("link_broken", notice_url(HOST, GONE))])
    print(
        f"\nround 2 requests to the site: {len(round_2)} GETs with sitemaps (round 1: {len(round_1)}); "
        f"pages read from the store: {stats_2['govcheck/sitemap/skipped_unchanged']}"
    )
    # The entries dated from a page read from the store say so; those read live (round 1, and round 2's
    # fetched pages) say nothing.
    read = {url: note for url, note in _date_evidence(database_url).items() if note}
    assert set(read) == {notice_url(HOST, index) for index in SKIPPED_IN_ROUND_2}
    assert STORED_NOTE.fullmatch(read[notice_url(HOST, 0)]), read
    assert read[notice_url(HOST, 0)].endswith(f"（站点地图lastmod {LASTMODS[0]}），本轮未重新抓取")
    # A finding built on such an entry carries it: 通知公告 judged half a year on, its newest notice
    # (notice 0) read from the store.
    _evidence_of_a_stale_notices_column(env, tmp_path, read[notice_url(HOST, 0)])


LATER = "2024-09-01"  # past 通知公告's six months since its newest notice (2024-02-22)
STORED_NOTE = re.compile(
    r"日期取自\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00保存的页面"
    r"（站点地图lastmod [0-9T:+Z-]+），本轮未重新抓取"
)


def _site_entries(connection: Connection, host: str, *fields: Any) -> list[Row[Any]]:
    """The stored entries of ``host``'s columns, ``fields`` of each."""
    return list(
        connection.execute(
            select(*fields)
            .join(Column, Column.id == Entry.column_id)
            .join(Site, Site.id == Column.site_id)
            .where(Site.host == host)
        ).all()
    )


def _date_evidence(database_url: str) -> dict[str, str | None]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = _site_entries(connection, HOST, Entry.url, Entry.date_evidence)
    finally:
        engine.dispose()
    return {url: evidence for url, evidence in rows}


def _evidence_of_a_stale_notices_column(env: dict[str, str], cwd: Path, note: str) -> None:
    """Round 2 evaluated at LATER: the column_stale finding of 通知公告 says its newest date was read
    from a stored page, in json (its evidence), xlsx and html (the 证据 table's 日期原文 and 证据);
    markdown shows no evidence (the 附件 table alone)."""
    env = {**env, "GOVCHECK_MAX_CRAWL_AGE_DAYS": "365"}
    selected = ("--as-of", LATER, "--round", "r2", "--site", HOST)
    evaluated = govcheck("evaluate", *selected, env=env, cwd=cwd)
    assert evaluated.returncode == 0, evaluated.stderr
    shown = govcheck("report", "--format", "json", *selected, env=env, cwd=cwd)
    assert shown.returncode == 0, shown.stderr
    (site,) = json.loads(shown.stdout)["sites"]
    (stale,) = [
        f
        for f in site["findings"]
        if f["code"] == "column_stale" and f["column_url"] == f"http://{HOST}/tzgg/"
    ]
    assert stale["evidence"]["newest_url"] == notice_url(HOST, 0)
    assert stale["evidence"]["newest_date_evidence"] == note
    # Findings on entries read live carry no such key.
    assert not [
        f for f in site["findings"] if f is not stale and "newest_date_evidence" in (f["evidence"] or {})
    ]
    for fmt, name in (("xlsx", "r.xlsx"), ("html", "r.html"), ("markdown", "r.md")):
        written = govcheck(
            "report", "--format", fmt, *selected, "--output", str(cwd / name), env=env, cwd=cwd
        )
        assert written.returncode == 0, written.stderr
    sheet = load_workbook(cwd / "r.xlsx")["证据"]
    headers = [cell.value for cell in sheet[3]]
    rows = [
        dict(zip(headers, (cell.value for cell in row), strict=False)) for row in sheet.iter_rows(min_row=4)
    ]
    (row,) = [r for r in rows if r.get("代码") == "column_stale" and r.get("地址") == f"http://{HOST}/tzgg/"]
    assert row["日期原文"] == f"{NOTICE_DAYS[0]}；{note}" and note in row["证据"]
    assert f"{NOTICE_DAYS[0]}；{note}" in (cwd / "r.html").read_text(encoding="utf-8")
    assert "保存的页面" not in (cwd / "r.md").read_text(encoding="utf-8")


def test_a_hostile_sitemap_is_silence(farm: FarmProcess, tmp_path: Path) -> None:
    """Parsing only, no storage difference: on SQLite alone."""
    database_url = f"sqlite:///{tmp_path / 'govcheck.db'}"
    env = environment(farm, database_url)
    env.pop("REDIS_URL", None)
    site = f"http://{HOSTILE_HOST}/"
    _crawl(env, tmp_path, "with", site)
    _crawl({**env, "GOVCHECK_SITEMAP": "false"}, tmp_path, "without", site)
    stats, _entries = _stored(database_url, "with", HOSTILE_HOST)
    assert stats.get("govcheck/sitemap/urls", 0) <= 1  # at most the one well-formed <loc> recovered
    assert "govcheck/sitemap/skipped_unchanged" not in stats
    assert _findings(env, tmp_path, "with", HOSTILE_HOST) == _findings(env, tmp_path, "without", HOSTILE_HOST)


def test_a_robots_txt_another_sites_crawl_fetched_names_the_sitemaps_of_both(
    farm: FarmProcess, tmp_path: Path
) -> None:
    """Two sites on one host's robots.txt in one process, one after the other: the department's crawl
    (first) makes the robots middleware fetch the portal host's robots.txt; the portal's crawl never
    fetches it again, and both read the sitemap it names, not /sitemap.xml. Which robots.txt is read
    does not depend on storage: on SQLite alone."""
    database_url = f"sqlite:///{tmp_path / 'govcheck.db'}"
    env = environment(farm, database_url, GOVCHECK_LINK_CHECK="false")
    env.pop("REDIS_URL", None)
    registry = tmp_path / "sites.csv"
    registry.write_text(shared.registry_csv(), encoding="utf-8")
    imported = govcheck("sites", "import", str(registry), env=env, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    farm_json(farm, "/_farm/reset", "POST")
    as_of = AS_OF.isoformat()
    arguments = ("--as-of", as_of, "--round", "shared", "--jobs", "1", "--processes", "1")
    crawled = govcheck("crawl", "--all", *arguments, env=env, cwd=tmp_path)
    assert crawled.returncode == 0, crawled.stderr[-3000:]

    gets = _gets(farm)
    assert gets.count(f"http://{shared.PORTAL}/robots.txt") == 1  # one fetch per host per process
    assert gets.count(shared.SITEMAP) == 2  # once for each site
    assert not [url for url in gets if url.endswith("/sitemap.xml")]
    for site in shared.SHARED_SITES:
        stats, entries = _stored(database_url, "shared", site)
        assert (stats["govcheck/sitemap/files"], stats["govcheck/sitemap/urls"]) == (1, 2 * shared.NOTICES)
        notices = {shared.notice_url(site, index) for index in range(shared.NOTICES)}
        assert {url: source for url, _published, source in entries if url in notices} == dict.fromkeys(
            notices, "detail"
        )
