"""Read a column's list page: its entries, its pagination, or why it could not be read.

Layers, most specific first: Hanweb XML islands, TRS on the Fujian platform, TRS classic,
开普云 UCAP, then a generic reader of repeated link+date rows. A page is called "blank" only when
its list area was found empty or it shows nothing but a placeholder (暂无信息 …); a page whose list
could not be located is "unparseable", never blank.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from collections.abc import Callable, Sequence

from govcheck.dates import date_from_url
from govcheck.extract import cms
from govcheck.extract.dom import (
    Document,
    HtmlElement,
    anchor_text,
    clean,
    is_chrome,
    is_template_controlled,
    join_url,
    signature_part,
    tokens,
    visible_text,
)
from govcheck.extract.rows import is_article_url
from govcheck.extract.types import ListingPage

logger = logging.getLogger(__name__)

PLACEHOLDER = re.compile(
    r"暂无(?:相关)?(?:信息|数据|内容|记录|文章|新闻|公告|文件|资料)|(?:栏目)?正在建设中?|栏目建设中|建设中"
    r"|没有(?:相关|任何|找到)?(?:记录|信息|数据|内容|文章)|无相关(?:信息|记录|数据|内容)|^无记录$|^暂无$"
    r"|敬请期待|没有找到(?:相关|任何|符合条件的)?|未找到(?:相关|任何)?(?:记录|信息|数据|内容|结果)|查询结果为空"
    r"|(?<![\d.])0\s*条(?:记录|信息|数据)?|共\s*0\s*页|暂(?:未|时没有)(?:发布|公开|更新|上传)?(?:相关)?(?:信息|内容|数据|记录)"
    r"|(?:信息|内容)(?:正在)?(?:更新|完善|整理|维护)中|^无数据$"
)
MAX_PLACEHOLDER_TEXT = 40  # a longer text merely mentions the words

_NEXT_TEXT = re.compile(r"^(?:下一页|下页|后一页|下一頁|next|next page|nextpage)\s*[>›»]*$", re.I)
_NEXT_SYMBOL = re.compile(r"^[>›»]{1,2}$")
_PAGER_TOKEN = re.compile(r"pag|fenye|pgbar", re.I)
_PAGE_COUNT = re.compile(r"共\s*(\d+)\s*页|第?\s*\d+\s*/\s*(\d+)\s*页?")
_RECORD_COUNT = re.compile(r"共\s*(\d+)\s*条")

JS_SHELL_TEXT = 200  # visible characters below which a script-heavy page is an empty shell
MAX_SHELL_LINKS = 10  # a page with its navigation in HTML is not a shell, however short
MAX_LIST_PAGE_PROSE = 300  # characters of <p> text beyond which a page is a document, not a list
_DOCUMENT_METAS = frozenset({"articletitle", "pubdate", "contentsource"})  # metas only articles carry
_DOCUMENT_WORDS = frozenset({"article", "detail", "editor", "zoom", "wzxq", "xxxq"})  # containers of a text
_JS_APP = re.compile(r"\bng-app\b|id=['\"](?:app|root)['\"]|__NUXT__|data-v-app|ng-version", re.I)

Extractor = Callable[[cms.Context], ListingPage | None]


def extract_listing(html: str, url: str) -> ListingPage:
    """Entries, pagination and status of one column list page (a Hanweb dataproxy answer's bare XML
    included)."""
    doc = Document.parse(cms.hanweb_xml_page(html), url)
    ctx = cms.Context(doc)
    layers: tuple[Extractor, ...] = (cms.hanweb, cms.trs_fujian, cms.trs_classic, cms.kaipuyun, generic)
    for layer in layers:
        page = layer(ctx)
        if page is not None:
            if page.status == "ok" and not page.next_page_urls:
                page.next_page_urls, count, total = static_pager(doc)
                page.page_count = page.page_count or count
                page.total_records = page.total_records if page.total_records is not None else total
            logger.debug("%s: %s by %s, %d entries", url, page.status, page.extractor, len(page.entries))
            return page
    return _without_list(doc)


def generic(ctx: cms.Context) -> ListingPage | None:
    """The best repeated group of link+date rows outside the page chrome, else of undated doc links."""
    for group in ctx.groups:
        if group.chrome:
            continue
        # One dated row is a list only if it links to a document: a page's own "发布日期" beside a
        # share button is not a list.
        lone = group.rows[0]
        if group.dated >= 2 or (group.dated == 1 and (is_article_url(lone.url) or date_from_url(lone.url))):
            return ListingPage(status="ok", entries=group.entries(), extractor="generic")
        break
    for group in ctx.finder.undated_groups():
        if not group.chrome:
            return ListingPage(status="ok", entries=group.entries(), extractor="generic")
    return None


def static_pager(doc: Document) -> tuple[list[str], int | None, int | None]:
    """Next-page links written as plain <a> (下一页), and the page/record counts the pager prints."""
    next_urls: list[str] = []
    page_count: int | None = None
    total: int | None = None
    current = doc.url.split("#", 1)[0]
    for a in doc.body.iter("a"):
        text = clean(a.text_content()) or clean(a.get("title"))
        in_pager = _in_pager(a)
        if not (_NEXT_TEXT.match(text) or (in_pager and _NEXT_SYMBOL.match(text))):
            continue
        url = join_url(doc.base, a.get("href"))
        if url and url != current and url not in next_urls:
            next_urls.append(url)
    for el in doc.body.iter():
        if not isinstance(el.tag, str) or not any(_PAGER_TOKEN.search(t) for t in tokens(el)):
            continue
        text = visible_text(el)
        if len(text) > 600:
            continue
        match = _PAGE_COUNT.search(text)
        if match and page_count is None:
            page_count = int(match.group(1) or match.group(2))
        match = _RECORD_COUNT.search(text)
        if match and total is None:
            total = int(match.group(1))
    return next_urls, page_count, total


def _in_pager(a: HtmlElement) -> bool:
    for i, node in enumerate(a.iterancestors()):
        if i >= 4:
            return False
        if any(_PAGER_TOKEN.search(t) for t in tokens(node)):
            return True
    return False


def _without_list(doc: Document) -> ListingPage:
    """No list found: a placeholder or an empty list container, an empty JS shell, or a list we cannot see."""
    # On a document page an empty box is its "related articles", not the column: never blank there.
    document = _is_document(doc)
    found = None if document else _placeholder(doc) or _empty_list(doc)
    shell = _is_js_shell(doc)
    if found is None and not document and not shell:
        found = _hollow_list(
            doc
        )  # rows without content, only a pager or an image: a shell the script did not fill
    if found is not None:
        el, reason = found
        if _filled_by_script(doc, el) or _loads_data(doc, el):
            # A loading default or an empty container that a script fills: the real content is unknown.
            return ListingPage(status="unparseable", extractor="", reason="js_list")
        return ListingPage(status="blank", extractor="placeholder", reason=reason)
    if shell:
        return ListingPage(status="unparseable", extractor="", reason="js_shell")
    if document:
        # 机构职能, 联系我们: a page of text, not a list; it is recorded but has no update to judge.
        return ListingPage(status="page", extractor="", reason="article_body")
    return ListingPage(status="unparseable", extractor="", reason="no_list_area")


_NOT_FOUND_TEXT = re.compile(
    r"页面不存在|找不到|已删除|无法找到该页|页面已失效|404\s*not\s*found|not\s*found", re.I
)
MAX_NOT_FOUND_TEXT = 400  # a soft-404 page says little; a long page merely mentions the words


def is_soft_404(html: str, url: str) -> bool:
    """A 200 page that is really "not found": its title or short main text says so, and it shows
    neither a list nor an article body."""
    doc = Document.parse(html, url)
    title = doc.root.find(".//title")
    title_text = clean(title.text_content()) if title is not None else ""
    text = visible_text(doc.body)
    if not _NOT_FOUND_TEXT.search(title_text) and not (
        len(text) <= MAX_NOT_FOUND_TEXT and _NOT_FOUND_TEXT.search(text)
    ):
        return False
    if _is_document(doc):
        return False
    ctx = cms.Context(doc)
    return not any(not g.chrome and g.dated >= 2 for g in ctx.groups)


# Markers of web application firewall challenges (JS cookie challenges, slider/captcha checks).
_WAF_MARKERS = re.compile(
    r"__jsl_clearance|acw_sc__v2|yunsuo_session|_waf_|waf_verify|安全验证|访问验证|人机验证|滑动验证|"
    r"请开启JavaScript并刷新|您的访问请求可能对网站造成安全威胁",
    re.I,
)
MAX_WAF_TEXT = 500


def is_waf_challenge(html: str, url: str) -> bool:
    """A short page that is a firewall's challenge, not the site: neither up nor down (inconclusive)."""
    if not _WAF_MARKERS.search(html[:20_000]):
        return False
    doc = Document.parse(html, url)
    return len(visible_text(doc.body)) <= MAX_WAF_TEXT


