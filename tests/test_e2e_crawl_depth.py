"""Crawl depth on the whole farm: column discovery recall and precision, statuses, dates, encodings, links.

Every farm site (the 随州 replicas of truth.py and the depth replicas of sites_depth.py) is crawled once,
eight at a time, into one SQLite file with ``govcheck crawl`` (conftest's ``farm_crawl``); the tests read
what was stored.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

import pytest

from tests.farm.sites_depth import DEPTH_TRUTH
from tests.farm.truth import BLOCKED_HOSTS, DEAD_HOSTS, SITES
from tests.helpers import FarmCrawl

STATUS_OF_KIND = {
    "list": "ok",
    "blank": "blank",
    "page": "page",
    "unparseable": "unparseable",
    "linkout": "linkout",
}
MIN_RECALL = MIN_PRECISION = 0.95


@pytest.fixture(scope="module")
def crawled(farm_crawl: FarmCrawl) -> sqlite3.Connection:
    connection = sqlite3.connect(farm_crawl.database)
    connection.row_factory = sqlite3.Row
    return connection


def _columns(db: sqlite3.Connection, host: str) -> dict[str, dict[str, Any]]:
    rows = db.execute(
        """
        SELECT c.url, c.name, c.source, c.parent_url, c.depth, k.status, k.reason, k.encoding,
               (SELECT max(e.published) FROM entries e WHERE e.column_id = c.id) AS newest
        FROM columns c JOIN sites s ON s.id = c.site_id JOIN column_checks k ON k.column_id = c.id
        WHERE s.host = ? AND NOT c.is_homepage
        """,
        (host,),
    ).fetchall()
    return {r["url"]: dict(r) for r in rows}


def _link_outcomes(db: sqlite3.Connection, host: str) -> dict[str, dict[str, Any]]:
    rows = db.execute(
        """
        SELECT l.url, l.outcome, l.status, l.error FROM link_checks l
        JOIN crawls c ON c.id = l.crawl_id JOIN sites s ON s.id = c.site_id WHERE s.host = ?
        """,
        (host,),
    ).fetchall()
    return {r["url"]: dict(r) for r in rows}


def test_column_discovery_recall_and_precision(crawled: sqlite3.Connection) -> None:
    declared: dict[str, set[str]] = {h: {c.url for c in s.columns} for h, s in SITES.items()}
    for host, truth in DEPTH_TRUTH.items():
        declared[host] = {c.url for c in truth.columns if c.kind != "linkout"}
    found_total = declared_total = hits = 0
    misses: list[str] = []
    extras: list[str] = []
    for host, urls in declared.items():
        found = {u for u, c in _columns(crawled, host).items() if c["status"] not in ("linkout", "broken")}
        hits += len(found & urls)
        found_total += len(found)
        declared_total += len(urls)
        misses += sorted(urls - found)
        extras += sorted(found - urls)
    recall, precision = hits / declared_total, hits / found_total
    print(f"column discovery: recall {recall:.3f}, precision {precision:.3f} over {declared_total} columns")
    assert recall >= MIN_RECALL, misses
    assert precision >= MIN_PRECISION, extras


@pytest.mark.parametrize("host", sorted(DEPTH_TRUTH))
def test_depth_columns_have_their_status_source_and_newest_date(
    crawled: sqlite3.Connection, host: str
) -> None:
    columns = _columns(crawled, host)
    for truth in DEPTH_TRUTH[host].columns:
        column = columns.get(truth.url)
        assert column is not None, truth
        assert column["name"] == truth.name, (column, truth)  # correct Chinese, whatever the charset said
        assert column["status"] == STATUS_OF_KIND[truth.kind], (column, truth)
        if truth.source:
            assert column["source"] == truth.source, (column, truth)
        newest = dt.date.fromisoformat(column["newest"]) if column["newest"] else None
        assert newest == truth.newest, (column, truth)
        if truth.date_source:
            (source,) = crawled.execute(
                "SELECT e.date_source FROM entries e JOIN columns c ON c.id = e.column_id "
                "WHERE c.url = ? AND e.published = ?",
                (truth.url, column["newest"]),
            ).fetchone()
            assert source == truth.date_source, (truth, source)


def test_consultation_linkouts_and_xxgk_tree(crawled: sqlite3.Connection) -> None:
    columns = _columns(crawled, "gbk.depthfarm.gov.cn")
    assert columns["http://www.hubei.gov.cn/12345/"]["reason"] == "consultation"
    assert columns["http://zwfw.hubei.gov.cn/"]["reason"] is None
    child = columns["http://xxgk.depthfarm.gov.cn/zcwj/"]
    assert (child["parent_url"], child["depth"]) == ("http://xxgk.depthfarm.gov.cn/", 2)
    # The 随州 replicas keep their 政务服务 link-out too, never fetched as a column.
    assert _columns(crawled, "sjj.suizhou.gov.cn")["http://zwfw.hubei.gov.cn/"]["status"] == "linkout"


def test_wrong_charset_is_corrected_and_recorded(crawled: sqlite3.Connection) -> None:
    columns = _columns(crawled, "gbk.depthfarm.gov.cn")
    assert columns["http://gbk.depthfarm.gov.cn/gzdt/"]["encoding"] == "gb18030"
    (name,) = crawled.execute("SELECT name FROM sites WHERE host = 'gbk.depthfarm.gov.cn'").fetchone()
    assert name == "深山县人民政府"
    titles = [t for (t,) in crawled.execute("SELECT title FROM entries WHERE url LIKE 'http://gbk.%'")]
    assert "深山县召开全县经济工作会议" in titles
    assert all("\ufffd" not in t and any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in titles)


def test_health_records_what_was_found(crawled: sqlite3.Connection) -> None:
    (raw,) = crawled.execute(
        "SELECT c.health FROM crawls c JOIN sites s ON s.id = c.site_id WHERE s.host = 'gbk.depthfarm.gov.cn'"
    ).fetchone()
    health = json.loads(raw)
    assert health["columns"] == {"ok": 8, "blank": 1, "page": 1, "unparseable": 1, "linkout": 2}
    assert health["unparseable_columns"] == [
        {"url": "http://gbk.depthfarm.gov.cn/sjkf/", "reason": "js_shell"}
    ]
    assert health["date_sources"] == {"row": 40, "detail": 6, "url": 6} and health["dated_share"] == 1.0
    assert health["homepage_encoding"] == "gb18030"


@pytest.mark.parametrize("host", [*sorted(SITES), *sorted(DEPTH_TRUTH)])
def test_declared_broken_links_and_only_those_are_broken(crawled: sqlite3.Connection, host: str) -> None:
    if host in SITES:
        broken, fine = SITES[host].broken_links, SITES[host].good_links
    else:
        truth = DEPTH_TRUTH[host]
        broken, fine = truth.broken_links, (*truth.good_links, *truth.inconclusive_links)
    outcomes = _link_outcomes(crawled, host)
    for url in broken:
        assert outcomes.get(url, {}).get("outcome") == "broken", (url, outcomes.get(url))
    for url in fine:
        assert outcomes.get(url, {}).get("outcome") != "broken", (url, outcomes.get(url))


def test_every_farm_site_stays_within_its_time_budget(crawled: sqlite3.Connection) -> None:
    rows = crawled.execute(
        "SELECT s.host, c.started_at, c.finished_at FROM crawls c JOIN sites s ON s.id = c.site_id"
    ).fetchall()
    assert len(rows) == len(SITES) + len(DEPTH_TRUTH) + len(DEAD_HOSTS) + len(BLOCKED_HOSTS)
    for host, started, finished in rows:
        # Eight crawls share the machine here; alone, each takes well under this.
        elapsed = dt.datetime.fromisoformat(finished) - dt.datetime.fromisoformat(started)
        assert elapsed.total_seconds() <= 90, host


def test_soft_404_hosts_are_fingerprinted(crawled: sqlite3.Connection) -> None:
    outcomes = _link_outcomes(crawled, "kpy.depthfarm.gov.cn")
    assert outcomes["http://kpy.depthfarm.gov.cn/col/zt2019/"]["error"] == "soft_404"
    assert outcomes["http://kpy.depthfarm.gov.cn/col/ywdt/"]["outcome"] == "ok"
