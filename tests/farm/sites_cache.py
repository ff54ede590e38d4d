"""Cache replicas: two county sites that link to the same outside targets (issue 12, "fewer requests
for the same answer"), each declaring its own truth.

- ``a.cachefarm.gov.cn`` and ``b.cachefarm.gov.cn``: a homepage with two dated columns and a footer
  linking to the shared platform ``shared.cachefarm.gov.cn`` (its root and 政务服务 page, both up,
  and a page it has removed: a real 404) and to ``gone.cachefarm.gov.cn``, a host that does not
  resolve (the farm's proxy answers 502 ``dns_error``: a failure to reach it, never cached);
- every page carries an ETag and a Last-Modified date, and a request whose If-None-Match names the
  page's ETag gets a 304 (a server that honours conditional requests).

Served through the same farm proxy (server.py looks hosts up here); not in the farm's registry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler

from tests.farm.builder import Resource
from tests.farm.pages import HTML, document

SITE_A = "a.cachefarm.gov.cn"
SITE_B = "b.cachefarm.gov.cn"
SHARED = "shared.cachefarm.gov.cn"
GONE = "gone.cachefarm.gov.cn"  # not served: the proxy says dns_error
LAST_MODIFIED = "Tue, 27 Feb 2024 08:00:00 GMT"

SHARED_OK = (f"http://{SHARED}/", f"http://{SHARED}/zwfw/index.html")
SHARED_BROKEN = (f"http://{SHARED}/old/removed.html",)
UNREACHABLE = (f"http://{GONE}/",)
OUTSIDE_TARGETS = (*SHARED_OK, *SHARED_BROKEN, *UNREACHABLE)

RawAnswer = Callable[[BaseHTTPRequestHandler], int]


@dataclass(frozen=True)
class CacheTruth:
    host: str
    name: str
    columns: dict[str, str]  # column name -> URL
    shared_ok: tuple[str, ...] = SHARED_OK
    shared_broken: tuple[str, ...] = SHARED_BROKEN
    unreachable: tuple[str, ...] = UNREACHABLE


@dataclass
class CacheSite:
    """A farm host whose pages answer conditional requests; unknown paths are a plain 404."""

    host: str
    pages: dict[str, Resource] = field(default_factory=dict)

    def get(self, path: str, params: dict[str, str]) -> Resource | RawAnswer:
        if path.endswith("/"):
            path += "index.html"
        page = self.pages.get(path)
        if page is None:
            return Resource(404, HTML, b"<html><title>404</title>404 Not Found</html>")
        return _conditional(page)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


def _conditional(page: Resource) -> RawAnswer:
    """The page, or a bodiless 304 when the client already holds this version (If-None-Match)."""

    def answer(handler: BaseHTTPRequestHandler) -> int:
        validators = (("ETag", _etag(page.body)), ("Last-Modified", LAST_MODIFIED))
        send: Callable[..., int] = handler._send  # type: ignore[attr-defined]
        if handler.headers.get("If-None-Match") == _etag(page.body):
            return send(Resource(304, page.content_type, b""), validators)
        return send(page, validators)

    return answer


def _doc(title: str, body: str) -> bytes:
    return document(title, body, metas=f'<meta name="SiteName" content="{title}">').encode()


def _county(host: str, name: str, code: str) -> tuple[CacheSite, CacheTruth]:
    site = CacheSite(host)
    columns = {"工作动态": f"http://{host}/gzdt/", "通知公告": f"http://{host}/tzgg/"}
    nav = "".join(f'<li><a href="{url}">{col}</a></li>' for col, url in columns.items())
    footer = (
        f'<a href="{SHARED_OK[0]}">全省政府网站集约化平台</a> | <a href="{SHARED_OK[1]}">政务服务</a> | '
        f'<a href="{SHARED_BROKEN[0]}">旧版入口</a> | <a href="{UNREACHABLE[0]}">停用系统</a>'
        f"<p>{name}主办 网站标识码：{code}</p>"
    )
    rows: dict[str, list[tuple[str, str, str]]] = {}
    for folder, col, days in (("gzdt", "工作动态", (26, 20, 13, 6)), ("tzgg", "通知公告", (22, 9))):
        rows[folder] = [
            (f"{name}{col}第{i + 1}号", f"/{folder}/202402/{i + 1}.html", f"2024-02-{day:02d}")
            for i, day in enumerate(days)
        ]
        items = "".join(f'<li><a href="{h}">{t}</a><span>{d}</span></li>' for t, h, d in rows[folder])
        site.pages[f"/{folder}/index.html"] = Resource(
            200,
            HTML,
            _doc(f"{col}_{name}", f'<h2>{col}</h2><ul class="list">{items}</ul>'),
        )
        for title, href, day in rows[folder]:
            site.pages[href] = Resource(200, HTML, _doc(title, f"<h1>{title}</h1><p>发布时间：{day}</p>"))
    news = "".join(f'<li><a href="{h}">{t}</a><span>{d}</span></li>' for t, h, d in rows["gzdt"][:3])
    home = (
        f'<div class="nav"><ul><li><a href="/">首页</a></li>{nav}</ul></div>'
        f'<div class="box"><h3><a href="/gzdt/">工作动态</a></h3><ul>{news}</ul></div>'
        f'<div class="footer">{footer}</div>'
    )
    site.pages["/index.html"] = Resource(200, HTML, _doc(name, home))
    return site, CacheTruth(host, name, columns)


def _shared() -> CacheSite:
    site = CacheSite(SHARED)
    site.pages["/index.html"] = Resource(
        200, HTML, _doc("全省政府网站集约化平台", "<h1>全省政府网站集约化平台</h1>")
    )
    site.pages["/zwfw/index.html"] = Resource(200, HTML, _doc("政务服务", "<h1>政务服务</h1>"))
    return site


@cache
def build_cache() -> tuple[dict[str, CacheSite], dict[str, CacheTruth]]:
    sites: dict[str, CacheSite] = {SHARED: _shared()}
    truths: dict[str, CacheTruth] = {}
    for host, name, code in ((SITE_A, "甲县人民政府", "4290000201"), (SITE_B, "乙县人民政府", "4290000202")):
        sites[host], truths[host] = _county(host, name, code)
    return sites, truths


def cache_sites() -> dict[str, CacheSite]:
    return build_cache()[0]


CACHE_TRUTH: dict[str, CacheTruth] = build_cache()[1]
