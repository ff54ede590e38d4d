"""Letters replicas (issue 13 items 1-2): consultation columns in the shapes real sites use, each site
declaring the findings its letters must produce at the farm's as-of date.

Letter lists come in five shapes: a table under header cells with a status column (县长信箱, 网上信访), a
list whose rows carry labelled posting and reply dates (咨询投诉), a paged list under a search form with a
``<div>`` header (网络问政, three pages, the last outside the judged year), a list of plain links whose
letters say everything on their own pages, one row undated (12345留言), and a table that is only the
answer to a search form (民意征集). Beside them: an 在线访谈 column, a letters column
empty without a word (书记信箱) and one that says why it shows no letter (局长信箱).

- ``wx.letterfarm.gov.cn`` (问信县) has unanswered letters (120, 100 days), two answered late (120 days), one
  marked 已办结 whose page shows no reply, a column whose newest reply is 70 days old, an interview
  column last held in October 2022 and a blank letters column; its 网上信访 column's unanswered letter is
  never judged (excluded type).
- ``hx.letterfarm.gov.cn`` (和信县), the clean control: the same shapes, every letter answered in time.

Served through the farm proxy (server.py looks hosts up here too).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from tests.farm.builder import Resource

AS_OF = dt.date(2024, 2, 28)
BAD = "wx.letterfarm.gov.cn"
CLEAN = "hx.letterfarm.gov.cn"


def ago(days: int) -> dt.date:
    return AS_OF - dt.timedelta(days=days)


@dataclass(frozen=True)
class Mail:
    """One letter: posted and replied ``days`` before the as-of date, its status as printed; ``reply``
    False: no reply text on its page."""

    title: str
    posted: int
    status: str  # as printed: 已回复 / 已办结 / 处理中 / 办理中
    replied: int | None = None
    reply: bool = True
    dated_row: bool = True  # its list row shows its posting date (else only its page does)


@dataclass(frozen=True)
class LetterFinding:
    code: str
    column: str | None
    message: str


@dataclass(frozen=True)
class LetterTruth:
    host: str
    name: str
    homepage: str
    verdict: str
    findings: tuple[LetterFinding, ...]
    columns: dict[str, str]  # name → URL


@dataclass
class LetterSite:
    host: str
    pages: dict[str, Resource] = field(default_factory=dict)

    def get(self, path: str, params: dict[str, str]) -> Resource:
        if path.endswith("/") and path + "index.html" in self.pages:
            return self.pages[path + "index.html"]
        return self.pages.get(path) or Resource(
            404, "text/html; charset=utf-8", b"<title>404</title>404 Not Found"
        )


NAV = (
    ("工作动态", "/gzdt/"),
    ("县长信箱", "/xzxx/"),
    ("咨询投诉", "/zxts/"),
    ("网络问政", "/wlwz/"),
    ("12345留言", "/rx12345/"),
    ("网上信访", "/wsxf/"),
    ("在线访谈", "/zxft/"),
    ("书记信箱", "/sjxx/"),
    ("局长信箱", "/jzxx/"),
    ("民意征集", "/myzj/"),
)


class _Builder:
    def __init__(self, host: str, name: str, code: str) -> None:
        self.site = LetterSite(host)
        self.name, self.code = name, code

    def add(self, path: str, title: str, main: str) -> None:
        nav = "".join(f'<li><a href="{href}">{text}</a></li>' for text, href in NAV)
        html = (
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            f'<meta name="SiteName" content="{self.name}"><meta name="SiteIDCode" content="{self.code}">'
            f'<meta name="SiteDomain" content="{self.site.host}">'
            f'<meta name="ColumnName" content="{title}"><meta name="ColumnType" content="{title}">'
            f"<title>{title}</title></head><body>"
            f'<div class="nav"><ul><li><a href="/">首页</a></li>{nav}</ul></div>'
            f'<div class="main">{main}</div>'
            f'<div class="footer"><p>主办单位：{self.name}办公室 网站标识码：{self.code}</p>'
            '<p><a href="http://beian.miit.gov.cn/">鄂ICP备05003310号-1</a> '
            '<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=42130202000118">'
            "鄂公网安备 42130202000118号</a></p>"
            '<span id="_ideConac"></span><script src="http://dcs.conac.cn/js/17/254/1604/a.js"></script>'
            f"<script id=\"_jiucuo_\" sitecode='{self.code}' src='https://zfwzgl.www.gov.cn/exposure/jiucuo.js'></script>"
            "</div></body></html>"
        )
        self.site.pages[path] = Resource(200, "text/html; charset=utf-8", html.encode())

    def letter_page(self, href: str, mail: Mail) -> None:
        """A letter's own page: labels in a table, the reply in a definition list (or none)."""
        reply = ""
        if mail.replied is not None or mail.reply:
            unit = f"<dt>回复单位：</dt><dd>{self.name[:3]}政务服务中心</dd>"
            when = (
                f"<dt>回复时间：</dt><dd>{ago(mail.replied):%Y-%m-%d}</dd>"
                if mail.replied is not None
                else ""
            )
            text = (
                "<dt>回复内容：</dt><dd>您好！您反映的问题已转相关部门核实办理，感谢您的关注。</dd>"
                if mail.reply
                else ""
            )
            reply = f'<div class="reply"><dl>{unit}{when}{text}</dl></div>'
        main = (
            f"<h1>{mail.title}</h1>"
            f'<table class="xj"><tr><th>来信时间</th><td>{ago(mail.posted):%Y-%m-%d} 09:30</td>'
            f"<th>办理状态</th><td>{mail.status}</td></tr>"
            f'<tr><th>来信内容</th><td colspan="3">关于{mail.title[2:]}，请予答复。</td></tr></table>{reply}'
        )
        self.add(href, mail.title, main)


