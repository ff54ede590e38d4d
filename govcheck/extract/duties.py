"""What a page shows of the duties every government website has beyond its columns (indicators.md a.3):
the 我为政府网站找错 entry, the 政府网站工作年度报表 link, and the 网页设计规范 meta tags.

``homepage_duties`` feeds ``crawls.health["duties"]``; ``missing_metas`` of a column page is kept on
its column check, ``article_missing_metas`` of a sampled article page on its article check. The
evaluator's ``jiucuo_entry_missing``, ``annual_report_missing`` and ``meta_tags_missing`` rules read them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml.etree import ParserError

from govcheck.extract.footer import HIDDEN_STYLE

# The national 找错 service: a link to …/exposure/jiucuo.html?site_code=…, in an href or an onclick
# (sw.wuhan.gov.cn: ``onclick="window.open('https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=…')"``).
JIUCUO_LINK = re.compile(r"[\w.:/-]*exposure/jiucuo\.html\?[^'\"\s]*?site_code=(bm\d{8}|\d{10})", re.I)
# Its widget: ``<script id="_jiucuo_" sitecode="…" src="…/jiucuo.js">`` renders the entry at load time
# (yichun, shanxi, gz: the src is zfwzgl.www.gov.cn or pucha.kaipuyun.cn, or a local copy of it).
JIUCUO_SCRIPT = re.compile(r"jiucuo\.js", re.I)
SITE_CODE_VALUE = re.compile(r"^(bm\d{8}|\d{10})$", re.I)

# 网页设计规范 metas per page level (name → required); compared case-insensitively (www.yn.gov.cn writes
# them lower-case).
SITE_METAS = ("SiteName", "SiteDomain", "SiteIDCode")
COLUMN_METAS = ("ColumnName", "ColumnType")
ARTICLE_METAS = ("ArticleTitle", "PubDate", "ContentSource")
METAS_BY_LEVEL = {
    "homepage": SITE_METAS,
    "column": (*SITE_METAS, *COLUMN_METAS),
    "article": (*SITE_METAS, *COLUMN_METAS, *ARTICLE_METAS),
}

# 《政府网站工作年度报表》: "2023年度政府网站工作年度报表", "政府网站工作年度报表（2023年度）".
ANNUAL_REPORT = re.compile(r"政府网站(?:工作)?年度报表")
YEAR = re.compile(r"(20\d{2})\s*年")


def _parse(html: str) -> Any | None:
    try:
        return lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return None


def _hidden(element: Any) -> bool:
    return any(
        HIDDEN_STYLE.search(node.get("style") or "") or node.get("hidden") is not None
        for node in (element, *element.iterancestors())
    )


def _metas(document: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in document.iter("meta"):
        name = (meta.get("name") or "").strip().lower()
        content = " ".join((meta.get("content") or "").split())
        if name and content:
            found.setdefault(name, content)
    return found


def _missing(document: Any, level: str) -> list[str]:
    found = _metas(document)
    return [name for name in METAS_BY_LEVEL[level] if name.lower() not in found]


def design_metas(html: str) -> dict[str, str]:
    """The page's non-empty metas by lower-case name (the first of repeated ones)."""
    document = _parse(html)
    return _metas(document) if document is not None else {}


def missing_metas(html: str, level: str) -> list[str]:
    """The 网页设计规范 metas a page of ``level`` (homepage | column | article) lacks or leaves empty,
    in the standard's spelling; an unparseable page lacks none (nothing was read)."""
    document = _parse(html)
    return _missing(document, level) if document is not None else []


def article_missing_metas(html: str) -> list[str] | None:
    """The 网页设计规范 metas an article page lacks or leaves empty: its own (ArticleTitle, PubDate,
    ContentSource) and the site's and column's it repeats, in the standard's spelling; None for a page
    that cannot be parsed (nothing was read: unlike ``missing_metas``, an article check keeps that apart)."""
    document = _parse(html)
    return _missing(document, "article") if document is not None else None


def jiucuo_entries(html: str, url: str) -> list[dict[str, Any]]:
    """Every 我为政府网站找错 entry on the page: kind (link | widget), the site code it carries (None when
    it names none), the URL as written, and whether a visitor can see it."""
    document = _parse(html)
    return _jiucuo(document, url) if document is not None else []


def _jiucuo(document: Any, url: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for element in document.iter("a", "area", "script"):
        if element.tag == "script":
            src = element.get("src") or ""
            if element.get("id") == "_jiucuo_" or JIUCUO_SCRIPT.search(src):
                code = (element.get("sitecode") or "").strip()
                entries.append(
                    {
                        "kind": "widget",
                        "site_code": code if SITE_CODE_VALUE.match(code) else None,
                        "url": urljoin(url, src) if src else None,
                        "hidden": _hidden(element),
                    }
                )
            continue
        written = " ".join(filter(None, (element.get("href"), element.get("onclick"))))
        if match := JIUCUO_LINK.search(written):
            entries.append(
                {
                    "kind": "link",
                    "site_code": match.group(1),
                    "url": urljoin(url, match.group(0)),
                    "hidden": _hidden(element),
                }
            )
    return entries


def annual_report_links(html: str, url: str) -> list[dict[str, Any]]:
    """Links naming the 政府网站工作年度报表 (in their text, title or image alt), with the year they name
    (None when they name none, e.g. a banner leading to the reports' column)."""
    document = _parse(html)
    return _annual_reports(document, url) if document is not None else []


def _annual_reports(document: Any, url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for anchor in document.iter("a"):
        words = " ".join(
            filter(
                None,
                (
                    anchor.text_content(),
                    anchor.get("title"),
                    *(img.get("alt") for img in anchor.iter("img")),
                ),
            )
        )
        words = " ".join(words.split())
        if not ANNUAL_REPORT.search(words) or _hidden(anchor):
            continue
        year = YEAR.search(words)
        found.append(
            {
                "text": words[:200],
                "url": urljoin(url, anchor.get("href") or ""),
                "year": int(year.group(1)) if year else None,
            }
        )
    return found


def homepage_duties(html: str, url: str) -> dict[str, Any]:
    """What the duty rules read of a homepage: its 找错 entries, 年度报表 links and missing site metas,
    and the SiteIDCode meta (the site's own code, when the registry has none)."""
    document = _parse(html)
    if document is None:
        return {
            "parsed": False,
            "jiucuo": [],
            "annual_reports": [],
            "missing_metas": [],
            "meta_site_code": None,
        }
    return {
        "parsed": True,
        "jiucuo": _jiucuo(document, url),
        "annual_reports": _annual_reports(document, url),
        "missing_metas": _missing(document, "homepage"),
        "meta_site_code": _metas(document).get("siteidcode"),
    }
