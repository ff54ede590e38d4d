"""Page-cache replicas: county sites whose pages answer conditional requests (issue 12, "conditional
requests between rounds"), each declaring its own truth.

- ``etag.pagecache.gov.cn`` sends ETag and Last-Modified and answers 304 to a matching If-None-Match
  (else to an If-Modified-Since not older than the page);
- ``lastmod.pagecache.gov.cn`` sends Last-Modified only and answers 304 to If-Modified-Since.

Each has a homepage with dated news (the Last-Modified one's all older than 14 days: homepage_stale),
工作动态 (hand-ordered: its newest item is on page 2, so the crawl paginates), 通知公告 (undated rows:
the crawl reads each detail page's 发布时间), 政策文件 (GBK bytes declared UTF-8: EncodingMiddleware must
fix a revalidated page as a downloaded one) and 公示公告, stale since 2023 (a finding), a broken link (a
404) on the homepage, and a robots.txt naming ``/sitemap.xml`` (a urlset with each detail page's
<lastmod>; not read by the crawl yet).

Served through the same farm proxy (server.py looks hosts up here); not in the farm's registry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cache
from http.server import BaseHTTPRequestHandler

from tests.farm.builder import Resource
from tests.farm.pages import HTML, document, rows

ETAG_SITE = "etag.pagecache.gov.cn"
LASTMOD_SITE = "lastmod.pagecache.gov.cn"
PAGECACHE_SITES = (ETAG_SITE, LASTMOD_SITE)
LAST_MODIFIED = "Mon, 26 Feb 2024 08:00:00 GMT"

RawAnswer = Callable[[BaseHTTPRequestHandler], int]


@dataclass(frozen=True)
class PageCacheTruth:
    host: str
    name: str
    stale_columns: tuple[str, ...]  # column URLs whose newest item is older than its threshold
    broken_links: tuple[str, ...]
    detail_dated: tuple[str, ...]  # entries dated by their detail page's 发布时间
    homepage_stale: bool  # its homepage shows no item of the last 14 days (a finding a 304 must keep)


@dataclass
class PageCacheSite:
    """A farm host whose pages answer conditional requests with ``etag`` and/or Last-Modified."""

    host: str
    etag: bool
    pages: dict[str, Resource] = field(default_factory=dict)

    def get(self, path: str, params: dict[str, str]) -> Resource | RawAnswer:
        if path.endswith("/"):
            path += "index.html"
        page = self.pages.get(path)
        if page is None:
            return Resource(404, HTML, b"<html><title>404</title>404 Not Found</html>")
        return self._conditional(page)

    def _conditional(self, page: Resource) -> RawAnswer:
        tag = '"' + hashlib.sha1(page.body).hexdigest()[:16] + '"'
        validators = (("ETag", tag),) if self.etag else ()
        validators += (("Last-Modified", LAST_MODIFIED),)

        def answer(handler: BaseHTTPRequestHandler) -> int:
            send: Callable[..., int] = handler._send  # type: ignore[attr-defined]
            if self._unchanged(handler, tag):
                return send(Resource(304, page.content_type, b""), validators)
            return send(page, validators)

        return answer

    def _unchanged(self, handler: BaseHTTPRequestHandler, tag: str) -> bool:
        """RFC 9110 §13.2.2: If-None-Match decides when sent (and the server has ETags); else the date."""
        match = handler.headers.get("If-None-Match")
        if match is not None and self.etag:
            return match == tag
        since = handler.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return parsedate_to_datetime(since) >= parsedate_to_datetime(LAST_MODIFIED)
        except (TypeError, ValueError):
            return False


def _doc(title: str, body: str, charset: str = "utf-8") -> str:
    return document(title, body, metas=f'<meta name="SiteName" content="{title}">', charset=charset)


def _county(
    host: str, name: str, code: str, *, etag: bool, stale_home: bool
) -> tuple[PageCacheSite, PageCacheTruth]:
    site = PageCacheSite(host, etag)
    base = f"http://{host}"

    def page(path: str, title: str, main: str) -> None:
        site.pages[path] = Resource(200, HTML, _doc(title, main).encode())

    # 工作动态: hand-ordered, the newest item on page 2.
    news = [(f"{name}召开第{i + 1}次常务会议", f"/gzdt/202402/{10 + i}.html", f"2024-02-{d:02d}")
            for i, d in enumerate((12, 3, 20, 8))]  # fmt: skip
    news2 = [(f"{name}部署春耕生产", "/gzdt/202402/30.html", "2024-02-26"),
             (f"{name}召开安全生产会议", "/gzdt/202401/31.html", "2024-01-15")]  # fmt: skip
    pager = '<div class="page">共2页 <a href="index_1.html">下一页</a></div>'
    page("/gzdt/index.html", "工作动态", f'<h2>工作动态</h2><ul class="list">{rows(news)}</ul>{pager}')
    page("/gzdt/index_1.html", "工作动态", f'<h2>工作动态</h2><ul class="list">{rows(news2)}</ul>')
    # 通知公告: undated rows and URLs; each detail page says 发布时间.
    notices = [(f"关于做好第{i + 1}批惠民补贴发放工作的通知", f"/tzgg/content_{500 + i}.html", None)
               for i in range(3)]  # fmt: skip
    page("/tzgg/index.html", "通知公告", f'<h2>通知公告</h2><ul class="list">{rows(notices)}</ul>')
    notice_days = ("2024-02-05", "2024-01-22", "2023-12-18")
    for (title, href, _), day in zip(notices, notice_days, strict=True):
        page(href, title, f"<h1>{title}</h1><p>发布时间：{day}</p><p>正文。</p>")
    # 政策文件: GBK bytes under a UTF-8 declaration.
    policies = [(f"{name}关于印发第{i + 1}号规范性文件的通知", f"/zcwj/202402/{40 + i}.html", f"2024-02-{d:02d}")
                for i, d in enumerate((19, 7))]  # fmt: skip
    site.pages["/zcwj/index.html"] = Resource(
        200,
        HTML,
        _doc("政策文件", f'<h2>政策文件</h2><ul class="list">{rows(policies)}</ul>', "gbk").encode("gbk"),
    )
    # 公示公告: stale since 2023.
    old = [(f"{name}2023年第{i + 1}批项目公示", f"/gsgg/202303/{60 + i}.html", f"2023-03-{d:02d}")
           for i, d in enumerate((14, 2))]  # fmt: skip
    page("/gsgg/index.html", "公示公告", f'<h2>公示公告</h2><ul class="list">{rows(old)}</ul>')
    for title, href, _day in [*news, *news2, *policies, *old]:
        page(href, title, f"<h1>{title}</h1><p>正文。</p>")

    columns = (("工作动态", "/gzdt/"), ("通知公告", "/tzgg/"), ("政策文件", "/zcwj/"), ("公示公告", "/gsgg/"))
    nav = "".join(f'<li><a href="{base}{path}">{col}</a></li>' for col, path in columns)
    broken = f"{base}/old/removed.html"
    # A stale homepage shows the older news only (newest 2024-02-12: 16 days before the as-of date).
    home_news = [row for row in news if row[2] != "2024-02-20"] if stale_home else news[:3]
    home = (
        f'<div class="nav"><ul><li><a href="/">首页</a></li>{nav}</ul></div>'
        f'<div class="box"><h3><a href="/gzdt/">工作动态</a></h3><ul>{rows(home_news)}</ul></div>'
        f'<div class="footer"><a href="{broken}">旧版网站</a><p>{name}主办 网站标识码：{code}</p></div>'
    )
    page("/index.html", name, home)
    site.pages["/robots.txt"] = Resource(
        200, "text/plain; charset=utf-8", f"User-agent: *\nDisallow:\nSitemap: {base}/sitemap.xml\n".encode()
    )
    urls = "".join(
        f"<url><loc>{base}{href}</loc><lastmod>{day}</lastmod></url>"
        for (_t, href, _), day in zip(notices, notice_days, strict=True)
    )
    site.pages["/sitemap.xml"] = Resource(
        200,
        "application/xml",
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(),
    )
    truth = PageCacheTruth(
        host,
        name,
        stale_columns=(f"{base}/gsgg/",),
        broken_links=(broken,),
        detail_dated=tuple(f"{base}{href}" for _t, href, _ in notices),
        homepage_stale=stale_home,
    )
    return site, truth


@cache
def build_pagecache() -> tuple[dict[str, PageCacheSite], dict[str, PageCacheTruth]]:
    sites: dict[str, PageCacheSite] = {}
    truths: dict[str, PageCacheTruth] = {}
    for host, name, code, etag in (
        (ETAG_SITE, "丙县人民政府", "4290000301", True),
        (LASTMOD_SITE, "丁县人民政府", "4290000302", False),
    ):
        sites[host], truths[host] = _county(host, name, code, etag=etag, stale_home=not etag)
    return sites, truths


def pagecache_sites() -> dict[str, PageCacheSite]:
    return build_pagecache()[0]


PAGECACHE_TRUTH: dict[str, PageCacheTruth] = build_pagecache()[1]
