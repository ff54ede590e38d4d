"""Depth replicas: the page shapes issue 3 is about, each site declaring its own truth.

- ``gbk.depthfarm.gov.cn``: a generic GBK site whose HTTP header wrongly says UTF-8; an unsorted list
  whose newest item is on page 2, an undated list whose detail pages carry 发布时间, a picture list
  dated only in its URLs, a pure page (机构职能), a JavaScript-shell column, a column listed only in the
  网站地图, link-outs (政务服务, a 12345 consultation system), and its 信息公开目录 on another host
  (``xxgk.depthfarm.gov.cn``) with a tree of its own.
- ``kpy.depthfarm.gov.cn``: 开普云 homepage blocks with year-less ``MM-dd`` dates (the page's 页面生成时间
  gives the year), a TRS-on-the-Fujian-platform list (static blocks, ``pageChnlInfo.recordCount``, an
  empty avalon template beside them), a blank column, and a host that answers unknown paths with a
  200 "soft-404" page (no 页面不存在 wording: only the host's fingerprint tells).

Served through the same farm proxy (server.py looks hosts up here after builder.build_all()).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from tests.farm.builder import Resource, asset

AS_OF = dt.date(2024, 2, 28)
GBK = "gbk.depthfarm.gov.cn"
XXGK = "xxgk.depthfarm.gov.cn"
KPY = "kpy.depthfarm.gov.cn"


@dataclass(frozen=True)
class DepthColumn:
    name: str
    url: str
    kind: str  # list | blank | page | unparseable | linkout
    newest: dt.date | None = None
    date_source: str | None = None  # row | detail | url: where the newest date comes from
    source: str | None = None  # xxgk | sitemap | linkout: how discovery must tag it (None: any)


@dataclass(frozen=True)
class DepthTruth:
    host: str
    name: str
    homepage: str
    columns: tuple[DepthColumn, ...]
    broken_links: tuple[str, ...]
    good_links: tuple[str, ...]
    inconclusive_links: tuple[str, ...]


@dataclass
class DepthSite:
    """A host of the depth farm: fixed pages; unknown paths get ``not_found`` (a 404, or a soft 200)."""

    host: str
    pages: dict[str, Resource] = field(default_factory=dict)
    not_found: Resource = field(
        default_factory=lambda: Resource(404, "text/html; charset=utf-8", b"<title>404</title>404 Not Found")
    )

    def get(self, path: str, params: dict[str, str]) -> Resource:
        if path.endswith("/") and path + "index.html" in self.pages:
            return self.pages[path + "index.html"]
        return self.pages.get(path) or self.not_found


def _doc(title: str, body: str, charset: str = "utf-8", metas: str = "") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f"<title>{title}</title>{metas}</head><body>{body}</body></html>"
    )


def _rows(items: list[tuple[str, str, str | None]]) -> str:
    return "".join(
        f'<li><a href="{href}" target="_blank">{title}</a>' + (f"<span>{day}</span>" if day else "") + "</li>"
        for title, href, day in items
    )


# ----------------------------------------------------------------------------------------------- gbk site

_GBK_NAV = [
    ("工作动态", "/gzdt/"),
    ("通知公告", "/tzgg/"),
    ("图片新闻", "/tpxw/"),
    ("机构职能", "/jgzn/"),
    ("数据开放", "/sjkf/"),
]
_GBK_TOPICS = ("安全生产", "乡村振兴", "营商环境", "河湖长制", "森林防火", "春季造林", "人居环境", "防汛抗旱")


def _gbk_chrome(title: str, main: str) -> str:
    nav = "".join(f'<li><a href="{href}">{name}</a></li>' for name, href in _GBK_NAV)
    nav = (
        '<li><a href="/">首页</a></li>'
        + nav
        + f'<li><a href="http://{XXGK}/">信息公开目录</a></li>'
        + '<li><a href="http://zwfw.hubei.gov.cn/">政务服务</a></li>'
    )
    body = (
        '<div class="header"><a href="/"><img src="/images/logo.png" alt="深山县人民政府"></a></div>'
        f'<div class="nav"><ul>{nav}</ul></div><div class="main">{main}</div>'
        '<div class="footer"><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a>'
        "<p>深山县人民政府主办 网站标识码：4290000101</p></div>"
    )
    metas = '<meta name="SiteName" content="深山县人民政府"><meta name="SiteIDCode" content="4290000101">'
    return _doc(title, body, "gb2312", metas)


def _gbk_add(site: DepthSite, path: str, title: str, main: str) -> None:
    # The server says UTF-8; the bytes (and the meta) are GBK: a wrong declaration Scrapy believes.
    site.pages[path] = Resource(200, "text/html; charset=utf-8", _gbk_chrome(title, main).encode("gbk"))


def _gbk_site() -> tuple[DepthSite, DepthTruth]:
    site = DepthSite(GBK)
    base = f"http://{GBK}"
    # 工作动态: hand-ordered; the newest item sits on page 2.
    days = [10, 3, 25, 14, 1, 20, 8, 12, 5, 18, 22, 2, 16, 6, 9]
    page1 = [(f"深山县召开{_GBK_TOPICS[i % 8]}工作会议（第{i + 1}期）", f"/gzdt/202402/{100 + i}.html", f"2024-02-{d:02d}")
             for i, d in enumerate(days)]  # fmt: skip
    page2 = [(f"深山县部署{_GBK_TOPICS[i % 8]}重点任务（第{i + 1}期）", f"/gzdt/202401/{200 + i}.html", f"2024-01-{d:02d}")
             for i, d in enumerate([5, 9, 30, 2])]  # fmt: skip
    page2.insert(1, ("深山县召开全县经济工作会议", "/gzdt/202402/300.html", "2024-02-26"))
    pager = '<div class="page">共2页 <a href="index_2.html">下一页</a></div>'
    _gbk_add(
        site, "/gzdt/index.html", "工作动态", f'<h2>工作动态</h2><ul class="list">{_rows(page1)}</ul>{pager}'
    )
    pager2 = '<div class="page">共2页 <a href="index.html">上一页</a></div>'
    _gbk_add(
        site,
        "/gzdt/index_2.html",
        "工作动态",
        f'<h2>工作动态</h2><ul class="list">{_rows(page2)}</ul>{pager2}',
    )
    # 通知公告: rows without dates, URLs without dates; every detail page says 发布时间.
    notices = [
        (f"关于做好{_GBK_TOPICS[i]}工作的通知", f"/tzgg/content_{4400 + i}.html", None) for i in range(6)
    ]
    _gbk_add(site, "/tzgg/index.html", "通知公告", f'<h2>通知公告</h2><ul class="list">{_rows(notices)}</ul>')
    for i, (title, href, _) in enumerate(notices):
        day = dt.date(2024, 2, 21) - dt.timedelta(days=9 * i)
        article = (
            f'<div class="article"><h1>{title}</h1><div class="info">发布时间：{day:%Y-%m-%d} 10:30 来源：县政府办</div>'
            f"<p>各乡镇人民政府，县直各单位：现就{_GBK_TOPICS[i]}有关事项通知如下，请认真贯彻落实。</p></div>"
        )
        _gbk_add(site, href, title, article)
    # 图片新闻: pictures with titles, dated only by their URLs.
    pictures = [(dt.date(2024, 2, 23) - dt.timedelta(days=6 * i), 500 + i) for i in range(6)]
    tiles = "".join(
        f'<li><a href="/tpxw/{d:%Y%m}/t{d:%Y%m%d}_{n}.html"><img src="/images/p{n}.jpg" alt="图片{n}">'
        f"<p>深山县{_GBK_TOPICS[n % 8]}现场图集</p></a></li>"
        for d, n in pictures
    )
    _gbk_add(site, "/tpxw/index.html", "图片新闻", f'<h2>图片新闻</h2><ul class="piclist">{tiles}</ul>')
    for d, n in pictures:
        _gbk_add(site, f"/tpxw/{d:%Y%m}/t{d:%Y%m%d}_{n}.html", "图集", f"<h1>图集</h1><p>{d}</p>")
        site.pages[f"/images/p{n}.jpg"] = asset("x.jpg")
    # Pure pages.
    duties = (
        "<p>"
        + "贯彻执行国家和省市关于政府工作的方针政策和法律法规，负责全县经济社会发展综合协调。" * 6
        + "</p>"
    )
    _gbk_add(site, "/jgzn/index.html", "机构职能", f'<div class="article"><h1>机构职能</h1>{duties}</div>')
    contact = "<p>" + "通讯地址：深山县人民路1号，联系电话：0700-1234567，邮政编码：430000。" * 5 + "</p>"
    _gbk_add(site, "/lxwm/index.html", "联系我们", f'<div class="article"><h1>联系我们</h1>{contact}</div>')
    # A JavaScript shell: the list exists only after scripts run.
    shell = _doc("数据开放", '<div id="app"></div><script src="/js/app.js"></script>', "utf-8")
    site.pages["/sjkf/index.html"] = Resource(200, "text/html; charset=utf-8", shell.encode())
    site.pages["/js/app.js"] = asset("x.js")
    site.pages["/images/logo.png"] = asset("x.png")
    # Only in the 网站地图.
    topic = [(f"深山县优化营商环境典型案例（{i + 1}）", f"/ztzl/yhyshj/202312/{700 + i}.html", f"2023-12-{20 - 3 * i:02d}")
             for i in range(4)]  # fmt: skip
    _gbk_add(
        site,
        "/ztzl/yhyshj/index.html",
        "优化营商环境",
        f'<h2>优化营商环境</h2><ul class="list">{_rows(topic)}</ul>',
    )
    for _, href, _ in [*page1, *page2, *topic]:
        _gbk_add(site, href, "正文", "<div class='article'><h1>正文</h1><p>正文内容。</p></div>")
    sitemap = "".join(f'<dd><a href="{href}">{name}</a></dd>' for name, href in _GBK_NAV)
    sitemap += '<dd><a href="/ztzl/yhyshj/">优化营商环境</a></dd>'
    _gbk_add(site, "/wzdt/index.html", "网站地图", f'<h2>网站地图</h2><dl class="wzdt">{sitemap}</dl>')
    # Homepage: a dated block, a 12345 consultation link-out, a dead topic and two blocked hosts.
    block = _rows(sorted([r for r in page1 + page2], key=lambda r: r[2] or "", reverse=True)[:6])
    home = (
        f'<div class="box"><div class="box-hd"><h3><a href="/gzdt/">工作动态</a></h3></div><ul>{block}</ul></div>'
        '<div class="hd-box"><h3>互动交流</h3><a href="http://www.hubei.gov.cn/12345/">12345热线网上留言</a></div>'
        '<div class="yqlj"><a href="/ztzl/old2019/">2019年专题（旧）</a>'
        '<a href="http://waf403.suizhou.gov.cn/">被拦截的网站</a><a href="http://busy429.suizhou.gov.cn/">繁忙的网站</a>'
        '<a href="http://www.gov.cn/">中国政府网</a></div>'
    )
    _gbk_add(site, "/index.html", "深山县人民政府", home)
    truth = DepthTruth(
        host=GBK,
        name="深山县人民政府",
        homepage=base + "/",
        columns=(
            DepthColumn("工作动态", base + "/gzdt/", "list", dt.date(2024, 2, 26), "row"),
            DepthColumn("通知公告", base + "/tzgg/", "list", dt.date(2024, 2, 21), "detail"),
            DepthColumn("图片新闻", base + "/tpxw/", "list", dt.date(2024, 2, 23), "url"),
            DepthColumn("机构职能", base + "/jgzn/", "page"),
            DepthColumn("数据开放", base + "/sjkf/", "unparseable"),
            DepthColumn(
                "优化营商环境", base + "/ztzl/yhyshj/", "list", dt.date(2023, 12, 20), "row", "sitemap"
            ),
            DepthColumn("信息公开目录", f"http://{XXGK}/", "list", dt.date(2024, 2, 19), "row", "xxgk"),
            DepthColumn("政策文件", f"http://{XXGK}/zcwj/", "list", dt.date(2024, 2, 19), "row", "xxgk"),
            DepthColumn("规划计划", f"http://{XXGK}/ghjh/", "list", dt.date(2023, 11, 30), "row", "xxgk"),
            DepthColumn("人事信息", f"http://{XXGK}/rsxx/", "blank", None, None, "xxgk"),
            DepthColumn("政务服务", "http://zwfw.hubei.gov.cn/", "linkout", source="linkout"),
            DepthColumn("12345热线网上留言", "http://www.hubei.gov.cn/12345/", "linkout", source="linkout"),
        ),
        broken_links=(base + "/ztzl/old2019/",),
        good_links=(base + "/", "http://www.gov.cn/", base + "/gzdt/", f"http://{XXGK}/"),
        inconclusive_links=("http://waf403.suizhou.gov.cn/", "http://busy429.suizhou.gov.cn/"),
    )
    return site, truth


def _xxgk_site() -> DepthSite:
    site = DepthSite(XXGK)

    def add(path: str, title: str, main: str) -> None:
        menu = (
            '<div class="xxgk-menu"><h3>法定主动公开内容</h3><ul>'
            '<li><a href="/zcwj/">政策文件</a></li><li><a href="/ghjh/">规划计划</a></li>'
            '<li><a href="/rsxx/">人事信息</a></li></ul></div>'
        )
        page = _doc(f"{title}_深山县政府信息公开", f'<div class="top"><a href="http://{GBK}/">深山县人民政府</a></div>'
                    f'{menu}<div class="content">{main}</div>')  # fmt: skip
        site.pages[path] = Resource(200, "text/html; charset=utf-8", page.encode())

    files = [(f"深山县人民政府关于印发{t}实施方案的通知", f"/zcwj/202402/{900 + i}.html", f"2024-02-{19 - 5 * i:02d}")
             for i, t in enumerate(_GBK_TOPICS[:4])]  # fmt: skip
    plans = [(f"深山县{t}三年行动计划", f"/ghjh/202311/{950 + i}.html", f"2023-11-{30 - 7 * i:02d}")
             for i, t in enumerate(_GBK_TOPICS[4:7])]  # fmt: skip
    add("/index.html", "信息公开目录", f'<h2>最新公开</h2><ul class="list">{_rows(files[:3])}</ul>')
    add("/zcwj/index.html", "政策文件", f'<h2>政策文件</h2><ul class="list">{_rows(files)}</ul>')
    add("/ghjh/index.html", "规划计划", f'<h2>规划计划</h2><ul class="list">{_rows(plans)}</ul>')
    add("/rsxx/index.html", "人事信息", '<h2>人事信息</h2><ul class="list"><li>暂无信息</li></ul>')
    for _, href, _ in files + plans:
        add(href, "正文", "<div class='article'><h1>正文</h1><p>正文内容。</p></div>")
    return site


# ----------------------------------------------------------------------------------------- 开普云 site

_SOFT_404 = _doc("深水县人民政府", '<div class="tip"><h2>抱歉，出错啦</h2><p>请返回首页继续浏览。</p></div>')


def _kpy_site() -> tuple[DepthSite, DepthTruth]:
    site = DepthSite(KPY, not_found=Resource(200, "text/html; charset=utf-8", _SOFT_404.encode()))
    base = f"http://{KPY}"
    nav = [("要闻动态", "/col/ywdt/"), ("通知公告", "/col/tzgg/"), ("政策解读", "/col/zcjd/")]
    metas = (
        '<meta name="SiteName" content="深水县人民政府"><meta name="SiteIDCode" content="4290000102">'
        '<meta name="others" content="页面生成时间 2024-02-27 10:00:00">'
    )

    def add(path: str, title: str, main: str) -> None:
        items = "".join(f'<li><a href="{h}">{n}</a></li>' for n, h in nav)
        body = (
            f'<div class="nav"><ul><li><a href="/">首页</a></li>{items}'
            '<li><a href="http://www.hubei.gov.cn/zxts/">我要咨询</a></li></ul></div>'
            f'<div class="main">{main}</div><div class="footer">深水县人民政府 网站标识码：4290000102</div>'
        )
        site.pages[path] = Resource(200, "text/html; charset=utf-8", _doc(title, body, metas=metas).encode())

    news = [(f"深水县召开{t}推进会", f"/art/2024/2/{27 - 3 * i}/art_1_{800 + i}.html", dt.date(2024, 2, 27 - 3 * i))
            for i, t in enumerate(_GBK_TOPICS)]  # fmt: skip
    ul = "".join(
        f'<li><h4><a href="{h}">{n}</a><span class="time">{d:%Y-%m-%d}</span></h4></li>' for n, h, d in news
    )
    add("/col/ywdt/index.html", "要闻动态", f'<ul class="newsList res">{ul}</ul>')
    # TRS on the Fujian platform: static blocks beside an empty avalon template; recordCount declared.
    notices = [(f"关于{t}的公告", f"/zwgk/tzgg/202402/t202402{20 - 4 * i:02d}_{60 + i}.htm", f"2024-02-{20 - 4 * i:02d}")
               for i, t in enumerate(_GBK_TOPICS[:4])]  # fmt: skip
    static = "".join(
        f'<li ms-visible="$showStatic({i})"><a href="{h}">{n}</a><span>{d}</span></li>'
        for i, (n, h, d) in enumerate(notices)
    )
    fujian = (
        f'<div ms-controller="list"><ul class="list" ms-visible="showStatic">{static}</ul>'
        '<ul ms-visible="!showStatic"><li ms-for="el in list"><a ms-attr="{href: el.url}">{{el.title}}</a>'
        "<span>{{el.time}}</span></li></ul></div>"
        "<script>var pageChnlInfo = {recordCount:'4', prepage:'15'};</script>"
    )
    add("/col/tzgg/index.html", "通知公告", fujian)
    add("/col/zcjd/index.html", "政策解读", '<div class="list"><p class="no-data">暂无信息</p></div>')
    for n, h, _ in [*news, *notices]:
        add(h, n, f"<div class='article'><h1>{n}</h1><p>正文内容。</p></div>")
    # Homepage: 开普云 blocks, year-less MM-dd dates (the year comes from 页面生成时间), soft-404 links.
    block = "".join(
        f'<li><h4><a href="{h}">{n}</a><span class="time">{d:%m-%d}</span></h4></li>' for n, h, d in news[:6]
    )
    home = (
        f'<div class="box"><div class="tit"><a href="/col/ywdt/">要闻动态</a></div>'
        f'<ul class="newsList MM-dd res">{block}</ul></div>'
        '<div class="links"><a href="/col/zt2019/">2019年专题</a><a href="/art/2019/1/1/art_1_1.html">旧文章</a></div>'
    )
    add("/index.html", "深水县人民政府", home)
    truth = DepthTruth(
        host=KPY,
        name="深水县人民政府",
        homepage=base + "/",
        columns=(
            DepthColumn("要闻动态", base + "/col/ywdt/", "list", dt.date(2024, 2, 27), "row"),
            DepthColumn("通知公告", base + "/col/tzgg/", "list", dt.date(2024, 2, 20), "row"),
            DepthColumn("政策解读", base + "/col/zcjd/", "blank"),
            DepthColumn("我要咨询", "http://www.hubei.gov.cn/zxts/", "linkout", source="linkout"),
        ),
        broken_links=(base + "/col/zt2019/", base + "/art/2019/1/1/art_1_1.html"),
        good_links=(base + "/", base + "/col/ywdt/", base + news[0][1]),
        inconclusive_links=(),
    )
    return site, truth


@cache
def build_depth() -> tuple[dict[str, DepthSite], dict[str, DepthTruth]]:
    gbk, gbk_truth = _gbk_site()
    kpy, kpy_truth = _kpy_site()
    sites = {GBK: gbk, XXGK: _xxgk_site(), KPY: kpy}
    return sites, {GBK: gbk_truth, KPY: kpy_truth}


def depth_sites() -> dict[str, DepthSite]:
    return build_depth()[0]


DEPTH_TRUTH: dict[str, DepthTruth] = build_depth()[1]
