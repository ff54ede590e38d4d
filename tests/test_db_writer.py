"""Storage on PostgreSQL and SQLite: the migration chain, idempotent batched writes, spool replay."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, inspect, select

from govcheck.context import CrawlContext
from govcheck.db.models import Base, Column, ColumnCheck, Crawl, Entry, Link, LinkCheck, Page, Site
from govcheck.db.session import DatabaseError, downgrade, open_database, session_factory, upgrade
from govcheck.db.spool import Spool, replay
from govcheck.db.writer import CrawlWriter
from govcheck.items import ColumnItem, EntryItem, LinkCheckItem, LinkItem, PageItem, SiteItem

AS_OF = dt.date(2024, 2, 28)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def context(round_name: str = "2024-02-28") -> CrawlContext:
    return CrawlContext(
        host="sjj.suizhou.gov.cn",
        homepage="http://sjj.suizhou.gov.cn/",
        round=round_name,
        as_of=AS_OF,
        reference_at=dt.datetime(2024, 2, 28, 23, 59, 59, tzinfo=SHANGHAI),
    )


def crawl_items(title_suffix: str = "") -> list[object]:
    column = "http://sjj.suizhou.gov.cn/xwzx/tpxw/"
    return [
        SiteItem(
            homepage_url="http://sjj.suizhou.gov.cn/",
            status="ok",
            name="随州市审计局",
            site_code="4213000045",
        ),
        PageItem(url="http://sjj.suizhou.gov.cn/", kind="homepage", status=200, latency_ms=12.0),
        ColumnItem(url=column, name="图片新闻", status="ok", entry_count=2, position=1),
        EntryItem(
            column_url=column,
            url=f"{column}202401/t20240110_1.html",
            title="a" + title_suffix,
            date_text="2024-01-10",
            published=dt.date(2024, 1, 10),
        ),
        EntryItem(column_url=column, url=f"{column}202401/t20240105_2.html", title="b", date_text=None),
        LinkItem(
            source_url="http://sjj.suizhou.gov.cn/",
            target_url=column,
            tag="a",
            on_homepage=True,
            external=False,
        ),
        LinkCheckItem(url=column, outcome="ok", status=200, method="GET"),
    ]


def counts(url: str) -> dict[str, int]:
    engine = open_database(url)
    with session_factory(engine)() as session:
        result = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Site, Crawl, Column, ColumnCheck, Entry, Page, Link, LinkCheck)
        }
    engine.dispose()
    return result


def test_migrations_create_the_models_and_go_down_again(database_url: str) -> None:
    engine = open_database(database_url, migrate=False)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_writing_a_crawl_twice_duplicates_nothing_and_moves_last_seen(database_url: str) -> None:
    engine = open_database(database_url)
    first = CrawlWriter(engine, context())
    first.begin()
    first.write(crawl_items())  # type: ignore[arg-type]
    first.write(crawl_items())  # type: ignore[arg-type]  # a repeated batch is harmless
    first.finish("finished", {"item_scraped_count": 7})
    once = counts(database_url)
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

    second = CrawlWriter(engine, context("2024-03-15"))
    second.begin()
    second.write(crawl_items(title_suffix=" (updated)"))  # type: ignore[arg-type]
    second.finish("finished", {})
    twice = counts(database_url)
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


def test_an_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(
        DatabaseError, match=r"cannot open database postgresql\+psycopg2://govcheck:\*\*\*@127\.0\.0\.1:9/x"
    ):
        open_database("postgresql+psycopg2://govcheck:secret@127.0.0.1:9/x")


def test_a_spool_replays_into_the_database_idempotently(database_url: str, tmp_path: Path) -> None:
    spool = Spool(tmp_path, context(), "a" * 32)
    spool.add(crawl_items())  # type: ignore[arg-type]
    spool.close("finished", {"item_scraped_count": 7})
    engine = open_database(database_url)
    assert replay(engine, spool.path) == 7
    assert replay(engine, spool.path) == 7
    assert counts(database_url)["entries"] == 2
    with session_factory(engine)() as session:
        assert session.scalars(select(Crawl.status)).one() == "finished"
        assert session.scalars(select(Entry.published).where(Entry.published.is_not(None))).one() == dt.date(
            2024, 1, 10
        )
    engine.dispose()


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = open_database(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    engine.dispose()
    assert diff == []
