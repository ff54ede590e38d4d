"""govcheck/db/writer.py on PostgreSQL and SQLite: idempotent batched writes of a crawl."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from govcheck.db.models import Column, Crawl, Entry, Link, LinkCheck, Page, Site
from govcheck.db.session import open_database, session_factory
from govcheck.db.writer import CrawlWriter
from govcheck.items import (
    ColumnItem,
    EntryItem,
    LinkCheckItem,
    LinkItem,
    PageEntriesItem,
    PageItem,
    PageLinksItem,
    SiteItem,
)
from tests.helpers import sjj_context, sjj_crawl_items, table_counts


def test_writing_a_crawl_twice_duplicates_nothing_and_moves_last_seen(database_url: str) -> None:
    engine = open_database(database_url)
    first = CrawlWriter(engine, sjj_context())
    first.begin()
    first.write(sjj_crawl_items())  # type: ignore[arg-type]
    first.write(sjj_crawl_items())  # type: ignore[arg-type]  # a repeated batch is harmless
    first.finish("finished", {"item_scraped_count": 7})
    once = table_counts(database_url)
    assert once == {
        "sites": 1,
        "crawls": 1,
        "columns": 1,
        "column_checks": 1,
        "entries": 2,
        "pages": 1,
        "links": 1,
        "link_checks": 1,
    }

    second = CrawlWriter(engine, sjj_context("2024-03-15"))
    second.begin()
    second.write(sjj_crawl_items(title_suffix=" (updated)"))  # type: ignore[arg-type]
    second.finish("finished", {})
    twice = table_counts(database_url)
    assert twice["entries"] == 2 and twice["columns"] == 1 and twice["sites"] == 1
    assert twice["crawls"] == 2 and twice["pages"] == 2  # pages and links are per crawl
    with session_factory(engine)() as session:
        entry = session.scalars(select(Entry).where(Entry.title.like("a%"))).one()
        assert entry.first_seen_crawl_id == first.crawl_id
        assert entry.last_seen_crawl_id == second.crawl_id
        assert entry.title == "a (updated)"
        site = session.scalars(select(Site)).one()
        assert (site.name, site.site_code, site.in_registry) == ("随州市审计局", "4213000045", False)
        crawl = session.get(Crawl, first.crawl_id)
        assert crawl is not None and crawl.status == "finished"
        assert (
            crawl.health is not None and crawl.health["entries"] == 2 and crawl.health["dated_share"] == 0.5
        )
    engine.dispose()


def _large_crawl(suffix: str = "") -> list[object]:
    """A batch big enough for PostgreSQL's COPY path, with every awkward value a page may hold:
    tabs, newlines, backslashes, a literal \\N, Chinese, empty strings, None, JSON lists."""
    home = "http://sjj.suizhou.gov.cn/"
    columns = [f"{home}c{k}/" for k in range(25)]
    awkward = ("tab\there", "line\nbreak\r\n", "back\\slash \\N", "", "通知公告\u3000（二）", None)
    items: list[object] = [
        SiteItem(homepage_url=home, status="ok", name="随州市审计局", site_code="4213000045")
    ]
    for k, url in enumerate(columns):
        items.append(
            ColumnItem(
                url=url,
                name=f"栏目{k}\t{awkward[k % 6] or ''}",
                status="ok",
                position=k,
                breadcrumb=["首页", f"栏目{k}"] if k % 2 else [],
                source="nav" if k % 3 else None,
                is_homepage=k == 0,
                http_status=200,
                entry_count=3,
            )
        )
        for i in range(3):
            items.append(
                EntryItem(
                    column_url=url,
                    url=f"{url}t{i}.html",
                    title=f"{awkward[(k + i) % 6]}{suffix}" if (k + i) % 6 != 5 else None,
                    date_text="2024-01-10" if i else None,
                    published=dt.date(2024, 1, 10 + i) if i else None,
                    date_source="row" if i else None,
                )
            )
        items.append(
            PageItem(
                url=url,
                kind="column",
                status=200 if k % 4 else None,
                latency_ms=k / 7 or None,
                error=awkward[k % 6],
                encoding="utf-8",
            )
        )
        items.append(
            LinkItem(source_url=home, target_url=url, tag="a", on_homepage=True, external=bool(k % 2))
        )
        items.append(
            LinkCheckItem(
                url=url,
                outcome="broken" if k % 5 == 0 else "ok",
                status=404 if k % 5 == 0 else 200,
                error=awkward[(k + 1) % 6],
                method="HEAD",
            )
        )
    return items


def _stored(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with session_factory(engine)() as session:
        return {
            "columns": sorted(
                session.execute(
                    select(
                        Column.url,
                        Column.name,
                        Column.breadcrumb,
                        Column.source,
                        Column.position,
                        Column.is_homepage,
                        Column.breadcrumb.is_(None),
                    )
                ).all(),
                key=str,
            ),
            "entries": sorted(
                session.execute(
                    select(Entry.url, Entry.title, Entry.published, Entry.date_text, Entry.date_source)
                ).all(),
                key=str,
            ),
            "pages": sorted(
                session.execute(select(Page.url, Page.kind, Page.status, Page.latency_ms, Page.error)).all(),
                key=str,
            ),
            "links": sorted(
                session.execute(select(Link.target_url, Link.tag, Link.on_homepage, Link.external)).all(),
                key=str,
            ),
            "link_checks": sorted(
                session.execute(
                    select(
                        LinkCheck.url, LinkCheck.outcome, LinkCheck.status, LinkCheck.error, LinkCheck.method
                    )
                ).all(),
                key=str,
            ),
        }


def _expected(items: list[object]) -> dict[str, list[tuple[object, ...]]]:
    def of(kind: type[Any]) -> list[Any]:
        return [i for i in items if isinstance(i, kind)]

    return {
        "columns": sorted(
            (
                (c.url, c.name, c.breadcrumb or None, c.source, c.position, c.is_homepage, False)
                for c in of(ColumnItem)
            ),
            key=str,
        ),
        "entries": sorted(
            ((e.url, e.title, e.published, e.date_text, e.date_source) for e in of(EntryItem)), key=str
        ),
        "pages": sorted(((p.url, p.kind, p.status, p.latency_ms, p.error) for p in of(PageItem)), key=str),
        "links": sorted(((k.target_url, k.tag, k.on_homepage, k.external) for k in of(LinkItem)), key=str),
        "link_checks": sorted(
            ((c.url, c.outcome, c.status, c.error, c.method) for c in of(LinkCheckItem)), key=str
        ),
    }


def test_a_large_batch_stores_every_value_as_given_on_both_backends(database_url: str) -> None:
    """PostgreSQL writes large batches through COPY, SQLite through multi-row VALUES: the rows read back
    are the items' values on both (a JSON None is JSON null, not SQL NULL, as SQLAlchemy stores it)."""
    engine = open_database(database_url)
    writer = CrawlWriter(engine, sjj_context())
    writer.begin()
    items = _large_crawl()
    writer.write(items)  # type: ignore[arg-type]
    writer.write(items)  # type: ignore[arg-type]  # replayed: the same rows, no duplicates
    assert _stored(engine) == _expected(items)

    again = CrawlWriter(engine, sjj_context("2024-03-15"))  # a later crawl updates the shared rows
    again.begin()
    updated = _large_crawl(" (updated)")
    again.write(updated)  # type: ignore[arg-type]
    stored = _stored(engine)
    assert stored["entries"] == _expected(updated)["entries"]
    assert len(stored["pages"]) == 2 * len(_expected(items)["pages"])  # pages are per crawl
    with session_factory(engine)() as session:
        seen = session.execute(select(Entry.first_seen_crawl_id, Entry.last_seen_crawl_id).distinct()).all()
    assert seen == [(writer.crawl_id, again.crawl_id)]
    engine.dispose()


