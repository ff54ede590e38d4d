"""Redis down in a fleet round: a job crawling a bigger site and three small ones loses its Redis for
a few seconds (the server stops, then comes back with its data: append-only file). Every site must
be finished and stored whole, the outage must read as one clear log line per episode (no
tracebacks), and the small sites must not wait for the big one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from govcheck.fleet.round import Round, redis_from_url
from tests.farm.process import FarmProcess
from tests.faults.crawl_figures import FAST, farm_requests, stored_rows
from tests.faults.measure import Measured, run_measured
from tests.faults.record import FaultReport
from tests.helpers import OwnRedis, environment, queue

BIG = "sfj.suizhou.gov.cn"
SMALL = ("jyj.zgsuixian.gov.cn", "mzj.zgsuixian.gov.cn", "hbj.zgsuixian.gov.cn")
OUTAGE = 6.0  # seconds Redis stays away


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis(Path(tempfile.mkdtemp(prefix="govcheck-redis-fault-")))
    server.start()
    yield server
    if server.process is not None:
        server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)


def done_times(log: str) -> dict[str, float]:
    """Seconds into the job at which each site was done, from the log's timestamps."""
    stamps: dict[str, float] = {}
    first: float | None = None
    for line in log.splitlines():
        match = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", line)
        if not match:
            continue
        at = time.mktime(time.strptime(match.group(1), "%Y-%m-%d %H:%M:%S"))
        first = at if first is None else first
        done = re.search(r"Round \S+: (\S+) done \(", line)
        if done:
            stamps[done.group(1)] = at - first
    return stamps


def fleet_round(
    farm: FarmProcess, own_redis: OwnRedis, tmp_path: Path, outage: float | None
) -> tuple[Measured, Round, str, dict[str, float]]:
    """One job crawling BIG and SMALL from a fresh round; with ``outage``, Redis goes away for that
    many seconds once the job holds every site. Returns the run, the round, the database and when
    Redis went away and came back (seconds into the run)."""
    redis_url = own_redis.url
    prefix = f"t{uuid.uuid4().hex[:8]}"
    round_ = Round(redis_from_url(redis_url), "2024-Q1", prefix=prefix)
    queue(round_, BIG, *SMALL)
    database_url = f"sqlite:///{tmp_path / 'govcheck.db'}"
    env = environment(
        farm, database_url, REDIS_URL=redis_url, GOVCHECK_REDIS_PREFIX=prefix, GOVCHECK_FLEET_IDLE_CLOSE="1",
        GOVCHECK_HOMEPAGE_RETRY_DELAY="0.5", GOVCHECK_FLEET_SITES="4",
    )  # fmt: skip
    times: dict[str, float] = {}

    def pull_redis(process: subprocess.Popen[bytes]) -> None:
        started = time.monotonic()

        def run() -> None:
            deadline = started + 60
            while len(round_.progress().running) < 1 + len(SMALL):
                if process.returncode is not None or time.monotonic() > deadline:
                    return
                time.sleep(0.1)
            time.sleep(0.5)
            times["down"] = time.monotonic() - started
            own_redis.stop()
            time.sleep(outage or 0)
            own_redis.start()
            times["back"] = time.monotonic() - started

        threading.Thread(target=run, daemon=True).start()

    command = [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "round=2024-Q1"]
    settings = [part for setting in FAST for part in ("-s", setting)]
    measured = run_measured(
        [*command, *settings], env=env, cwd=tmp_path, timeout=240,
        started_process=pull_redis if outage else None,
    )  # fmt: skip
    return measured, round_, database_url, times


def test_redis_outage_in_a_fleet_round(
    farm: FarmProcess, own_redis: OwnRedis, tmp_path: Path, fault_report: FaultReport
) -> None:
    (tmp_path / "control").mkdir()
    (tmp_path / "outage").mkdir()
    hosts = (BIG, *SMALL)
    control, _round, control_db, _ = fleet_round(farm, own_redis, tmp_path / "control", None)
    assert control.returncode == 0, control.stderr[-3000:]
    expected = {host: stored_rows(control_db, host) for host in hosts}
    before = {host: farm_requests(farm, host) for host in hosts}
    measured, round_, database_url, times = fleet_round(farm, own_redis, tmp_path / "outage", OUTAGE)
    log = measured.stderr
    assert "back" in times, log[-4000:]
    rows = {host: stored_rows(database_url, host) for host in hosts}
    stored = sum(len(expected[h] & rows[h]) for h in hosts)
    tracebacks = log.count("Traceback")
    outage_lines = [line for line in log.splitlines() if "[govcheck.fleet.outage]" in line]
    progress = round_.progress()
    done = done_times(log)
    control_done = done_times(control.stderr)
    survived = measured.returncode == 0 and progress.complete and stored == sum(map(len, expected.values()))
    fault_report.record(
        f"Redis down {OUTAGE:.0f} s in a fleet round ({BIG.split('.')[0]} + 3 small sites)",
        survived=survived and tracebacks == 0,
        seconds=measured.seconds,
        peak_rss_mb=measured.peak_rss_mb,
        requests=sum(farm_requests(farm, h) - before[h] for h in hosts),
        rows_expected=sum(map(len, expected.values())),
        rows_stored=stored,
        note=(
            f"control {control.seconds:.0f} s; down {times['down']:.0f}-{times['back']:.0f} s; "
            f"{tracebacks} tracebacks, {len(outage_lines)} outage log lines; small sites done by "
            f"{max(done.get(h, -1) for h in SMALL):.0f} s (control {max(control_done.get(h, -1) for h in SMALL):.0f} s)"
        ),
    )
    assert measured.returncode == 0, log[-3000:]
    assert progress.complete and set(progress.done) == set(hosts), progress
    assert rows == expected  # nothing lost, nothing extra
    assert tracebacks == 0, log[-5000:]
    # One line when Redis goes away and one when it is back, per episode (here: one).
    assert len(outage_lines) <= 2, outage_lines
    # Small sites are not held behind the big one (FleetScheduler parks a full host's requests).
    assert max(control_done[h] for h in SMALL) <= control_done[BIG], control_done
