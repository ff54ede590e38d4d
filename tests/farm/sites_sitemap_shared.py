"""Two sites on one host's robots.txt (a city portal and a department moved onto it, as 集约化 platforms
host them), each declaring its own truth.

- ``www.sharedmap.gov.cn``: the city portal. Its robots.txt names one sitemap, ``SITEMAP``, listing the
  notices of both sites with a ``<lastmod>``; ``/sitemap.xml`` answers 404 (a crawl that never saw the
  robots.txt lines asks for it there).
- ``jyj.sharedmap.gov.cn``: the department. Every path answers 301 to the same path under
  ``http://www.sharedmap.gov.cn/jyj/``, where its homepage and columns are: its pages go to the
  portal's host, and so does the robots.txt that binds them.

Each homepage has two dated columns (工作动态, 政策文件) and an undated one (通知公告, ``NOTICES`` rows whose own
pages say 发布时间), so each site's crawl reads its sitemaps before its detail pages. Crawled one after
the other in one process (``govcheck crawl --all --jobs 1 --processes 1``: the department first), the
portal's robots.txt is fetched once, for the department's crawl, before the portal's crawl begins.

Served through the farm proxy (server.py); not in the farm's registry (``registry_csv`` is theirs).
"""

from __future__ import annotations

from tests.farm.builder import Resource

PORTAL = "www.sharedmap.gov.cn"
DEPARTMENT = "jyj.sharedmap.gov.cn"
SHARED_SITES = (DEPARTMENT, PORTAL)  # the order `govcheck crawl --all` takes them (by host)
SECTIONS = {PORTAL: "", DEPARTMENT: "/jyj"}  # where each site's pages are on the portal's host
NAMES = {PORTAL: "共享站点地图测试市人民政府", DEPARTMENT: "共享站点地图测试市教育局"}
CODES = {PORTAL: "4290000901", DEPARTMENT: "4290000902"}
SITEMAP = f"http://{PORTAL}/sitemaps/all.xml"
NOTICES = 3
HTML = "text/html; charset=utf-8"
NOT_FOUND = Resource(404, HTML, b"<html><title>404</title>404 Not Found</html>")


def notice_url(site: str, index: int) -> str:
    return f"http://{PORTAL}{SECTIONS[site]}/tzgg/content_{index}.html"


def registry_csv() -> str:
    """The two sites as a bulletin's registry lists them (``govcheck sites import``)."""
    rows = [
        f"{CODES[site]},{NAMES[site]},http://{site}/,{'是' if site == PORTAL else '否'}"
        for site in SHARED_SITES
    ]
    return "\n".join(["网站标识码,网站名称,首页地址,是否为门户网", *rows]) + "\n"


def _page(name: str, title: str, body: str) -> Resource:
    html = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="SiteName" content="{name}">'
        f"<title>{title}</title></head><body>{body}"
        f'<div class="footer"><p>{name}主办</p></div></body></html>'
    )
    return Resource(200, HTML, html.encode())


def _section(site: str) -> dict[str, Resource]:
    """A site's pages on the portal's host, by path."""
    name, base = NAMES[site], SECTIONS[site]
    notices = "".join(
        f'<li><a href="{base}/tzgg/content_{i}.html">关于做好第{i + 1}项重点工作的通知</a></li>'
        for i in range(NOTICES)
    )
    news = "".join(
        f'<li><a href="{base}/gzdt/202402/{10 + i}.html">{name}召开第{i + 1}次会议</a><span>2024-02-{26 - 3 * i:02d}</span></li>'
        for i in range(3)
    )
    columns = (("工作动态", "gzdt"), ("通知公告", "tzgg"), ("政策文件", "zcwj"))
    nav = f'<li><a href="{base}/">首页</a></li>' + "".join(
        f'<li><a href="{base}/{path}/">{column}</a></li>' for column, path in columns
    )
    pages = {
        f"{base}/index.html": _page(
            name,
            name,
            f'<div class="nav"><ul>{nav}</ul></div><div class="main"><ul class="list">{news}</ul></div>',
        ),
        f"{base}/gzdt/index.html": _page(name, "工作动态", f'<h2>工作动态</h2><ul class="list">{news}</ul>'),
        f"{base}/zcwj/index.html": _page(name, "政策文件", f'<h2>政策文件</h2><ul class="list">{news}</ul>'),
        f"{base}/tzgg/index.html": _page(
            name, "通知公告", f'<h2>通知公告</h2><ul class="list">{notices}</ul>'
        ),
    }
    for i in range(NOTICES):
        pages[f"{base}/tzgg/content_{i}.html"] = _page(
            name, "通知", f'<div class="article"><h1>通知</h1><p>发布时间：2024-02-{20 - i:02d}</p></div>'
        )
    for i in range(3):
        pages[f"{base}/gzdt/202402/{10 + i}.html"] = _page(name, "动态", "<h1>动态</h1>")
    return pages


class PortalHost:
    """The portal's host: both sites' pages, its robots.txt and the one sitemap."""

    def __init__(self) -> None:
        self.pages = {path: page for site in SHARED_SITES for path, page in _section(site).items()}

    def get(self, path: str, params: dict[str, str]) -> Resource:
        if path == "/robots.txt":
            return Resource(
                200, "text/plain", f"User-agent: *\nDisallow: /private/\nSitemap: {SITEMAP}\n".encode()
            )
        if path == "/sitemaps/all.xml":
            urls = "".join(
                f"<url><loc>{notice_url(site, i)}</loc><lastmod>2024-02-{20 - i:02d}</lastmod></url>"
                for site in SHARED_SITES
                for i in range(NOTICES)
            )
            xml = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            return Resource(200, "application/xml", xml.encode())
        if path.endswith("/"):
            path += "index.html"
        return self.pages.get(path, NOT_FOUND)


class DepartmentHost:
    """The department's own host: every path moved to its section of the portal's host."""

    def get(self, path: str, params: dict[str, str]) -> Resource:
        return Resource(301, HTML, b"", (("Location", f"http://{PORTAL}/jyj{path}"),))


def shared_sitemap_sites() -> dict[str, PortalHost | DepartmentHost]:
    return {PORTAL: PortalHost(), DEPARTMENT: DepartmentHost()}
