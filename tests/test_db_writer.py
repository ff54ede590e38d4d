"""govcheck/db/writer.py on PostgreSQL and SQLite: idempotent batched writes of a crawl."""

from __future__ import annotations

from sqlalchemy import select

from govcheck.db.models import Crawl, Entry, Site
from govcheck.db.session import open_database, session_factory
from govcheck.db.writer import CrawlWriter
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
