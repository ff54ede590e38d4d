"""Repeated link+date rows: the structure every CMS list shares, whatever its markup.

A row is the smallest element that holds a printed date and a link (``<li><a>…</a><span>2024-02-28
</span></li>``, a ``<tr>``, a ``<dl>``, or the ``<a>`` itself when the date is inside it). Rows are
grouped by their tag/class path from the root (no indices), so one list split over several ``<ul>``
(163's blocks of five, Fujian's static blocks) is still one group. Groups are scored; the CMS
extractors and the generic one pick from them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from govcheck.dates import is_date_text
from govcheck.extract.dom import (
    SKIP_TAGS,
    Document,
    HtmlElement,
    anchor_text,
    clean,
    is_chrome,
    join_url,
    signature_part,
    visible_text,
)
from govcheck.extract.types import ListingEntry

logger = logging.getLogger(__name__)

MAX_ROW_ASCENT = 6  # a date further than this from any link belongs to no row
MAX_ROW_TEXT = 400  # a "row" with more text than this is a paragraph or a whole block

# URLs of documents (not columns) in the common CMSs; used to trust undated lists.
_ARTICLE_URL = re.compile(
    r"/t\d{8}_\d+\.\w+$|/t\d{5,}\.s?html?$|/art/\d{4}/|/art_\d+_\d+\.html$|/post_\d+\.html$"
    r"|/\d{6}/[0-9a-f]{32}\.s?html?$|/[0-9a-f]{32}\.s?html?$|/\d{4}/\d{2}-\d{2}/|/\d{5,}\.s?html?$"
    r"|/content_\d+\.html?$|/info/\d+/\d+\.htm$",
    re.I,
)


# Link texts of pagers and "more" links, which share a list's markup but are not items.
_NOT_ITEM = re.compile(
    r"^(?:查看)?更多.{0,2}$|^[上下前后]一?页$|^[首尾末]页$|^(?:more|next|prev)\W*$|^[\d<>»«›‹.\s]+$", re.I
)


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


def is_article_url(url: str) -> bool:
    return bool(_ARTICLE_URL.search(url.split("?", 1)[0]))


@dataclass(slots=True)
class Row:
    element: HtmlElement
    url: str
    title: str
    date_text: str | None
    order: int  # document order of the row element, to keep the page's order across groups

    def entry(self) -> ListingEntry:
        return ListingEntry(title=self.title, url=self.url, date_text=self.date_text)


@dataclass(slots=True)
class Group:
    key: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    chrome: bool = False
    local: float = 0.0  # share of rows linking under the page's own folder (the column's documents)

    @property
    def dated(self) -> int:
        return sum(1 for r in self.rows if r.date_text)

    @property
    def score(self) -> float:
        if not self.rows:
            return 0.0
        mean_title = sum(min(len(r.title), 40) for r in self.rows) / len(self.rows)
        # Lists have many dated rows with sentence-long titles; menus have short ones.
        value = (self.dated + 0.25 * len(self.rows)) * (0.4 + mean_title / 40) * (1 + 0.5 * self.local)
        return value * (0.2 if self.chrome else 1.0)

    def entries(self) -> list[ListingEntry]:
        return dedupe([r.entry() for r in self.rows])


def dedupe(entries: Iterable[ListingEntry]) -> list[ListingEntry]:
    """Keep the first entry of each URL (titles repeat across doc ids; URLs do not)."""
    seen: set[str] = set()
    out: list[ListingEntry] = []
    for entry in entries:
        if entry.url not in seen:
            seen.add(entry.url)
            out.append(entry)
    return out


class RowFinder:
    """Finds rows and groups them, for one parsed document (or a fragment of one)."""

    def __init__(self, doc: Document, root: HtmlElement | None = None) -> None:
        self.doc = doc
        self.root = root if root is not None else doc.body
        self._order: dict[HtmlElement, int] = {}
        for i, el in enumerate(self.root.iter()):
            self._order[el] = i
        self._sig: dict[HtmlElement, tuple[str, ...]] = {}
        self._links: dict[HtmlElement, list[tuple[HtmlElement, str]]] = {}

    # -- dates ----------------------------------------------------------------------------

    def date_nodes(self, within: HtmlElement | None = None) -> list[tuple[HtmlElement, str]]:
        """(owner element, cleaned text) for each text node that is essentially a date."""
        out: list[tuple[HtmlElement, str]] = []
        for el in (within if within is not None else self.root).iter():
            if not isinstance(el.tag, str) or el.tag in SKIP_TAGS:
                continue
            text = clean(el.text)
            if text and _has_digit(text) and is_date_text(text, max_extra=self._extra(el)):
                out.append((el, text))
            for child in el:
                tail = clean(child.tail)
                if tail and _has_digit(tail) and is_date_text(tail, max_extra=self._extra(el)):
                    out.append((el, tail))
        return out

    @staticmethod
    def _extra(el: HtmlElement) -> int:
        # Inside a link a date must stand alone, or every title with a date in it would count.
        in_link = el.tag == "a" or any(True for _ in el.iterancestors("a"))
        return 0 if in_link else 8

    # -- links ----------------------------------------------------------------------------

    def links(self, el: HtmlElement) -> list[tuple[HtmlElement, str]]:
        """Usable links inside ``el`` (or ``el`` itself): (anchor, absolute URL)."""
        cached = self._links.get(el)
        if cached is None:
            cached = []
            for a in el.iter("a"):
                url = join_url(self.doc.base, a.get("href"))
                if url is not None:
                    cached.append((a, url))
            self._links[el] = cached
        return cached

    def main_link(self, el: HtmlElement, date_text: str | None) -> tuple[HtmlElement, str, str] | None:
        """The row's main link: the one with the longest title ([社会] and download icons lose)."""
        best: tuple[int, HtmlElement, str, str] | None = None
        for a, url in self.links(el):
            title = clean(a.get("title")) or anchor_text(a)
            if date_text and date_text in title and not clean(a.get("title")):
                title = clean(title.replace(date_text, " "))
            weight = len(title)
            if title and is_date_text(title, max_extra=0):
                weight = 0
            if best is None or weight > best[0]:
                best = (weight, a, url, title)
        if best is None:
            return None
        return best[1], best[2], best[3]

    # -- structure --------------------------------------------------------------------------

    def signature(self, el: HtmlElement) -> tuple[str, ...]:
        sig = self._sig.get(el)
        if sig is None:
            parent = el.getparent()
            head = self.signature(parent) if parent is not None and parent is not self.root else ()
            sig = (*head, signature_part(el))
            self._sig[el] = sig
        return sig

    def order(self, el: HtmlElement) -> int:
        return self._order.get(el, 0)

    def row_for_date(self, owner: HtmlElement) -> HtmlElement | None:
        """The lowest ancestor-or-self of a date's element that also holds a link."""
        node: HtmlElement | None = owner
        fallback: HtmlElement | None = None
        for _ in range(MAX_ROW_ASCENT + 1):
            if node is None or node.tag in ("body", "html"):
                break
            links = self.links(node)
            if links:
                # An icon-only link (a download button beside the date) does not make a row yet.
                if any(clean(a.get("title")) or anchor_text(a) for a, _url in links):
                    return node
                fallback = fallback if fallback is not None else node
            node = node.getparent()
        return fallback

    def row(self, el: HtmlElement, date: tuple[HtmlElement, str] | None = None) -> Row | None:
        """A row from an element known to be one item (Fujian block <li>, Hanweb record)."""
        if date is None:
            dates = self.date_nodes(el)
            date = dates[0] if dates else None
        date_text = date[1] if date else None
        main = self.main_link(el, date_text)
        if main is None:
            return None
        _a, url, title = main
        return Row(element=el, url=url, title=title, date_text=date_text, order=self.order(el))

    # -- groups ---------------------------------------------------------------------------

    def dated_groups(self) -> list[Group]:
        """Every group of rows built around printed dates, best first."""
        by_row: dict[HtmlElement, list[tuple[HtmlElement, str]]] = {}
        for owner, text in self.date_nodes():
            row_el = self.row_for_date(owner)
            if row_el is None:
                continue
            by_row.setdefault(row_el, []).append((owner, text))
        groups: dict[tuple[str, ...], Group] = {}
        for row_el, dates in by_row.items():
            distinct_urls = {url for _a, url in self.links(row_el)}
            if len(dates) > 1 and len(distinct_urls) > 1:
                # Links and dates side by side in one container, no row elements: pair them up.
                for row in self._flat_rows(row_el, dates):
                    self._add(groups, (*self.signature(row_el), "#flat"), row)
                continue
            if len(visible_text(row_el)) > MAX_ROW_TEXT:
                continue
            row = self.row(row_el, dates[0])
            if row is not None:
                self._add(groups, self.signature(row_el), row)
        for group in groups.values():
            self._add_undated_siblings(group)
            self._finish(group)
        return sorted(groups.values(), key=lambda g: g.score, reverse=True)

    def undated_groups(self, *, min_rows: int = 3) -> list[Group]:
        """Groups of repeated links to documents with no printed dates (picture lists), best first."""
        groups: dict[tuple[str, ...], Group] = {}
        seen: set[HtmlElement] = set()
        for a, url in self.links(self.root):
            if not is_article_url(url):
                continue
            row_el = self._repeated_ancestor(a)
            if row_el is None or row_el in seen:
                continue
            seen.add(row_el)
            row = self.row(row_el, None)
            if row is not None:
                self._add(groups, self.signature(row_el), row)
        out = []
        for group in groups.values():
            self._finish(group)
            if len({r.url for r in group.rows}) >= min_rows:
                out.append(group)
        return sorted(out, key=lambda g: g.score, reverse=True)

    def _finish(self, group: Group) -> None:
        group.rows.sort(key=lambda r: r.order)
        group.chrome = is_chrome(group.rows[0].element)
        folder = self.doc.url.split("?", 1)[0].rsplit("/", 1)[0] + "/"
        group.local = sum(1 for r in group.rows if r.url.startswith(folder)) / len(group.rows)

    def _add(self, groups: dict[tuple[str, ...], Group], key: tuple[str, ...], row: Row) -> None:
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(key=key)
        group.rows.append(row)

    def _add_undated_siblings(self, group: Group) -> None:
        """Rows of the same list that show no date (same parent, same tag and classes)."""
        if group.key[-1] == "#flat":
            return
        have = {r.element for r in group.rows}
        parents = {r.element.getparent() for r in group.rows}
        for parent in parents:
            if parent is None:
                continue
            for sibling in parent:
                if sibling in have or not isinstance(sibling.tag, str):
                    continue
                if self.signature(sibling) != group.key:
                    continue
                row = self.row(sibling, None)
                if row is not None and row.title and not _NOT_ITEM.match(row.title):
                    group.rows.append(row)

    def _repeated_ancestor(self, a: HtmlElement) -> HtmlElement | None:
        """The nearest ancestor-or-self of a link that has siblings of the same kind."""
        node: HtmlElement | None = a
        for _ in range(MAX_ROW_ASCENT):
            if node is None:
                return None
            parent = node.getparent()
            if parent is None or node.tag in ("body", "html"):
                return None
            part = signature_part(node)
            if sum(1 for s in parent if isinstance(s.tag, str) and signature_part(s) == part) >= 2:
                return node
            node = parent
        return None

    def _flat_rows(self, container: HtmlElement, dates: list[tuple[HtmlElement, str]]) -> list[Row]:
        """Pair links and dates that share one container, in document order."""
        date_texts: dict[HtmlElement, set[str]] = {}
        for owner, text in dates:
            date_texts.setdefault(owner, set()).add(text)
        links: list[tuple[HtmlElement, str, str]] = []
        stream: list[tuple[HtmlElement, str, str] | str] = []  # a link, or a date text

        def walk(el: HtmlElement) -> None:
            if el.tag == "a":
                url = join_url(self.doc.base, el.get("href"))
                title = clean(el.get("title")) or anchor_text(el)
                if url and title and not is_date_text(title, max_extra=0):
                    links.append((el, url, title))
                    stream.append(links[-1])
            own = date_texts.get(el, set())
            if clean(el.text) in own:
                stream.append(clean(el.text))
            for child in el:
                if isinstance(child.tag, str):
                    walk(child)
                if clean(child.tail) in own:
                    stream.append(clean(child.tail))

        walk(container)
        if not stream:
            return []
        date_first = isinstance(stream[0], str)
        rows: list[Row] = []
        segment: list[tuple[HtmlElement, str, str]] = []
        pending: str | None = None
        for item in stream:
            if not isinstance(item, str):
                segment.append(item)
            elif date_first:
                # "date link" pairs: a date opens the segment its links belong to.
                if segment and pending is not None:
                    rows.append(self._flat_row(container, segment, pending))
                segment, pending = [], item
            else:
                # "link date" pairs: a date closes the segment of links before it.
                if segment:
                    rows.append(self._flat_row(container, segment, item))
                segment = []
        if date_first and segment and pending is not None:
            rows.append(self._flat_row(container, segment, pending))
        return rows

    def _flat_row(
        self, container: HtmlElement, segment: list[tuple[HtmlElement, str, str]], date: str | None
    ) -> Row:
        _a, url, title = max(segment, key=lambda item: len(item[2]))
        return Row(element=container, url=url, title=title, date_text=date, order=self.order(_a))
