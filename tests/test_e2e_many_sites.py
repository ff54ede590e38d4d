"""Many sites in one Scrapy process (`govcheck crawl`, issue 12 item 3) through the site farm: the same
stored findings as one process per site, a refused site leaves the others alone, and an interrupted
run is crawled again whole by the next one."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF, SITES
from tests.helpers import CRAWL_TIMEOUT, by_host, environment, govcheck, report, scrapy_crawl

# A portal with broken links and blank columns, two bulletin sites (TRS and generic CMS), a county site.
HOSTS = ("www.suizhou.gov.cn", "sjj.suizhou.gov.cn", "sfj.suizhou.gov.cn", "jyj.zgsuixian.gov.cn")


def findings(data: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Per site: verdict, summary and every finding's code and URLs (evidence times differ by run)."""
    return {
        host: (
            site["verdict"],
            site["summary"],
            sorted(
                (f["code"], f["url"] or "", f["column_url"] or "", f["source_url"] or "")
                for f in site["findings"]
            ),
        )
        for host, site in by_host(data).items()
    }


def statuses(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT status FROM crawls ORDER BY id")]


@pytest.mark.timeout(3 * CRAWL_TIMEOUT)  # three rounds of four sites on a shared machine
def test_one_process_stores_the_same_findings_as_one_process_per_site(
    farm: FarmProcess, tmp_path: Path
) -> None:
    each = environment(farm, f"sqlite:///{tmp_path / 'each.db'}")
    with ThreadPoolExecutor(len(HOSTS)) as pool:  # the old way: a process per site, all at once
        for crawled in pool.map(lambda host: scrapy_crawl(host, each, tmp_path, f"as_of={AS_OF}"), HOSTS):
            assert crawled.returncode == 0, crawled.stderr[-3000:]
    together = environment(farm, f"sqlite:///{tmp_path / 'together.db'}")
    sites = [a for host in HOSTS for a in ("--site", host)]
    crawled = govcheck(
        "crawl", *sites, "--as-of", AS_OF.isoformat(), "--jobs", "4", "--processes", "1",
        env=together, cwd=tmp_path,
    )  # fmt: skip
    assert crawled.returncode == 0, crawled.stderr
    assert "4 at a time in 1 process(es)" in crawled.stderr
    assert len(list((tmp_path / "var" / "logs" / AS_OF.isoformat()).glob("*.log"))) == 1
    expected = findings(report(each, tmp_path))
    assert findings(report(together, tmp_path)) == expected
    spread = environment(farm, f"sqlite:///{tmp_path / 'spread.db'}")
    crawled = govcheck(
        "crawl", *sites, "--as-of", AS_OF.isoformat(), "--jobs", "4", "--processes", "2",
        "--round", "spread", env=spread, cwd=tmp_path,
    )  # fmt: skip
    assert crawled.returncode == 0, crawled.stderr
    assert "4 at a time in 2 process(es)" in crawled.stderr
    assert len(list((tmp_path / "var" / "logs" / "spread").glob("crawl-*.log"))) == 2
    assert findings(report(spread, tmp_path, "--round", "spread")) == expected
    assert {f[0] for f in expected["www.suizhou.gov.cn"][2]} >= {"link_broken", "column_blank"}


def test_a_refused_site_does_not_take_the_others_down(farm: FarmProcess, tmp_path: Path) -> None:
    env = environment(farm, f"sqlite:///{tmp_path / 'g.db'}")
    host = "sjj.suizhou.gov.cn"
    crawled = govcheck(
        "crawl",
        "--site",
        "oa.gov.internal",
        "--site",
        host,
        "--as-of",
        AS_OF.isoformat(),
        env=env,
        cwd=tmp_path,
    )
    assert crawled.returncode == 1, crawled.stderr
    assert "oa.gov.internal: FAILED (exit 2, see" in crawled.stderr
    assert (
        "govcheck: oa.gov.internal: site: 'oa.gov.internal' is refused by the destination policy"
        in crawled.stderr
    )
    assert f"{host}: 合格 (pass)" in crawled.stderr
    assert by_host(report(env, tmp_path))[host]["summary"] == SITES[host].expected_summary


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_an_interrupted_run_is_crawled_again_by_the_next(farm: FarmProcess, tmp_path: Path) -> None:
    database = tmp_path / "g.db"
    env = environment(farm, f"sqlite:///{database}")
    hosts = ("sjj.suizhou.gov.cn", "sfj.suizhou.gov.cn", "jtj.suizhou.gov.cn")
    args = [sys.executable, "-m", "govcheck.cli", "crawl", *[a for h in hosts for a in ("--site", h)]]
    args += ["--as-of", AS_OF.isoformat(), "--jobs", "3"]
    run = subprocess.Popen(
        args,
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As in a terminal: a runner started in the background (`cmd &`) ignores SIGINT, and a Python
        # process that inherits that never raises KeyboardInterrupt (only Scrapy sets its own handler).
        preexec_fn=_default_sigint,
    )
    logs = tmp_path / "var" / "logs" / AS_OF.isoformat()
    deadline = time.monotonic() + CRAWL_TIMEOUT
    while not list(logs.glob("queue-*/running/*.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(run.pid, signal.SIGINT)  # Ctrl-C in the terminal: govcheck crawl and its Scrapy process
    _, err = run.communicate(timeout=CRAWL_TIMEOUT)
    assert run.returncode == 130, err
    assert "interrupted; waiting for the crawls to store what they have" in err
    assert "running" not in statuses(database) and "interrupted" in statuses(database)
    assert not list(logs.glob("queue-*"))
    again = govcheck("crawl", *args[4:], env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    sites = by_host(report(env, tmp_path))
    assert {h: sites[h]["summary"] for h in hosts} == {h: SITES[h].expected_summary for h in hosts}
