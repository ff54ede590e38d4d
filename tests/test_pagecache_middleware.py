"""The page-cache middleware: which requests it makes conditional, what a 304 hands the callbacks (the
stored page, flagged), which answers it keeps, and switched off. (Two rounds against the farm, findings
compared with full fetches: tests/test_e2e_pagecache.py.)"""

from __future__ import annotations

import asyncio
import datetime as dt
import zlib

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response

from govcheck.context import CrawlContext
from govcheck.limits import LINK_CHECK
from govcheck.pagecache_middleware import (
    PAGE_REVALIDATED,
    REVALIDATED_FLAG,
    PageCacheMiddleware,
    keepable,
)
from govcheck.pagecache_store import FetchedPage, StoredPage
from govcheck.sitemap_middleware import stored_answer
from govcheck.spiders.routing import ROUTE, Route
from tests.helpers import project_crawler

URL = "http://www.example.gov.cn/gzdt/index.html"
SITE = "www.example.gov.cn"
BODY = "<html><head><title>工作动态</title></head><body><li>2024-02-26</li></body></html>".encode()
VALIDATORS = {"ETag": '"v1"', "Last-Modified": "Tue, 27 Feb 2024 08:00:00 GMT"}


def _page_request(route: Route = Route.COLUMN, **kwargs: object) -> Request:
    return Request(URL, meta={ROUTE: route.value, "govcheck_site": SITE}, **kwargs)  # type: ignore[arg-type]


def _stored() -> StoredPage:
    headers = {"Content-Type": "text/html; charset=utf-8", **VALIDATORS}
    return StoredPage(URL, '"v1"', VALIDATORS["Last-Modified"], 200, headers, zlib.compress(BODY), len(BODY))


def test_a_304_to_a_conditional_page_request_hands_the_callbacks_the_stored_page() -> None:
    crawler = project_crawler()
    middleware = PageCacheMiddleware.from_crawler(crawler)
    crawler.stats.open_spider()
    request = _page_request()
    middleware.asked[request] = _stored()
    answer = middleware.process_response(request, Response(URL, status=304, request=request))
    assert isinstance(answer, HtmlResponse)
    assert (answer.status, answer.url, answer.body, answer.text) == (200, URL, BODY, BODY.decode())
    assert REVALIDATED_FLAG in answer.flags and request.meta[PAGE_REVALIDATED] is True
    assert crawler.stats.get_value("govcheck/pagecache/unchanged") == 1
    assert crawler.stats.get_value("govcheck/pagecache/bytes_saved") == len(BODY)
    assert request not in middleware.asked


def test_a_304_it_did_not_ask_for_and_a_changed_page_pass_through() -> None:
    middleware = PageCacheMiddleware.from_crawler(project_crawler())
    unasked = _page_request()
    assert middleware.process_response(unasked, Response(URL, status=304, request=unasked)).status == 304
    changed = _page_request()
    middleware.asked[changed] = _stored()
    fresh = HtmlResponse(URL, status=200, body=b"<html>new</html>", request=changed)
    assert middleware.process_response(changed, fresh) is fresh
    assert PAGE_REVALIDATED not in changed.meta


@pytest.mark.parametrize(
    "request_",
    [
        Request(URL, method="HEAD", meta={ROUTE: Route.LINK.value, LINK_CHECK: True}),  # a link check
        Request(URL, meta={ROUTE: Route.LINK.value, LINK_CHECK: True}),  # its confirming GET
        Request(URL, meta={ROUTE: Route.FINGERPRINT.value}),
        Request("http://www.example.gov.cn/robots.txt"),  # no route: robots.txt
    ],
)
def test_requests_other_than_pages_go_out_untouched(request_: Request) -> None:
    middleware = PageCacheMiddleware.from_crawler(project_crawler())
    assert asyncio.run(middleware.process_request(request_)) is None  # returns before asking the store
    assert b"If-None-Match" not in request_.headers and request_ not in middleware.asked


