"""Facts any page carries (design-standard metas, breadcrumb, dates, 网站标识码), its links, and the
dated items of a homepage."""

from __future__ import annotations

import logging
import re
from itertools import chain

from govcheck.dates import find_date_text
from govcheck.extract.cms import hanweb_records, hanweb_xml_page
from govcheck.extract.dom import (
    SKIP_TAGS,
    Document,
    HtmlElement,
    anchor_text,
    clean,
    join_url,
    parse_fragment,
)
from govcheck.extract.rows import RowFinder, dedupe
from govcheck.extract.types import ListingEntry, PageFacts
from govcheck.vocabulary import HOME_WORDS, SITE_CODE_PARAM, SITE_CODE_TEXT

logger = logging.getLogger(__name__)

# Metas of the 政府网站发展指引 page standard; names are matched case-insensitively.
_META_FIELDS = {
    "sitename": "site_name",
    "siteidcode": "site_code",
    "columnname": "column_name",
    "columntype": "column_type",
    "pubdate": "pub_date_text",
}
# Publication metas some CMSs write instead of PubDate; used only after the on-page labels.
_PUB_META_FALLBACK = ("firstpublishedtime", "publishdate", "publish_date")

_CRUMB_LABEL = re.compile(r"(?:您|你)?(?:当前|现在)(?:的|所在的?)?位置|所在位置")
_CRUMB_SPLIT = re.compile(r"(\s*(?:-?>|＞|›|»|→|/|\|)\s*)")
_CRUMB_LEAD = re.compile(r"^\s*(?:-?>|＞|›|»|→)")
_CRUMB_PUNCT = re.compile(r"^[\s:：,，·•>＞›»→|/\-]*$")
MAX_CRUMB = 30  # a longer text piece is content, not a crumb
MAX_CRUMB_EVENTS = 80

# Labels of a page's publication date, strongest first.
_DATE_LABELS = (
    re.compile(r"(?:发布|发表|公开|上传)(?:时间|日期)\s*[:：]?\s*"),
    re.compile(r"成文日期\s*[:：]?\s*"),
    re.compile(r"(?:日期|时间)\s*[:：]\s*"),
)

_YEAR = re.compile(r"(19|20)\d{2}")
_TITLE_SPLIT = re.compile(r"\s*[_|｜]\s*|\s+[-—–]+\s+")

_LINK_ATTRS = {
    "a": "href",
    "area": "href",
    "link": "href",
    "img": "src",
    "script": "src",
    "iframe": "src",
    "frame": "src",
    "embed": "src",
    "source": "src",
}
_SKIP_LINK_RELS = {"dns-prefetch", "preconnect"}


def page_facts(html: str, url: str) -> PageFacts:
    """Title, SiteName/SiteIDCode/ColumnName/ColumnType/PubDate metas, breadcrumb, date, 网站标识码."""
    doc = Document.parse(html, url)
    facts = PageFacts()
    metas = _metas(doc.root)
    for meta_name, attr in _META_FIELDS.items():
        setattr(facts, attr, metas.get(meta_name) or None)
    title = doc.root.find(".//title")
    facts.title = clean(title.text_content()) or None if title is not None else None
    facts.breadcrumb = breadcrumb(doc)
    text = _body_text(doc.body)
    if not facts.pub_date_text:
        facts.pub_date_text = _labelled_date(text) or next(
            (metas[name] for name in _PUB_META_FALLBACK if metas.get(name)), None
        )
    generated = metas.get("others", "")
    if "生成时间" in generated:
        facts.generated_text = find_date_text(generated)
    if not facts.site_code:
        match = SITE_CODE_TEXT.search(text) or SITE_CODE_PARAM.search(doc.raw)
        facts.site_code = match.group(1) if match else None
    return facts


def generation_year(text: str | None) -> int | None:
    """The year of a page's 页面生成时间 (``PageFacts.generated_text``): the year of the year-less
    dates printed on it."""
    match = _YEAR.search(text or "")
    return int(match.group(0)) if match else None


def title_column_name(title: str | None) -> str | None:
    """The first segment of ``栏目_站点`` style titles: a list page's column name when nothing else says."""
    if not title:
        return None
    head = _TITLE_SPLIT.split(title.strip(), maxsplit=1)[0].strip()
    return head or None


