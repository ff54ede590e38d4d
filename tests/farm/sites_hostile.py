"""A hostile replica: a government site whose pages link and redirect into the inspector's own network.

``hostile.faultfarm.gov.cn`` looks like an ordinary small site (a homepage with dated news, a 通知公告
column) but its homepage, its column page and its redirectors point at loopback (by IP, odd
spellings, ``localhost``), private, CGNAT, link-local and metadata addresses, intranet names,
``file:``/``ftp:``/``s3:`` URLs, and ``rebind.faultfarm.gov.cn`` (a public-looking name a test makes
resolve to 127.0.0.1). The loopback targets carry the port of a listener the test opens:
``?trap=PORT`` on any page (the homepage URL the test crawls) is carried into every link, so the
session's one farm serves every test's listener. Served through the farm proxy (server.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.farm.builder import Resource
from tests.farm.pages import NOT_FOUND, county_page, list_block, nav, rows

HOST = "hostile.faultfarm.gov.cn"
REBIND = "rebind.faultfarm.gov.cn"  # the test maps it to 127.0.0.1 where no proxy stands between
NEWEST = dt.date(2024, 2, 20)

# Link targets on the homepage; {port} is the test's listener. Every one is refused, never fetched.
HOMEPAGE_TARGETS = (
    "http://127.0.0.1:{port}/admin",
    "http://127.1:{port}/",
    "http://0x7f.1:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://2130706433:{port}/",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://localhost:{port}/",
    "http://localhost.:{port}/",
    "http://www.localhost:{port}/",
    "http://10.0.0.1/",
    "http://192.168.1.1/login",
    "http://100.64.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://intranet/",
    "http://oa.internal/",
    "http://" + REBIND + ":{port}/",
)
# Same-site redirectors: a link that looks fine and answers 302 into the network.
REDIRECTS = {
    "/go/loopback": "http://127.0.0.1:{port}/redirected",
    "/go/metadata": "http://169.254.169.254/latest/meta-data/iam/",
    "/go/private": "http://10.1.2.3/",
    "/go/localhost": "http://localhost:{port}/redirected",
    "/go/rebind": "http://" + REBIND + ":{port}/redirected",
}
# Never links at all (the extractor skips their schemes): nothing is recorded, nothing opened.
NON_WEB = ("file:///etc/passwd", "file:///dev/zero", "ftp://127.0.0.1:{port}/", "s3://bucket/key")
# A column on the metadata address (issue 9: one was fetched and stored), and on the column page a
# private link of its own.
XXGK_COLUMN = "http://169.254.169.254/xxgk/"
COLUMN_TARGETS = ("http://172.16.0.9/oa/",)
GOOD_LINK = "http://www.gov.cn/"
COLUMNS = {"/tzgg/": "通知公告", "/gzdt/": "工作动态", "/zcwj/": "政策文件", "/bmdt/": "部门动态"}


def trap_url(path: str, port: int) -> str:
    return f"http://{HOST}{path}?trap={port}"


def refused_links(port: int) -> set[str]:
    """Every URL the crawl must record as refused (policy) with ``-a links=all``."""
    targets = {t.format(port=port) for t in (*HOMEPAGE_TARGETS, *COLUMN_TARGETS)}
    return targets | {trap_url(path, port) for path in REDIRECTS} | {XXGK_COLUMN}


def _page(title: str, body: str) -> Resource:
    return county_page(title, body, name="恶意链接测试县人民政府", code="4290000999")


def _news(days: tuple[int, ...]) -> str:
    return rows(
        (f"关于做好第{i}项工作的通知", f"/tzgg/2024{day:04d}.html", NEWEST - dt.timedelta(days=day))
        for i, day in enumerate(days, start=1)
    )


def _links(targets: list[str]) -> str:
    return "".join(f'<li><a href="{href}">链接{i}</a></li>' for i, href in enumerate(targets, start=1))


@dataclass(frozen=True)
class HostileSite:
    host: str = HOST

    def get(self, path: str, params: dict[str, str]) -> Resource:
        port = int(params.get("trap", "9"))
        if path in REDIRECTS:
            return Resource(302, "text/html", b"", (("Location", REDIRECTS[path].format(port=port)),))
        if path in ("/", "/index.html"):
            return self._homepage(port)
        if path in COLUMNS:
            return self._column(COLUMNS[path], port)
        return NOT_FOUND

    def _homepage(self, port: int) -> Resource:
        menu = [(f"{path}?trap={port}", name) for path, name in COLUMNS.items()]
        menu.append((XXGK_COLUMN, "政府信息公开"))
        targets = [t.format(port=port) for t in (*HOMEPAGE_TARGETS, *NON_WEB)]
        targets += [trap_url(path, port) for path in REDIRECTS] + [GOOD_LINK]
        body = (
            nav(menu, home=f"/?trap={port}")
            + list_block("通知公告", _news((0, 3, 9)))
            + f'<div class="links"><h3>友情链接</h3><ul>{_links(targets)}</ul></div>'
        )
        return _page("恶意链接测试县人民政府", body)

    def _column(self, name: str, port: int) -> Resource:
        related = f"<p>相关链接：<ul>{_links([*COLUMN_TARGETS, *NON_WEB[:1]])}</ul></p>"
        body = list_block(name, _news((0, 3, 9, 30)), related)
        return _page(f"{name} - 恶意链接测试县人民政府", body)


def hostile_sites() -> dict[str, HostileSite]:
    return {HOST: HostileSite()}