def test_only_a_complete_200_with_validators_is_kept() -> None:
    request = _page_request()

    def answer(
        status: int = 200, headers: dict[str, str] = VALIDATORS, flags: list[str] | None = None
    ) -> Response:
        return HtmlResponse(URL, status=status, headers=headers, body=BODY, request=request, flags=flags)

    kept = keepable(request, answer(), site=SITE, round_name="2024-Q1")
    assert kept is not None and (kept.body, kept.headers["ETag"], kept.round) == (BODY, '"v1"', "2024-Q1")
    assert keepable(
        request, answer(headers={"Last-Modified": VALIDATORS["Last-Modified"]}), site=SITE, round_name="r"
    )
    assert keepable(request, answer(headers={}), site=SITE, round_name="r") is None  # nothing to ask with
    assert keepable(request, answer(status=404), site=SITE, round_name="r") is None
    assert keepable(request, answer(flags=["dataloss"]), site=SITE, round_name="r") is None  # cut short
    long_tag = {"ETag": '"' + "x" * 300 + '"'}
    assert keepable(request, answer(headers=long_tag), site=SITE, round_name="r") is None


def test_switched_off_it_is_not_installed() -> None:
    with pytest.raises(NotConfigured):
        PageCacheMiddleware.from_crawler(project_crawler(GOVCHECK_PAGE_CACHE=False))


@pytest.mark.parametrize(
    ("reason", "stats", "trouble", "pruned"),
    [
        ("finished", {}, None, True),
        ("closespider_pagecount", {}, None, False),  # cut short
        ("interrupted", {}, None, False),  # a fleet site given back to its round
        ("finished", {"govcheck/budget/exhausted": "pages"}, None, False),
        ("finished", {"govcheck/homepage/outcome": "connection_refused"}, None, False),  # the site was down
        ("finished", {}, 503, False),  # a page the site did not serve this time
        ("finished", {}, "exception", False),
    ],
)
def test_only_a_finished_whole_crawl_prunes_its_sites_rows_it_no_longer_asked_for(
    database_url: str, reason: str, stats: dict[str, str], trouble: int | str | None, pruned: bool
) -> None:
    crawler = project_crawler(GOVCHECK_DATABASE_URL=database_url)
    middleware = PageCacheMiddleware.from_crawler(crawler)
    crawler.stats.open_spider()
    gone = "http://www.example.gov.cn/old/gone.html"
    for url in (URL, gone):
        middleware.store.save(FetchedPage(url, SITE, "r1", 200, VALIDATORS, BODY))
    context = CrawlContext(SITE, f"http://{SITE}/", "r2", dt.date(2024, 2, 28), dt.datetime(2024, 2, 28))
    middleware.site_opened(context)
    request = _page_request()
    if trouble == "exception":
        middleware.process_exception(request, TimeoutError())
    else:
        middleware.process_response(request, Response(URL, status=trouble or 200, request=request))
    middleware.site_closed(context, {"govcheck/homepage/outcome": "ok", **stats}, reason)
    middleware.calls.thread.stop()  # waits for the queued calls
    try:
        assert middleware.store.load(URL) is not None  # asked for this round: kept
        assert (middleware.store.load(gone) is None) == pruned
    finally:
        middleware.store.close()


def test_a_page_its_sitemap_called_unchanged_is_asked_for_so_never_pruned(database_url: str) -> None:
    """Read from the store without a request, the page still goes through this middleware's answers, so
    a whole crawl keeps its row; and it is not stored again (its fetched_at stays the real download's)."""
    crawler = project_crawler(GOVCHECK_DATABASE_URL=database_url)
    middleware = PageCacheMiddleware.from_crawler(crawler)
    crawler.stats.open_spider()
    middleware.store.save(FetchedPage(URL, SITE, "r1", 200, VALIDATORS, BODY))
    fetched_at = middleware.store.load(URL).fetched_at  # type: ignore[union-attr]
    context = CrawlContext(SITE, f"http://{SITE}/", "r2", dt.date(2024, 2, 28), dt.datetime(2024, 2, 28))
    middleware.site_opened(context)
    request = _page_request(Route.DETAIL)
    answer = stored_answer(request, middleware.store.load(URL))  # type: ignore[arg-type]
    middleware.process_response(request, answer)
    middleware.site_closed(context, {"govcheck/homepage/outcome": "ok"}, "finished")
    middleware.calls.thread.stop()  # waits for the queued calls
    try:
        stored = middleware.store.load(URL)
        assert stored is not None and stored.fetched_at == fetched_at
    finally:
        middleware.store.close()
