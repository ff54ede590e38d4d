"""Candidate columns on a homepage: navigation menus, block headings and their 更多 links.

Navigation comes first and keeps its order (reports are ordered by it); then blocks in page order.
Only same-host pages that look like columns are kept: not the homepage, not documents, not files.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from govcheck.dates import date_from_url
from govcheck.extract.dom import (
    Document,
    HtmlElement,
    anchor_text,
    clean,
    join_url,
    same_host,
    tokens,
    visible_text,
)
from govcheck.extract.rows import RowFinder, is_article_url
from govcheck.extract.types import ColumnLink
from govcheck.vocabulary import HOME_WORDS

logger = logging.getLogger(__name__)

_NAV_WORDS = frozenset(
    {
        "nav",
        "navs",
        "navbar",
        "navigation",
        "menu",
        "menus",
        "submenu",
        "subnav",
        "mainnav",
        "topnav",
        "sidenav",
        "daohang",
        "dh",
        "lanmu",
        "nav1",
        "nav2",
    }
)
_HEADING_WORDS = frozenset(
    {"tit", "title", "titles", "hd", "head", "bt", "lm", "lmmc", "lmname", "name", "caption"}
)
_FOOTER_TOKEN = re.compile(r"foot|copyright|bottom|friend|yqlj|link-?list|sitemap", re.I)
_WORD_SPLIT = re.compile(r"[-_\s]+|(?<=[a-z])(?=[A-Z])")
_MORE_TOKEN = re.compile(r"more", re.I)
_MORE_TEXT = re.compile(r"^(?:查看|点击)?(?:更多|more)(?:内容|信息|>+|»|\+|＋|\s)*$|^(?:>>|»|\+|＋)$", re.I)
_NAME_JUNK = re.compile(r"^[\s>»+＋·]+|(?:更多|more)|[\s>»+＋]+$", re.I)
_HOME_PATHS = frozenset(
    {
        "",
        "/",
        "/index.html",
        "/index.htm",
        "/index.shtml",
        "/index.jsp",
        "/index.php",
        "/default.html",
        "/default.htm",
        "/default.aspx",
        "/index.aspx",
    }
)
_FILE_EXT = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|wps|et|ofd|txt|csv|zip|rar|7z|gz|jpe?g|png|gif|bmp|mp[34]|avi|flv|apk|exe)$",
    re.I,
)
NAV_ANCESTOR_LEVELS = 3
MIN_NAV_ITEMS = 3


def discover_columns(html: str, url: str) -> list[ColumnLink]:
    """Columns a homepage links to: nav (with sub-menus), block headings, and blocks' 更多 links."""
    doc = Document.parse(html, url)
    found = _Collector(doc)
    nav_items = found.nav()
    found.blocks(nav_items)
    found.dropdowns()
    return found.columns


