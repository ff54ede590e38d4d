"""govcheck/db/spool.py: a crawl spooled while the database was away replays into it idempotently."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from govcheck.db.models import Crawl, Entry
from govcheck.db.session import open_database, session_factory
from govcheck.db.spool import Spool, replay
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
