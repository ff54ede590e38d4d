"""A site's handlers (govcheck.spiders.handlers) and how requests find them (govcheck.spiders.routing):
every request carries the spider's one dispatch pair and names its route; the pair hands the answer
or the failure to the route's handler method on the request's site. No network: in-memory responses."""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware
from scrapy.utils.request import request_from_dict
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from govcheck import settings as project_settings
from govcheck.items import ColumnItem, LinkCheckItem, PageEntriesItem, PageItem, SiteItem
from govcheck.spiders.handlers import SiteHandlers
from govcheck.spiders.portal import PortalSpider
from govcheck.spiders.routing import ROUTE, Route
from govcheck.work_middleware import WorkMiddleware

SETTINGS = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
SITE = "www.example.gov.cn"
SPIDERS = Path(__file__).resolve().parents[1] / "spiders"

HOMEPAGE = """<html><head><title>某市人民政府</title></head><body>
<div class="nav"><ul><li><a href="/a/">动态</a></li><li><a href="/b/">公告</a></li><li><a href="/c/">文件</a></li></ul></div>
<ul class="news"><li><a href="/a/t20240220_1.html">通知一</a><span>2024-02-20</span></li></ul>
<div class="footer">网站标识码：4290000012</div></body></html>"""


def _spider(**overrides: Any) -> PortalSpider:
    # No IPv6 check: its request would hold the homepage's SiteItem back (tests/test_spiders_homepage.py).
    defaults = {"GOVCHECK_REFERENCE_HOSTS": "", "GOVCHECK_IPV6_CHECK": False}
    crawler = get_crawler(PortalSpider, {**SETTINGS, **defaults, **overrides})
    crawler._apply_settings()
    spider = PortalSpider.from_crawler(crawler, site=SITE, as_of="2024-02-28")
    crawler.spider = spider
    return spider


def _answer(request: Request, body: str, status: int = 200) -> HtmlResponse:
    return HtmlResponse(request.url, status=status, body=body.encode(), encoding="utf-8", request=request)


def test_every_request_comes_back_through_the_dispatch_pair() -> None:
    spider = _spider()
    (site,) = spider.sites.values()
    start = spider.handlers[site.key].start_request()
    assert (start.callback, start.errback) == (spider.dispatch, spider.dispatch_failure)
    assert start.meta[ROUTE] == Route.HOMEPAGE.value and type(start.meta[ROUTE]) is str
    # scrapy-redis keeps a request as a dict between processes: the pair is found again by name.
    stored = start.to_dict(spider=spider)
    assert (stored["callback"], stored["errback"]) == ("dispatch", "dispatch_failure")
    assert request_from_dict(stored, spider=spider).callback == spider.dispatch


def _start(spider: PortalSpider) -> Request:
    """The first request of a one-site crawl, as the engine takes it from ``spider.start()``."""

    async def first() -> Request:
        return await anext(aiter(spider.start()))

    return asyncio.run(first())


def test_dispatch_hands_the_answer_to_the_routes_handler_and_settles_the_site() -> None:
    spider = _spider(GOVCHECK_LINK_CHECK=False)
    (site,) = spider.sites.values()
    start = _start(spider)
    out = list(spider.dispatch(_answer(start, HOMEPAGE)))
    columns = [r for r in out if isinstance(r, Request)]
    assert len(columns) == 3  # in-flight counting is the fleet worker's (tests/test_fleet_worker.py)
    (home,) = [i for i in out if isinstance(i, SiteItem)]
    assert (home.status, home.site_code, home.site) == ("ok", "4290000012", SITE)
    (page,) = [i for i in out if isinstance(i, PageEntriesItem)]  # the homepage's entries, in one item
    (entry,) = page.entries
    assert (page.column_url, page.site) == (entry.column_url, SITE)
    assert (entry.published, entry.date_source, entry.date_normalized) == (dt.date(2024, 2, 20), "row", True)
    assert {r.meta[ROUTE] for r in columns} == {Route.COLUMN.value}
    assert all(r.meta["govcheck_site"] == SITE for r in columns)
    assert site.requests_made == 1 + len(columns)  # the homepage and every column, charged to the budget


def _through(spider: PortalSpider, response: HtmlResponse, outputs: Iterable[Any]) -> list[Request]:
    """A callback's requests as the engine gets them: through Scrapy's UrlLengthMiddleware (it drops
    an over-long URL without a signal), then govcheck's outermost WorkMiddleware."""
    filtered = UrlLengthMiddleware.from_crawler(spider.crawler).process_spider_output(response, outputs)
    chain = WorkMiddleware.from_crawler(spider.crawler).process_spider_output(response, filtered)
    return [r for r in chain if isinstance(r, Request)]


