"""The sitemap middleware: which requests it may answer from the store (a marked detail, letter or guide
page whose lastmod is readable and past), when a stored answer counts as unchanged, what the callbacks
get (the stored page, flagged), that the page cache never stores it again, and switched off. (Two
rounds against the farm on both databases, the store calls included: tests/test_e2e_sitemap.py.)"""

from __future__ import annotations

import asyncio
import datetime as dt
import zlib

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse

from govcheck.pagecache_middleware import keepable
from govcheck.pagecache_store import StoredPage
from govcheck.sitemap_middleware import (
    SitemapUnchangedMiddleware,
    stored_answer,
    unchanged_since,
)
from govcheck.spiders.routing import ROUTE, Route
from govcheck.spiders.sitemaps import (
    SITEMAP_LISTED,
    SITEMAP_STORED_AT,
    SITEMAP_UNCHANGED_FLAG,
    stored_date_evidence,
)
from tests.helpers import project_crawler

URL = "http://www.example.gov.cn/tzgg/content_1.html"
BODY = "<html><body><p>发布时间：2024-02-20</p></body></html>".encode()
FETCHED = dt.datetime(2024, 2, 27, 2, 0, tzinfo=dt.UTC)  # 10:00 China time
NOW = dt.datetime(2024, 3, 27, tzinfo=dt.UTC)


def _marked(lastmod: str | None, *, route: Route = Route.DETAIL, url: str = URL, **kwargs: object) -> Request:
    meta = {ROUTE: route.value, SITEMAP_LISTED: {"url": URL, "lastmod": lastmod}}
    return Request(url, meta=meta, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lastmod", "unchanged"),
    [
        ("2024-02-26", True),  # the whole day before the fetch
        ("2024-02-27", False),  # the day of the fetch: its end is after it
        ("2024-02-27T09:59:58+08:00", True),
        ("2024-02-27T10:00:00+08:00", False),  # the same second: not strictly older
        ("2024-02-27T10:30:00", False),  # China time, after the fetch
        ("2024-03-28", False),  # in the future
        ("yesterday", False),
        (None, False),
    ],
)
def test_unchanged_only_when_a_readable_past_lastmod_is_older_than_the_fetch(
    lastmod: str | None, unchanged: bool
) -> None:
    assert unchanged_since(lastmod, FETCHED, NOW) is unchanged
    assert unchanged_since(lastmod, None, NOW) is False


@pytest.mark.parametrize(
    "request_",
    [
        Request(URL, meta={ROUTE: Route.DETAIL.value}),  # not listed by a sitemap
        _marked("2024-02-01", route=Route.COLUMN),  # a column page is never spared
        _marked("2024-02-01", route=Route.HOMEPAGE),
        _marked("2024-02-01", route=Route.LINK),  # a link check always asks the site
        _marked("2024-02-01", method="HEAD"),
        _marked("2024-02-01", url=URL + "?redirected=1"),  # a redirect hop: not the URL listed
        _marked("last week"),
        _marked("2099-01-01"),
    ],
)
def test_requests_it_may_not_spare_go_out_without_a_store_call(request_: Request) -> None:
    crawler = project_crawler()
    middleware = SitemapUnchangedMiddleware.from_crawler(crawler)
    crawler.stats.open_spider()
    assert asyncio.run(middleware.process_request(request_)) is None
    assert crawler.stats.get_value("govcheck/sitemap/asked") is None


def test_the_stored_answer_is_the_page_as_downloaded_flagged_never_stored_again() -> None:
    headers = {"Content-Type": "text/html; charset=utf-8", "Last-Modified": "Mon, 26 Feb 2024 08:00:00 GMT"}
    stored = StoredPage(
        URL, None, headers["Last-Modified"], 200, headers, zlib.compress(BODY), len(BODY), FETCHED
    )
    request = _marked("2024-02-20")
    answer = stored_answer(request, stored)
    assert isinstance(answer, HtmlResponse)
    assert (answer.status, answer.url, answer.text) == (200, URL, BODY.decode())
    assert (
        answer.flags == [SITEMAP_UNCHANGED_FLAG]
        and request.meta[SITEMAP_STORED_AT] == "2024-02-27T02:00:00+00:00"
    )
    # A date read from it says so (the callbacks' evidence): when the page was stored, and the lastmod.
    assert stored_date_evidence(answer) == (
        "日期取自2024-02-27T02:00:00+00:00保存的页面（站点地图lastmod 2024-02-20），本轮未重新抓取"
    )
    assert answer.request is request
    # The page cache keeps only what was downloaded: the stored fetched_at must stay.
    assert keepable(request, answer, site="www.example.gov.cn", round_name="r2") is None
    downloaded = HtmlResponse(URL, status=200, body=BODY, headers=headers, request=request)
    assert keepable(request, downloaded, site="www.example.gov.cn", round_name="r2") is not None
    assert stored_date_evidence(downloaded) is None


@pytest.mark.parametrize("off", [{"GOVCHECK_SITEMAP": False}, {"GOVCHECK_PAGE_CACHE": False}])
def test_off_without_sitemaps_or_without_the_page_cache(off: dict[str, bool]) -> None:
    with pytest.raises(NotConfigured):
        SitemapUnchangedMiddleware.from_crawler(project_crawler(**off))