def _links_rows(engine: Engine) -> list[tuple[object, ...]]:
    with session_factory(engine)() as session:
        return sorted(
            session.execute(
                select(Link.source_url, Link.target_url, Link.tag, Link.on_homepage, Link.external)
            ).all(),
            key=str,
        )


def test_a_pages_links_in_one_item_store_the_rows_of_one_item_per_link(
    database_url: str, tmp_path_factory: Any
) -> None:
    """The spider yields a page's links as one PageLinksItem: the stored tables are those of the same
    links yielded one LinkItem each, on both backends, through COPY and VALUES alike."""
    items = _large_crawl()
    links = [i for i in items if isinstance(i, LinkItem)]
    carried = [i for i in items if not isinstance(i, LinkItem)]
    carried.insert(3, PageLinksItem(source_url=links[0].source_url, links=links[:1]))  # VALUES path
    carried.append(PageLinksItem(source_url=links[0].source_url, links=links[1:]))  # COPY on PostgreSQL
    stored = {}
    for label, batch in (("one per link", items), ("one per page", carried)):
        engine = open_database(database_url)
        writer = CrawlWriter(engine, sjj_context())
        writer.begin()
        writer.write(batch)  # type: ignore[arg-type]
        stored[label] = (_stored(engine), _links_rows(engine))
        with engine.begin() as connection:  # the next side starts from an empty database
            for table in ("links", "link_checks", "pages", "entries", "column_checks", "columns", "crawls"):
                connection.exec_driver_sql(f"DELETE FROM {table}")
        engine.dispose()
    assert stored["one per page"] == stored["one per link"]
    assert len(stored["one per page"][1]) == len(links)


