"""Hostile replicas for the fault suite (issue 9, "bounded everything"): each answers 200 and then costs
whatever it can. Bodies are streamed by the handler, never held whole in the farm's memory.

- ``control.faultfarm.gov.cn``: the clean control, the homepage every other host starts from.
- ``bigpage.faultfarm.gov.cn``: the control whose 通知公告 column is a 200 MB page (honest Content-Length);
  its homepage links a 200 MB PDF and a 50 MB page, both refusing HEAD (405), so the check must GET.
- ``bomb.faultfarm.gov.cn``: a homepage gzip bomb (≈200 KB on the wire, 200 MB decompressed).
- ``linkbomb.faultfarm.gov.cn``: the control whose 政务动态 column is a deflate bomb and whose 通知公告
  column is a brotli bomb (317 bytes on the wire, 200 MB decompressed).
- ``drip.faultfarm.gov.cn``: a homepage that answers 200 and drips a chunked body forever.
- ``huge.faultfarm.gov.cn``: a homepage of 30 MB without Content-Length (over the 20 MB limit).
- ``links.faultfarm.gov.cn``: the control with 100,000 links on its homepage, each a 200 page that
  refuses HEAD (405), so every check costs a HEAD and a GET.

server.py looks hosts up here before the replicas (``FAULT_SITES``).
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import SplitResult

import brotli  # a Scrapy dependency: its HttpCompressionMiddleware decodes br with it

if TYPE_CHECKING:
    from tests.farm.server import FarmHandler

CONTROL = "control.faultfarm.gov.cn"
BIGPAGE = "bigpage.faultfarm.gov.cn"
BOMB = "bomb.faultfarm.gov.cn"
LINKBOMB = "linkbomb.faultfarm.gov.cn"
DRIP = "drip.faultfarm.gov.cn"
HUGE = "huge.faultfarm.gov.cn"
LINKS = "links.faultfarm.gov.cn"

BIG_PAGE_BYTES = 200 * 1024 * 1024
BIG_LINKED_PAGE_BYTES = 50 * 1024 * 1024
BIG_ATTACHMENT = "/uploadfiles/report.pdf"
BIG_LINKED_PAGE = "/p/huge.html"
BOMB_BYTES = 200 * 1024 * 1024  # decompressed
HUGE_HOMEPAGE_BYTES = 30 * 1024 * 1024
LINK_COUNT = 100_000
CHUNK = 64 * 1024
HTML = "text/html; charset=utf-8"
ARTICLE = re.compile(r"^/(?:(?:zwdt|tzgg|zcwj)/\d{4}/\d{2}/t\d{8}_\d+|p/\d+)\.html$")

COLUMNS = (("政务动态", "/zwdt/"), ("通知公告", "/tzgg/"), ("政策文件", "/zcwj/"))
FOOTER = (
    '<div class="footer"><p>主办单位：故障农场人民政府办公室</p><p>网站标识码：4200000099</p>'
    "<p>鄂ICP备00000000号</p><p>鄂公网安备 42000000000000号</p>"
    '<a href="http://bszs.conac.cn/sitename?method=show&id=1"><img src="/dzjg.png" alt="党政机关"></a>'
    "<script id=\"_jiucuo_\" sitecode='4200000099' src='https://zfwzgl.www.gov.cn/exposure/jiucuo.js'></script></div>"
)
# The 网页设计规范 metas (the control has every footer and homepage duty: it is clean).
SITE_METAS = (
    '<meta name="SiteName" content="故障农场人民政府"><meta name="SiteDomain" content="control.faultfarm.gov.cn">'
    '<meta name="SiteIDCode" content="4200000099">'
)


def _document(title: str, body: str, metas: str = "") -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{SITE_METAS}{metas}</head>'
        f"<body>{body}{FOOTER}</body></html>"
    ).encode()


def _list(prefix: str, days: int = 5) -> str:
    rows = "".join(
        f'<li><a href="{prefix}2024/02/t202402{27 - i:02d}_{100 + i}.html">工作动态第{i + 1}条</a>'
        f"<span>2024-02-{27 - i:02d}</span></li>"
        for i in range(days)
    )
    return f'<ul class="list">{rows}</ul>'


def _homepage(extra: str = "") -> bytes:
    nav = "".join(f'<li><a href="{href}">{name}</a></li>' for name, href in COLUMNS)
    return _document(
        "故障农场人民政府",
        f'<div class="nav"><ul>{nav}</ul></div><div class="news"><h3>政务动态</h3>{_list("/zwdt/")}</div>'
        + extra,
    )


def _column(name: str, slug: str) -> bytes:
    return _document(
        f"{name}_故障农场人民政府",
        f'<div class="crumb">首页 > {name}</div>{_list(f"/{slug}/")}',
        f'<meta name="ColumnName" content="{name}"><meta name="ColumnType" content="{name}">',
    )


def _article(path: str) -> bytes:
    return _document("工作动态", f"<h1>工作动态</h1><p>发布时间：2024-02-20</p><p>{path}</p>")


# ------------------------------------------------------------------------------------------ answers


def _head(handler: FarmHandler, status: int, headers: dict[str, str]) -> bool:
    """Send the status line and headers; True when a body should follow (not a HEAD)."""
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    return handler.command != "HEAD"


def _whole(handler: FarmHandler, body: bytes, status: int = 200) -> int:
    if _head(handler, status, {"Content-Type": HTML, "Content-Length": str(len(body))}):
        handler.wfile.write(body)
    return status


def _filler(total: int) -> Iterator[bytes]:
    """``total`` bytes of HTML-ish filler, produced a chunk at a time."""
    block = ("<p>" + "填充" * (CHUNK // 8) + "</p>\n").encode()[:CHUNK]
    sent = 0
    while sent < total:
        piece = block[: total - sent]
        sent += len(piece)
        yield piece


def _stream(handler: FarmHandler, total: int, *, declare_length: bool, content_type: str = HTML) -> int:
    """A ``total``-byte page; without ``declare_length`` the body ends when the connection closes."""
    headers = {"Content-Type": content_type}
    if declare_length:
        headers["Content-Length"] = str(total)
    else:
        headers["Connection"] = "close"
        handler.close_connection = True
    if _head(handler, 200, headers):
        handler.wfile.write(b"<!DOCTYPE html><html><head><title>\xe5\xa4\xa7</title></head><body>")
        for piece in _filler(total):
            handler.wfile.write(piece)
    return 200


@cache
def _compressed(total: int, encoding: str) -> bytes:
    """``total`` bytes of zeros compressed (computed a chunk at a time, once per farm)."""
    zeros = b"\0" * CHUNK
    if encoding == "br":
        brotli_compressor = brotli.Compressor(quality=5)
        parts = [brotli_compressor.process(zeros) for _ in range(total // CHUNK)]
        return b"".join(parts) + brotli_compressor.finish()
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    parts = [compressor.compress(zeros) for _ in range(total // CHUNK)]
    parts.append(compressor.flush())
    return b"".join(parts)


def _bomb(handler: FarmHandler, encoding: str) -> int:
    body = _compressed(BOMB_BYTES, encoding)
    headers = {"Content-Type": HTML, "Content-Encoding": encoding, "Content-Length": str(len(body))}
    if _head(handler, 200, headers):
        handler.wfile.write(body)
    return 200


def _drip(handler: FarmHandler) -> int:
    """200, then a chunk of HTML every 0.2 s until the client hangs up."""
    handler.close_connection = True
    if _head(handler, 200, {"Content-Type": HTML, "Transfer-Encoding": "chunked"}):
        piece = b"<p>\xe6\x85\xa2</p>\n"
        while True:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            handler.wfile.flush()
            time.sleep(0.2)
    return 200


@cache
def _links_homepage() -> bytes:
    links = "".join(f'<a href="/p/{i}.html">页面{i}</a>' for i in range(LINK_COUNT))
    return _homepage(f'<div class="links">{links}</div>')


def _bigpage_homepage() -> bytes:
    return _homepage(f'<a href="{BIG_ATTACHMENT}">年度报告</a><a href="{BIG_LINKED_PAGE}">专题</a>')


def _control_site(handler: FarmHandler, path: str, homepage: Callable[[], bytes] = _homepage) -> int:
    if path in ("/", "/index.html"):
        return _whole(handler, homepage())
    for name, href in COLUMNS:
        if path in (href, href + "index.html"):
            return _whole(handler, _column(name, href.strip("/")))
    if path.endswith(".png"):
        if _head(handler, 200, {"Content-Type": "image/png", "Content-Length": "0"}):
            handler.wfile.write(b"")
        return 200
    if ARTICLE.match(path):
        return _whole(handler, _article(path))
    return _whole(handler, _document("404", "<h1>404 Not Found</h1>"), status=404)


def serve_fault(handler: FarmHandler, host: str, url: SplitResult) -> int | None:
    """Answer a request for a fault host (``host`` in ``FAULT_SITES``)."""
    path = url.path or "/"
    home = path in ("/", "/index.html")
    if host == BOMB and home:
        return _bomb(handler, "gzip")
    if host == DRIP and home:
        return _drip(handler)
    if host == HUGE and home:
        return _stream(handler, HUGE_HOMEPAGE_BYTES, declare_length=False)
    if host == BIGPAGE and path in ("/tzgg/", "/tzgg/index.html"):
        return _stream(handler, BIG_PAGE_BYTES, declare_length=True)
    if host == BIGPAGE and path in (BIG_ATTACHMENT, BIG_LINKED_PAGE):
        if handler.command == "HEAD":  # many servers refuse HEAD: the check has to GET
            return _whole(handler, _document("405", "<h1>405 Not Allowed</h1>"), status=405)
        if path == BIG_ATTACHMENT:
            return _stream(handler, BIG_PAGE_BYTES, declare_length=True, content_type="application/pdf")
        return _stream(handler, BIG_LINKED_PAGE_BYTES, declare_length=False)
    if host == LINKBOMB and path in ("/zwdt/", "/zwdt/index.html"):
        return _bomb(handler, "deflate")
    if host == LINKBOMB and path in ("/tzgg/", "/tzgg/index.html"):
        return _bomb(handler, "br")
    if host == LINKS and path.startswith("/p/") and handler.command == "HEAD":
        return _whole(handler, _document("405", "<h1>405 Not Allowed</h1>"), status=405)
    homepage = {LINKS: _links_homepage, BIGPAGE: _bigpage_homepage}.get(host, _homepage)
    return _control_site(handler, path, homepage)


FAULT_SITES = frozenset({CONTROL, BIGPAGE, BOMB, LINKBOMB, DRIP, HUGE, LINKS})