def _date(days: int | None) -> str:
    return f"{ago(days):%Y-%m-%d}" if days is not None else ""


def _table(builder: _Builder, base: str, mails: list[Mail]) -> str:
    """Shape 1: a table under header cells, with a status column and a reply-date column."""
    rows = ""
    for i, mail in enumerate(mails, start=1):
        href = f"{base}{ago(mail.posted):%Y%m}/t{ago(mail.posted):%Y%m%d}_{i}.html"
        builder.letter_page(href, mail)
        rows += (
            f'<tr><td>{i}</td><td><a href="{href}">{mail.title}</a></td><td>{_date(mail.posted)}</td>'
            f"<td>{mail.status}</td><td>{_date(mail.replied)}</td></tr>"
        )
    head = "<tr><th>序号</th><th>标题</th><th>留言时间</th><th>办理状态</th><th>回复时间</th></tr>"
    return f'<table class="letters">{head}{rows}</table>'


def _labelled(builder: _Builder, base: str, mails: list[Mail]) -> str:
    """Shape 2: a list whose rows carry labelled posting and reply dates."""
    rows = ""
    for i, mail in enumerate(mails, start=1):
        href = f"{base}content_{100 + i}.html"
        builder.letter_page(href, mail)
        rows += (
            f'<li><a href="{href}">{mail.title}</a><span class="t1">留言时间：{_date(mail.posted)}</span>'
            f'<span class="t2">回复时间：{_date(mail.replied)}</span></li>'
        )
    return f'<ul class="xjlist">{rows}</ul>'


def _paged(builder: _Builder, base: str, pages: list[list[Mail]]) -> None:
    """Shape 3: a paged list under a search form, its header a row of <span>s."""
    form = (
        f'<form class="search" action="{base}search.html" method="get"><input name="keyword" '
        'placeholder="请输入信件编号或标题"><input type="submit" value="查询"></form>'
    )
    for number, mails in enumerate(pages):
        rows = ""
        for i, mail in enumerate(mails, start=1):
            href = f"{base}{number}/{i}.html"
            builder.letter_page(href, mail)
            rows += (
                f'<li><span><a href="{href}">{mail.title}</a></span><span>{_date(mail.posted)}</span>'
                f"<span>{mail.status}</span></li>"
            )
        head = '<div class="xj-head"><span>信件标题</span><span>来信时间</span><span>状态</span></div>'
        pager = f"共{len(pages)}页 "
        if number + 1 < len(pages):
            pager += f'<a href="{base}index_{number + 1}.html">下一页</a>'
        path = f"{base}index.html" if number == 0 else f"{base}index_{number}.html"
        main = f'<h2>网络问政</h2>{form}{head}<ul class="xj-body">{rows}</ul><div class="page">{pager}</div>'
        builder.add(path, "网络问政", main)


def _plain(builder: _Builder, base: str, mails: list[Mail]) -> str:
    """Shape 4: plain links, most dated; status, reply (and an undated row's date) only on each letter's page."""
    rows = ""
    for i, mail in enumerate(mails, start=1):
        href = f"{base}art_{200 + i}.html"
        builder.letter_page(href, mail)
        day = f"<span>{_date(mail.posted)}</span>" if mail.dated_row else ""
        rows += f'<li><a href="{href}">{mail.title}</a>{day}</li>'
    return f'<ul class="list">{rows}</ul>'


