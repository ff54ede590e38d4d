"""Operations under faults: a site's crawl process that dies does not stop `govcheck crawl`'s round,
and its progress says which one failed and where its log is."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tests.farm.process import FarmProcess
from tests.faults.measure import run_measured
from tests.faults.record import FaultReport
from tests.helpers import environment

HEALTHY = "hbj.zgsuixian.gov.cn"  # a small replica: a few pages
BAD = "bad.zgsuixian.gov.cn"


def test_a_crashing_crawl_is_reported_with_its_log_and_the_round_goes_on(
    farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    env = environment(farm, f"sqlite:///{tmp_path / 'govcheck.db'}")
    env.pop("REDIS_URL", None)
    # A port outside GOVCHECK_ALLOWED_PORTS makes the crawl process refuse that site at start (the
    # destination policy refuses its address); the process crawls the other one.
    args = [
        *(sys.executable, "-m", "govcheck.cli", "crawl", "--site", HEALTHY, "--site", f"http://{BAD}:9999/"),
        *("--as-of", "2024-02-28", "--jobs", "2", "--log-dir", str(tmp_path / "logs")),
    ]
    result = run_measured(args, env=env, cwd=tmp_path, timeout=600)
    lines = result.stderr.splitlines()
    failed_line = next((line for line in lines if f"{BAD}: FAILED" in line), "")
    # The log of the crawl process that took the site: the processes share one queue, so either.
    named = re.search(r"see (\S+)\)", failed_line)
    log = Path(named.group(1)) if named else tmp_path / "missing"
    survived = (
        result.returncode == 1
        and not result.timed_out
        and re.fullmatch(r"crawl-\d+\.log", log.name) is not None
        and log.parent == tmp_path / "logs" / "2024-02-28"
        and any(
            re.search(rf"\] {re.escape(HEALTHY)}: 合格 \(pass\), \d+ pages, 0 findings", line)
            for line in lines
        )
        and f"1 crawl(s) failed: {BAD}" in result.stderr
        and log.is_file()
    )
    fault_report.record(
        "govcheck crawl: one site's crawl process dies at start",
        survived=survived,
        seconds=result.seconds,
        peak_rss_mb=result.peak_rss_mb,
        note="progress names the failed site and its log; the other site is crawled and evaluated",
    )
    assert survived, result.stderr[-3000:]