class _Collector:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.columns: list[ColumnLink] = []
        self.seen: set[str] = set()

    def add(self, name: str, url: str, source: str, parent_url: str | None = None) -> None:
        if not name:
            return
        if url in self.seen:
            # A top menu label that links straight to a column (新闻中心 → /xwzx/szyw/) names a section;
            # the homepage block listing that column's items carries the column's own name (随州要闻).
            if source in ("block", "more") and not any(c.parent_url == url for c in self.columns):
                for column in self.columns:
                    if column.url == url and column.source == "nav" and column.parent_url is None:
                        column.name = name
            return
        self.seen.add(url)
        self.columns.append(ColumnLink(name=name, url=url, source=source, parent_url=parent_url))

    def column_url(self, a: HtmlElement) -> str | None:
        """The link's URL if it can be a column of this site."""
        url = join_url(self.doc.base, a.get("href"))
        if url is None or not same_host(url, self.doc.url):
            return None
        if url == self.doc.url.split("#", 1)[0] or clean(anchor_text(a)) in HOME_WORDS:
            return None
        parts = urlsplit(url)
        if parts.path in _HOME_PATHS and not parts.query:
            return None
        if is_article_url(url) or date_from_url(url) is not None or _FILE_EXT.search(parts.path):
            return None
        return url

    # -- navigation ---------------------------------------------------------------------------

    def nav(self) -> set[HtmlElement]:
        """Add menu items in page order; returns every anchor that belongs to a menu."""
        body = self.doc.body
        position = {el: i for i, el in enumerate(body.iter())}
        in_menu: set[HtmlElement] = set()
        taken_items: set[HtmlElement] = set()
        menus: list[tuple[int, list[tuple[HtmlElement, HtmlElement, str | None]]]] = []
        for ul in body.iter("ul", "ol"):
            if any(anc in taken_items for anc in ul.iterancestors("li")):
                continue  # a sub-menu of an item already read
            if not self._navish(ul) or self._in_footer(ul):
                continue
            items = [li for li in ul if isinstance(li.tag, str) and li.tag == "li"]
            own = [(li, self._own_anchor(li)) for li in items]
            usable = [(li, a, self.column_url(a)) for li, a in own if a is not None]
            # Section labels are often javascript:; their sub-menus carry the columns, so count those too.
            if sum(1 for li in items for a in li.iter("a") if self.column_url(a)) < MIN_NAV_ITEMS:
                continue
            taken_items.update(items)
            for li in items:
                in_menu.update(li.iter("a"))
            menus.append((position.get(ul, 0), usable))
        # Menus drawn without <ul>, e.g. a row of links per parent (Fujian platform's submenu).
        holders: dict[HtmlElement, list[HtmlElement]] = {}
        for a in body.iter("a"):
            if a in in_menu:
                continue
            holder = self._nav_holder(a)
            if holder is not None and not self._in_footer(holder):
                holders.setdefault(holder, []).append(a)
        rows: list[tuple[int, list[tuple[HtmlElement, str | None]]]] = []
        for holder, links in holders.items():
            usable_links = [(a, self.column_url(a)) for a in links]
            if sum(1 for _a, u in usable_links if u) >= MIN_NAV_ITEMS:
                in_menu.update(links)
                rows.append((position.get(holder, 0), usable_links))
        # Sub-menus drawn apart from their parents find them by URL path.
        tops = [(urlsplit(u).path, u) for _pos, usable in menus for _li, _a, u in usable if u]
        units: list[tuple[int, str, object]] = [(p, "menu", m) for p, m in menus] + [
            (p, "row", r) for p, r in rows
        ]
        for _pos, kind, unit in sorted(units, key=lambda x: x[0]):
            if kind == "menu":
                for li, a, top_url in unit:  # type: ignore[attr-defined]
                    subs = [(sub, self.column_url(sub)) for sub in li.iter("a") if sub is not a]
                    if top_url and top_url in {u for _s, u in subs}:
                        # The section label links to its first column: the column is named by its own
                        # entry, and the section, having no page of its own, is no parent.
                        top_url = None
                    elif top_url:
                        self.add(_name(a), top_url, "nav")
                    for sub, sub_url in subs:
                        if sub_url:
                            self.add(_name(sub), sub_url, "nav", parent_url=top_url)
            else:
                for a, url in unit:  # type: ignore[attr-defined]
                    if url:
                        self.add(_name(a), url, "nav", parent_url=_parent_by_path(url, tops))
        return in_menu

    def _navish(self, el: HtmlElement) -> bool:
        node: HtmlElement | None = el
        for _ in range(NAV_ANCESTOR_LEVELS):
            if node is None or node.tag in ("body", "html"):
                return False
            if node.tag == "nav" or _has_word(node, _NAV_WORDS):
                return True
            node = node.getparent()
        return False

    def _nav_holder(self, a: HtmlElement) -> HtmlElement | None:
        """The nearest navigation container of a link outside any list."""
        for i, node in enumerate(a.iterancestors()):
            if i > NAV_ANCESTOR_LEVELS or node.tag in ("body", "html", "ul", "ol", "li"):
                return None
            if node.tag == "nav" or _has_word(node, _NAV_WORDS):
                return node
        return None

    @staticmethod
    def _own_anchor(li: HtmlElement) -> HtmlElement | None:
        return next(iter(li.iter("a")), None)

    @staticmethod
    def _in_footer(el: HtmlElement) -> bool:
        for node in (el, *el.iterancestors()):
            if node.tag == "footer" or any(_FOOTER_TOKEN.search(t) for t in tokens(node)):
                return True
        return False

    # -- blocks -------------------------------------------------------------------------------

    def blocks(self, in_menu: set[HtmlElement]) -> None:
        """Block headings that are links, and 更多 links named after their block's heading."""
        entry_urls = {r.url for g in RowFinder(self.doc).dated_groups() for r in g.rows}
        for a in self.doc.body.iter("a"):
            if a in in_menu or self._in_footer(a):
                continue
            url = self.column_url(a)
            if url is None or url in entry_urls:
                continue
            text = anchor_text(a)
            if _is_more(a, text):
                name = _block_heading(a, url, self.doc.base)
                if name:
                    self.add(name, url, "more")
                else:
                    logger.debug("more link without a heading: %s", url)
            elif _in_heading(a) and text:
                self.add(_name(a), url, "block")
            elif text and _is_tile(a):
                self.add(_name(a), url, "tile")

    def dropdowns(self) -> None:
        """更多栏目 drop-downs: the links (or <option> values) of the container a 更多栏目 label opens."""
        for el in self.doc.body.iter():
            if not isinstance(el.tag, str) or not _MORE_COLUMNS.match(clean(el.text)):
                continue
            holder = el if len(el) else el.getparent()
            if holder is None or self._in_footer(holder):
                continue
            for a in holder.iter("a", "option"):
                href = a.get("href") if a.tag == "a" else a.get("value")
                url = join_url(self.doc.base, href)
                if url is None or not same_host(url, self.doc.url) or a is el:
                    continue
                name = _name(a) if a.tag == "a" else clean(a.text_content())
                fake = self.doc.root.makeelement("a", {"href": url})
                fake.text = name
                if self.column_url(fake):
                    self.add(name, url, "dropdown")