def _searched(builder: _Builder, base: str, mails: list[Mail]) -> None:
    """Shape 5: a column page holding only a search form; its letters are the form's answer."""
    form = (
        f'<form action="{base}search.html" method="get"><input type="hidden" name="type" value="all">'
        '<input name="keyword" placeholder="请输入关键字"><input type="submit" value="查询"></form>'
    )
    builder.add(
        f"{base}index.html", "民意征集", f"<h2>民意征集</h2>{form}<p>请输入关键字查询征集意见及答复。</p>"
    )
    builder.add(f"{base}search.html", "民意征集", f"<h2>查询结果</h2>{_table(builder, base, mails)}")


def _news(builder: _Builder, county: str) -> str:
    items = [
        (f"{county}召开第{i}次常务会议", f"/gzdt/202402/t{ago(d):%Y%m%d}_{i}.html", ago(d))
        for i, d in enumerate((1, 5, 9), 1)
    ]
    for title, href, _ in items:
        builder.add(
            href, title, f"<div class='article'><h1>{title}</h1><p>会议研究了近期重点工作。</p></div>"
        )
    return "".join(f'<li><a href="{h}">{t}</a><span>{d:%Y-%m-%d}</span></li>' for t, h, d in items)


def _interviews(builder: _Builder, newest: dt.date) -> str:
    days = [newest - dt.timedelta(days=60 * i) for i in range(3)]
    rows = ""
    for i, day in enumerate(days, start=1):
        href = f"/zxft/{day:%Y%m}/ft_{i}.html"
        builder.add(
            href, "在线访谈", f"<div class='article'><h1>访谈第{i}期</h1><p>嘉宾与网友在线交流。</p></div>"
        )
        rows += f'<li><a href="{href}">县领导做客在线访谈第{i}期</a><span>{day:%Y-%m-%d}</span></li>'
    return f'<ul class="list">{rows}</ul>'


@dataclass(frozen=True)
class Spec:
    host: str
    name: str
    code: str
    county: str
    mayor: list[Mail]  # 县长信箱: table
    consult: list[Mail]  # 咨询投诉: labelled list
    online: list[list[Mail]]  # 网络问政: paged
    hotline: list[Mail]  # 12345留言: detail pages only
    petition: list[Mail]  # 网上信访: excluded type, table
    opinions: list[Mail]  # 民意征集: behind a search form
    interview: dt.date  # 在线访谈: newest
    blank_secretary: bool  # 书记信箱 empty without a word (else: one answered letter)


def _build(spec: Spec) -> LetterSite:
    b = _Builder(spec.host, spec.name, spec.code)
    news = _news(b, spec.county)
    b.add("/gzdt/index.html", "工作动态", f'<h2>工作动态</h2><ul class="list">{news}</ul>')
    b.add("/xzxx/index.html", "县长信箱", f"<h2>县长信箱</h2>{_table(b, '/xzxx/', spec.mayor)}")
    b.add("/zxts/index.html", "咨询投诉", f"<h2>咨询投诉</h2>{_labelled(b, '/zxts/', spec.consult)}")
    _paged(b, "/wlwz/", spec.online)
    b.add("/rx12345/index.html", "12345留言", f"<h2>12345留言</h2>{_plain(b, '/rx12345/', spec.hotline)}")
    b.add("/wsxf/index.html", "网上信访", f"<h2>网上信访</h2>{_table(b, '/wsxf/', spec.petition)}")
    b.add("/zxft/index.html", "在线访谈", f"<h2>在线访谈</h2>{_interviews(b, spec.interview)}")
    if spec.blank_secretary:
        head = "<tr><th>标题</th><th>留言时间</th><th>状态</th><th>回复时间</th></tr>"
        b.add("/sjxx/index.html", "书记信箱", f'<h2>书记信箱</h2><table class="letters">{head}</table>')
    else:
        b.add(
            "/sjxx/index.html",
            "书记信箱",
            f"<h2>书记信箱</h2>{_table(b, '/sjxx/', [Mail('关于道路照明的建议', 15, '已回复', 6)])}",
        )
    b.add(
        "/jzxx/index.html",
        "局长信箱",
        "<h2>局长信箱</h2><p>根据来信人意愿，本栏目来信内容均不予公开。如需了解办理情况，请拨打12345热线。</p>",
    )
    _searched(b, "/myzj/", spec.opinions)
    home = f'<div class="box"><h3><a href="/gzdt/">工作动态</a></h3><ul class="list">{news}</ul></div>'
    b.add("/index.html", spec.name, home)
    return b.site


