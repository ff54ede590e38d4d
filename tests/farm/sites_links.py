"""Link-check replicas: a site with more links than a small request budget allows, and a Hanweb site
whose list lives only in a ``<datastore>`` XML island.

- ``budget.linkfarm.gov.cn``: a homepage with a dated news block, four columns in its menu and
  ``HOMEPAGE_LINKS`` links of its own; each column lists ``ENTRIES`` dated articles and
  ``RELATED`` related links. A few targets of each kind are broken (404): ``BROKEN``. Crawled with
  ``GOVCHECK_SITE_PAGE_BUDGET=BUDGET`` the link checks cannot all fit.
- ``hanweb.linkfarm.gov.cn``: a Hanweb JCMS column whose records (script text to an HTML parser)
  link to articles, one of them gone (``HANWEB_BROKEN``).

Served through the farm proxy (server.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.farm.builder import Resource
from tests.farm.pages import NOT_FOUND, county_page, list_block, nav, rows

BUDGET_HOST = "budget.linkfarm.gov.cn"
HANWEB_HOST = "hanweb.linkfarm.gov.cn"
NEWEST = dt.date(2024, 2, 20)
BUDGET = 60  # GOVCHECK_SITE_PAGE_BUDGET for the budget site: its checks do not all fit
COLUMNS = ("tzgg", "gzdt", "zcwj", "bmdt")
COLUMN_NAMES = {"tzgg": "通知公告", "gzdt": "工作动态", "zcwj": "政策文件", "bmdt": "部门动态"}
HOMEPAGE_LINKS = 20
ENTRIES = 10
RELATED = 15
# Broken targets: two of the homepage's own links, the first related link of the first column (early
# in the checking order) and the last of the last (late in it).
BROKEN = frozenset({"/hp/link03.html", "/hp/link17.html", "/tzgg/rel00.html", "/bmdt/rel14.html"})
HANWEB_COLUMNS = {"101": "通知公告", "102": "工作动态", "103": "政策文件", "104": "部门动态"}
HANWEB_BROKEN = f"http://{HANWEB_HOST}/art/2024/2/5/art_101_1.html"


def budget_homepage_links() -> list[str]:
    """The homepage's own links (not its menu or news), in page order."""
    return [f"http://{BUDGET_HOST}/hp/link{i:02d}.html" for i in range(HOMEPAGE_LINKS)]


def _page(title: str, body: str, site_name: str) -> Resource:
    return county_page(title, body, name=site_name, code="4290000888")


def _rows(prefix: str, count: int) -> str:
    return rows(
        (f"关于做好第{i + 1}项工作的通知", f"/{prefix}/art{i:02d}.html", NEWEST - dt.timedelta(days=2 * i))
        for i in range(count)
    )


def _article(title: str, site_name: str) -> Resource:
    body = (
        f'<div class="article"><h1>{title}</h1><p>发布时间：{NEWEST:%Y-%m-%d}</p>'
        + "<p>为进一步做好相关工作，现将有关事项通知如下。</p>" * 8
        + "</div>"
    )
    return _page(title, body, site_name)


@dataclass(frozen=True)
class BudgetSite:
    host: str = BUDGET_HOST
    name: str = "链接预算测试县人民政府"

    def get(self, path: str, params: dict[str, str]) -> Resource:
        if path in BROKEN:
            return NOT_FOUND
        if path in ("/", "/index.html"):
            return self._homepage()
        column = path.strip("/")
        if column in COLUMNS:
            return self._column(column)
        if path.endswith(".html") and path.split("/")[1] in (*COLUMNS, "hp"):
            return _article("相关页面", self.name)
        return NOT_FOUND

    def _homepage(self) -> Resource:
        links = "".join(
            f'<li><a href="{url}">友情链接{i}</a></li>' for i, url in enumerate(budget_homepage_links())
        )
        body = (
            nav((f"/{c}/", COLUMN_NAMES[c]) for c in COLUMNS)
            + list_block("通知公告", _rows("tzgg", 3))
            + f'<div class="links"><h3>友情链接</h3><ul>{links}</ul></div>'
        )
        return _page(self.name, body, self.name)

    def _column(self, column: str) -> Resource:
        related = "".join(f'<a href="/{column}/rel{i:02d}.html">相关链接{i}</a> ' for i in range(RELATED))
        body = (
            list_block(COLUMN_NAMES[column], _rows(column, ENTRIES))
            + f'<div class="related"><p>{related}</p></div>'
        )
        return _page(f"{COLUMN_NAMES[column]} - {self.name}", body, self.name)


@dataclass(frozen=True)
class HanwebSite:
    host: str = HANWEB_HOST
    name: str = "大数据测试县人民政府"

    def get(self, path: str, params: dict[str, str]) -> Resource:
        if path in ("/", "/index.html"):
            menu = ((f"/col/col{colid}/index.html", name) for colid, name in HANWEB_COLUMNS.items())
            body = nav(menu) + list_block("要闻", _rows("art", 3))
            return _page(self.name, body, self.name)
        colid = path.removeprefix("/col/col").removesuffix("/index.html")
        if colid in HANWEB_COLUMNS:
            return self._column(colid)
        if path.startswith("/art/") and f"http://{HANWEB_HOST}{path}" != HANWEB_BROKEN:
            return _article("通知", self.name)
        return NOT_FOUND

    def _column(self, colid: str) -> Resource:
        name = HANWEB_COLUMNS[colid]
        records = "\n".join(
            f"<record><![CDATA[<li><a href='/art/2024/2/{5 - i // 2}/art_{colid}_{i}.html'>第{i}号通知</a>"
            f"<span>{NEWEST - dt.timedelta(days=i):%Y-%m-%d}</span></li>]]></record>"
            for i in range(6)
        )
        body = (
            f'<div class="main"><h2>{name}</h2><div id="div{colid}"><script type="text/xml"><datastore>\n'
            f"<recordset>\n{records}\n</recordset></datastore></script></div>\n"
            '<script type="text/javascript">$(document).ready(function(){'
            f"$('#div{colid}').jpage("
            "{dataStore:dataStore,containMark:'<ul class=\"list\">{datastore}</ul>',"
            "proxyUrl:'/module/web/jpage/dataproxy.jsp',perPage:20,totalRecord:6,groupSize:3,"
            "barPosition:'bottom',ajaxParam:{col:1,appid:1},showMode:'full'});});</script></div>"
        )
        return _page(f"{name} - {self.name}", body, self.name)


def link_sites() -> dict[str, BudgetSite | HanwebSite]:
    return {BUDGET_HOST: BudgetSite(), HANWEB_HOST: HanwebSite()}