def not_found_fingerprint(html: str, url: str) -> str:
    """What a host's not-found answer looks like: its title and text with digits and the path removed."""
    doc = Document.parse(html, url)
    title = doc.root.find(".//title")
    text = (clean(title.text_content()) if title is not None else "") + "|" + visible_text(doc.body)
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    return re.sub(r"\d+", "#", text.replace(path, ""))[:2000]


def _is_document(doc: Document) -> bool:
    """An article rather than a list: article metas, or paragraphs of body text outside the chrome."""
    for meta in doc.root.iter("meta"):
        if (meta.get("name") or "").lower() in _DOCUMENT_METAS and (meta.get("content") or "").strip():
            return True
    if any(True for _ in doc.body.iter("ucapcontent", "UCAPCONTENT")):
        return True
    text = 0
    for p in doc.body.iter("p"):
        if is_chrome(p):
            continue
        size = len(visible_text(p))
        text += size
        in_article = any(_DOCUMENT_WORDS & set(_word_parts(a)) for a in list(p.iterancestors())[:4])
        if text > MAX_LIST_PAGE_PROSE or (in_article and size > 80):
            return True
    return False


def _is_js_shell(doc: Document) -> bool:
    """An almost empty body, few links, and scripts that are meant to draw the page."""
    text = len(visible_text(doc.body))
    links = sum(1 for _ in doc.body.iter("a"))
    script_chars = sum(len(s) for s in doc.scripts)
    if (
        text < JS_SHELL_TEXT
        and links < MAX_SHELL_LINKS
        and (doc.script_count >= 1 or _JS_APP.search(doc.raw))
    ):
        return True
    return text < 3 * JS_SHELL_TEXT and script_chars > 20 * max(text, 1)


