"""The article sampler (govcheck.spiders.articles) through the spider's dispatch pair, on in-memory
responses: nothing is asked while the site's page work runs; then the newest own entry of the first
GOVCHECK_ARTICLE_META_PAGES columns (navigation order, whatever order they answered in), once, charged
to the budget; an entry page read for its date is checked there and not fetched again; each answer is
one article check (a page that did not answer: its error, no missing meta)."""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from govcheck import settings as project_settings
from govcheck.items import ArticleCheckItem
from govcheck.spiders.portal import PortalSpider
from govcheck.spiders.routing import ROUTE, Route

SETTINGS = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
SITE = "www.example.gov.cn"
HOME = f"http://{SITE}/"
NAMES = {"gzdt": "工作动态", "tzgg": "通知公告", "zcwj": "政策文件", "bmdt": "部门动态"}
HOMEPAGE = (
    '<html><body><div class="nav"><ul><li><a href="/">首页</a></li>'
    + "".join(f'<li><a href="/{path}/">{name}</a></li>' for path, name in NAMES.items())
    + "</ul></div></body></html>"
)
FULL = (
    '<meta name="SiteName" content="示例"><meta name="SiteDomain" content="www.example.gov.cn">'
    '<meta name="SiteIDCode" content="4213000099"><meta name="ColumnName" content="工作动态">'
    '<meta name="ColumnType" content="工作动态"><meta name="ArticleTitle" content="通知">'
    '<meta name="PubDate" content="2024-02-27 09:00"><meta name="ContentSource" content="示例">'
)


def _column(path: str) -> str:
    """Three dated rows, the newest second; 部门动态's rows show no date at all (their pages are read)."""
    if path == "bmdt":
        rows = "".join(f'<li><a href="/bmdt/content_{i}.html">部门信息{i}</a></li>' for i in range(1, 4))
    else:
        rows = "".join(
            f'<li><a href="/{path}/t202402{day:02d}_{i}.html">{NAMES[path]}{i}</a><span>2024-02-{day:02d}</span></li>'
            for i, day in ((1, 20), (2, 26), (3, 10))
        )
    return f'<html><body><div class="main"><ul class="list">{rows}</ul></div></body></html>'


def _spider(**overrides: Any) -> PortalSpider:
    settings = {
        **SETTINGS,
        "GOVCHECK_REFERENCE_HOSTS": "",
        "GOVCHECK_LINK_CHECK": False,
        "GOVCHECK_IPV6_CHECK": False,
        "GOVCHECK_ARTICLE_META_CHECK": True,
        "GOVCHECK_ARTICLE_META_PAGES": 2,
        "GOVCHECK_SITEMAP": False,  # its wave would go before the detail pages (test_spiders_sitemaps.py)
        **overrides,
    }
    crawler = get_crawler(PortalSpider, settings)
    crawler._apply_settings()
    spider = PortalSpider.from_crawler(crawler, site=HOME, as_of="2024-02-28")
    crawler.spider = spider
    return spider


def _answer(request: Request, body: str, status: int = 200) -> HtmlResponse:
    return HtmlResponse(request.url, status=status, body=body.encode(), encoding="utf-8", request=request)


def _requests(outputs: list[Any], route: Route) -> list[Request]:
    return [o for o in outputs if isinstance(o, Request) and o.meta[ROUTE] == route.value]


