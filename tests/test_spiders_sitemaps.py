"""A site's XML sitemaps on in-memory requests and responses (spiders/sitemaps.py): asked in a wave of
their own right before the first detail pages (robots.txt's files, even when another site's crawl
fetched it first, else /sitemap.xml), an index leads to its files within the bound, a gzip file is
unpacked, only the site's own URLs are kept; the detail pages released next carry their lastmod; a
page read from the store is no fetch and costs no budget; nothing is asked when nothing can be
spared, when the budget could not afford it, or switched off.
(Two rounds against the farm: tests/test_e2e_sitemap.py.)"""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

from scrapy import Request, signals
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.http.request import NO_CALLBACK

from govcheck.items import EntryItem, PageItem
from govcheck.spiders.portal import PortalSpider
from govcheck.spiders.routing import ROUTE, Route
from govcheck.spiders.sitemaps import SITEMAP_LISTED, SITEMAP_STORED_AT, SITEMAP_UNCHANGED_FLAG
from tests.helpers import portal_spider

HOME = "https://www.example.gov.cn/"
HOMEPAGE = """<html><head><title>某市人民政府</title></head><body>
<div class="nav"><ul><li><a href="/a/">公告</a></li><li><a href="/b/">动态</a></li><li><a href="/c/">文件</a></li></ul></div>
<ul class="news"><li><a href="/n/t20240220_1.html">通知一</a><span>2024-02-20</span></li></ul></body></html>"""
UNDATED = "".join(
    f'<li><a href="/a/content_{i}.html">关于开展第{i}批重点工作的通知</a></li>' for i in range(3)
)
DATED = '<li><a href="/a/t20240220_9.html">通知九</a><span>2024-02-20</span></li>'
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _spider(**overrides: Any) -> PortalSpider:
    return portal_spider(GOVCHECK_LINK_CHECK=False, GOVCHECK_IPV6_CHECK=False, **overrides)


def _html(request: Request, body: str, **kwargs: Any) -> HtmlResponse:
    return HtmlResponse(request.url, body=body.encode(), encoding="utf-8", request=request, **kwargs)


def _requests(outputs: Any) -> list[Request]:
    return [o for o in outputs if isinstance(o, Request)]


def _to_details(spider: PortalSpider, rows: str = UNDATED, *, robots: str | None = None) -> list[Request]:
    """The homepage and its one column answered (``rows`` listed; robots.txt seen first when given):
    what the next wave released."""

    async def first() -> Request:
        return await anext(aiter(spider.start()))

    columns = _requests(spider.dispatch(_html(asyncio.run(first()), HOMEPAGE)))
    if robots is not None:
        _robots_fetched(spider, robots)
    page = f'<html><body><div class="main"><ul class="list">{rows}</ul></div></body></html>'
    released = _requests(spider.dispatch(_html(columns[0], page)))
    for column in columns[1:]:
        released += _requests(spider.dispatch(_html(column, "<html><body></body></html>")))
    return released


