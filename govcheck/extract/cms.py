"""CMS-specific list readers (TRS, TRS on the Fujian platform, Hanweb JCMS, 开普云 UCAP).

Each returns None when the page is not of its family, so the caller can try the next layer.
They know two things the generic reader cannot: where items hide (XML islands, static blocks
next to empty JS templates) and how the page counts its pages (numbers inside scripts, since none of
these families writes a static "next page" link). Markup references: docs/cms-patterns.md §2-§5.
"""

from __future__ import annotations

import html as html_lib
import logging
import math
import re
from functools import cached_property

from govcheck.extract.dom import Document, join_url, parse_fragment
from govcheck.extract.rows import Group, Row, RowFinder, dedupe
from govcheck.extract.types import ListingPage

logger = logging.getLogger(__name__)

MAX_NEXT_PAGES = 1000  # a script saying countPage=999999 must not flood the scheduler

# -- TRS classic: createPageHTML(count, current, "index", "html") / var countPage -----------------
_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,\s*['\"]([^'\"]+)['\"]\s*,"
    r"\s*['\"]([^'\"]+)['\"]"
)
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*['\"]?(\d+)")
_CURRENT_PAGE = re.compile(r"\bcurrentPage\s*=\s*['\"]?(\d+)")
_TRS_DOC = re.compile(r"/t\d{8}_\d+\.\w+$|/t\d{5,}\.s?html?$")

# -- TRS on the Fujian platform -------------------------------------------------------------------
_FJ_RECORDS = re.compile(r"\brecordCount\s*:\s*['\"]?(\d+)")
_FJ_PREPAGE = re.compile(r"\bprepage\s*:\s*['\"]?(\d+)")

# -- Hanweb JCMS ----------------------------------------------------------------------------------
_XML_ISLAND = re.compile(r"<script[^>]*\btype\s*=\s*['\"]?text/xml['\"]?[^>]*>(.*?)</script\s*>", re.I | re.S)
_RECORD = re.compile(r"<record[^>]*>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.I | re.S)
_NEXTGROUP = re.compile(r"<nextgroup[^>]*>\s*<!\[CDATA\[(.*?)\]\]>", re.I | re.S)
_HREF = re.compile(r"href\s*=\s*['\"]([^'\"]+)['\"]", re.I)
_HW_TOTAL = re.compile(r"\btotalRecord\s*:\s*['\"]?(\d+)|<totalrecord>\s*(\d+)", re.I)
_HW_PAGES = re.compile(r"<totalpage>\s*(\d+)", re.I)
_HW_PERPAGE = re.compile(r"\bperPage\s*:\s*['\"]?(\d+)|<perpage>\s*(\d+)", re.I)
_PAGE_PARAM = re.compile(r"([?&]page=)\d+")

# -- 开普云 UCAP ------------------------------------------------------------------------------------
_UCAP_MARKERS = ("ucaptitle", "ucapcontent", "kaipuyun", "template,templategroup,version")


class Context:
    """One page being read: the parsed document and its row groups, computed once."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.finder = RowFinder(doc)

    @cached_property
    def groups(self) -> list[Group]:
        return self.finder.dated_groups()

    @cached_property
    def script_text(self) -> str:
        return "\n".join(self.doc.scripts)

    @cached_property
    def raw_lower(self) -> str:
        # Substring tests on this are far cheaper than case-insensitive regexes over 300 kB.
        return self.doc.raw.lower()


def _first_int(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    if match is None:
        return None
    value = next((g for g in match.groups() if g is not None), None)
    return int(value) if value is not None else None


def _ok(
    rows: list[Row],
    extractor: str,
    *,
    total_records: int | None = None,
    page_count: int | None = None,
    next_page_urls: list[str] | None = None,
) -> ListingPage:
    """Status ok with the rows' entries, or blank: the family's list area is there but holds nothing."""
    entries = dedupe(r.entry() for r in rows)
    return ListingPage(
        status="ok" if entries else "blank",
        entries=entries,
        extractor=extractor,
        reason=None if entries else "empty_list",
        total_records=total_records,
        page_count=page_count,
        next_page_urls=next_page_urls or [],
    )


def _js_only(extractor: str, total: int | None, page_count: int | None) -> ListingPage:
    """The family's list area is there and declares records, but none is in the HTML."""
    return ListingPage(
        status="unparseable",
        extractor=extractor,
        reason="js_list",
        total_records=total,
        page_count=page_count,
    )


# -- Hanweb ---------------------------------------------------------------------------------------


def hanweb_xml_page(text: str) -> str:
    """A Hanweb dataproxy.jsp answer (bare ``<datastore>`` XML, page 2+ of a column) as the HTML page
    its XML island sits in on page 1, so :func:`hanweb` reads both alike; any other text unchanged."""
    head = text[:2000].lower()
    if "<datastore" not in head or "<script" in head:
        return text
    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    return f'<html><body><script type="text/xml">{body}</script></body></html>'


def hanweb_records(raw: str) -> list[str]:
    """The HTML of every record in a page's Hanweb ``<datastore>`` XML islands: script text to an HTML
    parser, so the links in them are read from here."""
    if "<datastore" not in raw.lower():
        return []
    islands = (m.group(1) for m in _XML_ISLAND.finditer(raw) if "<datastore" in m.group(1).lower())
    return [record for island in islands for record in _RECORD.findall(island)]


def hanweb(ctx: Context) -> ListingPage | None:
    """Records in ``<script type="text/xml"><datastore>``, paged through dataproxy.jsp."""
    if "<datastore" not in ctx.raw_lower:
        return None
    islands = [m.group(1) for m in _XML_ISLAND.finditer(ctx.doc.raw) if "<datastore" in m.group(1).lower()]
    if not islands:
        return None
    island = islands[0]
    rows: list[Row] = []
    for record in _RECORD.findall(island):
        fragment = parse_fragment(record)
        row = RowFinder(ctx.doc, root=fragment).row(fragment)
        if row is not None:
            rows.append(row)
    total = _first_int(_HW_TOTAL, island) or _first_int(_HW_TOTAL, ctx.doc.raw)
    per_page = _first_int(_HW_PERPAGE, ctx.doc.raw) or _first_int(_HW_PERPAGE, island)
    page_count = _first_int(_HW_PAGES, island)
    if page_count is None and total is not None and per_page:
        page_count = math.ceil(total / per_page)
    if not rows and total:
        return _js_only("hanweb", total, page_count)
    next_urls = _hanweb_next(ctx.doc, island, len(rows), total, per_page, page_count)
    return _ok(rows, "hanweb", total_records=total, page_count=page_count, next_page_urls=next_urls)


def _hanweb_next(
    doc: Document, island: str, have: int, total: int | None, per_page: int | None, pages: int | None
) -> list[str]:
    match = _NEXTGROUP.search(island)
    href = _HREF.search(match.group(1)) if match else None
    if href is None:
        return []
    template = join_url(doc.base, html_lib.unescape(href.group(1)))
    if template is None:
        return []
    out: list[str] = []
    if "startrecord=" in template and "endrecord=" in template:
        # Old proxy: record ranges; one request returns several pages' worth.
        start = int(re.search(r"startrecord=(\d+)", template).group(1))  # type: ignore[union-attr]
        end = int(re.search(r"endrecord=(\d+)", template).group(1))  # type: ignore[union-attr]
        span = max(end - start + 1, 1)
        first = have + 1
        last = total if total is not None else first + span - 1
        for begin in range(first, last + 1, span):
            url = re.sub(r"startrecord=\d+", f"startrecord={begin}", template)
            out.append(re.sub(r"endrecord=\d+", f"endrecord={begin + span - 1}", url))
            if len(out) >= MAX_NEXT_PAGES:
                break
        return out
    if pages is None:
        return []
    # New proxy: page=N. The island holds page 1 (sometimes more pages' worth) of records.
    first = max(2, math.ceil(have / per_page) + 1) if per_page else 2
    for number in range(first, min(pages, first + MAX_NEXT_PAGES - 1) + 1):
        if _PAGE_PARAM.search(template):
            out.append(_PAGE_PARAM.sub(lambda m, n=number: f"{m.group(1)}{n}", template, count=1))
        else:
            out.append(f"{template}{'&' if '?' in template else '?'}page={number}")
    return out


# -- TRS on the Fujian intensive platform --------------------------------------------------------


def trs_fujian(ctx: Context) -> ListingPage | None:
    """Static blocks ``ms-visible="$showStatic(n)"``; the avalon templates next to them are ignored."""
    root = ctx.doc.body
    blocks = root.xpath('.//*[starts-with(normalize-space(@ms-visible), "$showStatic(")]')
    area = root.xpath('.//*[normalize-space(@ms-visible)="showStatic"]')
    if not blocks and not area:
        return None
    rows: list[Row] = []
    for block in blocks:
        items = list(block.iter("li")) or list(block)
        for item in items:
            row = ctx.finder.row(item)
            if row is not None:
                rows.append(row)
    total = _first_int(_FJ_RECORDS, ctx.script_text)
    per_page = _first_int(_FJ_PREPAGE, ctx.script_text) or 15
    page_count = math.ceil(total / per_page) if total is not None else None
    if not rows and total != 0 and not (total is None and blocks):
        # Records are declared but none was published statically: only the API would show them.
        return _js_only("trs_fujian", total, page_count)
    # Pages past the static ones exist only behind the /fjdzapp/search API: no URLs to give.
    return _ok(rows, "trs_fujian", total_records=total, page_count=page_count)


# -- TRS classic ----------------------------------------------------------------------------------


def trs_classic(ctx: Context) -> ListingPage | None:
    """TRS WCM static lists: t<YYYYMMDD>_<id>.html rows and a script-written pager."""
    match = _CREATE_PAGE.search(ctx.script_text)
    count = current = None
    name, ext = "index", None
    if match is not None:
        count, current, name, ext = int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)
    else:
        count = _first_int(_COUNT_PAGE, ctx.script_text)
        current = _first_int(_CURRENT_PAGE, ctx.script_text)
    trs_groups = [g for g in ctx.groups if _trs_share(g) >= 0.6]
    if count is None and not trs_groups:
        return None
    group = trs_groups[0] if trs_groups else (ctx.groups[0] if ctx.groups else None)
    if group is None or group.chrome or not group.rows:
        return None  # a pager but no list we can see: let the page-level checks decide
    next_urls: list[str] = []
    if count is not None:
        ext = ext or _extension(ctx.doc.url)
        start = (current or 0) + 1
        for k in range(start, min(count, start + MAX_NEXT_PAGES)):
            url = join_url(ctx.doc.base, f"{name}_{k}.{ext}")
            if url:
                next_urls.append(url)
    return _ok(group.rows, "trs", page_count=count, next_page_urls=next_urls)


def _trs_share(group: Group) -> float:
    if not group.rows:
        return 0.0
    return sum(1 for r in group.rows if _TRS_DOC.search(r.url.split("?", 1)[0])) / len(group.rows)


def _extension(url: str) -> str:
    path = url.split("?", 1)[0].rsplit("/", 1)[-1]
    return path.rsplit(".", 1)[1] if "." in path else "html"


# -- 开普云 UCAP ------------------------------------------------------------------------------------


def kaipuyun(ctx: Context) -> ListingPage | None:
    """``<ul class="newsList MM-dd …">`` lists: the class names the date format; dates may lack a year."""
    marked = any(marker in ctx.raw_lower for marker in _UCAP_MARKERS)
    candidates = []
    for group in ctx.groups:
        if group.chrome:
            continue
        for ul in list(group.rows[0].element.iterancestors("ul"))[:2]:
            classes = ul.get("class") or ""
            if "newslist" in classes.lower() and (marked or "MM-dd" in classes):
                candidates.append(group)
                break
    if not candidates:
        return None
    return _ok(candidates[0].rows, "kaipuyun")
