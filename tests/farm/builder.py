"""Expands the site specs of sites.py into the pages, assets and paging proxies the farm serves."""

from __future__ import annotations

import hashlib
import math
import posixpath
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from tests.farm import templates as t
from tests.farm.sites import SPECS, Col, SiteSpec

# ------------------------------------------------------------------------------------------- resources


@dataclass(frozen=True)
class Resource:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


_TYPES = {
    ".css": ("text/css; charset=utf-8", t.STUB_CSS),
    ".js": ("application/javascript; charset=utf-8", t.STUB_JS),
    ".png": ("image/png", t.TINY_PNG),
    ".gif": ("image/gif", t.TINY_GIF),
    ".jpg": ("image/jpeg", t.TINY_JPEG),
    ".ico": ("image/x-icon", t.TINY_PNG),
    ".pdf": ("application/pdf", t.TINY_PDF),
}


def asset(path: str) -> Resource:
    ctype, body = _TYPES[posixpath.splitext(path)[1]]
    return Resource(200, ctype, body)


# Healthy third-party hosts the replicas link to (footer badges, 备案 pages, 友情链接, link-outs).
STUB_HOSTS = (
    "dcs.conac.cn",
    "bszs.conac.cn",
    "beian.miit.gov.cn",
    "www.beian.gov.cn",
    "zfwzgl.www.gov.cn",
    "www.gov.cn",
    "www.hubei.gov.cn",
    "zwfw.hubei.gov.cn",
    "www.baidu.com",  # with www.gov.cn: GOVCHECK_REFERENCE_HOSTS' defaults (the inspector's own connectivity)
)


def stub_resource(host: str, path: str) -> Resource:
    ext = posixpath.splitext(path)[1]
    if ext in _TYPES:
        return asset(path)
    return Resource(200, "text/html; charset=utf-8", t.stub_page(host).encode())


@dataclass
class Site:
    spec: SiteSpec
    pages: dict[str, Resource]
    not_found: Resource
    index: str  # directory index file name
    columns: tuple[tuple[Col, str], ...]  # served columns in navigation order, with their URL
    newest: dict[str, date | None]  # column name -> max date printed on its list
    broken: tuple[str, ...]
    good: tuple[str, ...]
    dataproxy: Callable[[dict[str, str]], Resource] | None = None

    def get(self, path: str, params: dict[str, str]) -> Resource:
        if self.dataproxy and path == HANWEB_PROXY:
            return self.dataproxy(params)
        page = self.pages.get(path) or (self.pages.get(path + self.index) if path.endswith("/") else None)
        if page:
            return page
        if f"{path}/{self.index}" in self.pages:  # like nginx: a directory without its slash redirects
            return Resource(
                301, "text/html; charset=utf-8", b"", (("Location", f"http://{self.spec.host}{path}/"),)
            )
        return self.not_found


HANWEB_PROXY = "/module/web/jpage/dataproxy.jsp"

# ------------------------------------------------------------------------------------------ URL schemes


@dataclass(frozen=True)
class Item:
    title: str
    topic: str
    day: date
    url_day: date  # the date in the URL (TRS writes the creation date)
    time: str
    docid: int
    pinned: bool = False
    gone: bool = False  # article deleted: the row's link is broken


class _Generic:
    """Custom/generic CMS: directory per column, static ``index_N.html`` pages with real pager links."""

    family = "generic"
    home = "/"
    sitemap = "/wzdt/"
    contact = "/lxwm/"

    def __init__(self, spec: SiteSpec, cols: list[Col]) -> None:
        self.spec = spec
        self.index = "index.html"
        self.colids: dict[Col, int] = {}  # Hanweb only

    def column(self, c: Col) -> str:
        return f"/{c.slug}/"

    def page(self, c: Col, k: int) -> str:
        return f"/{c.slug}/index.html" if k == 0 else f"/{c.slug}/index_{k + 1}.html"

    def article(self, c: Col, it: Item) -> str:
        return self.spec.article_fmt.format(slug=c.slug, day=it.url_day, docid=it.docid)

    def image(self, c: Col, it: Item) -> str:
        return f"/uploadfiles/{it.url_day:%Y%m}/{it.docid}.jpg"

    def attachment(self, c: Col, it: Item) -> str:
        return f"/uploadfiles/{it.url_day:%Y%m}/{it.docid}.pdf"

    def href(self, page: str, target: str) -> str:
        return target


