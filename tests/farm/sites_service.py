"""Service and blank-list replicas (issue 13 items 4 and 5), each site declaring its own truth.

- ``bsfw.servicefarm.gov.cn``: a county portal whose 办事指南 column lists five guides written in three
  markups (a table with synonyms, a definition list, headings, ``label：value`` lines), two of them
  missing key element classes; a 表格下载 column with a form that is gone (404); an 在线服务 column whose
  credit query system is down (connection refused) beside a working one; a guide whose attachment is gone.
- ``blank.servicefarm.gov.cn``: columns that are blank in every shape (empty table rows, a ``<ul>`` of
  empty ``<li>``, a grid of empty cells, only a pager, only an image, a script that writes nothing,
  placeholders worded 敬请期待 / 没有找到相关信息 / 共0条记录) and three lists loaded by script that must
  stay ``unparseable`` (``js_list``), never blank.
- ``ok.servicefarm.gov.cn``: the clean control: complete guides, working forms and systems, fresh lists.

Served through the farm proxy (server.py merges :func:`service_sites`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from tests.farm.builder import Resource, asset
from tests.farm.sites_depth import DepthSite

AS_OF = dt.date(2024, 2, 28)
SERVICE = "bsfw.servicefarm.gov.cn"
BLANK = "blank.servicefarm.gov.cn"
CONTROL = "ok.servicefarm.gov.cn"
DEAD_SYSTEM = "http://www.dead-refused.gov.cn/xyk/"  # the farm refuses connections to this host


@dataclass(frozen=True)
class ServiceTruth:
    host: str
    name: str
    # online_system_down: target URL → the service page it is linked from
    systems_down: dict[str, str]
    # service_guide_incomplete: guide URL → the element classes it misses
    incomplete_guides: dict[str, frozenset[str]]
    complete_guides: frozenset[str]
    blank_columns: dict[str, str]  # column URL → the shape (for the reader; status must be blank)
    script_columns: frozenset[str]  # lists loaded by script: unparseable (js_list), never blank
    list_columns: frozenset[str]  # ordinary dated lists


def _page(site: DepthSite, path: str, title: str, main: str, crumb: str | None = None) -> None:
    base = f"http://{site.host}"
    position = (
        f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{path.rsplit("/", 1)[0]}/">{crumb}</a></div>'
        if crumb
        else ""
    )
    nav = "".join(f'<li><a href="{href}">{name}</a></li>' for name, href in _NAV[site.host])
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta name="SiteName" content="{_NAMES[site.host]}"><meta name="SiteIDCode" content="{_CODES[site.host]}">'
        f'<meta name="SiteDomain" content="{site.host}">'
        f'<meta name="ColumnName" content="{crumb or title}"><meta name="ColumnType" content="{crumb or title}">'
        f"<title>{title}_{_NAMES[site.host]}</title></head><body>"
        f'<div class="header"><a href="{base}/"><img src="/images/logo.png" alt="{_NAMES[site.host]}"></a></div>'
        f'<div class="nav"><ul><li><a href="/">首页</a></li>{nav}</ul></div>'
        f'<div class="main">{position}{main}</div>{_FOOTER.format(name=_NAMES[site.host], code=_CODES[site.host])}'
        "</body></html>"
    )
    site.pages[path] = Resource(200, "text/html; charset=utf-8", html.encode())


_FOOTER = (
    '<div class="footer"><p>主办单位：{name}办公室 联系电话：0722-1234567</p>'
    '<p>网站标识码：{code} <a href="https://beian.miit.gov.cn/">鄂ICP备05003310号-1</a> '
    '<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=42130202000118">鄂公网安备 42130202000118号</a></p>'
    '<span id="_ideConac"></span><script src="https://dcs.conac.cn/js/17/254/1604/a.js"></script>'
    '<a href="http://www.hubei.gov.cn/12345/">12345网上留言</a>'
    "<script id=\"_jiucuo_\" sitecode='{code}' src='https://zfwzgl.www.gov.cn/exposure/jiucuo.js'></script></div>"
)
_NAMES = {SERVICE: "服务县人民政府", BLANK: "空栏县人民政府", CONTROL: "合规县人民政府"}
_CODES = {SERVICE: "4290000201", BLANK: "4290000202", CONTROL: "4290000203"}
_NAV: dict[str, list[tuple[str, str]]] = {
    SERVICE: [("工作动态", "/gzdt/"), ("办事指南", "/bszn/"), ("表格下载", "/bgxz/"), ("在线服务", "/zxfw/")],
    CONTROL: [("工作动态", "/gzdt/"), ("办事指南", "/bszn/"), ("表格下载", "/bgxz/"), ("在线服务", "/zxfw/")],
    BLANK: [
        ("工作动态", "/gzdt/"),
        ("政策解读", "/zcjd/"),
        ("人事信息", "/rsxx/"),
        ("图片专栏", "/tpzl/"),
        ("规划计划", "/ghjh/"),
        ("统计信息", "/tjxx/"),
        ("财政预决算", "/czyjs/"),
        ("重大项目", "/zdxm/"),
        ("政府公报", "/zfgb/"),
        ("建议提案办理", "/jyta/"),
        ("数据发布", "/sjfb/"),
        ("政务公开动态", "/zwgkdt/"),
        ("重点领域信息", "/zdly/"),
    ],
}


def _rows(items: list[tuple[str, str, str]]) -> str:
    return "".join(f'<li><a href="{href}">{title}</a><span>{day}</span></li>' for title, href, day in items)


def _news(site: DepthSite) -> list[tuple[str, str, str]]:
    """A fresh 工作动态 column and homepage block: the site is up to date, only its services are judged."""
    items = [
        (f"{_NAMES[site.host]}召开第{i + 1}次常务会议", f"/gzdt/202402/t202402{26 - 3 * i:02d}_{300 + i}.html", f"2024-02-{26 - 3 * i:02d}")
        for i in range(6)
    ]  # fmt: skip
    _page(site, "/gzdt/index.html", "工作动态", f'<ul class="list">{_rows(items)}</ul>', "工作动态")
    for title, href, day in items:
        _page(
            site,
            href,
            title,
            f'<div class="article"><h1>{title}</h1><p>发布时间：{day}</p><p>正文。</p></div>',
        )
    return items


def _home(site: DepthSite, news: list[tuple[str, str, str]], extra: str = "") -> None:
    block = f'<div class="box"><h3><a href="/gzdt/">工作动态</a></h3><ul>{_rows(news)}</ul></div>'
    _page(site, "/index.html", _NAMES[site.host], block + extra)
    site.pages["/images/logo.png"] = asset("x.png")


# -- guides --------------------------------------------------------------------------------------------

_LAW = "《中华人民共和国行政许可法》第二十九条"
_WHERE = "县政务服务中心一楼综合窗口"
_WHEN = "工作日上午8:30-12:00，下午14:30-17:30"
_PHONE = "0722-7654321"


def _table_guide(matter: str, rows: list[tuple[str, str]], attachment: str | None = None) -> str:
    cells = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    link = f'<p><a href="{attachment}">申请表下载</a></p>' if attachment else ""
    return f'<div class="article"><h1>{matter}办事指南</h1><table class="bszn">{cells}</table>{link}</div>'


def _complete_table(matter: str, attachment: str | None = None) -> str:
    return _table_guide(
        matter,
        [
            ("事项名称", matter),
            ("办理依据", _LAW),  # synonyms: 设定依据
            ("受理条件", "申请人为本县户籍居民"),
            ("申请材料", "1.申请表；2.居民身份证复印件"),
            ("受理地点", _WHERE),
            ("办公时间", _WHEN),
            ("咨询电话", _PHONE),
            ("办理流程", "申请—受理—审查—决定—送达"),
        ],
        attachment,
    )


def _dl_guide(matter: str) -> str:
    items = [
        ("服务事项名称", matter),
        ("法律依据", _LAW),
        ("申请条件", "具有完全民事行为能力"),
        ("所需材料", "身份证明、申请书"),
        ("办理地点", _WHERE),
        ("办理时间", _WHEN),
        ("联系方式", _PHONE),
        ("办事流程", "网上申请或窗口申请，当场办结"),
    ]
    body = "".join(f"<dt>{label}：</dt><dd>{value}</dd>" for label, value in items)
    return f'<div class="article"><h1>{matter}服务指南</h1><dl class="guide">{body}</dl></div>'


def _heading_guide(matter: str) -> str:
    parts = [
        ("设定依据", _LAW),
        ("申请条件", "符合规定条件的单位"),
        ("办理材料", "营业执照副本、申请书"),
        ("办理地点", _WHERE),
        ("办理时间", _WHEN),
        ("联系电话", _PHONE),
        ("办理流程", "受理、审核、办结"),
    ]
    numerals = "一二三四五六七"
    body = "".join(f"<h3>{numerals[i]}、{label}</h3><p>{value}</p>" for i, (label, value) in enumerate(parts))
    return f'<div class="article"><h1>{matter}办事指南</h1>{body}</div>'


def _incomplete_table(matter: str, attachment: str) -> str:
    # No 申请条件, 办理地点 or 办理流程; 办理时间 printed with nothing after it.
    return _table_guide(
        matter,
        [
            ("事项名称", matter),
            ("设定依据", _LAW),
            ("办理材料", "申请书"),
            ("办理时间", ""),
            ("联系电话", _PHONE),
        ],
        attachment,
    )


def _incomplete_lines(matter: str) -> str:
    # ``label：value`` lines: 设定依据 printed empty, no 联系电话.
    lines = [
        ("事项名称", matter),
        ("设定依据", ""),
        ("申请条件", "本县居民"),
        ("申请材料", "身份证"),
        ("办理地点", _WHERE),
        ("办理时间", _WHEN),
        ("办理流程", "窗口受理，即时办结"),
    ]
    body = "".join(f"<p>{label}：{value}</p>" for label, value in lines)
    return f'<div class="article"><h1>{matter}办事指南</h1>{body}</div>'


def _service_site(host: str, *, faulty: bool) -> tuple[DepthSite, ServiceTruth]:
    site = DepthSite(host)
    base = f"http://{host}"
    news = _news(site)
    guides: list[tuple[str, str, str]] = []  # title, path, html
    g = "/bszn/202401/t202401{:02d}_{}.html"
    guides.append(
        ("户籍迁移办事指南", g.format(10, 101), _complete_table("户籍迁移", "/bszn/files/hjqy-sqb.pdf"))
    )
    guides.append(("社会团体登记服务指南", g.format(12, 102), _dl_guide("社会团体登记")))
    guides.append(("食品经营许可办事指南", g.format(15, 103), _heading_guide("食品经营许可")))
    site.pages["/bszn/files/hjqy-sqb.pdf"] = asset("x.pdf")
    incomplete: dict[str, frozenset[str]] = {}
    systems_down: dict[str, str] = {}
    if faulty:
        g4, g5 = g.format(18, 104), g.format(20, 105)
        guides.append(
            ("临时救助申请办事指南", g4, _incomplete_table("临时救助申请", "/bszn/files/lsjz-sqb.docx"))
        )
        guides.append(("老年人优待证办理办事指南", g5, _incomplete_lines("老年人优待证办理")))
        incomplete = {
            base + g4: frozenset({"申请条件", "办理地点", "办理时间", "办理流程"}),
            base + g5: frozenset({"设定依据", "联系电话"}),
        }
        systems_down[base + "/bszn/files/lsjz-sqb.docx"] = base + g4  # never served: 404
    else:
        g4 = g.format(18, 104)
        guides.append(("居住证办理办事指南", g4, _complete_table("居住证办理")))
    rows = [(title, path, f"2024-01-{path.split('_')[0][-2:]}") for title, path, _ in guides]
    _page(site, "/bszn/index.html", "办事指南", f'<ul class="list">{_rows(rows)}</ul>', "办事指南")
    for title, path, html in guides:
        _page(site, path, title, html)
    # 表格下载: forms as a dated list.
    forms = [
        ("建设工程规划许可申请表", "/bgxz/files/ghxk.pdf", "2024-01-08"),
        (
            "个体工商户登记申请书",
            "/bgxz/files/gtgsh.doc" if faulty else "/bgxz/files/gtgsh.pdf",
            "2024-01-05",
        ),
    ]
    site.pages["/bgxz/files/ghxk.pdf"] = asset("x.pdf")
    if faulty:
        systems_down[base + "/bgxz/files/gtgsh.doc"] = base + "/bgxz/"  # never served: 404
    else:
        site.pages["/bgxz/files/gtgsh.pdf"] = asset("x.pdf")
    _page(site, "/bgxz/index.html", "表格下载", f'<ul class="list">{_rows(forms)}</ul>', "表格下载")
    # 在线服务: links to the online systems.
    systems = [
        ("政务服务网在线办理", "http://zwfw.hubei.gov.cn/", "2023-12-20"),
        ("企业信用信息查询库", DEAD_SYSTEM if faulty else "http://www.hubei.gov.cn/xyk/", "2023-12-01"),
    ]
    if faulty:
        systems_down[DEAD_SYSTEM] = base + "/zxfw/"
    _page(site, "/zxfw/index.html", "在线服务", f'<ul class="list">{_rows(systems)}</ul>', "在线服务")
    _home(site, news)
    complete = frozenset(base + path for _title, path, _html in guides) - set(incomplete)
    return site, ServiceTruth(
        host=host,
        name=_NAMES[host],
        systems_down=systems_down,
        incomplete_guides=incomplete,
        complete_guides=complete,
        blank_columns={},
        script_columns=frozenset(),
        list_columns=frozenset(base + p for p in ("/gzdt/", "/bszn/", "/bgxz/", "/zxfw/")),
    )


# -- blank lists ---------------------------------------------------------------------------------------

_PAGER = (
    '<div class="page"><a href="index.html">首页</a> <a href="index.html">上一页</a> '
    '<a href="index.html">下一页</a> <a href="index.html">尾页</a></div>'
)
BLANK_SHAPES: dict[str, tuple[str, str]] = {
    # path → (shape, list area)
    "/zcjd/": ("empty table rows", '<table class="tb">' + "<tr><td></td><td></td><td></td></tr>" * 4 + "</table>"),
    "/rsxx/": ("ul of empty li", "<ul>" + "<li></li>" * 5 + "</ul>"),
    "/tpzl/": ("grid of empty cells", '<div class="pic-grid">' + '<div class="cell"><span></span></div>' * 6 + "</div>"),
    "/ghjh/": ("only a pager", f'<div class="newslist">{_PAGER}</div>'),
    "/tjxx/": ("only an image", '<div class="list"><img src="/images/jsz.png" alt=""></div>'),
    "/czyjs/": ("a script that writes nothing", '<div class="list_con"><script>document.write("");</script></div>'),
    "/zdxm/": ("placeholder 敬请期待", '<div class="con"><p class="tip">栏目内容敬请期待</p></div>'),
    "/zfgb/": ("placeholder 没有找到相关信息", '<div class="con"><div class="tip">没有找到相关信息！</div></div>'),
    "/jyta/": ("placeholder 共0条记录", '<div class="con"><div class="page">共0条记录 当前第1/0页</div></div>'),
}  # fmt: skip
SCRIPT_SHAPES: dict[str, str] = {
    # A list a script fills by id, one whose container names its data address, one fetched by fetch().
    "/sjfb/": '<ul id="dataList"></ul><script>$.getJSON("/api/sjfb.json", function (d) { $("#dataList").html(render(d)); });</script>',
    "/zwgkdt/": '<div class="list" data-url="/api/zwgkdt.json"><ul><li></li><li></li></ul></div>',
    "/zdly/": '<div class="list"></div><script>fetch("/api/zdly.json").then(function (r) { return r.json(); }).then(show);</script>',
}  # fmt: skip


def _blank_site() -> tuple[DepthSite, ServiceTruth]:
    site = DepthSite(BLANK)
    base = f"http://{BLANK}"
    news = _news(site)
    names = dict((href, name) for name, href in _NAV[BLANK])
    for path, (_shape, area) in BLANK_SHAPES.items():
        _page(site, path + "index.html", names[path], area, names[path])
    for path, area in SCRIPT_SHAPES.items():
        _page(site, path + "index.html", names[path], area, names[path])
    site.pages["/images/jsz.png"] = asset("x.png")
    _home(site, news)
    return site, ServiceTruth(
        host=BLANK,
        name=_NAMES[BLANK],
        systems_down={},
        incomplete_guides={},
        complete_guides=frozenset(),
        blank_columns={base + path: shape for path, (shape, _area) in BLANK_SHAPES.items()},
        script_columns=frozenset(base + path for path in SCRIPT_SHAPES),
        list_columns=frozenset({base + "/gzdt/"}),
    )


# -- a hostile service site (tests/faults/test_service_pages.py) ---------------------------------------

GUIDE_FLOOD = "guides.servicefarm.gov.cn"
FLOOD_GUIDES = 5000  # guides its 办事指南 column lists
FLOOD_ATTACHMENTS = 300  # gone attachments on each guide
FLOOD_CELLS = (10_000, 4)  # rows × cells of its blank grid


class GuideFloodSite:
    """A 办事指南 column listing 5,000 guides, each linking 300 attachments that are gone, and a blank
    column drawn as a grid of 40,000 empty cells; pages are made on request."""

    host = GUIDE_FLOOD

    def get(self, path: str, params: dict[str, str]) -> Resource:
        if path in ("/", "/index.html"):
            news = _rows(
                [
                    (
                        f"洪泛县召开第{i}次常务会议",
                        f"/gzdt/t202402{26 - i:02d}_{i}.html",
                        f"2024-02-{26 - i:02d}",
                    )
                    for i in range(5)
                ]
            )
            nav = '<li><a href="/bszn/">办事指南</a></li><li><a href="/kb/">统计信息</a></li><li><a href="/gzdt/">工作动态</a></li>'
            return _flood_page(
                "洪泛县人民政府", f'<div class="nav"><ul>{nav}</ul></div><ul class="news">{news}</ul>'
            )
        if path == "/bszn/":
            rows = _rows(
                [
                    (f"事项{i}办事指南", f"/bszn/202401/t20240110_{i}.html", "2024-01-10")
                    for i in range(FLOOD_GUIDES)
                ]
            )
            return _flood_page("办事指南", f'<ul class="list">{rows}</ul>')
        if path.startswith("/bszn/202401/"):
            n = path.rsplit("_", 1)[-1].split(".")[0]
            links = "".join(f'<a href="/files/{n}_{k}.docx">附件{k}</a>' for k in range(FLOOD_ATTACHMENTS))
            return _flood_page(f"事项{n}办事指南", _complete_table(f"事项{n}") + links)
        if path == "/kb/":
            row = "<tr>" + "<td></td>" * FLOOD_CELLS[1] + "</tr>"
            return _flood_page("统计信息", f'<table class="tb">{row * FLOOD_CELLS[0]}</table>')
        return Resource(404, "text/html; charset=utf-8", b"<title>404</title>404 Not Found")


def _flood_page(title: str, main: str) -> Resource:
    html = f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body><div class="main">{main}</div></body></html>'
    return Resource(200, "text/html; charset=utf-8", html.encode())


@cache
def build_service() -> tuple[dict[str, DepthSite], dict[str, ServiceTruth]]:
    sites: dict[str, DepthSite] = {}
    truths: dict[str, ServiceTruth] = {}
    for host, (site, truth) in (
        (SERVICE, _service_site(SERVICE, faulty=True)),
        (CONTROL, _service_site(CONTROL, faulty=False)),
        (BLANK, _blank_site()),
    ):
        sites[host], truths[host] = site, truth
    return sites, truths


def service_sites() -> dict[str, DepthSite | GuideFloodSite]:
    return {**build_service()[0], GUIDE_FLOOD: GuideFloodSite()}


SERVICE_TRUTH: dict[str, ServiceTruth] = build_service()[1]
