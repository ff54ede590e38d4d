"""XML sitemap replicas (issue 12, "sitemaps where they exist"), each declaring its own truth.

- ``www.sitemapfarm.gov.cn`` (crawl it as ``http://…/`` so that its robots.txt is read): robots.txt names
  ``/sitemap_index.xml``, a sitemap index naming a gzip sitemap (``/sitemaps/notices.xml.gz``), a plain
  one (``/sitemaps/more.xml``) and one on another host (never read). 通知公告 lists ``NOTICES`` rows with no
  date in the row or URL; each row's own page says 发布时间 and sends Last-Modified (so the page cache
  keeps it); the sitemaps give each a ``<lastmod>`` as ``LASTMODS`` says (round 1). 工作动态 is dated and
  fresh, 公示公告 stale since 2023 (a finding), and the homepage links to one of the notices (a link check
  target) and to a missing page (a broken link).
- ``hostile.sitemapfarm.gov.cn``: the same kind of site without ``Sitemap:`` lines; its ``/sitemap.xml``
  is hostile XML (an external entity reading /etc/passwd, a billion-laughs entity bomb, broken markup).

Rounds: ``GET http://www.sitemapfarm.gov.cn/_farm_round?n=N`` (through the proxy) switches the site to
round N's answers: from round 2 on, ``CHANGED`` has a lastmod of the moment it is served (newer than
any earlier fetch), and ``GONE`` answers 404 while its sitemap still says it is old.

Served through the farm proxy (server.py); not in the farm's registry.
"""

from __future__ import annotations

import datetime as dt
import gzip
from dataclasses import dataclass, field

from tests.farm.builder import Resource

HOST = "www.sitemapfarm.gov.cn"
HOSTILE_HOST = "hostile.sitemapfarm.gov.cn"
SITEMAP_SITES = (HOST, HOSTILE_HOST)
HTML = "text/html; charset=utf-8"
XML = "application/xml"
LAST_MODIFIED = "Mon, 26 Feb 2024 08:00:00 GMT"
NOTICES = 6
NOTICE_DAYS = ("2024-02-22", "2024-02-19", "2024-02-15", "2024-02-08", "2024-02-01", "2024-01-25")


def notice_url(host: str, index: int) -> str:
    return f"http://{host}/tzgg/content_{index}.html"


# Each notice's <lastmod> in round 1; None: not listed. Skipped in round 2: the readable past ones.
LASTMODS: dict[int, str | None] = {
    0: "2024-02-22",  # a date alone: the end of that day, China time
    1: "2024-02-19T09:30:00+08:00",  # CHANGED from round 2 on
    2: "2024-02-15T01:00:00Z",  # GONE from round 2 on
    3: "2099-01-01",  # in the future: never trusted
    4: "last week",  # unreadable: never trusted
    5: None,  # not listed
}
CHANGED, GONE = 1, 2
SKIPPED_IN_ROUND_2 = (0, 2)  # listed with a readable past lastmod older than round 1's fetch
GZ_LISTED, PLAIN_LISTED = (0, 1, 2), (3, 4)
BROKEN = f"http://{HOST}/old/removed.html"
STALE_COLUMN = f"http://{HOST}/gsgg/"

HOSTILE_SITEMAP = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>&xxe;</loc><lastmod>2024-01-01</lastmod></url>
  <url><loc>http://hostile.sitemapfarm.gov.cn/&lol9;</loc><lastmod>2024-01-01</lastmod></url>
  <url><loc>http://hostile.sitemapfarm.gov.cn/tzgg/content_0.html</loc><lastmod>2024-01-01
  <url><broken