class _Trs(_Generic):
    """TRS WCM classic static publishing: relative links, ``tYYYYMMDD_docid`` articles, 0-based index_N."""

    family = "trs"

    def __init__(self, spec: SiteSpec, cols: list[Col]) -> None:
        super().__init__(spec, cols)
        self.index = f"index.{spec.ext}"

    def page(self, c: Col, k: int) -> str:
        return f"/{c.slug}/{self.index}" if k == 0 else f"/{c.slug}/index_{k}.{self.spec.ext}"

    def article(self, c: Col, it: Item) -> str:
        return f"/{c.slug}/{it.url_day:%Y%m}/t{it.url_day:%Y%m%d}_{it.docid}.{self.spec.ext}"

    def image(self, c: Col, it: Item) -> str:
        return f"/{c.slug}/{it.url_day:%Y%m}/W0{it.url_day:%Y%m%d}{it.docid}.jpg"

    def attachment(self, c: Col, it: Item) -> str:
        return f"/{c.slug}/{it.url_day:%Y%m}/P0{it.url_day:%Y%m%d}{it.docid}.pdf"

    def href(self, page: str, target: str) -> str:
        if not target.startswith("/"):
            return target
        rel = posixpath.relpath(target, posixpath.dirname(page))
        if target.endswith("/"):
            rel = rel.rstrip("/") + "/"
        return rel if rel.startswith(".") else "./" + rel


class _Hanweb(_Generic):
    """Hanweb JCMS: ``/col/colNNN/index.html`` columns, ``/art/Y/M/D/art_col_doc.html`` articles."""

    family = "hanweb"
    home = "/index.html"

    def __init__(self, spec: SiteSpec, cols: list[Col]) -> None:
        super().__init__(spec, cols)
        self.colids = {c: spec.colid_base + 17 * i + i * i % 7 for i, c in enumerate(cols)}

    def column(self, c: Col) -> str:
        return f"/col/col{self.colids[c]}/index.html"

    def page(self, c: Col, k: int) -> str:
        return self.column(c)

    def article(self, c: Col, it: Item) -> str:
        d = it.url_day
        return f"/art/{d.year}/{d.month}/{d.day}/art_{self.colids[c]}_{it.docid}.html"

    def image(self, c: Col, it: Item) -> str:
        return f"/picture/0/{it.docid:x}{self.colids[c]}.jpg"

    def attachment(self, c: Col, it: Item) -> str:
        return f"/module/download/{it.docid}.pdf"


_CMS: dict[str, type[_Generic]] = {"generic": _Generic, "trs": _Trs, "hanweb": _Hanweb}

# ----------------------------------------------------------------------------------------------- titles