def _empty_list(doc: Document) -> tuple[HtmlElement, str] | None:
    """A list container in the page content (<ul class="list">) with nothing in it."""
    for el in doc.body.iter("ul", "ol", "tbody", "table", "div", "dl"):
        if any(isinstance(c.tag, str) and c.tag != "br" for c in el):
            continue
        if clean(el.text_content()) or not any("list" in part for part in _word_parts(el)):
            continue
        if is_template_controlled(el) or is_chrome(el):
            continue
        return el, "empty_list"
    return None


_LIST_WORDS = frozenset({"lb", "liebiao", "news", "items", "grid", "results"})  # and any word holding "list"
# Scripts that fetch content at run time: a container on such a page may well be filled by them.
_DATA_LOAD = re.compile(
    r"\$\.(?:ajax|get|post|getJSON)\s*\(|\bfetch\s*\(|XMLHttpRequest|\.load\s*\(|\baxios\.|\bjsonp\b", re.I
)
_DATA_ATTRS = ("data-url", "data-src", "data-api", "data-source", "data-action")
_PAGER_WORDS = re.compile(
    r"^(?:首页|尾页|末页|上一?页|下一?页|前一?页|后一?页|跳转|go|确定|\d+|[<>«»‹›]+)$", re.I
)
_PAGER_COUNTS = re.compile(
    r"共\s*\d+\s*[条页]|第?\s*\d+\s*/\s*\d+\s*页|当前第?\s*\d+\s*页|每页\s*\d+\s*条|转到|跳至"
)


def _hollow_list(doc: Document) -> tuple[HtmlElement, str] | None:
    """A list area with nothing a visitor can read in it, whatever its shape: repeated rows or cells
    holding no text and no links (an empty <tr>/<td> grid, a <ul> of empty <li>), or a list-named
    container holding only a pager or an image (the script that should have written it wrote nothing).
    The outermost such area wins, so its reason names the whole."""
    for el in doc.body.iter("ul", "ol", "table", "tbody", "dl", "div", "section"):
        if is_chrome(el) or is_template_controlled(el):
            continue
        rows = [c for c in el if isinstance(c.tag, str) and c.tag not in ("br", "hr", "thead")]
        kinds = {signature_part(c) for c in rows}
        # Two list items make a list; table rows and cells need three (layout tables space with two).
        fewest = 2 if kinds <= {"li", "dd", "dt"} else 3
        repeated = len(rows) >= fewest and len(kinds) == 1
        named = any("list" in part or part in _LIST_WORDS for part in _word_parts(el))
        if not (repeated or named):
            continue
        reason = _hollow_reason(el, repeated)
        if reason is not None:
            return el, reason
    return None


