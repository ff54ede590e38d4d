"""Markup of the replica sites.

Everything here imitates markup documented in shared/docs/cms-patterns.md (read from real pages): the
national meta tags, 当前位置 breadcrumbs, TRS ``createPageHTML`` pagers, Hanweb ``<datastore>`` islands,
year-less ``MM-dd`` homepage dates, CONAC/公安备案/ICP footers. Functions return ``str``; sites.py encodes.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
TINY_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
TINY_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////"
    "////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
)
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
STUB_CSS = b"body{margin:0;font:14px/1.8 'Microsoft YaHei',SimSun}.w1200{width:1200px;margin:0 auto}\n"
STUB_JS = b"/* replica asset */\n"


@dataclass(frozen=True)
class Row:
    """One entry of a list as printed: the href is already relative/absolute as the CMS writes it."""

    title: str
    href: str
    day: date
    img: str | None = None  # picture columns show a thumbnail
    pinned: bool = False


@dataclass(frozen=True)
class NavEntry:
    name: str
    href: str  # "javascript:;" for menu heads that only open their sub-menu
    children: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Footer:
    name: str
    code: str
    icp: str
    gongan: str  # 14-digit 公安备案 record code
    phone: str
    address: str
    conac_id: str
    conac_script: bool  # badge injected by the dcs.conac.cn script (else a static anchor + image)


def e(text: str) -> str:
    return escape(text, quote=True)


def ymd(day: date) -> str:
    return day.strftime("%Y-%m-%d")


# ---------------------------------------------------------------------------------------------- chrome


def document(
    *,
    charset: str,
    title: str,
    metas: Sequence[tuple[str, str]],
    css: Sequence[str],
    js: Sequence[str],
    body: str,
) -> str:
    # GBK pages declare the charset the old way (http-equiv), as the GBK sites of that era do.
    cs = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        if charset != "utf-8"
        else '<meta charset="utf-8">'
    )
    meta = "\n".join(f'<meta name="{e(n)}" content="{e(v)}">' for n, v in metas)
    links = "\n".join(f'<link rel="stylesheet" type="text/css" href="{e(h)}">' for h in css)
    scripts = "\n".join(f'<script type="text/javascript" src="{e(s)}"></script>' for s in js)
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n{cs}\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"<title>{e(title)}</title>\n{meta}\n{links}\n{scripts}\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def header(name: str, home: str, logo: str, portal: str | None) -> str:
    top = (
        f'<a href="{e(portal)}" target="_blank">随州市人民政府</a> | ' if portal else ""
    ) + '<a href="http://www.hubei.gov.cn/" target="_blank">湖北省人民政府</a>'
    return (
        f'<div class="topbar"><div class="w1200"><span class="welcome">欢迎访问{e(name)}网站</span>'
        f'<span class="fr">{top}</span></div></div>\n'
        f'<div class="header"><div class="w1200"><a class="logo" href="{e(home)}">'
        f'<img src="{e(logo)}" alt="{e(name)}"></a></div></div>'
    )


def nav(entries: Sequence[NavEntry]) -> str:
    items = []
    for entry in entries:
        sub = ""
        if entry.children:
            sub = (
                '<ul class="subnav">'
                + "".join(f'<li><a href="{e(h)}">{e(n)}</a></li>' for n, h in entry.children)
                + "</ul>"
            )
        target = ' target="_blank"' if entry.href.startswith("http") else ""
        items.append(f'<li><a href="{e(entry.href)}"{target}>{e(entry.name)}</a>{sub}</li>')
    return (
        '<div class="nav"><div class="w1200"><ul class="nav-list">\n'
        + "\n".join(items)
        + "\n</ul></div></div>"
    )


def footer(f: Footer, sitemap: str, contact: str) -> str:
    if f.conac_script:
        badge = (
            '<span id="_ideConac"></span><script type="text/javascript" '
            f'src="https://dcs.conac.cn/js/17/254/1604/{f.conac_id[:8]}/CA172541604{f.conac_id[:8]}0001.js">'
            "</script>"
        )
    else:
        badge = (
            f'<a href="http://bszs.conac.cn/sitename?method=show&amp;id={e(f.conac_id)}" target="_blank">'
            '<img src="http://dcs.conac.cn/image/red.png" alt="党政机关"></a>'
        )
    return (
        '<div class="footer"><div class="w1200">\n'
        f'<p class="flinks"><a href="{e(sitemap)}">网站地图</a> | <a href="{e(contact)}">联系我们</a></p>\n'
        f"<p>主办单位：{e(f.name)}　地址：{e(f.address)}　联系电话：{e(f.phone)}</p>\n"
        f'<p>网站标识码：{e(f.code)}　<a href="https://beian.miit.gov.cn/" target="_blank">{e(f.icp)}</a>　'
        f'<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode={f.gongan}" target="_blank">'
        f'<img src="/images/gaba.png" alt="">鄂公网安备 {f.gongan}号</a></p>\n'
        f'<div class="bs">{badge}\n<script id="_jiucuo_" sitecode="{e(f.code)}" '
        'src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js"></script></div>\n'
        "</div></div>"
    )


def breadcrumb(style: str, crumbs: Sequence[tuple[str, str | None]]) -> str:
    """Crumbs are (text, href); a None href is a plain-text last crumb."""
    if style == "hanweb":  # Zhejiang-style nested tables
        first, *rest = crumbs
        cells = "".join(
            f'<td> &gt; <a href="{e(h)}">{e(t)}</a></td>' if h else f"<td> &gt; <span>{e(t)}</span></td>"
            for t, h in rest
        )
        return (
            '<table class="position" width="100%"><tr><td>当前位置：</td>'
            f'<td><a href="{e(first[1] or "/")}">{e(first[0])}</a></td>'
            f"<td><table><tr>{cells}</tr></table></td></tr></table>"
        )
    if style == "trs":
        sep = "&nbsp;&gt;&nbsp;"
        parts = [
            f'<a href="{e(h)}" target="_self" title="{e(t)}" class="CurrChnlCls">{e(t)}</a>' if h else e(t)
            for t, h in crumbs
        ]
        return f'<div class="position">当前位置：{sep.join(parts)}</div>'
    parts = [f'<a href="{e(h)}">{e(t)}</a>' if h else f"<span>{e(t)}</span>" for t, h in crumbs]
    return f'<div class="position">当前位置：{" &gt; ".join(parts)}</div>'


def sidebar(menu: str, entries: Sequence[tuple[str, str]], current: str) -> str:
    on = ' class="on"'
    lis = "".join(f'<li{on if n == current else ""}><a href="{e(h)}">{e(n)}</a></li>' for n, h in entries)
    return f'<div class="left-menu"><h2>{e(menu)}</h2><ul>{lis}</ul></div>'


def column_body(crumb: str, side: str, name: str, listing: str) -> str:
    return (
        f'<div class="main w1200 clearfix">{crumb}\n{side}\n'
        f'<div class="right-con"><div class="con-title"><h3>{e(name)}</h3></div>\n{listing}\n</div></div>'
    )


# ------------------------------------------------------------------------------------------ list rows


def _a(row: Row, q: str = '"') -> str:
    return f"<a href={q}{e(row.href)}{q} target={q}_blank{q} title={q}{e(row.title)}{q}>{e(row.title)}</a>"


def _pin(row: Row) -> str:
    return '<i class="zd">[置顶]</i>' if row.pinned else ""


# Row markup seen on real lists (cms-patterns §1 date formats; hrss.hangzhou-style Hanweb record with <i>).
ROW_STYLES = {
    "li_span": lambda r: f"<li>{_pin(r)}{_a(r)}<span>{ymd(r.day)}</span></li>",
    "li_date_first": lambda r: f'<li><span class="date">{ymd(r.day)}</span>{_pin(r)}{_a(r)}</li>',
    "li_bracket": lambda r: f'<li>{_pin(r)}{_a(r)}<span class="date">[{ymd(r.day)}]</span></li>',
    "li_em": lambda r: f"<li>{_pin(r)}{_a(r)}<em>{ymd(r.day)}</em></li>",
    "li_cn": lambda r: f"<li>{_pin(r)}{_a(r)}<span>{r.day:%Y年%m月%d日}</span></li>",
    "table": lambda r: (
        f'<tr><td class="bt">{_pin(r)}{_a(r)}</td><td class="rq" width="110" align="right">{ymd(r.day)}</td></tr>'
    ),
    "hanweb": lambda r: f"<li>{_a(r, chr(39))}<span>{ymd(r.day)}</span></li>",
    "hanweb_i": lambda r: f"<li><b>·</b>{_a(r, chr(39))}<i>{ymd(r.day)}</i></li>",
}


def picture_row(r: Row) -> str:
    return (
        f'<li><a href="{e(r.href)}" target="_blank" class="pic"><img src="{e(r.img or "")}" alt="{e(r.title)}"></a>'
        f'<p class="tit">{_a(r)}</p><span class="date">{ymd(r.day)}</span></li>'
    )


def row_renderer(style: str, picture: bool) -> Callable[[Row], str]:
    return picture_row if picture else ROW_STYLES[style]


def listing(style: str, rows: Sequence[Row], picture: bool) -> str:
    body = "\n".join(map(row_renderer(style, picture), rows))
    if picture:
        return f'<ul class="pic-list clearfix">\n{body}\n</ul>'
    if style == "table":
        return f'<table class="list-table" width="100%" cellspacing="0">\n{body}\n</table>'
    return f'<ul class="list">\n{body}\n</ul>'


def blank_listing(kind: str) -> str:
    """A column that never had content: a placeholder text, or simply an empty list."""
    if kind == "placeholder":
        return '<div class="list"><p class="nodata" align="center">暂无信息</p></div>'
    return '<ul class="list">\n</ul>'


# ---------------------------------------------------------------------------------------------- pagers


def static_pager(page: int, pages: int, names: Sequence[str], total: int) -> str:
    """Generic CMS pager with real <a> links (page numbers are 0-based here, 1-based on screen)."""
    if pages <= 1:
        return ""
    links = [f"<span>共{total}条　第{page + 1}/{pages}页</span>"]
    if page > 0:
        links += [f'<a href="{names[0]}">首页</a>', f'<a href="{names[page - 1]}">上一页</a>']
    if page < pages - 1:
        links += [f'<a href="{names[page + 1]}">下一页</a>', f'<a href="{names[-1]}">尾页</a>']
    return '<div class="page">' + " ".join(links) + "</div>"


_CREATE_PAGE_HTML = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0){ document.write("<span>首页</span>&nbsp;<span>上一页</span>&nbsp;"); }
  else {
    var prev = nCurrIndex == 1 ? _sPageName+"."+_sPageExt : _sPageName+"_"+(nCurrIndex-1)+"."+_sPageExt;
    document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;");
    document.write("<a href=\\""+prev+"\\">上一页</a>&nbsp;");
  }
  if(nCurrIndex == _nPageCount-1){ document.write("<span>下一页</span>&nbsp;<span>尾页</span>"); }
  else {
    document.write("<a href=\\""+_sPageName+"_"+(nCurrIndex+1)+"."+_sPageExt+"\\">下一页</a>&nbsp;");
    document.write("<a href=\\""+_sPageName+"_"+(_nPageCount-1)+"."+_sPageExt+"\\">尾页</a>");
  }
}"""


