"""Faulty replicas for the fault-injection suite (tests/faults/test_site_faults.py).

One small clean site (a 随县 department's columns) is served under ``control.faulty.gov.cn``, and
under one more host per fault with that one fault injected; every host serves the same paths and
titles, so a fault's crawl is compared row by row with the control's:

- ``drip.faulty.gov.cn``: the news column's list trickles out in small chunks over a few seconds;
- ``loop.faulty.gov.cn``: two of the homepage's links (plain pages elsewhere) are a two-step redirect
  loop and a self-redirect;
- ``cl-long.faulty.gov.cn`` / ``cl-short.faulty.gov.cn``: the news list declares a Content-Length
  longer than its body (then the connection closes) or shorter (the rest follows anyway);
- ``gbk-as-utf8.faulty.gov.cn``: every page is GBK while the header and the meta say UTF-8;
- ``bogus-charset.faulty.gov.cn``: every page is UTF-8 while header and meta name an unknown charset;
- ``robots.faulty.gov.cn``: no fault, a robots.txt that disallows the news column to every crawler
  (tests/test_settings.py: the crawl obeys it).

A fault that needs control of the socket (trickling, lying about the length) is a ``RawAnswer``:
the farm's handler calls it instead of sending a ``Resource`` (server.py).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler

from tests.farm.builder import Resource, Site, build_site
from tests.farm.sites import SPECS, SiteSpec

CONTROL = "control.faulty.gov.cn"
DRIP = "drip.faulty.gov.cn"
LOOP = "loop.faulty.gov.cn"
CL_LONG = "cl-long.faulty.gov.cn"
CL_SHORT = "cl-short.faulty.gov.cn"
GBK_AS_UTF8 = "gbk-as-utf8.faulty.gov.cn"
BOGUS_CHARSET = "bogus-charset.faulty.gov.cn"
ROBOTS = "robots.faulty.gov.cn"
ROBOTS_DISALLOWED = "/xwzx/gzdt/"  # the news column's folder: NEWS_LIST and its entries

NEWS_LIST = "/xwzx/gzdt/index.html"  # the column every list fault hits (the base spec's first column)
DRIP_SECONDS = 4.0  # the trickle takes this long in all, well inside DOWNLOAD_TIMEOUT
LOOP_LINKS = ("/loop/a.html", "/loop/self.html")
CL_EXTRA = 4096  # bytes a long Content-Length claims beyond the body
CL_SHORT_KEEP = 0.75  # share of the body a short Content-Length covers

RawAnswer = Callable[[BaseHTTPRequestHandler], int]


@dataclass
class FaultySite:
    """A farm host: fixed pages, and raw answers for the paths where the fault needs the socket."""

    host: str
    site: Site
    pages: dict[str, Resource]
    raw: dict[str, RawAnswer] = field(default_factory=dict)

    @property
    def not_found(self) -> Resource:
        return _rehost(self.site.not_found, self.host)

    def get(self, path: str, params: dict[str, str]) -> Resource | RawAnswer:
        for candidate in (path, path + self.site.index if path.endswith("/") else path):
            if candidate in self.raw:
                return self.raw[candidate]
            if candidate in self.pages:
                return self.pages[candidate]
        return self.not_found


def _rehost(res: Resource, host: str) -> Resource:
    return dataclasses.replace(res, body=res.body.replace(CONTROL.encode(), host.encode()))


def _base_spec(charset: str) -> SiteSpec:
    base = next(spec for spec in SPECS if spec.host == "jyj.zgsuixian.gov.cn")
    return dataclasses.replace(
        base,
        host=CONTROL,
        code="4299000001",
        name="故障注入对照站",
        charset=charset,
        links=tuple(("专题链接", f"http://{CONTROL}{path}") for path in LOOP_LINKS),
        outlinks=(),
    )


@cache
def _built(charset: str) -> Site:
    site = build_site(_base_spec(charset))
    page = "<html><head><title>专题</title></head><body>专题</body></html>".encode(charset)
    for path in LOOP_LINKS:  # plain pages, except on the loop host
        site.pages[path] = Resource(200, f"text/html; charset={charset}", page)
    return site


def _rehosted(host: str, charset: str = "utf-8") -> tuple[Site, dict[str, Resource]]:
    site = _built(charset)
    return site, {path: _rehost(res, host) for path, res in site.pages.items()}


def _send_head(handler: BaseHTTPRequestHandler, res: Resource, length: int) -> None:
    handler.send_response(res.status)
    handler.send_header("Content-Type", res.content_type)
    handler.send_header("Content-Length", str(length))
    handler.end_headers()


def drip(res: Resource, seconds: float, chunks: int = 40) -> RawAnswer:
    """Send the headers at once, then the body in ``chunks`` pieces spread over ``seconds``."""

    def answer(handler: BaseHTTPRequestHandler) -> int:
        _send_head(handler, res, len(res.body))
        if handler.command != "HEAD":
            step = max(1, -(-len(res.body) // chunks))
            for start in range(0, len(res.body), step):
                handler.wfile.write(res.body[start : start + step])
                handler.wfile.flush()
                time.sleep(seconds / chunks)
        return res.status

    return answer


def lying_length(res: Resource, length: int) -> RawAnswer:
    """Declare ``length`` bytes, send the whole body, and close the connection."""

    def answer(handler: BaseHTTPRequestHandler) -> int:
        _send_head(handler, res, length)
        if handler.command != "HEAD":
            handler.wfile.write(res.body)
        handler.close_connection = True
        return res.status

    return answer


def _redirect(location: str) -> Resource:
    return Resource(302, "text/html; charset=utf-8", b"", (("Location", location),))


def _relabelled(pages: dict[str, Resource], declared: bytes) -> dict[str, Resource]:
    """Every HTML page's header and meta claim ``declared``, whatever its bytes are."""
    out = {}
    for path, res in pages.items():
        if res.content_type.startswith("text/html"):
            body = res.body.replace(b"charset=gbk", b"charset=" + declared)
            body = body.replace(b'<meta charset="utf-8">', b'<meta charset="' + declared + b'">')
            res = dataclasses.replace(res, content_type="text/html; charset=" + declared.decode(), body=body)
        out[path] = res
    return out