"""


def _page(name: str, title: str, body: str) -> Resource:
    html = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="SiteName" content="{name}">'
        f"<title>{title}</title></head><body>{body}"
        f'<div class="footer"><p>{name}主办 网站标识码：4290000997</p></div></body></html>'
    )
    return Resource(200, HTML, html.encode(), (("Last-Modified", LAST_MODIFIED),))


def _urlset(entries: list[tuple[str, str | None]]) -> bytes:
    urls = "".join(
        f"<url><loc>{url}</loc>{f'<lastmod>{lastmod}</lastmod>' if lastmod else ''}</url>"
        for url, lastmod in entries
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


@dataclass
class SitemapSite:
    host: str
    name: str
    hostile: bool = False
    round: int = 1
    pages: dict[str, Resource] = field(default_factory=dict)

    def __post_init__(self) -> None:
        name, base = self.name, f"http://{self.host}"
        notices = "".join(
            f'<li><a href="/tzgg/content_{i}.html">关于做好第{i + 1}项重点工作的通知</a></li>'
            for i in range(NOTICES)
        )
        news = "".join(
            f'<li><a href="/gzdt/202402/{10 + i}.html">{name}召开第{i + 1}次会议</a><span>2024-02-{26 - 3 * i:02d}</span></li>'
            for i in range(4)
        )
        old = "".join(
            f'<li><a href="/gsgg/202303/{60 + i}.html">{name}2023年第{i + 1}批公示</a><span>2023-03-{14 - i:02d}</span></li>'
            for i in range(2)
        )
        columns = (("工作动态", "/gzdt/"), ("通知公告", "/tzgg/"), ("公示公告", "/gsgg/"))
        nav = "".join(f'<li><a href="{base}{path}">{col}</a></li>' for col, path in columns)
        self.pages["/index.html"] = _page(
            name,
            name,
            f'<div class="nav"><ul><li><a href="/">首页</a></li>{nav}</ul></div>'
            f'<div class="main"><h2>要闻</h2><ul class="list">{news}</ul>'
            f'<p><a href="/tzgg/content_{GONE}.html">重点通知</a> <a href="{BROKEN.replace(HOST, self.host)}">旧页面</a></p></div>',
        )
        self.pages["/gzdt/index.html"] = _page(
            name, "工作动态", f'<h2>工作动态</h2><ul class="list">{news}</ul>'
        )
        self.pages["/tzgg/index.html"] = _page(
            name, "通知公告", f'<h2>通知公告</h2><ul class="list">{notices}</ul>'
        )
        self.pages["/gsgg/index.html"] = _page(
            name, "公示公告", f'<h2>公示公告</h2><ul class="list">{old}</ul>'
        )
        for i, day in enumerate(NOTICE_DAYS):
            self.pages[f"/tzgg/content_{i}.html"] = _page(
                name, "通知", f'<div class="article"><h1>通知</h1><p>发布时间：{day}</p><p>正文。</p></div>'
            )
        for i in range(4):
            self.pages[f"/gzdt/202402/{10 + i}.html"] = _page(name, "动态", "<h1>动态</h1>")
        for i in range(2):
            self.pages[f"/gsgg/202303/{60 + i}.html"] = _page(name, "公示", "<h1>公示</h1>")

    def get(self, path: str, params: dict[str, str]) -> Resource:
        if path == "/_farm_round":
            self.round = int(params.get("n", "1"))
            return Resource(200, "text/plain", f"round {self.round}".encode())
        if path.endswith("/"):
            path += "index.html"
        if self.hostile:
            if path == "/sitemap.xml":
                return Resource(200, XML, HOSTILE_SITEMAP)
        elif (sitemap := self._sitemap(path)) is not None:
            return sitemap
        if path == f"/tzgg/content_{GONE}.html" and self.round >= 2:
            return Resource(404, HTML, b"<html><title>404</title>404 Not Found</html>")
        page = self.pages.get(path)
        return page or Resource(404, HTML, b"<html><title>404</title>404 Not Found</html>")

    def _lastmod(self, index: int) -> str | None:
        if index == CHANGED and self.round >= 2:  # changed just now: newer than any earlier fetch
            return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        return LASTMODS[index]

    def _sitemap(self, path: str) -> Resource | None:
        base = f"http://{self.host}"
        if path == "/robots.txt":
            text = f"User-agent: *\nDisallow: /private/\n\nSitemap: {base}/sitemap_index.xml\n"
            return Resource(200, "text/plain", text.encode())
        if path == "/sitemap_index.xml":
            named = [
                f"{base}/sitemaps/notices.xml.gz",
                f"{base}/sitemaps/more.xml",
                "http://elsewhere.example.com/s.xml",
            ]
            body = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in named)
            xml = f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'
            return Resource(200, XML, xml.encode())
        if path == "/sitemaps/notices.xml.gz":
            listed = [(notice_url(self.host, i), self._lastmod(i)) for i in GZ_LISTED]
            return Resource(200, "application/x-gzip", gzip.compress(_urlset(listed), mtime=0))
        if path == "/sitemaps/more.xml":
            listed = [(notice_url(self.host, i), self._lastmod(i)) for i in PLAIN_LISTED]
            listed.append(("http://elsewhere.example.com/tzgg/content_9.html", "2024-01-01"))
            return Resource(200, XML, _urlset(listed))
        return None


def sitemap_sites() -> dict[str, SitemapSite]:
    return {
        HOST: SitemapSite(HOST, "站点地图测试县人民政府"),
        HOSTILE_HOST: SitemapSite(HOSTILE_HOST, "恶意站点地图测试县人民政府", hostile=True),
    }
