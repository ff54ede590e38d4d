"""Every crawl item kind in one table: the tables the writer upserts it into, and the URL fields the
validation pipeline requires.

A new item kind is its class in ``govcheck.items.CrawlItem`` and one row in ``KINDS``: the writer
(govcheck/db/writer.py) stores a batch kind by kind in this order, each kind's stores in theirs, and
ValidationPipeline drops an item whose listed URL is missing, too long or not http(s). A kind with
``parts`` carries items of another kind (a page's links, a list page's entries): dated and validated
part by part, and stored and
spooled as those parts (:func:`flattened`), so its rows are the parts' own. The spool reads the kinds
(and their date fields) from the items themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from govcheck.db.models import (
    ArticleCheck,
    Column,
    ColumnCheck,
    Entry,
    Letter,
    Link,
    LinkCheck,
    Page,
    ServicePage,
)
from govcheck.items import (
    ArticleCheckItem,
    ColumnItem,
    CrawlItem,
    EntryItem,
    LetterItem,
    LinkCheckItem,
    LinkItem,
    PageEntriesItem,
    PageItem,
    PageLinksItem,
    ServicePageItem,
    SiteItem,
)


@dataclass(frozen=True)
class RowScope:
    """What a stored row takes from the write rather than from its item."""

    site_id: int
    crawl_id: int
    now: dt.datetime
    column_ids: Mapping[str, int]  # column URL → id, resolved for the stores placed under a column


@dataclass(frozen=True)
class Store:
    """One table an item kind is upserted into, on its conflict key."""

    model: type[Any]
    keys: tuple[str, ...]
    update: tuple[str, ...]  # what a later write of the same key replaces; () keeps the first row
    row: Callable[[Any, RowScope], dict[str, Any]]
    # The item field holding the URL of the column the row is stored under (its id is in RowScope):
    # an item whose column was never stored is left out, with a warning.
    column: str | None = None


@dataclass(frozen=True)
class ItemKind:
    """One kind of crawl item: the URLs it must carry and the tables it is stored in."""

    item: type[Any]
    urls: tuple[str, ...]  # fields that must be http(s) URLs, checked in this order
    stores: tuple[Store, ...]
    # The list field holding the items of other kinds this one carries (one item for many rows costs
    # Scrapy's per-item work once): each is validated, stored and spooled as an item of its own kind.
    parts: str | None = None


def _fields(item: CrawlItem) -> dict[str, Any]:
    """An item's fields as row values; ``site`` is the crawl row's, not a column."""
    values = dataclasses.asdict(item)
    del values["site"]
    return values


def per_crawl(item: CrawlItem, at: RowScope) -> dict[str, Any]:
    """A row of this crawl attempt's own: all the item's fields."""
    return {"crawl_id": at.crawl_id, **_fields(item)}


def _pick(item: CrawlItem, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(item, name) for name in names}


def _seen(at: RowScope) -> dict[str, Any]:
    """A row shared by the crawls that see it: the first keeps ``first_seen``, each moves ``last_seen``."""
    return {"first_seen_crawl_id": at.crawl_id, "last_seen_crawl_id": at.crawl_id}


COLUMN_VALUES = (
    "name",
    "breadcrumb",
    "parent_url",
    "depth",
    "position",
    "source",
    "column_type",
    "is_homepage",
)
CHECK_VALUES = ("status", "reason", "http_status", "entry_count", "extractor", "encoding", "missing_metas")
ENTRY_VALUES = ("title", "published", "date_text", "date_source", "date_error", "date_evidence")
LETTER_VALUES = ("title", "posted", "posted_text", "status", "status_text", "replied", "replied_text")
LETTER_VALUES += ("reply_present", "unit", "reply", "evidence")

# The SiteItem has no store: the writer itself names the site and fills the crawl row from it.
KINDS: tuple[ItemKind, ...] = (
    ItemKind(SiteItem, urls=(), stores=()),
    ItemKind(
        ColumnItem,
        urls=("url",),
        stores=(
            Store(
                Column,
                ("site_id", "url"),
                (*COLUMN_VALUES, "last_seen_crawl_id"),
                lambda c, at: {
                    "site_id": at.site_id,
                    "url": c.url,
                    **_pick(c, COLUMN_VALUES),
                    "breadcrumb": c.breadcrumb or None,
                    **_seen(at),
                },
            ),
            Store(
                ColumnCheck,
                ("crawl_id", "column_id"),
                CHECK_VALUES,
                lambda c, at: {
                    "crawl_id": at.crawl_id,
                    "column_id": at.column_ids[c.url],
                    **_pick(c, CHECK_VALUES),
                },
                column="url",
            ),
        ),
    ),
    ItemKind(
        EntryItem,
        urls=("url", "column_url"),
        stores=(
            Store(
                Entry,
                ("column_id", "url"),
                (*ENTRY_VALUES, "last_seen_crawl_id", "last_seen_at"),
                lambda e, at: {
                    "column_id": at.column_ids[e.column_url],
                    "url": e.url,
                    **_pick(e, ENTRY_VALUES),
                    **_seen(at),
                    "first_seen_at": at.now,
                    "last_seen_at": at.now,
                },
                column="column_url",
            ),
        ),
    ),
    # Its column URL is each entry's: checked on every entry, so an unusable one counts as before.
    ItemKind(PageEntriesItem, urls=(), stores=(), parts="entries"),
    ItemKind(
        LetterItem,
        urls=("url", "column_url"),
        stores=(
            Store(
                Letter,
                ("column_id", "url"),
                (*LETTER_VALUES, "last_seen_crawl_id"),
                lambda x, at: {
                    "column_id": at.column_ids[x.column_url],
                    "url": x.url,
                    **_pick(x, LETTER_VALUES),
                    **_seen(at),
                },
                column="column_url",
            ),
        ),
    ),
    ItemKind(
        PageItem,
        urls=("url",),
        stores=(
            Store(
                Page,
                ("crawl_id", "url"),
                ("kind", "status", "latency_ms", "error", "encoding", "fetched_at"),
                lambda p, at: {**per_crawl(p, at), "fetched_at": at.now},
            ),
        ),
    ),
    ItemKind(
        LinkItem,
        urls=("target_url", "source_url"),
        stores=(Store(Link, ("crawl_id", "source_url", "target_url"), (), per_crawl),),
    ),
    ItemKind(PageLinksItem, urls=("source_url",), stores=(), parts="links"),
    ItemKind(
        LinkCheckItem,
        urls=("url",),
        stores=(
            Store(
                LinkCheck,
                ("crawl_id", "url"),
                ("outcome", "status", "error", "method", "checked_by", "checked_at"),
                per_crawl,
            ),
        ),
    ),
    ItemKind(
        ServicePageItem,
        urls=("url", "column_url"),
        stores=(
            Store(
                ServicePage,
                ("crawl_id", "url"),
                ("column_url", "kind", "title", "elements", "missing", "links"),
                per_crawl,
            ),
        ),
    ),
    ItemKind(
        ArticleCheckItem,
        urls=("url", "column_url"),
        stores=(
            Store(
                ArticleCheck,
                ("crawl_id", "url"),
                ("column_url", "http_status", "missing_metas", "error"),
                per_crawl,
            ),
        ),
    ),
)

KIND_OF: dict[type[Any], ItemKind] = {kind.item: kind for kind in KINDS}


def flattened(items: Iterable[CrawlItem]) -> Iterator[CrawlItem]:
    """The items with each carrier replaced by the parts it carries: what is stored and spooled."""
    for item in items:
        kind = KIND_OF.get(type(item))
        if kind is not None and kind.parts is not None:
            yield from getattr(item, kind.parts)
        else:
            yield item