def _faulty(host: str) -> FaultySite:
    if host == GBK_AS_UTF8:
        site, pages = _rehosted(host, "gbk")
        return FaultySite(host, site, _relabelled(pages, b"utf-8"))
    site, pages = _rehosted(host)
    if host == BOGUS_CHARSET:
        return FaultySite(host, site, _relabelled(pages, b"x-govcheck-bogus"))
    faulty = FaultySite(host, site, pages)
    news = pages[NEWS_LIST]
    if host == DRIP:
        faulty.raw[NEWS_LIST] = drip(news, DRIP_SECONDS)
    elif host == CL_LONG:
        faulty.raw[NEWS_LIST] = lying_length(news, len(news.body) + CL_EXTRA)
    elif host == CL_SHORT:
        faulty.raw[NEWS_LIST] = lying_length(news, int(len(news.body) * CL_SHORT_KEEP))
    elif host == ROBOTS:
        rules = f"User-agent: *\nDisallow: {ROBOTS_DISALLOWED}\n".encode()
        pages["/robots.txt"] = Resource(200, "text/plain; charset=utf-8", rules)
    elif host == LOOP:
        a, self_ = LOOP_LINKS
        pages[a] = _redirect(f"http://{host}/loop/b.html")
        pages["/loop/b.html"] = _redirect(f"http://{host}{a}")
        pages[self_] = _redirect(f"http://{host}{self_}")
    return faulty


FAULTY_HOSTS = (CONTROL, DRIP, LOOP, CL_LONG, CL_SHORT, GBK_AS_UTF8, BOGUS_CHARSET, ROBOTS)


def faulty_sites() -> dict[str, FaultySite]:
    return {host: _faulty(host) for host in FAULTY_HOSTS}
