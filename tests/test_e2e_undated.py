"""A column whose every row is undated, end to end on the farm (tests/farm/sites_undated.py): when the
request budget cuts the detail pages that would date it, the column is stored ``unparseable`` (reason
``budget``) and judged unknown, never stale (the inspector's own limit, not the site's fault), and the
report's coverage note says so; with a budget large enough its detail pages date it and it is judged
as usual."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from govcheck.monitors import crawl_coverage
from tests.farm.process import FarmProcess
from tests.farm.sites_undated import HOST, LARGE_BUDGET, NEWEST, ROWS, SMALL_BUDGET, UNDATED_COLUMN
from tests.farm.truth import AS_OF
from tests.helpers import by_host, environment, report, scrapy_crawl


def crawl(farm: FarmProcess, workdir: Path, budget: int) -> tuple[sqlite3.Connection, dict[str, Any]]:
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "govcheck.db"
    env = environment(farm, f"sqlite:///{database}")
    settings = ("ROBOTSTXT_OBEY=false", f"GOVCHECK_SITE_PAGE_BUDGET={budget}")
    result = scrapy_crawl(HOST, env, workdir, f"as_of={AS_OF.isoformat()}", settings=settings)
    assert result.returncode == 0, result.stderr[-3000:]
    connection = sqlite3.connect(database)
    connection.row_factory = sqlite3.Row
    return connection, by_host(report(env, workdir))[HOST]


@pytest.fixture(scope="module")
def runs(
    farm: FarmProcess, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[sqlite3.Connection, dict]]:
    root = tmp_path_factory.mktemp("undated")
    return {
        name: crawl(farm, root / name, budget)
        for name, budget in (("small", SMALL_BUDGET), ("large", LARGE_BUDGET))
    }


def check(db: sqlite3.Connection) -> tuple[str, str | None]:
    (row,) = db.execute(
        "SELECT k.status, k.reason FROM columns c JOIN column_checks k ON k.column_id = c.id WHERE c.url = ?",
        (UNDATED_COLUMN,),
    )
    return row["status"], row["reason"]


def column_findings(db: sqlite3.Connection) -> list[str]:
    return [
        r["code"] for r in db.execute("SELECT code FROM findings WHERE column_url = ?", (UNDATED_COLUMN,))
    ]


def test_a_budget_that_cuts_the_detail_pages_leaves_the_column_unknown(
    runs: dict[str, tuple[sqlite3.Connection, dict]],
) -> None:
    db, site = runs["small"]
    assert check(db) == ("unparseable", "budget")
    assert column_findings(db) == []  # neither stale nor undated: unknown
    assert not [r for r in db.execute("SELECT url FROM pages WHERE kind = 'article'")]
    (health,) = db.execute("SELECT health FROM crawls").fetchone()
    limits = json.loads(health)["limits"]
    assert limits["undated_columns"] == 1 and limits["pages_skipped_by_phase"]["detail"] == ROWS
    assert site["coverage"] == crawl_coverage({"limits": limits})
    assert "1个栏目的发布日期所需页面被跳过，更新情况无法判定" in site["coverage"]["note"]


def test_a_budget_large_enough_dates_the_column_and_judges_it(
    runs: dict[str, tuple[sqlite3.Connection, dict]],
) -> None:
    db, site = runs["large"]
    assert check(db) == ("ok", None)
    assert column_findings(db) == []  # fresh: its detail pages say so
    dated = db.execute(
        "SELECT e.published, e.date_source FROM entries e JOIN columns c ON c.id = e.column_id WHERE c.url = ?",
        (UNDATED_COLUMN,),
    ).fetchall()
    assert len(dated) == ROWS and {tuple(r) for r in dated} == {(NEWEST.isoformat(), "detail")}
    assert site["coverage"] is None