def _metas(root: HtmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").strip().lower()
        content = clean(meta.get("content"))
        if name and content and name not in out:
            out[name] = content  # the first non-empty one wins (shanxi repeats SiteName)
    return out


def _body_text(body: HtmlElement) -> str:
    return clean(" ".join(body.itertext()))


def _labelled_date(text: str) -> str | None:
    for label in _DATE_LABELS:
        for match in label.finditer(text):
            window = text[match.end() : match.end() + 40]
            found = find_date_text(window)
            # The date must follow the label directly, not somewhere further on.
            if found and window.find(found[:4]) <= 2:
                return found
    return None


# -- breadcrumb ----------------------------------------------------------------------------------


def breadcrumb(doc: Document) -> list[str]:
    """Crumbs after 当前位置/您当前的位置: anchor texts plus plain-text crumbs (the last one often is)."""
    events = _events(doc.body)
    for i, (kind, value, owner) in enumerate(events):
        if kind != "text":
            continue
        match = _CRUMB_LABEL.search(value)  # type: ignore[arg-type]
        if match is None:
            continue
        after = events[i + 1 : i + 1 + MAX_CRUMB_EVENTS]
        rest = value[match.end() :]  # type: ignore[index]
        if rest.strip():
            after.insert(0, ("text", rest, owner))
        crumbs = _crumbs(owner, after)
        if crumbs:
            return crumbs
    # No label: a 首页 link followed by a separator starts the trail (首页 > 新闻动态 > 工作动态).
    for i, (kind, value, owner) in enumerate(events[:-1]):
        if kind != "a" or anchor_text(value) not in HOME_WORDS:  # type: ignore[arg-type]
            continue
        following = events[i + 1]
        if following[0] == "text" and _CRUMB_LEAD.match(str(following[1])):
            parent = owner.getparent()
            crumbs = _crumbs(parent, events[i : i + MAX_CRUMB_EVENTS]) if parent is not None else []
            if len(crumbs) >= 2:
                return crumbs
    return []


Event = tuple[str, object, HtmlElement]  # ("text", str, owner) | ("a", anchor, anchor)


def _events(root: HtmlElement) -> list[Event]:
    """Text nodes and anchors in document order (anchors are not entered)."""
    out: list[Event] = []

    def walk(el: HtmlElement) -> None:
        if el.tag == "a":
            out.append(("a", el, el))
            return
        if el.text and el.text.strip():
            out.append(("text", el.text, el))
        for child in el:
            if isinstance(child.tag, str) and child.tag not in SKIP_TAGS:
                walk(child)
            if child.tail and child.tail.strip():
                out.append(("text", child.tail, el))

    walk(root)
    return out


def _within(el: HtmlElement, container: HtmlElement) -> bool:
    return el is container or any(a is container for a in el.iterancestors())


def _prefix(container: HtmlElement, events: list[Event]) -> list[Event]:
    out: list[Event] = []
    for event in events:
        if not _within(event[2], container):
            break
        out.append(event)
    return out


def _crumbs(holder: HtmlElement, events: list[Event]) -> list[str]:
    # The breadcrumb is the lowest container of the label that also holds a link after it…
    container: HtmlElement | None = holder
    prefix: list[Event] = []
    for _ in range(6):
        if container is None or container.tag in ("body", "html"):
            return []
        prefix = _prefix(container, events)
        if any(kind == "a" for kind, _v, _o in prefix):
            break
        container = container.getparent()
    else:
        return []
    # …widened while the crumbs go on past it behind a separator (Hanweb's one-<td>-per-crumb tables).
    for _ in range(3):
        following = events[len(prefix)] if len(prefix) < len(events) else None
        parent = container.getparent() if container is not None else None
        if following is None or parent is None or following[0] != "text":
            break
        if not _CRUMB_LEAD.match(str(following[1])):
            break
        container = parent
        prefix = _prefix(container, events)
    crumbs: list[str] = []
    separated = False  # the breadcrumb prints separators (>), so every crumb after the first needs one
    pending = False  # a separator since the last crumb
    for kind, value, _owner in prefix:
        if kind == "a":
            anchor: HtmlElement = value  # type: ignore[assignment]
            pieces = [anchor_text(anchor) or clean(anchor.get("title"))]
        else:
            pieces = _CRUMB_SPLIT.split(str(value))
        for piece in pieces:
            if piece is None:
                continue
            if _CRUMB_SPLIT.fullmatch(piece):
                separated = pending = True
                continue
            piece = clean(piece)
            if not piece or _CRUMB_PUNCT.match(piece):
                continue
            if len(piece) > MAX_CRUMB or (separated and not pending and crumbs):
                return crumbs  # content, or a widget (字号：大 中 小) after the last crumb
            crumbs.append(piece)
            pending = False
    return crumbs


# -- links ---------------------------------------------------------------------------------------


def page_links(html: str, url: str) -> list[tuple[str, str]]:
    """(absolute URL, tag) of every link a page makes, fragments stripped, first occurrence kept; the
    links of a Hanweb list's ``<datastore>`` records (page 1's XML island, a dataproxy.jsp answer's
    bare XML) included."""
    doc = Document.parse(hanweb_xml_page(html), url, keep_scripts=True)
    records = [parse_fragment(record) for record in hanweb_records(doc.raw)]
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for el in chain(doc.root.iter(*_LINK_ATTRS), *(record.iter(*_LINK_ATTRS) for record in records)):
        if el.tag == "link" and set((el.get("rel") or "").lower().split()) & _SKIP_LINK_RELS:
            continue
        target = join_url(doc.base, el.get(_LINK_ATTRS[el.tag]))
        if target is None or target in seen:
            continue
        seen.add(target)
        out.append((target, el.tag))
    return out


# -- homepage ------------------------------------------------------------------------------------


def homepage_entries(html: str, url: str) -> list[ListingEntry]:
    """Every dated item a homepage links to: all repeated link+date blocks, not just the best one."""
    doc = Document.parse(html, url)
    rows = []
    for group in RowFinder(doc).dated_groups():
        if group.chrome:
            continue
        rows.extend(r for r in group.rows if r.date_text)
    rows.sort(key=lambda r: r.order)
    return dedupe(r.entry() for r in rows)