def trs_pager(page: int, pages: int, ext: str) -> str:
    """TRS WCM writes the pager from script only: no <a> for the next page exists in the HTML."""
    return (
        '<div class="page"><script type="text/javascript">\n'
        f"{_CREATE_PAGE_HTML}\n"
        f"var currentPage = {page};//所在页从0开始\nvar countPage = {pages}//共多少页\n"
        f'createPageHTML(countPage, currentPage, "index", "{ext}");\n</script></div>'
    )


def hanweb_records(render: Callable[[Row], str], rows: Sequence[Row]) -> str:
    return "\n".join(f"<record><![CDATA[{render(r)}]]></record>" for r in rows)


def hanweb_island(
    div_id: str, render: Callable[[Row], str], rows: Sequence[Row], total: int, per_page: int, group: str
) -> str:
    """First page of records in an XML island; later pages come from dataproxy.jsp (cms-patterns §4)."""
    return (
        f'<div id="{div_id}"><script type="text/xml"><datastore>\n'
        f'<nextgroup><![CDATA[<a href="{group}"></a>]]></nextgroup>\n'  # raw &, as served
        f"<recordset>\n{hanweb_records(render, rows)}\n</recordset></datastore></script></div>\n"
        '<script type="text/javascript">$(document).ready(function(){'
        f"$('#{div_id}').jpage({{dataStore:dataStore,containMark:'<ul class=\"list\">{{datastore}}</ul>',"
        f"proxyUrl:'/module/web/jpage/dataproxy.jsp',perPage:{per_page},totalRecord:{total},groupSize:3,"
        "barPosition:'bottom',ajaxParam:{col:1,appid:1},showMode:'full'});});</script>"
    )


