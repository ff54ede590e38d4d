"""govcheck crawl's processes over a local round (govcheck.local_crawl): a site's end is read from the
queue, and a process that dies takes down only the sites it held (and those nobody is left to take).

The processes are real ones standing in for `scrapy crawl portal -a queue=DIR`: they take a site from
the folder, maybe finish it, and exit with a given status."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from govcheck.fleet.local import LocalRound
from govcheck.fleet.round import task_for_site
from govcheck.local_crawl import LocalCrawl, SiteEnd, crawl_command, process_count

HOSTS = ("sjj.suizhou.gov.cn", "jtj.suizhou.gov.cn", "yjglj.suizhou.gov.cn")
JOB = """
import sys
from pathlib import Path
from govcheck.fleet.local import LocalRound
queue = LocalRound.open(Path(sys.argv[1]))
queue.take(job=sys.argv[2], node="n", lease=60)
if sys.argv[3] == "finish":
    (site,) = queue.taken
    queue.finish(site, job=sys.argv[2], node="n", status="finished", message=b"")
sys.exit(int(sys.argv[4]))
"""


def test_a_dead_process_fails_only_its_own_sites_and_those_left_waiting(tmp_path: Path) -> None:
    tasks = [
        task_for_site(h, h, as_of="2024-02-28", round_name="R", links="homepage", backend=None) for h in HOSTS
    ]
    queue = LocalRound.create(tmp_path / "queue", "R", tasks)
    commands = {
        "crawl-1": ([sys.executable, "-c", JOB, str(queue.path), "crawl-1", "hold", "3"], tmp_path / "1.log"),
        "crawl-2": (
            [sys.executable, "-c", JOB, str(queue.path), "crawl-2", "finish", "0"],
            tmp_path / "2.log",
        ),
    }
    crawl = LocalCrawl.start(queue, commands, dict(os.environ))
    ends: list[SiteEnd] = []
    deadline = time.monotonic() + 60
    while not crawl.done and time.monotonic() < deadline:
        time.sleep(0.1)
        for end in crawl.poll()[1]:
            crawl.settle(end)
            ends.append(end)
    assert crawl.done and sorted(e.host for e in ends) == sorted(HOSTS)
    finished = [(e.job.name if e.job else None, e.exit_code, e.status) for e in ends if e.status]
    assert finished == [("crawl-2", 0, "finished")]
    failed = sorted((e.job.name if e.job else None, e.exit_code) for e in ends if not e.status)
    assert failed == [("crawl-1", 3), ("crawl-1", 3)]  # the site it held; the one nobody took


def test_the_command_of_a_job() -> None:
    command = crawl_command(
        Path("q"), job="crawl-2", round_name="", log_file=Path("crawl-2.log"), scrapy_settings={"A": "1"}
    )
    assert command[3:] == [
        "crawl", "portal", "-a", "queue=q", "-a", "_job=crawl-2", "--logfile", "crawl-2.log", "-s", "A=1"
    ]  # fmt: skip


def test_one_process_per_core_unless_told_never_more_than_the_sites_at_once() -> None:
    assert process_count(None, jobs=8, sites=40, cores=4) == 4  # one per core
    assert process_count(None, jobs=8, sites=3, cores=4) == 3  # capped by the sites
    assert process_count(None, jobs=2, sites=40, cores=4) == 2  # each process crawls one site at least
    assert process_count(1, jobs=8, sites=40, cores=4) == 1  # --processes 1: every site in one process
    assert process_count(6, jobs=8, sites=40, cores=2) == 6  # asked for: more than the cores
    assert process_count(None, jobs=8, sites=40) == min(8, os.cpu_count() or 1)
