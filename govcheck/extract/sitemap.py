"""XML sitemaps (sitemaps.org 0.9): the files a robots.txt names, what a sitemap or sitemap index
lists, and when it says each page last changed.

Hostile input is inert: the XML parser never resolves entities (no XXE, no billion laughs), never
loads a DTD or anything over the network, and recovers from broken markup as far as it can, as
Scrapy's ``scrapy.utils.sitemap.Sitemap`` does. Anything that is not a sitemap reads as ``None``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

import lxml.etree

from govcheck.dates import SHANGHAI

SitemapKind = Literal["urlset", "sitemapindex"]
MAX_LISTED = 50_000  # sitemaps.org: at most 50,000 URLs per file; the rest is not read
_ROBOTS_SITEMAP = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
# W3C datetime as sitemaps use it: a date, or a date and time with an optional zone.
_LASTMOD = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$"
)


@dataclass(frozen=True, slots=True)
class SitemapFile:
    """One sitemap file as read: a ``urlset`` (pages) or a ``sitemapindex`` (further sitemap files),
    each listed URL with its ``<lastmod>`` text as seen (``None`` when absent)."""

    kind: SitemapKind
    listed: tuple[tuple[str, str | None], ...]


def robots_sitemaps(robots_txt: str, url: str) -> list[str]:
    """The sitemap URLs a robots.txt names (``Sitemap:`` lines, any case), absolute, http(s) only,
    each once in the order given."""
    found: list[str] = []
    for match in _ROBOTS_SITEMAP.finditer(robots_txt):
        absolute = urljoin(url, match.group(1))
        if urlsplit(absolute).scheme in ("http", "https") and absolute not in found:
            found.append(absolute)
    return found


def read_sitemap(body: bytes, url: str) -> SitemapFile | None:
    """What a sitemap file lists (relative ``<loc>`` s made absolute against ``url``, at most
    MAX_LISTED); ``None`` for anything that is not a urlset or a sitemap index (HTML, garbage, empty)."""
    parser = lxml.etree.XMLParser(
        recover=True,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except (lxml.etree.XMLSyntaxError, ValueError):
        return None
    if root is None or not isinstance(root.tag, str):
        return None
    kind = lxml.etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        return None
    child = "url" if kind == "urlset" else "sitemap"
    listed: list[tuple[str, str | None]] = []
    for element in root:
        if not isinstance(element.tag, str) or lxml.etree.QName(element).localname != child:
            continue
        loc, lastmod = _text(element, "loc"), _text(element, "lastmod")
        if not loc:
            continue
        absolute = urljoin(url, loc)
        if urlsplit(absolute).scheme in ("http", "https"):
            listed.append((absolute, lastmod))
            if len(listed) >= MAX_LISTED:
                break
    return SitemapFile(kind, tuple(listed))  # type: ignore[arg-type]


def lastmod_time(text: str | None) -> dt.datetime | None:
    """When a ``<lastmod>`` says the page last changed, read conservatively (the latest moment it may
    mean): a date alone is the end of that day in China time, a time without a zone China time.
    ``None`` when absent or unreadable."""
    match = _LASTMOD.match((text or "").strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        if hour is None:
            return dt.datetime(int(year), int(month), int(day), 23, 59, 59, 999_999, tzinfo=SHANGHAI)
        tz: dt.tzinfo = SHANGHAI
        if zone:
            tz = dt.UTC if zone == "Z" else _offset(zone)
        # Fractions of a second are dropped, so a time is read as its whole second's end.
        return dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 59), 999_999, tzinfo=tz
        )
    except ValueError:  # 2024-02-30, 25:00
        return None


def _offset(zone: str) -> dt.timezone:
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _text(element: lxml.etree._Element, name: str) -> str | None:
    for child in element:
        if isinstance(child.tag, str) and lxml.etree.QName(child).localname == name:
            return (child.text or "").strip() or None
    return None