def _hollow_reason(el: HtmlElement, repeated: bool) -> str | None:
    """Why a list area is hollow (``empty_rows``, ``pager_only``, ``image_only``), or None if it holds
    text or links a visitor could read."""
    pager = image = False
    for node in el.iter():
        if not isinstance(node.tag, str) or node is el:
            continue
        if node.tag == "img":
            image = True
        if node.tag == "a" and node.get("href") is not None and not _pager_text(anchor_text(node)):
            return None  # a link to something: not empty
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        for text in (node.text, node.tail if node is not el else None):
            words = clean(text)
            if not words:
                continue
            if _pager_text(words):
                pager = True
                continue
            return None  # text of its own: something is shown
    if image:
        return "image_only"
    if pager:
        return "pager_only"
    if repeated:
        return "empty_rows"
    if not any(True for c in el if isinstance(c.tag, str) and c.tag != "br"):
        return None  # an empty container without children: _empty_list's case, by its own rules
    return "empty_list"


def _pager_text(text: str) -> bool:
    text = clean(text)
    return (
        bool(_PAGER_COUNTS.search(text)) or all(_PAGER_WORDS.match(w) for w in text.split())
        if text
        else False
    )


def _loads_data(doc: Document, el: HtmlElement) -> bool:
    """True when the page fetches content by script (ajax, fetch, jsonp) or the container names the
    address its rows come from (``data-url``): an empty container there is not evidence of a blank column."""
    if any(_DATA_LOAD.search(script) for script in doc.scripts):
        return True
    node: HtmlElement | None = el
    for _ in range(4):
        if node is None:
            break
        if any(node.get(attr) for attr in _DATA_ATTRS):
            return True
        node = node.getparent()
    return False


def _word_parts(el: HtmlElement) -> list[str]:
    return [p.lower() for t in tokens(el) for p in re.split(r"[-_\s]+|(?<=[a-z])(?=[A-Z])", t) if p]


def _placeholder(doc: Document) -> tuple[HtmlElement, str] | None:
    """The element whose own text is a placeholder (暂无信息), if it is visible page content."""
    for el in doc.body.iter():
        if not isinstance(el.tag, str):
            continue
        own = " ".join(t for t in (el.text, *(child.tail for child in el)) if t)
        match = PLACEHOLDER.search(clean(own))
        if match is None or len(visible_text(el)) > MAX_PLACEHOLDER_TEXT:
            continue
        if is_template_controlled(el) or is_chrome(el):
            continue  # an avalon/Vue error branch, or a widget in the header/footer
        return el, f"placeholder:{match.group(0)}"
    return None


def _filled_by_script(doc: Document, el: HtmlElement) -> bool:
    """True if an inline script names the element or a close ancestor by id or class."""
    scripts = "\n".join(doc.scripts)
    if not scripts:
        return False
    node: HtmlElement | None = el
    for level in range(4):
        if node is None:
            break
        # Ids are unique; class names only count on the element and its parent ("main" is everywhere).
        names = [node.get("id") or ""] + ((node.get("class") or "").split() if level < 2 else [])
        for name in names:
            if name and re.search(r"[#.'\"]" + re.escape(name) + r"['\"\s).:\[]", scripts):
                return True
        node = node.getparent()
    return False


def needs_more_pages(dates: Sequence[dt.date | None], *, undated_read_later: bool) -> bool:
    """Whether page 1 of a list (its rows' dates, in order) cannot tell how fresh the column is: a dated
    row newer than the one above it (pinned items, hand-ordered lists: the newest may be further on),
    or no date at all when no detail page will supply one (``undated_read_later`` False)."""
    dated = [d for d in dates if d is not None]
    if not dated:
        return not undated_read_later
    return any(later > earlier for earlier, later in itertools.pairwise(dated))
