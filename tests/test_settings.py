"""govcheck/settings.py as a crawl lives it: robots.txt obeyed for the pages a crawl reads, never for
the targets it only link-checks (the availability check of a link is not crawling it); a column it
disallows is not read, and is no finding against the site."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.farm import sites_faulty as faulty
from tests.farm.process import FarmProcess
from tests.farm.sites_depth import GBK, XXGK
from tests.farm.truth import AS_OF
from tests.helpers import by_host, environment, report, scrapy_crawl

# Hosts gbk.depthfarm.gov.cn's homepage only links to: checked, never crawled.
LINKED_ONLY = ("www.gov.cn", "waf403.suizhou.gov.cn", "busy429.suizhou.gov.cn")


def _farm(farm: FarmProcess, path: str, method: str = "GET") -> Any:
    request = urllib.request.Request(f"{farm.url}{path}", method=method)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def test_robots_txt_is_obeyed_for_crawled_pages_and_not_for_link_checks(
    farm: FarmProcess, tmp_path: Path
) -> None:
    _farm(farm, "/_farm/reset", "POST")
    crawl = scrapy_crawl(GBK, environment(farm, f"sqlite:///{tmp_path / 'g.db'}"), tmp_path, f"as_of={AS_OF}")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    log = [(method, url) for method, url, _status in _farm(farm, "/_farm/stats")["log"]]
    robots = [urlsplit(url).hostname for method, url in log if urlsplit(url).path == "/robots.txt"]
    assert sorted(robots) == sorted([GBK, XXGK])  # once per crawled host, with no -s ROBOTSTXT_OBEY
    # The 信息公开 host is reached through its columns only: its robots.txt comes before any page of it.
    assert next(urlsplit(url) for _, url in log if urlsplit(url).hostname == XXGK).path == "/robots.txt"
    checked = {urlsplit(url).hostname for _, url in log}
    assert set(LINKED_ONLY) <= checked  # the links were checked, without asking their hosts' robots.txt


def _crawl(
    farm: FarmProcess, tmp_path: Path, host: str, *settings: str
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """One crawl of ``host`` into its own SQLite file: its environment and the (method, path) the farm
    saw for the host."""
    _farm(farm, "/_farm/reset", "POST")
    env = environment(farm, f"sqlite:///{tmp_path / f'{host}.{len(settings)}.db'}")
    crawl = scrapy_crawl(host, env, tmp_path, f"as_of={AS_OF}", settings=settings)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    log = _farm(farm, "/_farm/stats")["log"]
    return env, [(method, urlsplit(url).path) for method, url, _ in log if urlsplit(url).hostname == host]


def _read(seen: list[tuple[str, str]]) -> list[str]:
    """Pages read (GET): link checks (HEAD) of a column's articles are availability checks and stay."""
    return [path for method, path in seen if method == "GET"]


def _disallowed(path: str) -> bool:
    return path.startswith(faulty.ROBOTS_DISALLOWED)


def test_a_disallowed_column_is_not_crawled_and_never_the_sites_fault(
    farm: FarmProcess, tmp_path: Path
) -> None:
    """robots.faulty.gov.cn serves the control site's pages and disallows its news column; the control
    host (no robots.txt) shows the same crawl reads that column. Every column waits for robots.txt at
    once: each is checked (govcheck/robots_middleware.py), and the forbidden one is stored as not read
    (``unparseable``, ``robots_txt``), listed in the crawl's health, and judged nowhere."""
    control_env, control = _crawl(farm, tmp_path, faulty.CONTROL)
    env, seen = _crawl(farm, tmp_path, faulty.ROBOTS)
    assert faulty.ROBOTS_DISALLOWED in _read(control)
    assert ("GET", "/robots.txt") in seen
    assert not [path for path in _read(seen) if _disallowed(path)]
    assert [path for path in _read(seen) if path not in {"/", "/robots.txt"}]  # the other columns are read

    database = sqlite3.connect(env["GOVCHECK_DATABASE_URL"].removeprefix("sqlite:///"))
    checks = database.execute(
        "SELECT c.url, k.status, k.reason FROM columns c JOIN column_checks k ON k.column_id = c.id"
    ).fetchall()
    forbidden = [(url, status, reason) for url, status, reason in checks if _disallowed(urlsplit(url).path)]
    assert forbidden and all(
        (status, reason) == ("unparseable", "robots_txt") for _, status, reason in forbidden
    )
    assert not [row for row in checks if row[2] == "robots_txt" and row not in forbidden]
    pages = [url for (url,) in database.execute("SELECT url FROM pages") if _disallowed(urlsplit(url).path)]
    assert pages == []  # not fetched, so no page row (and no failed fetch in the crawl's health)
    (health,) = database.execute("SELECT health FROM crawls").fetchone()
    robots = json.loads(health)["robots"]
    assert robots["forbidden"] >= len(forbidden)
    assert {url for url, _, _ in forbidden} <= set(robots["urls"])

    # Judged as the control is (the same pages, the news column read there): nothing about the column.
    judged = by_host(report(env, tmp_path, "--site", faulty.ROBOTS))[faulty.ROBOTS]
    control_judged = by_host(report(control_env, tmp_path, "--site", faulty.CONTROL))[faulty.CONTROL]
    assert (judged["verdict"], judged["reason"]) == (control_judged["verdict"], control_judged["reason"])
    assert not [f for f in judged["findings"] if faulty.ROBOTS_DISALLOWED in json.dumps(f)]
    assert sorted(f["code"] for f in judged["findings"]) == sorted(
        f["code"] for f in control_judged["findings"]
    )


def test_robots_txt_not_obeyed_reads_the_disallowed_column(farm: FarmProcess, tmp_path: Path) -> None:
    """``-s ROBOTSTXT_OBEY=false`` (an inspection the office must make regardless) reads the column and
    does not even ask for robots.txt."""
    _, seen = _crawl(farm, tmp_path, faulty.ROBOTS, "ROBOTSTXT_OBEY=false")
    assert faulty.ROBOTS_DISALLOWED in _read(seen)
    assert ("GET", "/robots.txt") not in seen