_TITLES: dict[str, tuple[str, ...]] = {
    "news": (
        "{org}召开{topic}工作推进会",
        "{org}开展{topic}专项行动",
        "{org}主要负责同志带队调研{topic}工作",
        "{org}组织开展{topic}业务培训",
        "{org}赴{place}督导{topic}工作",
        "{org}召开{year}年{topic}工作会议",
        "{org}扎实推进{topic}",
        "{org}举办{topic}专题讲座",
        "{place}：多措并举抓好{topic}",
        "{org}召开{topic}座谈会",
    ),
    "notice": (
        "关于开展{year}年{topic}工作的通知",
        "关于{topic}有关事项的通知",
        "关于{topic}结果的公示",
        "{org}关于{topic}的公告",
        "关于做好{topic}工作的通知",
        "关于征求《{topic}实施细则（征求意见稿）》意见的公告",
    ),
    "policy": (
        "关于印发《{topic}实施方案》的通知",
        "关于进一步加强{topic}工作的意见",
        "关于印发《{topic}管理办法》的通知",
        "{org}关于{year}年{topic}工作的实施意见",
        "关于印发《{year}年{topic}工作要点》的通知",
    ),
    "interpret": ("《{topic}实施方案》政策解读", "图解：{topic}", "一图读懂{year}年{topic}工作要点"),
    "plan": (
        "{org}{year}年工作要点",
        "{org}{year}年{topic}工作计划",
        "随州市“十四五”{topic}发展规划",
        "{org}{last}年工作总结和{year}年工作安排",
        "{org}{topic}中长期规划（{year}—2030年）",
    ),
    "personnel": (
        "{org}{year}年公开遴选工作人员公告",
        "{org}干部任前公示（{year}年第{n}批）",
        "关于{name}等同志职务任免的通知",
        "{org}{year}年度公开招聘工作人员拟聘用人员名单",
    ),
    "budget": (
        "{org}{year}年部门预算公开",
        "{org}{last}年部门决算公开",
        "{org}{year}年“三公”经费预算情况说明",
        "{org}{last}年度“三公”经费决算情况说明",
    ),
    "report": (
        "{org}{last}年政府信息公开工作年度报告",
        "{org}{last}年法治政府建设情况报告",
        "{org}{last}年度政府网站工作年度报表",
    ),
    "guide": ("{org}政府信息公开指南（{year}年修订）", "{org}依申请公开政府信息办理流程（{year}年）"),
    "video": ("【视频】{topic}宣传片", "【视频】{org}{topic}演练", "【视频】{topic}知识微课堂"),
    "topic": (
        "{org}召开{col}工作推进会",
        "{org}扎实开展{col}",
        "{col}：{org}多措并举抓落实",
        "{org}部署{col}重点任务",
        "{org}召开{col}专题会议",
        "{org}以{col}推动{topic}",
        "{org}{col}工作情况通报",
    ),
    "general": (
        "{org}{topic}工作情况",
        "{topic}知识问答",
        "{org}关于{topic}的说明",
        "{topic}典型案例",
        "{org}{year}年{topic}工作情况",
    ),
}
_KINDS = (
    ("news", ("图片", "动态", "要闻", "新闻", "聚焦", "资讯")),
    ("notice", ("通知", "公告", "公示")),
    ("interpret", ("解读",)),
    ("policy", ("文件", "法规")),
    ("plan", ("规划", "计划")),
    ("personnel", ("人事",)),
    ("budget", ("预决算", "财政")),
    ("report", ("年报", "报告")),
    ("guide", ("指南",)),
    ("video", ("视频",)),
)
_PLACES = ("曾都区", "随县", "广水市", "随州高新区", "大洪山风景名胜区")
_NAMES = ("张明", "李华", "王磊", "刘洋", "陈静", "杨帆")
_SENTENCES = (
    "会议强调，要坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党的二十大精神，压紧压实工作责任。",
    "各科室、各直属单位主要负责同志参加会议。",
    "此次活动进一步增强了干部职工的责任意识和服务意识，营造了良好氛围。",
    "与会人员结合工作实际进行了深入交流，并就下一步工作提出了意见建议。",
)


def _kind(name: str, menu: str) -> str:
    for kind, words in _KINDS:
        if any(w in name for w in words):
            return kind
    return "topic" if menu == "专题专栏" else "general"


def is_picture(c: Col) -> bool:
    return "图片" in c.name


# ---------------------------------------------------------------------------------------------- builder


