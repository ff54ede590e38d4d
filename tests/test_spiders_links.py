"""The link checker: checks wait for the site's page work and go out in a stable order, so a request
budget always cuts the same ones and no finding depends on response order; what it cuts is counted and
reported; the links of every list family (a Hanweb ``<datastore>`` island included) are checked.

The budget site (tests/farm/sites_links.py) is crawled three times with everything in parallel; the
stored checks and the evaluation's findings must be the same each time.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response

from govcheck.extract import page_links
from govcheck.items import LinkCheckItem, LinkItem, PageLinksItem
from govcheck.monitors import crawl_coverage
from govcheck.spiders.handlers import SiteHandlers
from tests.farm.process import FarmProcess
from tests.farm.sites_links import (
    BROKEN,
    BUDGET,
    BUDGET_HOST,
    HANWEB_BROKEN,
    HANWEB_HOST,
    budget_homepage_links,
)
from tests.farm.truth import AS_OF
from tests.helpers import by_host, environment, portal_spider, report, scrapy_crawl

# Everything at once: responses come back in whatever order the machine makes.
UNORDERED = (
    "CONCURRENT_REQUESTS=64",
    "CONCURRENT_REQUESTS_PER_DOMAIN=64",
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=false",
    "ROBOTSTXT_OBEY=false",
)
RUNS = 3


def crawl(farm: FarmProcess, workdir: Path, host: str, *settings: str) -> tuple[sqlite3.Connection, dict]:
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "govcheck.db"
    env = environment(farm, f"sqlite:///{database}")
    result = scrapy_crawl(host, env, workdir, f"as_of={AS_OF.isoformat()}", settings=(*UNORDERED, *settings))
    assert result.returncode == 0, result.stderr[-3000:]
    connection = sqlite3.connect(database)
    connection.row_factory = sqlite3.Row
    return connection, by_host(report(env, workdir))[host]


def link_checks(db: sqlite3.Connection) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in db.execute("SELECT url, method, outcome, status, error FROM link_checks"))


def findings(db: sqlite3.Connection) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in db.execute("SELECT code, veto, column_url, url, message FROM findings"))


@pytest.fixture(scope="module")
def budget_runs(
    farm: FarmProcess, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[sqlite3.Connection, dict]]:
    root = tmp_path_factory.mktemp("budget")
    return [
        crawl(farm, root / f"run{n}", BUDGET_HOST, f"GOVCHECK_SITE_PAGE_BUDGET={BUDGET}") for n in range(RUNS)
    ]


def test_a_budget_cuts_the_same_link_checks_in_every_run(
    budget_runs: list[tuple[sqlite3.Connection, dict]],
) -> None:
    first, _ = budget_runs[0]
    assert link_checks(first) and findings(first)
    for db, _ in budget_runs[1:]:
        assert link_checks(db) == link_checks(first)
        assert findings(db) == findings(first)


def test_what_the_budget_cut_is_counted_and_reported(
    budget_runs: list[tuple[sqlite3.Connection, dict]],
) -> None:
    db, site = budget_runs[0]
    columns = column_urls(db)
    checked = {r["url"] for r in db.execute("SELECT url FROM link_checks")} - columns
    targets = {r["target_url"] for r in db.execute("SELECT target_url FROM links")}
    limits = site_limits(db)
    assert limits["exhausted"] == "pages" and limits["requests"] <= BUDGET
    assert limits["links_checked"] == len(checked) and limits["links_total"] == len(targets - columns)
    assert limits["links_checked"] < limits["links_total"]
    coverage = site["coverage"]
    assert coverage == crawl_coverage({"limits": limits})
    assert coverage["note"] == f"链接检查未完成：已检查{len(checked)}个/共{len(targets - columns)}个"
    # The budget's cut is no finding: a skipped broken link is simply not reported.
    reported = {r["url"] for r in db.execute("SELECT url FROM findings WHERE code = 'link_broken'")}
    assert reported <= {f"http://{BUDGET_HOST}{path}" for path in BROKEN}


def test_the_homepage_links_go_first_then_the_other_pages_in_order(
    budget_runs: list[tuple[sqlite3.Connection, dict]],
) -> None:
    db, _ = budget_runs[0]
    homepage = db.execute("SELECT homepage_url FROM crawls").fetchone()[0]
    checked = {r["url"] for r in db.execute("SELECT url FROM link_checks")}
    columns = column_urls(db)
    places: dict[str, tuple[int, str, str]] = {}
    for source, target in db.execute("SELECT source_url, target_url FROM links"):
        if target not in columns:
            place = (0 if source == homepage else 1, source, target)
            places[target] = min(places.get(target, place), place)
    order = [target for _, target in sorted((p, t) for t, p in places.items())]
    assert set(budget_homepage_links()) <= checked
    # What was checked is exactly the head of the order: nothing later got in ahead of anything earlier.
    head = [target for target in order if target in checked]
    assert head == order[: len(head)] and len(head) < len(order)
    assert f"http://{BUDGET_HOST}/hp/link17.html" in {
        r["url"] for r in db.execute("SELECT url FROM link_checks WHERE outcome = 'broken'")
    }


def column_urls(db: sqlite3.Connection) -> set[str]:
    """The columns fetched as columns (each reports its own status, never link-checked)."""
    return {r["url"] for r in db.execute("SELECT url FROM columns WHERE NOT is_homepage")}


def site_limits(db: sqlite3.Connection) -> dict[str, Any]:
    (health,) = db.execute("SELECT health FROM crawls").fetchone()
    return json.loads(health)["limits"]


def test_links_inside_a_hanweb_datastore_list_are_checked(farm: FarmProcess, tmp_path: Path) -> None:
    db, site = crawl(farm, tmp_path, HANWEB_HOST)
    outcomes = {r["url"]: r["outcome"] for r in db.execute("SELECT url, outcome FROM link_checks")}
    assert outcomes[HANWEB_BROKEN] == "broken"
    assert outcomes[f"http://{HANWEB_HOST}/art/2024/2/5/art_101_0.html"] == "ok"
    assert any(f["code"] == "link_broken" and f["url"] == HANWEB_BROKEN for f in site["findings"])
    assert site["coverage"] is None  # no budget reached: nothing to note


def test_page_links_read_hanweb_records() -> None:
    island = (
        '<html><body><a href="/a.html">a</a><script type="text/xml"><datastore><recordset>'
        "<record><![CDATA[<li><a href='/art/1.html'>x</a><span>2024-01-02</span></li>]]></record>"
        "</recordset></datastore></script></body></html>"
    )
    proxy = (
        '<?xml version="1.0" encoding="UTF-8"?><datastore><recordset>'
        "<record><![CDATA[<a href='/art/2.html'>y</a>]]></record></recordset></datastore>"
    )
    assert page_links(island, "http://x.gov.cn/col/") == [
        ("http://x.gov.cn/a.html", "a"),
        ("http://x.gov.cn/art/1.html", "a"),
    ]
    assert page_links(proxy, "http://x.gov.cn/module/dataproxy.jsp") == [("http://x.gov.cn/art/2.html", "a")]


# -- the checking order and the reserved budget, on in-memory responses ---------------------------------

HOME = "http://www.example.gov.cn/"


def _handlers(**settings: Any) -> SiteHandlers:
    spider = portal_spider(**settings)
    (site,) = spider.sites.values()
    return spider.handlers[site.key]


def _links(*paths: str) -> list[tuple[str, str]]:
    return [(HOME.rstrip("/") + path, "a") for path in paths]


def test_checks_wait_and_go_in_order_as_far_as_the_budget_reaches() -> None:
    crawl = _handlers(GOVCHECK_SITE_PAGE_BUDGET=12, GOVCHECK_SOFT404_CHECK=False)
    site = crawl.site
    site.budget.charge()  # the homepage
    # Found in any order: a column page's links, then the homepage's, one target on both.
    found = list(
        crawl.links.check(HOME + "zwgk/", _links("/c/9.html", "/c/1.html", "/h/2.html"), page_kind="column")
    )
    found += list(crawl.links.check(HOME, _links("/h/2.html", "/h/1.html"), page_kind="homepage"))
    assert not [r for r in found if isinstance(r, Request)]  # nothing goes out while pages are read
    heads = list(crawl.links.release())
    # 11 requests left, 2 reserved per check: the homepage's two, then the column page's first three.
    assert [r.url for r in heads] == [
        HOME + "h/1.html",
        HOME + "h/2.html",
        HOME + "c/1.html",
        HOME + "c/9.html",
    ]
    assert {r.method for r in heads} == {"HEAD"} and site.budget.reserved == 4
    assert site.stats.get_value("govcheck/links/checked") == 4 and not site.link_queue


def test_the_checks_left_over_are_skipped_and_counted() -> None:
    crawl = _handlers(GOVCHECK_SITE_PAGE_BUDGET=6, GOVCHECK_SOFT404_CHECK=False)
    site = crawl.site
    site.budget.charge()
    list(crawl.links.check(HOME, _links(*(f"/h/{i}.html" for i in range(6))), page_kind="homepage"))
    first = list(crawl.links.release())
    assert [r.url for r in first] == [HOME + "h/0.html", HOME + "h/1.html"]
    # Both HEADs answered 200: the GETs reserved for them come back for the next wave (3 left).
    for request in first:
        list(crawl.links.checked(Response(request.url, status=200, request=request)))
    (second,) = crawl.links.release()
    assert second.url == HOME + "h/2.html"
    (get,) = crawl.links.checked(Response(second.url, status=404, request=second))
    assert get.method == "GET"  # the reserved GET settles the 404
    (check,) = crawl.links.checked(Response(get.url, status=404, request=get))
    assert (check.outcome, check.method) == ("broken", "GET")
    assert list(crawl.links.release()) == []  # one request left: not a whole check
    assert site.stats.get_value("govcheck/links/checked") == 3
    assert site.stats.get_value("govcheck/links/skipped") == 3
    assert site.requests_made == 5 and site.stats.get_value("govcheck/budget/exhausted") == "pages"


def test_a_parked_get_is_judged_from_its_page_without_a_second_get() -> None:
    crawl = _handlers()
    target = "http://other.gov.cn/a/1.html"
    soft = "<html><head><title>other</title></head><body><p>出错啦，请返回首页</p></body></html>"
    root = "<html><head><title>other</title></head><body><p>欢迎访问</p><a href='/a/'>a</a></body></html>"
    get = Request(target, method="GET", meta={"link_target": target})
    page = HtmlResponse(target, body=soft.encode(), encoding="utf-8", request=get)
    fingerprints = list(crawl.links.checked(page))
    assert {r.meta["nf_kind"] for r in fingerprints} == {"missing", "root"}
    out: list[Any] = []
    for request in fingerprints:
        body = soft if request.meta["nf_kind"] == "missing" else root
        answer = HtmlResponse(request.url, body=body.encode(), encoding="utf-8", request=request)
        out += crawl.links.fingerprinted(answer)
    (check,) = out
    assert isinstance(check, LinkCheckItem)
    assert (check.outcome, check.error, check.method) == ("broken", "soft_404", "GET")


def test_checks_still_queued_when_a_crawl_is_cut_short_are_counted_as_skipped() -> None:
    spider = portal_spider(GOVCHECK_SOFT404_CHECK=False)
    (site,) = spider.sites.values()
    links = spider.handlers[site.key].links
    list(links.check(HOME, _links("/h/1.html", "/h/2.html"), page_kind="homepage"))
    spider.close_open_sites("shutdown")  # a crawl stopped before its page work drained
    assert not site.link_queue and site.stats.get_value("govcheck/links/skipped") == 2


def test_a_pages_links_come_as_one_item_and_refused_targets_as_their_checks() -> None:
    crawl = _handlers(GOVCHECK_SOFT404_CHECK=False)
    found = list(
        crawl.links.check(
            HOME, [*_links("/h/1.html", "/h/2.html"), ("http://127.0.0.1/x", "a")], page_kind="homepage"
        )
    )
    page, refused = found
    assert isinstance(page, PageLinksItem) and page.source_url == HOME
    assert page.links == [
        LinkItem(HOME, HOME + "h/1.html", "a", on_homepage=True, external=False),
        LinkItem(HOME, HOME + "h/2.html", "a", on_homepage=True, external=False),
        LinkItem(HOME, "http://127.0.0.1/x", "a", on_homepage=True, external=True),
    ]
    assert isinstance(refused, LinkCheckItem) and refused.url == "http://127.0.0.1/x"
    assert list(crawl.links.check(HOME + "empty/", [], page_kind="column")) == []  # no links: no item