def _image_only(a: HtmlElement) -> bool:
    return not visible_text(a) and any(clean(img.get("alt")) for img in a.iter("img"))


def _is_tile(a: HtmlElement) -> bool:
    """An image link named only by its ``alt``, one of a row of such tiles (专题 entrances)."""
    if not _image_only(a):
        return False
    item = a.getparent()
    row = item.getparent() if item is not None else None
    if row is None:
        return False
    # Siblings of the link's own holder, each holding an image link directly: a row of tiles.
    tiles = sum(
        1 for child in row if child.tag == item.tag and any(x.tag == "a" and _image_only(x) for x in child)
    )
    return tiles >= 2


_MORE_COLUMNS = re.compile(r"^(?:更多栏目|更多频道|其他栏目)\s*[:：>»▼]*$")


def _has_word(el: HtmlElement, words: frozenset[str]) -> bool:
    """True if a class/id/role token of ``el`` contains one of ``words`` as a whole word part."""
    return any(part.lower() in words for token in tokens(el) for part in _WORD_SPLIT.split(token))


def _name(a: HtmlElement) -> str:
    text = anchor_text(a) or clean(a.get("title"))
    return clean(_NAME_JUNK.sub("", text))


def _is_more(a: HtmlElement, text: str) -> bool:
    if text and _MORE_TEXT.match(text):
        return True
    if text:
        return False
    # An empty link styled as "more" (an arrow icon), e.g. <span class="more"><a href=…></a></span>.
    return any(_MORE_TOKEN.search(t) for node in (a, a.getparent()) if node is not None for t in tokens(node))


def _in_heading(a: HtmlElement) -> bool:
    for i, node in enumerate(a.iterancestors()):
        if i >= 4 or node.tag in ("body", "html"):
            return False
        if node.tag in ("h1", "h2", "h3", "h4", "h5", "h6") or _has_word(node, _HEADING_WORDS):
            return True
    return False


def _block_heading(more: HtmlElement, url: str, base: str) -> str | None:
    """The name of the block a 更多 link closes: a named link to the same URL, else the heading before it."""
    ancestors = [n for n in list(more.iterancestors())[:6] if n.tag not in ("body", "html")]
    for node in ancestors:
        for a in node.iter("a"):
            if a is more:
                continue
            text = _name(a)
            if text and not _MORE_TEXT.match(text) and join_url(base, a.get("href")) == url:
                return text
    for node in ancestors:
        heading: str | None = None
        for el in node.iter():
            if el is more:
                break
            if not isinstance(el.tag, str) or (el.tag == "a" and not _in_heading(el)):
                continue
            if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6") or _has_word(el, _HEADING_WORDS):
                text = clean(_NAME_JUNK.sub("", clean(el.text_content())))
                if text and len(text) <= 20:
                    heading = text
        if heading:
            return heading
    return None


