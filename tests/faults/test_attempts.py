"""kill -9 of a re-crawl, through the farm, on SQLite and PostgreSQL.

A site is crawled and evaluated; `govcheck crawl` crawls it again in the same round and its
`scrapy crawl` child is SIGKILLed once the new attempt has stored part of its pages. The previous
attempt's rows and evaluation must be exactly as they were, the killed attempt shown as interrupted,
and a later complete re-crawl must count once (one finished attempt's rows, the same findings).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from govcheck.db.models import ColumnCheck, Crawl, LinkCheck, Page
from govcheck.db.session import open_database, session_factory
from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF
from tests.faults.record import FaultReport
from tests.helpers import environment, govcheck

HOST = "sfj.suizhou.gov.cn"
ROUND = "2024-Q1"
KILL_AFTER_PAGES = 3
WAIT_FOR_PAGES_S = 180


def attempts(url: str) -> dict[int, dict[str, Any]]:
    """Per attempt: status and the rows that belong to it."""
    engine = open_database(url, migrate=False)
    result: dict[int, dict[str, Any]] = {}
    with session_factory(engine)() as session:
        for crawl in session.scalars(select(Crawl).where(Crawl.round == ROUND).order_by(Crawl.attempt)):
            result[crawl.attempt] = {
                "status": crawl.status,
                "rows": tuple(
                    session.scalar(select(func.count()).where(model.crawl_id == crawl.id)) or 0
                    for model in (Page, LinkCheck, ColumnCheck)
                ),
            }
    engine.dispose()
    return result


def report(env: dict[str, str], cwd: Path) -> tuple[dict[str, Any], str]:
    result = govcheck("report", "--as-of", AS_OF.isoformat(), "--round", ROUND, env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr
    (site,) = json.loads(result.stdout)["sites"]
    return site, result.stderr


def verdict(site: dict[str, Any]) -> tuple[Any, ...]:
    return (
        site["verdict"],
        site["summary"],
        [(f["code"], f["url"], f["column_url"]) for f in site["findings"]],
    )


def crawl_command() -> list[str]:
    return [sys.executable, "-m", "govcheck.cli", "crawl", "--site", HOST, "--as-of", AS_OF.isoformat(),
            "--round", ROUND, "--log-dir", "logs"]  # fmt: skip


def scrapy_child(parent: int) -> int | None:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return int(children[0]) if children else None


def peak_rss_mb(pid: int) -> float | None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def test_kill_9_of_a_recrawl_leaves_the_previous_attempt_and_evaluation_intact(
    farm: FarmProcess, database_url: str, tmp_path: Path, fault_report: FaultReport
) -> None:
    env = environment(farm, database_url)
    first = govcheck(*crawl_command()[3:], env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    control, _ = report(env, tmp_path)
    before = attempts(database_url)
    assert list(before) == [1] and before[1]["status"] == "finished"

    # The re-crawl: slow (one request every 2 s) and storing every two items, so it is caught mid-way.
    slow = {**env, "GOVCHECK_POLITENESS": "strict", "GOVCHECK_STORE_BATCH_SIZE": "2"}
    started = time.monotonic()
    parent = subprocess.Popen(
        crawl_command(), env=slow, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    killed_rss = None
    try:
        deadline = time.monotonic() + WAIT_FOR_PAGES_S
        while True:
            assert time.monotonic() < deadline, "the re-crawl never stored its first pages"
            assert parent.poll() is None, "the re-crawl ended before it could be killed"
            now = attempts(database_url)
            if 2 in now and now[2]["rows"][0] >= KILL_AFTER_PAGES:
                break
            time.sleep(0.2)
        child = scrapy_child(parent.pid)
        assert child is not None
        killed_rss = peak_rss_mb(child)
        os.kill(child, signal.SIGKILL)
        _, stderr = parent.communicate(timeout=60)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    seconds = time.monotonic() - started

    after = attempts(database_url)
    assert after[1] == before[1]  # the finished attempt's rows, untouched
    assert after[2]["status"] == "interrupted"
    assert after[2]["rows"][0] < before[1]["rows"][0]  # killed mid-crawl
    assert parent.returncode == 1 and "crawl attempt is interrupted" in stderr
    kept, notes = report(env, tmp_path)
    assert verdict(kept) == verdict(control) and kept["crawl_attempt"] == 1
    assert kept["later_attempt"]["status"] == "interrupted"
    assert "attempt 2 of its round is interrupted" in notes
    evaluated = govcheck("evaluate", "--as-of", AS_OF.isoformat(), "--round", ROUND, env=env, cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    reevaluated, _ = report(env, tmp_path)
    assert verdict(reevaluated) == verdict(control) and reevaluated["crawl_attempt"] == 1

    # Crawled again to the end: one more finished attempt, counted alone, with the same findings.
    third = govcheck(*crawl_command()[3:], env=env, cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    final = attempts(database_url)
    assert [a["status"] for a in final.values()] == ["finished", "interrupted", "finished"]
    assert final[3]["rows"] == before[1]["rows"]
    redone, _ = report(env, tmp_path)
    assert verdict(redone) == verdict(control) and redone["crawl_attempt"] == 3

    fault_report.record(
        f"kill -9 of a re-crawl ({database_url.split(':')[0].split('+')[0]})",
        survived=True,
        seconds=seconds,
        peak_rss_mb=killed_rss,
        requests=after[2]["rows"][0],
        rows_expected=sum(before[1]["rows"]),
        rows_stored=sum(after[1]["rows"]),
        findings=len(reevaluated["findings"]),
        control_findings=len(control["findings"]),
        note=f"attempt 2 interrupted after {after[2]['rows'][0]} of {before[1]['rows'][0]} pages; "
        "attempt 1 still counts; attempt 3 replaces it",
    )
