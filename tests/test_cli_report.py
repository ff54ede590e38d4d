"""`govcheck report`/`evaluate` never judge from the inspector's side by accident: no silent
evaluation (the as-of it uses is said, what it evaluates on the fly is not stored unless asked), old
crawls make a site unknown (no_recent_crawl), and an empty database, an unknown round or site, or a
missing SQLite file is a clear error with its own exit code, never a new file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from govcheck.cli import EXIT_DATABASE, EXIT_EMPTY, EXIT_USAGE, main
from govcheck.db.models import Evaluation
from govcheck.db.session import open_database, session_factory
from tests.helpers import Q1, SiteRound, write_crawl

Run = Callable[..., tuple[int, str, str]]
SITE = SiteRound("sjj.suizhou.gov.cn", "4213000045", "随州市审计局", {"图片新闻": Q1 - dt.timedelta(days=2)})


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[[str], Run]:
    def with_database(url: str) -> Run:
        def call(*argv: str) -> tuple[int, str, str]:
            capsys.readouterr()
            code = main(["--set", f"GOVCHECK_DATABASE_URL={url}", *argv])
            captured = capsys.readouterr()
            return code, captured.out, captured.err

        return call

    return with_database


def stored_evaluations(url: str) -> int:
    engine = open_database(url)
    with session_factory(engine)() as session:
        count = session.scalar(select(func.count()).select_from(Evaluation)) or 0
    engine.dispose()
    return count


def crawled(url: str) -> None:
    """One site crawled in round 2024-Q1 as of 2024-02-28, not evaluated."""
    engine = open_database(url)
    write_crawl(engine, SITE, "2024-Q1", Q1)
    engine.dispose()


def test_reading_commands_never_create_a_sqlite_file(tmp_path: Path, run: Callable[[str], Run]) -> None:
    path = tmp_path / "nowhere" / "govcheck.db"
    call = run(f"sqlite:///{path}")
    for argv in (
        ("report", "--as-of", "2024-02-28"),
        ("evaluate", "--as-of", "2024-02-28"),
        ("sites", "list"),
        ("recheck", "--previous", "a", "--current", "b"),
        ("db", "downgrade", "base"),
    ):
        code, out, err = call(*argv)
        assert code == EXIT_DATABASE, (argv, err)
        assert f"no database at {path}" in err and "govcheck crawl" in err, argv
        assert out == ""
    assert not path.parent.exists()
    assert call("db", "upgrade")[0] == 0 and path.is_file()  # db upgrade may create it


def test_report_on_an_empty_database_says_so(database_url: str, run: Callable[[str], Run]) -> None:
    call = run(database_url)
    assert call("db", "upgrade")[0] == 0
    code, out, err = call("report", "--as-of", "2024-02-28")
    assert (code, out) == (EXIT_EMPTY, "")
    assert "nothing to report: the database holds no crawl yet" in err
    code, _, err = call("evaluate", "--as-of", "2024-02-28")
    assert code == EXIT_EMPTY and "nothing to evaluate" in err


def test_unknown_round_or_site_is_named(database_url: str, run: Callable[[str], Run]) -> None:
    crawled(database_url)
    call = run(database_url)
    code, out, err = call("report", "--round", "2024-Q9")
    assert (code, out) == (EXIT_USAGE, "")
    assert "unknown round '2024-Q9' (rounds crawled: 2024-Q1)" in err
    code, out, err = call("report", "--as-of", "2024-02-28", "--site", "sjjj.suizhou.gov.cn")
    assert (code, out) == (EXIT_USAGE, "")
    assert "unknown site sjjj.suizhou.gov.cn" in err
    assert call("evaluate", "--as-of", "2024-02-28", "--round", "2024-Q9")[0] == EXIT_USAGE
    assert stored_evaluations(database_url) == 0


def test_report_without_as_of_uses_the_newest_rounds_and_stores_nothing(
    database_url: str, run: Callable[[str], Run]
) -> None:
    crawled(database_url)
    call = run(database_url)
    code, out, err = call("report", "--format", "json")
    assert code == 0, err
    assert (
        "no --as-of given: reporting as of 2024-02-28, the as-of of round 2024-Q1 (the newest crawled)" in err
    )
    assert "evaluating for this report only, nothing stored" in err
    data = json.loads(out)
    assert data["as_of"] == "2024-02-28" and [s["verdict"] for s in data["sites"]] == ["pass"]
    assert stored_evaluations(database_url) == 0
    code, out, err = call("report", "--round", "2024-Q1", "--store")
    assert code == 0 and "evaluating and storing it" in err
    assert "the as-of of round 2024-Q1 (named)" in err
    assert json.loads(out)["round"] == "2024-Q1"
    assert stored_evaluations(database_url) == 1


def test_old_crawls_make_a_site_unknown_not_stale(database_url: str, run: Callable[[str], Run]) -> None:
    """The issue's case: 2024 crawls reported as of today would fail every site for stale columns."""
    crawled(database_url)
    call = run(database_url)
    today = "2026-12-03"
    code, out, err = call("report", "--as-of", today)
    assert code == 0, err
    (site,) = json.loads(out)["sites"]
    assert (site["verdict"], site["reason"], site["findings"]) == ("unknown", "no_recent_crawl", [])
    assert site["crawl_as_of"] == "2024-02-28"  # the evidence: how old the newest crawl is
    assert stored_evaluations(database_url) == 0
    # Within GOVCHECK_MAX_CRAWL_AGE_DAYS of the crawl the site is judged; beyond, unknown.
    week_later = (Q1 + dt.timedelta(days=7)).isoformat()
    assert json.loads(call("report", "--as-of", week_later)[1])["sites"][0]["reason"] is None
    code, out, _ = call("--set", "GOVCHECK_MAX_CRAWL_AGE_DAYS=6", "report", "--as-of", week_later)
    assert json.loads(out)["sites"][0]["reason"] == "no_recent_crawl"
    assert call("evaluate", "--as-of", today)[0] == 0  # evaluate stores, by its nature
    engine = open_database(database_url)
    with session_factory(engine)() as session:
        stored = session.scalars(select(Evaluation)).one()
        assert (stored.verdict, stored.reason, stored.score) == ("unknown", "no_recent_crawl", None)
    engine.dispose()