def _parent_by_path(url: str, tops: list[tuple[str, str]]) -> str | None:
    """The top-level item whose path is the longest proper prefix of this link's path."""
    path = urlsplit(url).path
    best: tuple[int, str] | None = None
    for top_path, top_url in tops:
        prefix = top_path if top_path.endswith("/") else top_path.rsplit("/", 1)[0] + "/"
        longer = best is None or len(prefix) > best[0]
        if prefix != "/" and path.startswith(prefix) and path != top_path and longer:
            best = (len(prefix), top_url)
    return best[1] if best else None


# -- beyond the navigation: 信息公开目录, 网站地图, link-outs ------------------------------------------

# The 政府信息公开 directory's entry points; "指南"/"年报" columns inside it are not entries.
XXGK_NAME = re.compile(
    r"^(?:政府)?信息公开(?:目录|专栏|平台)?$|^(?:法定)?主动公开(?:目录|内容|信息)?$|^法定主动公开内容$"
    r"|^政务公开目录$|^政府信息公开(?:目录|专栏)$"
)
SITEMAP_NAME = re.compile(r"^网站地图$|^站点地图$|^sitemap$", re.I)
# A link-out to one of these systems is the site's consultation channel (互动交流 indicators).
CONSULTATION_NAME = re.compile(r"咨询|信箱|12345|留言|诉求|问政|建言|投诉")
_WEB = re.compile(r"^https?://", re.I)


def directory_links(html: str, url: str) -> list[ColumnLink]:
    """Links to the site's 政府信息公开 directory (信息公开目录 / 主动公开 / 法定主动公开内容), on any host."""
    doc = Document.parse(html, url)
    out: list[ColumnLink] = []
    for a in doc.body.iter("a"):
        name = _name(a)
        target = join_url(doc.base, a.get("href"))
        if not name or target is None or not _WEB.match(target) or not XXGK_NAME.match(name):
            continue
        if target.split("#", 1)[0] != url.split("#", 1)[0] and target not in {c.url for c in out}:
            out.append(ColumnLink(name=name, url=target, source="xxgk"))
    return out


def sitemap_links(html: str, url: str) -> list[str]:
    """URLs of the site's 网站地图 (usually in the footer, which column discovery skips)."""
    doc = Document.parse(html, url)
    out: list[str] = []
    for a in doc.body.iter("a"):
        target = join_url(doc.base, a.get("href"))
        if target and same_host(target, url) and SITEMAP_NAME.match(_name(a)) and target not in out:
            out.append(target)
    return out


def sitemap_columns(html: str, url: str) -> list[ColumnLink]:
    """Columns a 网站地图 page lists: same-host column links outside its header, menus and footer,
    each under the nearest preceding group heading that links to a column (its parent)."""
    doc = Document.parse(html, url)
    found = _Collector(doc)
    in_menu = found.nav()
    found.columns, found.seen = [], set()
    parent: str | None = None
    for a in doc.body.iter("a"):
        if a in in_menu or found._in_footer(a):
            continue
        target = found.column_url(a)
        if target is None:
            continue
        if _in_heading(a):
            parent = target
            found.add(_name(a), target, "sitemap")
        else:
            found.add(_name(a), target, "sitemap", parent_url=parent if parent != target else None)
    return found.columns


def discover_linkouts(html: str, url: str) -> list[ColumnLink]:
    """Navigation links to other systems (办事大厅, another site), and any link to a consultation
    system (咨询/信箱/12345) on another host: kept, but not columns of this site."""
    doc = Document.parse(html, url)
    found = _Collector(doc)
    in_menu = found.nav()
    out: list[ColumnLink] = []
    seen: set[str] = set()
    for a in doc.body.iter("a"):
        target = join_url(doc.base, a.get("href"))
        if target is None or not _WEB.match(target) or same_host(target, url) or target in seen:
            continue
        name = _name(a)
        if not name or (a not in in_menu and not CONSULTATION_NAME.search(name)):
            continue
        if XXGK_NAME.match(name):
            continue  # the 信息公开 directory on another host is read as part of this site
        seen.add(target)
        out.append(ColumnLink(name=name, url=target, source="linkout"))
    return out
