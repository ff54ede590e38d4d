"""Crawl attempts on PostgreSQL and SQLite: a re-crawl of a (round, site) is a new attempt; the
evaluation uses the newest finished one; an attempt that never finished changes nothing and is shown
as interrupted; a spool completes the attempt it was cut from; the migration keeps old rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from govcheck import config, report
from govcheck.context import CrawlContext
from govcheck.db.models import ColumnCheck, Crawl, Entry, LinkCheck, Page, Site
from govcheck.db.session import downgrade, open_database, session_factory, upgrade
from govcheck.db.spool import Spool, replay
from govcheck.db.writer import CrawlWriter
from govcheck.evaluator import evaluate
from govcheck.items import ColumnItem, EntryItem, LinkCheckItem, LinkItem, PageItem
from tests.helpers import Q1, SHANGHAI, SiteRound, write_crawl

ROUND = "2024-Q1"
HOST = "sjj.suizhou.gov.cn"
HOME = f"http://{HOST}/"
COLUMN = f"{HOME}tpxw/"
GOOD = SiteRound(HOST, "4213000045", "随州市审计局", {"图片新闻": Q1 - dt.timedelta(days=2)})


def context() -> CrawlContext:
    return CrawlContext(HOST, HOME, ROUND, Q1, dt.datetime.combine(Q1, dt.time(23, 59, 59), SHANGHAI))


def partial_items() -> list[object]:
    """What a re-crawl killed early had stored: the column seen blank, a new entry, a broken link."""
    return [
        PageItem(url=HOME, kind="homepage", status=200),
        ColumnItem(url=COLUMN, name="图片新闻", status="blank", position=1, http_status=200),
        EntryItem(COLUMN, f"{COLUMN}new.html", "新", "2024-02-27", dt.date(2024, 2, 27)),
        LinkItem(HOME, "http://gone.example.net/", "a", True, True),
        LinkCheckItem("http://gone.example.net/", "broken", 404, None, "GET"),
    ]


def rows(engine: Engine, crawl_id: int) -> tuple[int, int, int, tuple[str, ...]]:
    """(pages, link checks, column checks, column check statuses) of one attempt."""
    with session_factory(engine)() as session:
        pages = session.scalar(select(func.count()).where(Page.crawl_id == crawl_id)) or 0
        checks = session.scalar(select(func.count()).where(LinkCheck.crawl_id == crawl_id)) or 0
        statuses = tuple(session.scalars(select(ColumnCheck.status).where(ColumnCheck.crawl_id == crawl_id)))
        return pages, checks, len(statuses), statuses


def attempts(engine: Engine) -> list[tuple[int, str]]:
    with session_factory(engine)() as session:
        return [
            tuple(r) for r in session.execute(select(Crawl.attempt, Crawl.status).order_by(Crawl.attempt))
        ]  # type: ignore[misc]


def site_report(engine: Engine) -> dict[str, object]:
    (site,) = report.build(engine, Q1, round_name=ROUND)["sites"]
    return site


def test_a_recrawl_is_a_new_attempt_and_counts_only_once_finished(database_url: str) -> None:
    engine = open_database(database_url)
    write_crawl(engine, GOOD, ROUND, Q1)
    evaluate(engine, Q1, settings=config.defaults(), round_name=ROUND)
    before = site_report(engine)
    assert (before["verdict"], before["crawl_attempt"], before["later_attempt"]) == ("pass", 1, None)
    with session_factory(engine)() as session:
        first_id = session.scalars(select(Crawl.id)).one()
    first_rows = rows(engine, first_id)

    again = CrawlWriter(engine, context())
    again.begin()
    again.write(partial_items())  # type: ignore[arg-type]
    assert attempts(engine) == [(1, "finished"), (2, "running")]
    assert again.crawl_id != first_id and rows(engine, first_id) == first_rows
    assert rows(engine, again.crawl_id)[3] == ("blank",)  # type: ignore[arg-type]

    # While attempt 2 runs, evaluating again gives what attempt 1 gave.
    evaluate(engine, Q1, settings=config.defaults(), round_name=ROUND)
    during = site_report(engine)
    assert {k: during[k] for k in ("verdict", "summary", "findings", "crawl_attempt")} == {
        k: before[k] for k in ("verdict", "summary", "findings", "crawl_attempt")
    }
    assert during["later_attempt"]["attempt"] == 2 and during["later_attempt"]["status"] == "running"  # type: ignore[index]

    # Once finished, attempt 2 is the one that counts: its blank column and broken link.
    again.finish("finished", {})
    evaluate(engine, Q1, settings=config.defaults(), round_name=ROUND)
    after = site_report(engine)
    assert after["crawl_attempt"] == 2 and after["later_attempt"] is None
    assert {f["code"] for f in after["findings"]} >= {"column_blank", "link_broken"}  # type: ignore[union-attr]
    engine.dispose()


def test_a_new_attempt_supersedes_a_dead_or_stalled_one(database_url: str) -> None:
    engine = open_database(database_url)
    write_crawl(engine, GOOD, ROUND, Q1)
    killed = CrawlWriter(engine, context())
    killed.begin()  # … and the process is killed: nothing closes the attempt
    killed.write(partial_items())  # type: ignore[arg-type]
    redone = CrawlWriter(engine, context())
    redone.begin()
    assert attempts(engine) == [(1, "finished"), (2, "interrupted"), (3, "running")]
    redone.write(partial_items())  # type: ignore[arg-type]
    # A worker that only stalled (its fleet lease lost) ends after all: the later attempt replaces it.
    killed.finish("finished", {})
    assert attempts(engine) == [(1, "finished"), (2, "interrupted"), (3, "running")]
    redone.finish("finished", {})
    with engine.connect() as connection:
        current = connection.execute(
            text("SELECT attempt, status, pages FROM v_crawl_attempts WHERE is_current = 1")
        ).all()
        broken = connection.execute(text("SELECT COUNT(*) FROM v_broken_links")).scalar_one()
    assert [tuple(r) for r in current] == [(3, "finished", 1)]
    assert broken == 1  # the interrupted attempt's broken link is not counted again
    engine.dispose()


def test_a_spool_completes_the_attempt_it_was_cut_from(database_url: str, tmp_path: Path) -> None:
    engine = open_database(database_url)
    writer = CrawlWriter(engine, context())
    writer.begin()
    items = partial_items()
    writer.write(items[:2])  # type: ignore[arg-type]
    spool = Spool(tmp_path, context(), writer.attempt_key)  # the database failed here
    spool.add(items[2:])  # type: ignore[arg-type]
    spool.close("finished", {})
    assert replay(engine, spool.path) == 3
    assert replay(engine, spool.path) == 3  # twice: still one attempt
    assert attempts(engine) == [(1, "finished")]
    assert rows(engine, writer.crawl_id)[:3] == (1, 1, 1)  # type: ignore[arg-type]
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Entry)) == 1
    engine.dispose()


def test_the_migration_makes_old_crawls_attempt_one_and_goes_back(database_url: str) -> None:
    engine = open_database(database_url, migrate=False)
    upgrade(engine, "0004")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO sites (id, host, homepage, is_portal, in_registry, created_at, updated_at) "
                 "VALUES (1, :h, :u, false, true, :t, :t)"),
            {"h": HOST, "u": HOME, "t": dt.datetime(2024, 2, 28, tzinfo=dt.UTC)},
        )  # fmt: skip
        connection.execute(
            text("INSERT INTO crawls (id, round, site_id, status, as_of, reference_at, started_at) "
                 "VALUES (7, :r, 1, 'finished', :d, :t, :t)"),
            {"r": ROUND, "d": Q1, "t": dt.datetime(2024, 2, 28, tzinfo=dt.UTC)},
        )  # fmt: skip
    upgrade(engine)
    assert attempts(engine) == [(1, "finished")]
    with session_factory(engine)() as session:
        assert session.scalars(select(Crawl.attempt_key)).one() == "legacy-7"
    CrawlWriter(engine, context()).begin()  # a second attempt, then back to one row per (round, site)
    downgrade(engine, "0004")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, status FROM crawls")).all() == [(7, "finished")]
    upgrade(engine)
    engine.dispose()


def test_evaluation_on_close_of_another_round_keeps_its_own_attempts(database_url: str) -> None:
    """Attempts are numbered per (round, site): another round starts again at 1."""
    engine = open_database(database_url)
    write_crawl(engine, GOOD, ROUND, Q1)
    write_crawl(engine, dataclasses.replace(GOOD), "2024-Q2", Q1)
    with session_factory(engine)() as session:
        numbered = session.execute(select(Crawl.round, Crawl.attempt).order_by(Crawl.round)).all()
        assert [tuple(r) for r in numbered] == [(ROUND, 1), ("2024-Q2", 1)]
        assert session.scalar(select(func.count()).select_from(Site)) == 1
    engine.dispose()


def test_workers_opening_one_site_at_once_get_distinct_attempts(database_url: str) -> None:
    """Fleet nodes may open the same site together (a lease lost in a stall): the attempt numbers
    are taken one after the other, never twice, and the first one is superseded."""
    import threading

    engine = open_database(database_url)
    writers = [CrawlWriter(engine, context()) for _ in range(4)]
    barrier = threading.Barrier(len(writers))
    errors: list[BaseException] = []

    def begin(writer: CrawlWriter) -> None:
        barrier.wait()
        try:
            writer.begin()
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=begin, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(number for number, _ in attempts(engine)) == [1, 2, 3, 4]
    assert [status for _, status in attempts(engine)] == ["interrupted"] * 3 + ["running"]
    engine.dispose()