def _robots_fetched(spider: PortalSpider, robots: str) -> None:
    """The site's robots.txt as the robots middleware downloads it (Scrapy's engine says so to all)."""
    request = Request(HOME + "robots.txt", meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
    answer = TextResponse(request.url, body=robots.encode(), encoding="utf-8", request=request)
    spider.crawler.signals.send_catch_log(
        signals.response_received, response=answer, request=request, spider=spider
    )


def _xml(request: Request, body: bytes, status: int = 200) -> Response:
    return XmlResponse(request.url, status=status, body=body, request=request)


def _urlset(*entries: tuple[str, str | None]) -> bytes:
    urls = "".join(
        f"<url><loc>{url}</loc>{f'<lastmod>{lastmod}</lastmod>' if lastmod else ''}</url>"
        for url, lastmod in entries
    )
    return f"<urlset {NS}>{urls}</urlset>".encode()


def test_sitemaps_go_right_before_the_detail_pages_and_hand_them_their_lastmod() -> None:
    spider = _spider()
    (sitemap,) = _to_details(spider)
    assert (sitemap.url, sitemap.meta[ROUTE]) == (HOME + "sitemap.xml", Route.XML_SITEMAP.value)
    body = _urlset(
        (HOME + "a/content_0.html", "2024-02-01"),
        (HOME + "a/content_1.html", None),
        ("https://elsewhere.example.com/a/content_2.html", "2024-02-01"),  # not the site's
    )
    details = _requests(spider.dispatch(_xml(sitemap, body)))
    assert [d.meta[ROUTE] for d in details] == [Route.DETAIL.value] * 3
    listed = {d.url: d.meta.get(SITEMAP_LISTED) for d in details}
    assert listed == {
        HOME + "a/content_0.html": {"url": HOME + "a/content_0.html", "lastmod": "2024-02-01"},
        HOME + "a/content_1.html": None,
        HOME + "a/content_2.html": None,
    }
    stats = spider.crawler.stats
    assert (stats.get_value("govcheck/sitemap/files"), stats.get_value("govcheck/sitemap/urls")) == (1, 2)


def test_robots_files_an_index_within_the_bound_and_a_gzip_file() -> None:
    spider = _spider(GOVCHECK_SITEMAP_MAX_FILES=3)
    robots = "User-agent: *\nSitemap: https://www.example.gov.cn/index.xml\n"
    (index,) = _to_details(spider, robots=robots)
    assert index.url == HOME + "index.xml"
    named = [HOME + "s1.xml.gz", HOME + "s2.xml", "https://cdn.example.com/s3.xml", HOME + "s4.xml"]
    body = f"<sitemapindex {NS}>{''.join(f'<sitemap><loc>{u}</loc></sitemap>' for u in named)}</sitemapindex>"
    files = _requests(spider.dispatch(_xml(index, body.encode())))
    assert [f.url for f in files] == [HOME + "s1.xml.gz", HOME + "s2.xml"]  # three files in all
    assert spider.crawler.stats.get_value("govcheck/sitemap/files_not_read") == 1
    packed = gzip.compress(_urlset((HOME + "a/content_0.html", "2024-02-01")))
    gz = Response(files[0].url, body=packed, headers={"Content-Type": "application/x-gzip"}, request=files[0])
    assert not _requests(spider.dispatch(gz))
    details = _requests(spider.dispatch(_xml(files[1], b"<html>not found</html>", status=404)))
    assert details[0].meta[SITEMAP_LISTED]["lastmod"] == "2024-02-01"


def test_a_robots_txt_fetched_before_the_site_began_names_its_sitemaps() -> None:
    """Another site's crawl on the same host made the robots middleware fetch robots.txt before this
    site's crawl began (one fetch per host per process): its Sitemap: lines still reach this site."""
    spider = _spider()
    _robots_fetched(spider, "User-agent: *\nSitemap: /from-robots.xml\n")
    (sitemap,) = _to_details(spider)
    assert sitemap.url == HOME + "from-robots.xml"


def test_a_gzip_bomb_is_left_unread() -> None:
    spider = _spider(GOVCHECK_SITEMAP_MAXSIZE=1024)
    (sitemap,) = _to_details(spider)
    packed = gzip.compress(_urlset(*[(HOME + f"x/{i}.html", "2024-02-01") for i in range(200)]))
    details = _requests(spider.dispatch(Response(sitemap.url, body=packed, request=sitemap)))
    assert details and not any(SITEMAP_LISTED in d.meta for d in details)
    assert spider.crawler.stats.get_value("govcheck/sitemap/too_large") == 1


def test_a_page_read_from_the_store_is_no_fetch_and_costs_no_budget() -> None:
    spider = _spider()
    (site,) = spider.sites.values()
    (sitemap,) = _to_details(spider)
    details = _requests(spider.dispatch(_xml(sitemap, _urlset((HOME + "a/content_0.html", "2024-02-01")))))
    charged = site.requests_made
    body = '<html><head><meta name="PubDate" content="2024-02-20 10:00"></head><body>正文</body></html>'
    details[0].meta[SITEMAP_STORED_AT] = "2024-02-27T02:00:00+00:00"  # as the sitemap middleware says
    out = list(spider.dispatch(_html(details[0], body, flags=[SITEMAP_UNCHANGED_FLAG])))
    assert not [o for o in out if isinstance(o, PageItem)]
    (dated,) = [o for o in out if isinstance(o, EntryItem) and o.date_source == "detail"]
    assert dated.url == HOME + "a/content_0.html"
    assert dated.date_evidence == (
        "日期取自2024-02-27T02:00:00+00:00保存的页面（站点地图lastmod 2024-02-01），本轮未重新抓取"
    )
    assert site.requests_made == charged - 1
    assert spider.crawler.stats.get_value("govcheck/sitemap/skipped_unchanged") == 1
    fetched = list(spider.dispatch(_html(details[1], body)))
    assert [o for o in fetched if isinstance(o, PageItem)] and site.requests_made == charged - 1
    assert [o.date_evidence for o in fetched if isinstance(o, EntryItem)] == [None]  # read live


def test_no_sitemap_when_nothing_can_be_spared_when_unaffordable_or_off() -> None:
    assert not _to_details(_spider(), rows=DATED)  # every entry dated: no detail page, no sitemap
    # The homepage, the columns, three detail pages and three sitemap files: one short.
    spider = _spider(GOVCHECK_SITE_PAGE_BUDGET=1 + 3 + 3 + 3 - 1)
    assert {r.meta[ROUTE] for r in _to_details(spider)} == {Route.DETAIL.value}
    assert spider.crawler.stats.get_value("govcheck/sitemap/not_afforded") == 1
    assert {r.meta[ROUTE] for r in _to_details(_spider(GOVCHECK_SITEMAP=False))} == {Route.DETAIL.value}
