"""govcheck/db/spool.py: a crawl spooled while the database was away replays into it idempotently."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from govcheck.db.models import Crawl, Entry, Letter, Link
from govcheck.db.session import open_database, session_factory
from govcheck.db.spool import Spool, replay
from govcheck.items import (
    ColumnItem,
    EntryItem,
    LetterItem,
    LinkItem,
    PageEntriesItem,
    PageLinksItem,
    SiteItem,
)
from tests.helpers import sjj_context, sjj_crawl_items, table_counts


def test_a_spool_replays_into_the_database_idempotently(database_url: str, tmp_path: Path) -> None:
    spool = Spool(tmp_path, sjj_context(), "a" * 32)
    spool.add(sjj_crawl_items())  # type: ignore[arg-type]
    spool.close("finished", {"item_scraped_count": 7})
    engine = open_database(database_url)
    assert replay(engine, spool.path) == 7
    assert replay(engine, spool.path) == 7
    assert table_counts(database_url)["entries"] == 2
    with session_factory(engine)() as session:
        assert session.scalars(select(Crawl.status)).one() == "finished"
        assert session.scalars(select(Entry.published).where(Entry.published.is_not(None))).one() == dt.date(
            2024, 1, 10
        )
    engine.dispose()


def test_a_spooled_letter_replays_with_its_dates(database_url: str, tmp_path: Path) -> None:
    column = "http://sjj.suizhou.gov.cn/hdjl/jzxx/"
    letter = LetterItem(
        column_url=column,
        url=f"{column}1.html",
        title="关于审计公开的咨询",
        posted_text="2024-01-02",
        posted=dt.date(2024, 1, 2),
        status="replied",
        status_text="已回复",
        replied_text="2024-01-09",
        replied=dt.date(2024, 1, 9),
        reply_present=True,
        evidence="关于审计公开的咨询 2024-01-02 已回复",
    )
    spool = Spool(tmp_path, sjj_context(), "b" * 32)
    spool.add(
        [
            SiteItem(homepage_url="http://sjj.suizhou.gov.cn/", status="ok"),
            ColumnItem(url=column, name="局长信箱", status="ok"),
            letter,
        ]
    )
    spool.close("finished", {})
    engine = open_database(database_url)
    assert replay(engine, spool.path) == 3
    assert replay(engine, spool.path) == 3
    with session_factory(engine)() as session:
        stored = session.scalars(select(Letter)).one()
        assert (stored.posted, stored.replied, stored.status, stored.reply_present) == (
            dt.date(2024, 1, 2),
            dt.date(2024, 1, 9),
            "replied",
            True,
        )
    engine.dispose()


def test_a_spooled_pages_links_replay_as_its_link_rows(database_url: str, tmp_path: Path) -> None:
    """A page's links are spooled one line per link, as the writer stores them: a replay needs no
    knowledge of the item that carried them."""
    home = "http://sjj.suizhou.gov.cn/"
    links = [LinkItem(home, f"{home}{n}.html", "a", True, False) for n in range(3)]
    spool = Spool(tmp_path, sjj_context(), "c" * 32)
    spool.add([SiteItem(homepage_url=home, status="ok"), PageLinksItem(source_url=home, links=links)])
    spool.close("finished", {})
    engine = open_database(database_url)
    assert replay(engine, spool.path) == 4
    with session_factory(engine)() as session:
        assert sorted(session.scalars(select(Link.target_url))) == [link.target_url for link in links]
    engine.dispose()


def test_a_spooled_list_pages_entries_replay_as_its_entry_rows(database_url: str, tmp_path: Path) -> None:
    """A list page's entries are spooled one line per entry, dates included, as the writer stores them."""
    home = "http://sjj.suizhou.gov.cn/"
    column = f"{home}tzgg/"
    entries = [
        EntryItem(column, f"{column}{n}.html", f"通知{n}", f"2024-01-0{n}", dt.date(2024, 1, n), "row")
        for n in (1, 2)
    ]
    entries.append(EntryItem(column, f"{column}3.html", None, None, date_error="no_date"))
    spool = Spool(tmp_path, sjj_context(), "d" * 32)
    spool.add(
        [
            SiteItem(homepage_url=home, status="ok"),
            ColumnItem(url=column, name="通知公告", status="ok"),
            PageEntriesItem(column_url=column, entries=entries),
        ]
    )
    spool.close("finished", {})
    lines = spool.path.read_text(encoding="utf-8").splitlines()
    assert sum('"type": "EntryItem"' in line for line in lines) == 3 and "PageEntriesItem" not in "".join(
        lines
    )
    engine = open_database(database_url)
    assert replay(engine, spool.path) == 5
    with session_factory(engine)() as session:
        assert sorted(session.execute(select(Entry.url, Entry.published, Entry.date_error)).all()) == [
            (e.url, e.published, e.date_error) for e in entries
        ]
    engine.dispose()