def hanweb_proxy_answer(render: Callable[[Row], str], rows: Sequence[Row], total: int, pages: int) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<datastore><totalrecord>{total}</totalrecord><totalpage>{pages}</totalpage>\n"
        f"<recordset>\n{hanweb_records(render, rows)}\n</recordset></datastore>\n"
    )


# ---------------------------------------------------------------------------------------------- homepage


def home_block(name: str, more: str, rows: Sequence[Row], mmdd: bool) -> str:
    if mmdd:  # Kaipuyun-style block: year-less dates padded with whitespace (yichun homepage)
        lis = "".join(
            f'\n<li>\n  <h4>\n    {_a(r)}\n    <span class="time">\n      {r.day:%m-%d}\n    </span>\n  </h4>\n</li>'
            for r in rows
        )
        ul = f'<ul class="newsList MM-dd res">{lis}\n</ul>'
    else:
        ul = "<ul>" + "".join(f"<li>{_a(r)}<span>{ymd(r.day)}</span></li>" for r in rows) + "</ul>"
    return (
        f'<div class="box"><div class="box-hd"><h3><a href="{e(more)}">{e(name)}</a></h3>'
        f'<span class="more"><a href="{e(more)}">更多&gt;&gt;</a></span></div>\n<div class="box-bd">{ul}</div></div>'
    )