def _crawl_columns(spider: PortalSpider, order: list[str]) -> tuple[list[Any], list[Any]]:
    """The homepage, then the columns answered in ``order`` (their pages' dating fetches after them):
    what came out before the last page work settled, and with it."""

    async def first() -> Request:
        return await anext(aiter(spider.start()))

    out = list(spider.dispatch(_answer(asyncio.run(first()), HOMEPAGE)))
    for other in [o for o in out if isinstance(o, Request) and o.meta[ROUTE] != Route.COLUMN.value]:
        out += list(spider.dispatch(_answer(other, "", status=404)))  # a sitemap: none
    columns = {r.url: r for r in _requests(out, Route.COLUMN)}
    before: list[Any] = []
    for path in order:
        before += list(spider.dispatch(_answer(columns[f"{HOME}{path}/"], _column(path))))
    details = _requests(before, Route.DETAIL)
    assert details, "部门动态's undated entries are read for their dates"
    for detail in details[:-1]:
        body = f"<html><head>{FULL}</head><body>发布时间：2024-02-25</body></html>"
        before += list(spider.dispatch(_answer(detail, body)))
    no_pub_date = FULL.replace('<meta name="PubDate" content="2024-02-27 09:00">', "")
    last = f"<html><head>{no_pub_date}</head><body>发布时间：2024-02-25</body></html>"
    released = list(spider.dispatch(_answer(details[-1], last)))
    return before, released


def test_the_sample_waits_for_the_page_work_and_follows_navigation_order() -> None:
    spider = _spider()
    before, released = _crawl_columns(spider, ["bmdt", "zcwj", "tzgg", "gzdt"])
    assert not _requests(before, Route.ARTICLE)
    # The first two columns' newest entries (the second row, the newest date), nothing else.
    asked = _requests(released, Route.ARTICLE)
    assert [r.url for r in asked] == [f"{HOME}gzdt/t20240226_2.html", f"{HOME}tzgg/t20240226_2.html"]
    assert spider.sites[SITE].page_work == len(asked)  # page work: the link checks wait for them
    full = f"<html><head>{FULL}</head><body></body></html>"
    (checked,) = [i for i in spider.dispatch(_answer(asked[0], full)) if isinstance(i, ArticleCheckItem)]
    assert (checked.url, checked.column_url, checked.http_status, checked.missing_metas) == (
        asked[0].url,
        f"{HOME}gzdt/",
        200,
        [],
    )
    failure = Failure(ConnectionRefusedError("refused"))
    failure.request = asked[1]  # type: ignore[attr-defined]
    (failed,) = [i for i in spider.dispatch_failure(failure) if isinstance(i, ArticleCheckItem)]
    assert (failed.http_status, failed.missing_metas, failed.error) == (None, None, "ConnectionRefusedError")


def test_a_columns_newest_entry_read_for_its_date_is_checked_there_not_fetched_again() -> None:
    spider = _spider(GOVCHECK_ARTICLE_META_PAGES=4)
    before, released = _crawl_columns(spider, ["gzdt", "tzgg", "zcwj", "bmdt"])
    dated = [i for i in before + released if isinstance(i, ArticleCheckItem)]
    # 部门动态 shows no date: its first listed entry is its newest guess, checked from its dating fetch.
    assert [(i.url, i.missing_metas) for i in dated] == [(f"{HOME}bmdt/content_1.html", [])]
    asked = [r.url for r in _requests(released, Route.ARTICLE)]
    assert asked == [f"{HOME}{path}/t20240226_2.html" for path in ("gzdt", "tzgg", "zcwj")]


def test_off_by_default_and_within_the_budget() -> None:
    before, released = _crawl_columns(
        _spider(GOVCHECK_ARTICLE_META_CHECK=False), ["gzdt", "tzgg", "zcwj", "bmdt"]
    )
    assert not _requests(before + released, Route.ARTICLE)
    assert not [i for i in before + released if isinstance(i, ArticleCheckItem)]
    # The page work takes 8 requests (the homepage, 4 columns, 3 dating fetches): one article fits.
    spider = _spider(GOVCHECK_SITE_PAGE_BUDGET=9)
    _, released = _crawl_columns(spider, ["gzdt", "tzgg", "zcwj", "bmdt"])
    assert [r.url for r in _requests(released, Route.ARTICLE)] == [f"{HOME}gzdt/t20240226_2.html"]
    stats = spider.sites[SITE].stats
    assert stats.get_value("govcheck/articles/skipped") == 1
    # The page queue charged it: the skipped sample page is counted as its phase's, like any other.
    assert stats.get_value("govcheck/budget/skipped_pages/article") == 1
    assert stats.get_value("govcheck/budget/exhausted") == "pages"