def test_link_checks_wait_for_page_work_and_a_dropped_duplicate_settles_it() -> None:
    """A site's last page request refused by the scheduler (a duplicate) reaches no callback: the
    drop settles it and the queued link checks go to the engine all the same, stamped with the site."""
    spider = _spider(GOVCHECK_SOFT404_CHECK=False)
    (site,) = spider.sites.values()
    crawled: list[Request] = []
    spider.crawler.engine = SimpleNamespace(crawl=crawled.append)
    start = _start(spider)
    answer = _answer(start, HOMEPAGE)
    columns = _through(spider, answer, spider.dispatch(answer))
    assert len(columns) == 3 and site.page_work == 3 and site.link_queue
    assert {r.meta[ROUTE] for r in columns} == {Route.COLUMN.value}  # no check while pages are read
    column_page = (
        "<html><body><ul><li><a href='/a/t1.html'>通知</a><span>2024-02-20</span></li></ul></body></html>"
    )
    for column in columns[:2]:
        answer = _answer(column, column_page)
        assert not _through(spider, answer, spider.dispatch(answer))
    assert site.page_work == 1 and not crawled
    spider.request_dropped(columns[2])
    assert crawled and {(r.meta[ROUTE], r.method) for r in crawled} == {(Route.LINK.value, "HEAD")}
    assert all(r.meta["govcheck_site"] == SITE for r in crawled)
    assert (site.page_work, site.link_work) == (0, len(crawled)) and not site.link_queue


def test_a_request_no_middleware_let_through_is_never_in_flight() -> None:
    """A request a spider middleware filtered out (an over-long URL) is settled when the callback that
    yielded it ends: it never holds the site's link checks back."""
    spider = _spider(GOVCHECK_SOFT404_CHECK=False)
    (site,) = spider.sites.values()
    start = _start(spider)
    long_column = HOMEPAGE.replace('href="/b/"', f'href="/{"b" * 3000}/"')
    answer = _answer(start, long_column)
    columns = _through(spider, answer, spider.dispatch(answer))
    assert len(columns) == 2 and site.page_work == 2
    answers = [_answer(column, "<html></html>") for column in columns]
    checks = [r for a in answers for r in _through(spider, a, spider.dispatch(a))]
    assert checks and {r.meta[ROUTE] for r in checks} == {Route.LINK.value}
    assert site.page_work == 0


def test_an_errbacks_requests_after_a_download_failure_are_in_flight() -> None:
    """A download failure's errback output reaches the engine past no spider middleware (Scrapy calls
    the errback directly): its requests stay counted until they end."""
    spider = _spider(GOVCHECK_SOFT404_CHECK=False)
    (site,) = spider.sites.values()
    start = _start(spider)
    failure = Failure(DNSLookupError("no such host"))
    failure.request = start  # type: ignore[attr-defined]
    retried = [r for r in spider.dispatch_failure(failure) if isinstance(r, Request)]
    assert retried and site.page_work == len(retried)


def test_dispatch_failure_hands_the_failure_to_the_routes_handler() -> None:
    spider = _spider(GOVCHECK_LINK_CHECK=False)
    out = list(spider.dispatch(_answer(_start(spider), HOMEPAGE)))
    request = next(r for r in out if isinstance(r, Request))
    failure = Failure(DNSLookupError("no such host"))
    failure.request = request  # type: ignore[attr-defined]
    failed = list(spider.dispatch_failure(failure))
    assert [type(i) for i in failed] == [PageItem, LinkCheckItem, ColumnItem]
    assert (failed[2].url, failed[2].status, failed[2].reason) == (request.url, "unparseable", "dns_error")
    assert all(i.site == SITE for i in failed)


def test_each_route_has_an_answer_and_a_failure_method() -> None:
    spider = _spider()
    handlers = next(iter(spider.handlers.values()))
    assert isinstance(handlers, SiteHandlers)
    assert set(handlers.routes) == set(Route)
    assert all(callable(a) and callable(f) for a, f in handlers.routes.values())


def test_a_route_from_outside_the_table_is_refused() -> None:
    spider = _spider()
    handlers = next(iter(spider.handlers.values()))
    request = Request("http://www.example.gov.cn/", meta={ROUTE: "__class__"})
    with pytest.raises(ValueError):
        list(handlers.answer(_answer(request, "<html></html>")))


def test_no_mixins_in_spiders() -> None:
    """A site's crawl is composed (state plus handlers given it), never assembled from mixins."""
    for path in SPIDERS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                assert not node.name.endswith("Mixin"), f"{path.name}: {node.name}"
                assert len(node.bases) <= 1, f"{path.name}: {node.name} has several bases"