def slider(name: str, more: str, rows: Sequence[Row]) -> str:
    lis = "".join(
        f'<li><a href="{e(r.href)}" target="_blank"><img src="{e(r.img or "")}" alt="{e(r.title)}"></a>'
        f'<p><a href="{e(r.href)}" target="_blank" title="{e(r.title)}">{e(r.title)}</a></p></li>'
        for r in rows
    )
    return (
        f'<div class="slide"><div class="slide-hd"><h3>{e(name)}</h3>'
        f'<span class="more"><a href="{e(more)}">更多</a></span></div><ul>{lis}</ul></div>'
    )


def banners(items: Sequence[tuple[str, str, str]]) -> str:
    """专题 entries as image banners: (name, href, img)."""
    return (
        '<div class="ztzl"><ul>'
        + "".join(
            f'<li><a href="{e(h)}" target="_blank"><img src="{e(i)}" alt="{e(n)}"></a></li>'
            for n, h, i in items
        )
        + "</ul></div>"
    )


def link_list(title: str, links: Sequence[tuple[str, str]]) -> str:
    lis = "".join(f'<li><a href="{e(h)}" target="_blank">{e(n)}</a></li>' for n, h in links)
    return f'<div class="yqlj"><h3>{e(title)}</h3><ul>{lis}</ul></div>'


def home_body(parts: Sequence[str]) -> str:
    return '<div class="main w1200 clearfix">\n' + "\n".join(parts) + "\n</div>"


# ---------------------------------------------------------------------------------------------- articles


def article_body(
    *,
    crumb: str,
    title: str,
    info: str,
    paragraphs: Sequence[str],
    img: str | None,
    attachment: tuple[str, str] | None,
    prev: tuple[str, str] | None,
    next_: tuple[str, str] | None,
) -> str:
    content = "".join(f"<p>　　{e(p)}</p>" for p in paragraphs)
    if img:
        content = f'<p style="text-align:center"><img src="{e(img)}" alt="{e(title)}"></p>' + content
    if attachment:
        content += f'<p>附件：<a href="{e(attachment[1])}">{e(attachment[0])}</a></p>'
    nav_links = _neighbour("上一篇：", prev) + _neighbour("下一篇：", next_)
    return (
        f'<div class="main w1200">{crumb}\n<div class="article">\n<h1>{e(title)}</h1>\n'
        f'<div class="info">{info}</div>\n<div class="content" id="zoom">{content}</div>\n'
        f'<div class="prevnext">{nav_links}</div>\n</div></div>'
    )


def _neighbour(label: str, link: tuple[str, str] | None) -> str:
    if link is None:
        return f"<p>{label}没有了</p>"
    title, href = link
    return f'<p>{label}<a href="{e(href)}">{e(title)}</a></p>'


def info_line(style: str, stamp: str, source: str) -> str:
    """Publication line under the title; wording differs per CMS (发布时间 / 发布日期 / 信息来源)."""
    if style == "trs":
        return f"<span>发布日期：{e(stamp[:10])}</span><span>来源：{e(source)}</span>"
    if style == "hanweb":
        return f"<span>发布日期：{e(stamp)}:00</span>　<span>信息来源：{e(source)}</span>"
    return (
        f"<span>发布时间：{e(stamp)}</span><span>来源：{e(source)}</span>"
        '<span>字号：<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a></span>'
    )


def static_page(title: str, crumb: str, paragraphs: Sequence[str]) -> str:
    content = "".join(f"<p>{e(p)}</p>" for p in paragraphs)
    return f'<div class="main w1200">{crumb}\n<div class="article"><h1>{e(title)}</h1>{content}</div></div>'


def sitemap(groups: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> str:
    return "".join(
        f'<dl class="wzdt"><dt>{e(g)}</dt>'
        + "".join(f'<dd><a href="{e(h)}">{e(n)}</a></dd>' for n, h in links)
        + "</dl>"
        for g, links in groups
    )


def not_found(name: str, home: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>404 页面不存在 - {e(name)}</title>'
        f'</head><body><div class="err404"><h1>404</h1><p>抱歉，您访问的页面不存在或已被删除！</p>'
        f'<p><a href="{e(home)}">返回{e(name)}首页</a></p></div></body></html>\n'
    )


def stub_page(host: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{e(host)}</title></head>'
        f"<body><p>{e(host)}</p></body></html>\n"
    )