def _entries_rows(engine: Engine) -> list[tuple[object, ...]]:
    """Every stored value of the entries, their column by its URL."""
    with session_factory(engine)() as session:
        return sorted(
            session.execute(
                select(
                    Column.url,
                    Entry.url,
                    Entry.title,
                    Entry.published,
                    Entry.date_text,
                    Entry.date_source,
                    Entry.date_error,
                    Entry.first_seen_crawl_id.is_(None),
                    Entry.last_seen_at.is_(None),
                ).join(Column, Column.id == Entry.column_id)
            ).all(),
            key=str,
        )


def _carried(items: list[object]) -> list[object]:
    """The same items with each column's entries in one PageEntriesItem, where the first stood."""
    out: list[object] = []
    pages: dict[str, PageEntriesItem] = {}
    for item in items:
        if isinstance(item, EntryItem):
            if item.column_url not in pages:
                pages[item.column_url] = PageEntriesItem(column_url=item.column_url)
                out.append(pages[item.column_url])
            pages[item.column_url].entries.append(item)
        else:
            out.append(item)
    return out


def test_a_list_pages_entries_in_one_item_store_the_rows_of_one_item_per_entry(database_url: str) -> None:
    """The spider yields a list page's entries as one PageEntriesItem: the stored tables are those of
    the same entries yielded one EntryItem each, on both backends, written in two batches (a few
    entries: one VALUES statement; the rest: COPY on PostgreSQL), and again by a second crawl."""
    items = _large_crawl()
    cut = next(n for n, i in enumerate(items) if isinstance(i, ColumnItem) and i.position == 2)
    stored = {}
    for label, batches in (
        ("one per entry", (items[:cut], items[cut:])),
        ("one per page", (_carried(items[:cut]), _carried(items[cut:]))),
    ):
        engine = open_database(database_url)
        for as_of in ("2024-02-28", "2024-03-15"):
            writer = CrawlWriter(engine, sjj_context(as_of))
            writer.begin()
            for batch in batches:
                writer.write(batch)  # type: ignore[arg-type]
            writer.finish("finished", {})
        stored[label] = (_stored(engine), _entries_rows(engine))
        with session_factory(engine)() as session:
            crawls = session.scalars(select(Crawl).order_by(Crawl.id)).all()
            stored[label] += (
                [c.health["entries"] for c in crawls if c.health],
                session.execute(
                    select(
                        Entry.first_seen_crawl_id == crawls[0].id, Entry.last_seen_crawl_id == crawls[1].id
                    ).distinct()
                ).all(),
            )
        with engine.begin() as connection:  # the next side starts from an empty database
            for table in ("links", "link_checks", "pages", "entries", "column_checks", "columns", "crawls"):
                connection.exec_driver_sql(f"DELETE FROM {table}")
        engine.dispose()
    assert stored["one per page"] == stored["one per entry"]
    entries = [i for i in items if isinstance(i, EntryItem)]
    assert len(stored["one per page"][1]) == len(entries) and stored["one per page"][2] == [len(entries)] * 2
    assert stored["one per page"][3] == [(True, True)]
