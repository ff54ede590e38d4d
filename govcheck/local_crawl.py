"""``govcheck crawl``'s processes: a few ``scrapy crawl portal -a queue=DIR`` jobs sharing one local
round (:class:`govcheck.fleet.local.LocalRound`), each crawling many sites at once, watched from the
queue's folders.

Start-up (Python, Scrapy, the database engine) is paid once per process, not per site; a site's end
is read from its ``done/`` record; a process that dies takes down only the sites it held (and, when it
was the last one, those still waiting), each reported failed with its exit status.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from govcheck.db.models import utc_now
from govcheck.fleet.local import LocalRound

REJECTED_EXIT = 2  # a site its process refused (bad address, profile): as `scrapy crawl`'s usage error


def process_count(requested: int | None, *, jobs: int, sites: int, cores: int | None = None) -> int:
    """How many processes share ``sites`` crawled ``jobs`` at a time: ``requested`` (``--processes``),
    else one per core (``cores``, default os.cpu_count()); never more than the sites crawled at once,
    since each process needs one."""
    if requested is None:
        requested = (os.cpu_count() if cores is None else cores) or 1
    return max(1, min(requested, jobs, sites))


def crawl_command(
    queue: Path, *, job: str, round_name: str, log_file: Path, scrapy_settings: Mapping[str, str]
) -> list[str]:
    """The ``scrapy crawl portal`` command line of one job of the local round in ``queue``; Scrapy
    settings given to ``govcheck --set`` go with it as ``-s KEY=VALUE``."""
    command = [
        sys.executable, "-m", "scrapy", "crawl", "portal",
        "-a", f"queue={queue}", "-a", f"_job={job}", "--logfile", str(log_file),
    ]  # fmt: skip
    if round_name:
        command += ["-a", f"round={round_name}"]
    for key, value in scrapy_settings.items():
        command += ["-s", f"{key}={value}"]
    return command


@dataclass
class Job:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    started_at: dt.datetime  # UTC: attempts begun since then are this process's
    exit_code: int | None = None


@dataclass(frozen=True, slots=True)
class SiteEnd:
    """One site no process will crawl any more: stored (``status``), refused, or lost with its process."""

    host: str
    job: Job | None  # None: never taken (every process ended first)
    exit_code: int
    seconds: float
    status: str = ""  # finished | spooled (the done record); "" when its process died
    reason: str = ""  # why a site was refused


@dataclass
class LocalCrawl:
    queue: LocalRound
    jobs: dict[str, Job]
    hosts: Sequence[str]
    began: dict[str, float] = field(default_factory=dict)  # host -> when it was seen taken
    ended: set[str] = field(default_factory=set)

    @classmethod
    def start(
        cls, queue: LocalRound, commands: Mapping[str, tuple[list[str], Path]], env: dict[str, str]
    ) -> LocalCrawl:
        jobs = {
            name: Job(name, subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL), log, utc_now())
            for name, (command, log) in commands.items()
        }
        return cls(queue, jobs, queue.pending_sites())

    @property
    def done(self) -> bool:
        return len(self.ended) == len(self.hosts)

    def running(self) -> bool:
        return any(job.exit_code is None for job in self.jobs.values())

    def poll(self) -> tuple[list[str], list[SiteEnd]]:
        """The sites taken since the last poll, and those that ended."""
        now = time.monotonic()
        for job in self.jobs.values():
            if job.exit_code is None:
                job.exit_code = job.process.poll()
        started, ends = [], []
        running = self.queue.running_sites()
        for host in running:
            if host not in self.began:
                self.began[host] = now
                started.append(host)
        for host, record in self.queue.done_sites().items():
            if host in self.ended:
                continue
            job = self.jobs.get(record.job)
            code = REJECTED_EXIT if record.status == "rejected" else 0
            ends.append(SiteEnd(host, job, code, self._seconds(host, now), record.status, record.reason))
        for host, name in running.items():
            job = self.jobs.get(name)
            if job is not None and job.exit_code is not None and host not in self.ended:
                ends.append(SiteEnd(host, job, job.exit_code or 1, self._seconds(host, now)))
        if not self.running():
            # Every process has ended: nothing will take the sites still waiting.
            last = max(self.jobs.values(), key=lambda job: job.exit_code or 0)
            waiting = set(self.hosts) - self.ended - {end.host for end in ends}
            ends += [SiteEnd(h, last, last.exit_code or 1, 0.0) for h in self.hosts if h in waiting]
        return started, ends

    def settle(self, end: SiteEnd) -> None:
        """``end`` has been told: it is not reported again."""
        self.ended.add(end.host)

    def wait(self) -> None:
        for job in self.jobs.values():
            job.exit_code = job.process.wait()

    def _seconds(self, host: str, now: float) -> float:
        return now - self.began.get(host, now)