class _Builder:
    def __init__(self, spec: SiteSpec) -> None:
        self.spec = spec
        self.cols = [c for _, cs in spec.menus for c in cs]
        self.menu_of = {c: m for m, cs in spec.menus for c in cs}
        self.cms = _CMS[spec.cms](spec, self.cols)
        self.items = self._make_items()
        self.pages: dict[str, Resource] = {}

    # -- content

    def _make_items(self) -> dict[Col, list[Item]]:
        raw: list[tuple[Col, int, str, str, date, str, bool, bool]] = []
        for c in self.cols:
            if c.newest is None:
                continue
            rng = random.Random(f"{self.spec.host}/{c.slug}")
            kind = _kind(c.name, self.menu_of[c])
            seen: set[str] = set()
            day = c.newest
            rows = []
            for _ in range(c.n):
                topic = rng.choice(self.spec.topics)
                title = self._title(rng, kind, c, topic, day, seen)
                rows.append(
                    (title, topic, day, f"{rng.randint(8, 17):02d}:{rng.choice((0, 15, 30, 45)):02d}")
                )
                day -= timedelta(days=max(1, c.every + rng.randint(-c.every // 3, c.every // 3)))
            if c.pinned:  # the oldest notice stays on top: newest is the max date, never the first row
                rows.insert(0, rows.pop())
            for i, (title, topic, day, time) in enumerate(rows):
                gone = c.broken_row and i == 2
                raw.append((c, i, title, topic, day, time, c.pinned and i == 0, gone))
        # Doc ids grow with publication time across the whole site, as a CMS sequence does.
        rng = random.Random(self.spec.host)
        items: dict[Col, list[tuple[int, Item]]] = {c: [] for c in self.cols}
        docid = self.spec.docid_base
        for c, i, title, topic, day, time, pinned, gone in sorted(raw, key=lambda r: (r[4], r[5], r[0].slug)):
            docid += rng.randint(3, 40)
            url_day = day - timedelta(days=1) if self.spec.url_lag and docid % 3 == 0 else day
            items[c].append((i, Item(title, topic, day, url_day, time, docid, pinned, gone)))
        return {c: [it for _, it in sorted(v, key=lambda p: p[0])] for c, v in items.items()}

    def _title(self, rng: random.Random, kind: str, c: Col, topic: str, day: date, seen: set[str]) -> str:
        for attempt in range(40):
            title = rng.choice(_TITLES[kind]).format(
                org=self.spec.org,
                topic=topic if attempt < 20 else rng.choice(self.spec.topics),
                place=rng.choice(_PLACES),
                year=day.year,
                last=day.year - 1,
                n=rng.randint(1, 4),
                name=rng.choice(_NAMES),
                col=c.name,
            )
            if title not in seen:
                break
        else:
            title = f"{title}（{day.month}月）"
        seen.add(title)
        return title

    # -- helpers

    def add(self, path: str, html: str) -> None:
        self.pages[path] = Resource(
            200, f"text/html; charset={self.spec.charset}", html.encode(self.spec.charset)
        )

    def add_asset(self, path: str) -> str:
        self.pages[path] = asset(path)
        return path

    def url(self, path: str) -> str:
        return f"http://{self.spec.host}{path}"

    def metas(self, **extra: str) -> list[tuple[str, str]]:
        spec = self.spec
        pairs = [
            ("SiteName", spec.name),
            ("SiteDomain", spec.host),
            ("SiteIDCode", spec.code),
            *extra.items(),
        ]
        return [(n.lower() if spec.meta_lower else n, v) for n, v in pairs]

    def rows(self, page: str, c: Col, items: list[Item]) -> list[t.Row]:
        h = self.cms.href
        return [
            t.Row(
                it.title,
                h(page, self.cms.article(c, it)),
                it.day,
                h(page, self.cms.image(c, it)) if is_picture(c) else None,
                it.pinned,
            )
            for it in items
        ]

    def render(self, path: str, title: str, metas: list[tuple[str, str]], body: str) -> None:
        spec, h = self.spec, self.cms.href
        nav = [t.NavEntry("首页", h(path, self.cms.home))]
        for menu, cs in spec.menus:
            head = h(path, self.cms.column(cs[0])) if spec.nav_heads == "first" else "javascript:;"
            children = tuple((c.name, h(path, self.cms.column(c))) for c in cs if c.in_nav)
            nav.append(t.NavEntry(menu, head, children))
        nav += [t.NavEntry(n, u) for n, u in spec.outlinks]
        portal = None if spec.host == "www.suizhou.gov.cn" else "http://www.suizhou.gov.cn/"
        conac_id = hashlib.md5(spec.code.encode()).hexdigest().upper()  # 32 hex digits, like real badge ids
        footer = t.Footer(
            spec.name, spec.code, spec.icp, spec.gongan, spec.phone, spec.address, conac_id, spec.conac_script
        )
        chrome = "\n".join(
            (
                t.header(spec.name, h(path, self.cms.home), "/images/logo.png", portal),
                t.nav(nav),
                body,
                t.footer(footer, h(path, self.cms.sitemap), h(path, self.cms.contact)),
            )
        )
        css, js = ["/css/style.css"], ["/js/jquery.min.js", "/js/common.js"]
        if self.cms.family == "hanweb":
            js = ["/module/jslib/jquery/jquery.js", "/module/jslib/jquery/jpage/jquery.jpage.js"]
        for a in (*css, *js, "/images/logo.png", "/images/gaba.png"):
            self.add_asset(a)
        self.add(
            path, t.document(charset=spec.charset, title=title, metas=metas, css=css, js=js, body=chrome)
        )

    def crumb(self, page: str, trail: list[tuple[str, str | None]]) -> str:
        home = self.cms.href(page, self.cms.home)
        return t.breadcrumb(self.cms.family, [("首页", home), *trail])

    # -- pages

    def build(self) -> Site:
        for c in self.cols:
            if not c.missing:
                self.column_pages(c)
                self.article_pages(c)
        self.homepage()
        self.extra_pages()
        spec, cms = self.spec, self.cms
        served = tuple((c, self.url(cms.column(c))) for c in self.cols if not c.missing)
        broken = [self.url(cms.column(c)) for c in self.cols if c.missing]
        broken += [self.url(cms.article(c, it)) for c in self.cols for it in self.items[c] if it.gone]
        first = served[0][0]
        good = (
            self.url("/"),
            served[0][1],
            self.url(cms.article(first, self.items[first][0])),
            "http://www.hubei.gov.cn/",
        )
        dataproxy = self.dataproxy if cms.family == "hanweb" else None
        return Site(
            spec=spec,
            pages=self.pages,
            not_found=Resource(
                404, "text/html; charset=utf-8", t.not_found(spec.name, self.url(cms.home)).encode()
            ),
            index=cms.index,
            columns=served,
            newest={c.name: max((it.day for it in self.items[c]), default=None) for c, _ in served},
            broken=tuple(u for _, u in spec.dead_links) + tuple(broken),
            good=good,
            dataproxy=dataproxy,
        )

    def column_pages(self, c: Col) -> None:
        spec, cms = self.spec, self.cms
        items = self.items[c]
        per = spec.per_page
        pages = max(1, math.ceil(len(items) / per))
        siblings = self.menu_cols(c)
        metas = self.metas(
            ColumnName=c.name, ColumnDescription=c.name, ColumnKeywords=c.name, ColumnType=c.name
        )
        render = t.row_renderer(spec.row_style, is_picture(c))
        for k in range(pages if cms.family != "hanweb" else 1):
            path = cms.page(c, k)
            chunk = items[k * per : (k + 1) * per]
            if not items:
                listing = t.blank_listing(c.blank)
            elif cms.family == "hanweb":
                group = self.proxy_query(c, 1)
                rows = self.rows(path, c, chunk)
                listing = t.hanweb_island(str(cms.colids[c]), render, rows, len(items), per, group)
            else:
                listing = t.listing(spec.row_style, self.rows(path, c, chunk), is_picture(c))
                if cms.family == "trs":
                    listing += "\n" + t.trs_pager(k, pages, spec.ext)
                else:
                    names = [posixpath.basename(cms.page(c, i)) for i in range(pages)]
                    listing += "\n" + t.static_pager(k, pages, names, len(items))
            side = t.sidebar(
                self.menu_of[c], [(s.name, cms.href(path, cms.column(s))) for s in siblings], c.name
            )
            crumb = self.crumb(path, [(c.name, cms.href(path, cms.column(c)))])
            title = f"{c.name} - {spec.name}"
            self.render(path, title, metas, t.column_body(crumb, side, c.name, listing))

    def menu_cols(self, c: Col) -> tuple[Col, ...]:
        return next(cs for _, cs in self.spec.menus if c in cs)

    def proxy_query(self, c: Col, page: int) -> str:
        base = self.spec.colid_base
        return (
            f"{HANWEB_PROXY}?page={page}&appid=1&webid={base % 97}&path=/&columnid={self.cms.colids[c]}"
            f"&unitid={base * 3 % 99991}&permissiontype=0"
        )

    def dataproxy(self, params: dict[str, str]) -> Resource:
        """Hanweb's paging proxy: ``page=N`` (new) or ``startrecord/endrecord/perpage`` (old, often POSTed)."""
        by_id = {str(i): c for c, i in self.cms.colids.items()}
        c = by_id.get(params.get("columnid", ""))
        items = self.items[c] if c else []
        try:
            per = int(params.get("perpage") or self.spec.per_page)
            if "startrecord" in params:
                start = int(params["startrecord"]) - 1
                end = int(params.get("endrecord") or start + per)
            else:
                start = (int(params.get("page") or 1) - 1) * per
                end = start + per
        except ValueError:
            start = end = 0
            per = self.spec.per_page
        rows = self.rows(HANWEB_PROXY, c, items[max(start, 0) : end]) if c else []
        render = t.row_renderer(self.spec.row_style, bool(c and is_picture(c)))
        xml = t.hanweb_proxy_answer(render, rows, len(items), math.ceil(len(items) / max(per, 1)))
        return Resource(200, "text/xml; charset=utf-8", xml.encode())

    def article_pages(self, c: Col) -> None:
        spec, cms = self.spec, self.cms
        live = [it for it in self.items[c] if not it.gone]
        kind = _kind(c.name, self.menu_of[c])
        h = cms.href
        for i, it in enumerate(live):
            path = cms.article(c, it)

            def link(j: int, path: str = path) -> tuple[str, str] | None:
                return (live[j].title, h(path, cms.article(c, live[j]))) if 0 <= j < len(live) else None

            img = h(path, self.add_asset(cms.image(c, it))) if is_picture(c) else None
            attachment = None
            if kind in ("policy", "notice") and it.docid % 2 == 0:
                attachment = ("附件：相关材料.pdf", h(path, self.add_asset(cms.attachment(c, it))))
            stamp = f"{it.day:%Y-%m-%d} {it.time}"
            d = it.day
            paragraphs = (
                f"{d.month}月{d.day}日，{spec.org}围绕{it.topic}开展相关工作，研究部署下一阶段重点任务。",
                _SENTENCES[it.docid % len(_SENTENCES)],
                f"下一步，{spec.org}将持续加强统筹协调，细化工作措施，推动{it.topic}工作取得新成效。",
            )
            trail: list[tuple[str, str | None]] = [(c.name, h(path, cms.column(c)))]
            if cms.family == "generic":
                trail.append(("正文", None))
            body = t.article_body(
                crumb=self.crumb(path, trail),
                title=it.title,
                info=t.info_line(cms.family, stamp, spec.name),
                paragraphs=paragraphs,
                img=img,
                attachment=attachment,
                prev=link(i - 1),
                next_=link(i + 1),
            )
            metas = self.metas(
                ColumnName=c.name,
                ColumnType=c.name,
                ArticleTitle=it.title,
                PubDate=stamp,
                ContentSource=spec.name,
            )
            self.render(path, f"{it.title}_{spec.name}", metas, body)

    def homepage(self) -> None:
        spec, cms = self.spec, self.cms
        path = cms.home + (cms.index if cms.home.endswith("/") else "")
        h = cms.href
        parts = []
        blocks = [c for c in self.cols if c.home]
        pictures = [c for c in blocks if is_picture(c)]
        if pictures:
            c = pictures[0]
            parts.append(t.slider(c.name, h(path, cms.column(c)), self.rows(path, c, self.items[c][:5])))
        for n, c in enumerate(b for b in blocks if not is_picture(b)):
            mmdd = spec.home_mmdd and n % 2 == 1
            parts.append(
                t.home_block(c.name, h(path, cms.column(c)), self.rows(path, c, self.items[c][:7]), mmdd)
            )
        topics = [c for c in self.cols if self.menu_of[c] == "专题专栏" and not c.missing]
        banner = [
            (c.name, h(path, cms.column(c)), f"/images/zt/{c.slug.rsplit('/', 1)[-1]}.jpg") for c in topics
        ]
        dead = [(n, u) for n, u in spec.dead_links if not u.startswith(self.url("/"))]
        banner += [
            (n, u, f"/images/zt/{u.rstrip('/').rsplit('/', 1)[-1]}.jpg")
            for n, u in spec.dead_links
            if u.startswith(self.url("/"))
        ]
        for _, _, img in banner:
            self.add_asset(img)
        parts.append(t.banners([(n, u, h(path, img)) for n, u, img in banner]))
        links = [
            ("中国政府网", "http://www.gov.cn/"),
            ("湖北省人民政府", "http://www.hubei.gov.cn/"),
            *spec.links,
            *dead,
        ]
        parts.append(t.link_list("友情链接", links))
        self.render(path, spec.name, self.metas(), t.home_body(parts))

    def extra_pages(self) -> None:
        spec, cms = self.spec, self.cms
        path = cms.sitemap + cms.index
        groups = [(m, [(c.name, cms.href(path, cms.column(c))) for c in cs]) for m, cs in spec.menus]
        crumb = self.crumb(path, [("网站地图", None)])
        self.render(
            path,
            f"网站地图 - {spec.name}",
            self.metas(),
            t.static_page("网站地图", crumb, []) + t.sitemap(groups),
        )
        path = cms.contact + cms.index
        crumb = self.crumb(path, [("联系我们", None)])
        lines = (f"单位名称：{spec.name}", f"通讯地址：{spec.address}", f"联系电话：{spec.phone}")
        self.render(path, f"联系我们 - {spec.name}", self.metas(), t.static_page("联系我们", crumb, lines))


def build_site(spec: SiteSpec) -> Site:
    return _Builder(spec).build()


@cache
def build_all() -> dict[str, Site]:
    return {spec.host: build_site(spec) for spec in SPECS}
