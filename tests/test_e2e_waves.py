"""Page work in waves ordered by value (govcheck.spiders.waves), end to end on the farm: a site whose
page work alone is more than its request budget (tests/farm/sites_waves.py), crawled three times with
everything in parallel and its answers randomly delayed, stores the same rows and findings each time;
the budget cuts the least valuable pages (here: the last sub-columns in the column order), a column
it left out is stored ``unparseable`` (reason ``budget``) and judged unknown, never stale or blank, and
the report says what was skipped."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from govcheck.monitors import crawl_coverage
from tests.farm.process import FarmProcess
from tests.farm.sites_waves import BUDGET, HOST, sub_columns
from tests.farm.truth import AS_OF
from tests.helpers import by_host, environment, report, scrapy_crawl

UNORDERED = (
    "CONCURRENT_REQUESTS=64",
    "CONCURRENT_REQUESTS_PER_DOMAIN=64",
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=false",
    "ROBOTSTXT_OBEY=false",
)
RUNS = 3
# What a run stored, read back for comparison (ids and times left out).
ROWS = {
    "columns": "SELECT c.url, c.name, c.depth, c.position, k.status, k.reason, k.entry_count "
    "FROM columns c JOIN column_checks k ON k.column_id = c.id",
    "entries": "SELECT e.url, c.url, e.published, e.date_source FROM entries e JOIN columns c ON c.id = e.column_id",
    "pages": "SELECT url, kind, status FROM pages",
    "link_checks": "SELECT url, method, outcome, status, error FROM link_checks",
    "findings": "SELECT code, veto, column_url, url, message FROM findings",
}


def crawl(farm: FarmProcess, workdir: Path) -> tuple[sqlite3.Connection, dict[str, Any]]:
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "govcheck.db"
    env = environment(farm, f"sqlite:///{database}")
    settings = (*UNORDERED, f"GOVCHECK_SITE_PAGE_BUDGET={BUDGET}")
    result = scrapy_crawl(HOST, env, workdir, f"as_of={AS_OF.isoformat()}", settings=settings)
    assert result.returncode == 0, result.stderr[-3000:]
    connection = sqlite3.connect(database)
    connection.row_factory = sqlite3.Row
    return connection, by_host(report(env, workdir))[HOST]


def stored(db: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {table: sorted(tuple(r) for r in db.execute(query)) for table, query in ROWS.items()}


@pytest.fixture(scope="module")
def runs(
    farm: FarmProcess, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[sqlite3.Connection, dict]]:
    root = tmp_path_factory.mktemp("waves")
    return [crawl(farm, root / f"run{n}") for n in range(RUNS)]


def test_three_identical_runs_store_the_same_rows_and_findings(
    runs: list[tuple[sqlite3.Connection, dict]],
) -> None:
    first = stored(runs[0][0])
    assert first["columns"] and first["entries"]
    for db, _ in runs[1:]:
        again = stored(db)
        for table in ROWS:
            assert again[table] == first[table], table


def test_the_budget_cuts_the_last_columns_in_the_order_and_they_are_unknown(
    runs: list[tuple[sqlite3.Connection, dict]],
) -> None:
    db, site = runs[0]
    statuses = {
        r["url"]: (r["status"], r["reason"])
        for r in db.execute(
            "SELECT c.url, k.status, k.reason FROM columns c JOIN column_checks k ON k.column_id = c.id"
        )
    }
    subs = sub_columns()
    skipped = [url for url in subs if statuses.get(url) == ("unparseable", "budget")]
    # The head of the column order was read, the tail left out: never a hole in the middle.
    assert skipped and skipped == subs[len(subs) - len(skipped) :]
    assert all(statuses[url][0] == "ok" for url in subs[: len(subs) - len(skipped)])
    named = {
        r["column_url"] for r in db.execute("SELECT column_url FROM findings WHERE column_url IS NOT NULL")
    }
    assert not named & set(skipped)  # unknown: neither stale nor blank
    limits = site_limits(db)
    assert limits["exhausted"] == "pages" and limits["requests"] <= BUDGET
    assert limits["pages_skipped"] >= len(skipped)
    assert limits["pages_skipped_by_phase"]["column"] == len(skipped)
    coverage = site["coverage"]
    assert coverage == crawl_coverage({"limits": limits})
    assert coverage["note"].startswith(f"页面检查未完成：跳过{limits['pages_skipped']}个页面（")
    assert f"栏目首页{len(skipped)}个" in coverage["note"]


def test_lower_phases_wait_for_higher_ones(runs: list[tuple[sqlite3.Connection, dict]]) -> None:
    """The budget ran out among the sub-columns: no page 2 and no detail page was fetched before them."""
    db, _ = runs[0]
    kinds = {r["kind"] for r in db.execute("SELECT kind FROM pages")}
    assert "column_page" not in kinds and "article" not in kinds


def site_limits(db: sqlite3.Connection) -> dict[str, Any]:
    (health,) = db.execute("SELECT health FROM crawls").fetchone()
    return json.loads(health)["limits"]