BAD_SPEC = Spec(
    host=BAD,
    name="问信县人民政府",
    code="4290000201",
    county="问信县",
    mayor=[
        Mail("关于老旧小区改造的咨询", 20, "已回复", 15),
        Mail("关于路灯不亮的反映", 120, "处理中", reply=False),
    ],
    consult=[
        Mail("关于农村饮水的咨询", 200, "已回复", 80),
        Mail("关于公交线路调整的建议", 100, "已回复", 70),
    ],
    online=[
        [Mail("关于噪音扰民的投诉", 3, "处理中", reply=False), Mail("关于停车难的问题", 10, "已回复", 5)],
        [
            Mail("关于学区划分的咨询", 40, "已回复", 38),
            Mail("关于社保转移的咨询", 150, "已办结", reply=False),
        ],
        [Mail("关于2022年供暖的反映", 400, "处理中", reply=False)],
    ],
    hotline=[
        Mail("关于医保报销的咨询", 12, "已回复", 8),
        Mail("关于河道清淤的建议", 130, "已回复", 10, dated_row=False),
        Mail("关于快递网点的咨询", 50, "办理中", reply=False),
    ],
    petition=[Mail("关于征地补偿的信访", 200, "处理中", reply=False)],
    opinions=[
        Mail("关于菜市场改造的意见", 20, "已回复", 10),
        Mail("关于城区绿化的意见", 100, "处理中", reply=False),
    ],
    interview=dt.date(2022, 10, 20),
    blank_secretary=True,
)
CLEAN_SPEC = Spec(
    host=CLEAN,
    name="和信县人民政府",
    code="4290000202",
    county="和信县",
    mayor=[Mail("关于老旧小区改造的咨询", 20, "已回复", 15), Mail("关于供水管网的咨询", 60, "已办结", 40)],
    consult=[Mail("关于公交线路调整的建议", 30, "已回复", 10)],
    online=[
        [Mail("关于噪音扰民的投诉", 3, "处理中", reply=False), Mail("关于停车难的问题", 10, "已回复", 5)],
        [Mail("关于学区划分的咨询", 100, "已回复", 50)],
    ],
    hotline=[
        Mail("关于医保报销的咨询", 12, "已回复", 8, dated_row=False),
        Mail("关于快递网点的咨询", 50, "办理中", reply=False),
    ],
    petition=[Mail("关于征地补偿的信访", 200, "处理中", reply=False)],
    opinions=[Mail("关于菜市场改造的意见", 20, "已回复", 10)],
    interview=ago(40),
    blank_secretary=False,
)


def _columns(host: str) -> dict[str, str]:
    return {name: f"http://{host}{href}" for name, href in NAV}


def _unanswered(column: str) -> LetterFinding:
    return LetterFinding("interaction_unanswered", column, f"“{column}”栏目存在超过3个月未回应有效留言的现象")


LETTER_TRUTH: dict[str, LetterTruth] = {
    BAD: LetterTruth(
        BAD,
        BAD_SPEC.name,
        f"http://{BAD}/",
        "fail",
        (
            _unanswered("县长信箱"),  # 处理中 for 120 days
            _unanswered("咨询投诉"),  # answered after 120 days (list row)
            LetterFinding("interaction_unanswered", "网络问政", "政务咨询类栏目“网络问政”无法查看结果"),
            _unanswered("12345留言"),  # answered after 120 days (its page; its row undated)
            _unanswered("民意征集"),  # 处理中 for 100 days, behind a search form
            LetterFinding(
                "consult_reply_timeliness", "咨询投诉", "“咨询投诉”栏目监测时间点前2个月内未更新留言答复"
            ),
            LetterFinding("survey_inactive", "在线访谈", "“在线访谈”栏目自2022年10月以来一直未更新"),
            LetterFinding("column_blank", "书记信箱", "“书记信箱”栏目为空白栏目"),
        ),
        _columns(BAD),
    ),
    CLEAN: LetterTruth(CLEAN, CLEAN_SPEC.name, f"http://{CLEAN}/", "pass", (), _columns(CLEAN)),
}


@cache
def letters_sites() -> dict[str, LetterSite]:
    return {spec.host: _build(spec) for spec in (BAD_SPEC, CLEAN_SPEC)}
