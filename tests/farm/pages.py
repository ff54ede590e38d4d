"""Page builders shared by the small hand-written replicas (tests/farm/sites_*.py): the HTML shell, a
county site's page, its menu, list and article blocks, the national metas and footer, and the registry
file of a set of such sites. Each returns the markup (or :class:`Resource`) exactly as the replicas
served it before it was shared: tests/test_demo.py and the e2e tests read these bytes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Protocol

from tests.farm.builder import Resource

HTML = "text/html; charset=utf-8"
NOT_FOUND = Resource(404, HTML, b"<title>404</title>404 Not Found")


def document(title: str, body: str, *, head: str = "", metas: str = "", charset: str = "utf-8") -> str:
    """An HTML page: ``head`` markup before its title, ``metas`` after it."""
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}">{head}<title>{title}</title>{metas}</head>'
        f"<body>{body}</body></html>"
    )


def html_page(title: str, body: str, *, head: str = "", metas: str = "") -> Resource:
    """A 200 answer carrying :func:`document` in UTF-8."""
    return Resource(200, HTML, document(title, body, head=head, metas=metas).encode())


def county_page(title: str, body: str, *, name: str, code: str) -> Resource:
    """A page of a one-site replica: its SiteName meta, and a footer naming it with its 网站标识码."""
    footer = f'<div class="footer"><p>{name}主办 网站标识码：{code}</p></div>'
    return html_page(title, body + footer, head=f'<meta name="SiteName" content="{name}">')


def metas(values: Mapping[str, str], missing: Iterable[str] = ()) -> str:
    """``<meta name content>`` tags of ``values`` but the ``missing`` names."""
    left_out = set(missing)
    return "".join(f'<meta name="{n}" content="{v}">' for n, v in values.items() if n not in left_out)


def nav(items: Iterable[tuple[str, str]], *, home: str = "/") -> str:
    """The menu: 首页, then each (href, name)."""
    links = "".join(f'<li><a href="{href}">{name}</a></li>' for href, name in items)
    return f'<div class="nav"><ul><li><a href="{home}">首页</a></li>{links}</ul></div>'


def list_block(heading: str, rows: str, after: str = "") -> str:
    """A list (a column, a homepage's news block) under its heading; ``after`` inside it (a pager)."""
    return f'<div class="main"><h2>{heading}</h2><ul class="list">{rows}</ul>{after}</div>'


def rows(items: Iterable[tuple[str, str, dt.date | str | None]]) -> str:
    """List rows of (title, href, day): the day (ISO) in a ``<span>`` after the link, when there is one."""
    return "".join(
        f'<li><a href="{href}">{title}</a>{f"<span>{day}</span>" if day else ""}</li>'
        for title, href, day in items
    )


def dated_article(title: str, day: dt.date) -> str:
    """An entry's own page body that dates it (发布时间)."""
    return f'<div class="article"><h1>{title}</h1><p>发布时间：{day:%Y-%m-%d}</p></div>'


def gov_footer(name: str, code: str, *, icp: str, record: str, conac: str, jiucuo: str) -> str:
    """The footer the checklist reads: 主办单位, 网站标识码, ICP and 公安 filings, the CONAC mark and the
    找错 entry (``jiucuo``: its markup, maybe none)."""
    return (
        '<div class="footer">'
        f"<p>主办单位：{name}　联系电话：0722-3250000</p>"
        f'<p>网站标识码：{code}　<a href="https://beian.miit.gov.cn/">鄂ICP备{icp}号</a>　'
        f'<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode={record}">'
        f"鄂公网安备 {record}号</a></p>"
        f'<p><a href="http://bszs.conac.cn/sitename?method=show&amp;id={conac}"><img '
        f'src="http://dcs.conac.cn/image/red.png" alt="党政机关"></a>{jiucuo}</p></div>'
    )


class Registered(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def host(self) -> str: ...


def registry_csv(sites: Iterable[Registered]) -> str:
    """The registry file (``govcheck crawl --registry``) listing ``sites``."""
    listed = "".join(f"{s.code},{s.name},{s.host}\n" for s in sites)
    return "网站标识码,网站名称,首页地址\n" + listed
