"""Progress of a crawl round on one machine (``govcheck crawl``), on stderr so reports on stdout stay clean.

On a terminal: a live rich display (the sites running, a bar with elapsed time and ETA) above which
each finished site scrolls by with its verdict, pages and findings. Elsewhere (a pipe, a log file,
CI): one plain line per finished site and the closing summary.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

VERDICT_LABELS = {"pass": "合格", "fail": "不合格", "unknown": "无法判断"}
VERDICT_STYLES = {"pass": "green", "fail": "bold red", "unknown": "yellow"}


@dataclass(frozen=True, slots=True)
class SiteOutcome:
    """One finished site: how its process ended and what the database holds for it."""

    host: str
    exit_code: int
    seconds: float
    log: Path
    verdict: str | None = None  # None: no evaluation stored (a failed crawl, or evaluation off)
    pages: int | None = None
    findings: int | None = None
    failed_monitors: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.exit_code:
            return f"FAILED (exit {self.exit_code}, see {self.log})"
        if self.pages is None:
            return f"crawled, nothing found in the database (see {self.log}) in {_duration(self.seconds)}"
        verdict = f"{VERDICT_LABELS[self.verdict]} ({self.verdict})" if self.verdict else "not evaluated"
        parts = [verdict, f"{self.pages or 0} pages", f"{self.findings or 0} findings"]
        if self.failed_monitors:
            parts.append(f"health: {', '.join(self.failed_monitors)}")
        return f"{', '.join(parts)} in {_duration(self.seconds)}"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class CrawlProgress(Protocol):
    def started(self, host: str) -> None: ...
    def finished(self, outcome: SiteOutcome) -> None: ...
    def close(self) -> None: ...


class _Tally:
    """The counts both displays share, and the closing summary they both print."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.began = time.monotonic()
        self.outcomes: list[SiteOutcome] = []

    def add(self, outcome: SiteOutcome) -> None:
        self.outcomes.append(outcome)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.began

    def eta(self) -> float | None:
        done = len(self.outcomes)
        return self.elapsed / done * (self.total - done) if done else None

    def summary(self) -> str:
        verdicts = Counter(o.verdict for o in self.outcomes if not o.exit_code)
        failed = [o.host for o in self.outcomes if o.exit_code]
        flagged = sum(1 for o in self.outcomes if o.failed_monitors)
        counts = ", ".join(
            f"{verdicts[v]} {VERDICT_LABELS[v]} ({v})" for v in ("pass", "fail", "unknown") if verdicts[v]
        )
        line = (
            f"Crawled {len(self.outcomes)} of {self.total} site(s) in {_duration(self.elapsed)}: "
            f"{counts or 'no verdicts'}; {sum(o.pages or 0 for o in self.outcomes)} pages, "
            f"{sum(o.findings or 0 for o in self.outcomes)} findings; "
            f"{flagged} crawl(s) with failed health monitors"
        )
        if failed:
            line += f"\n{len(failed)} crawl(s) failed: {', '.join(failed)}"
        return line


class PlainProgress:
    """One line per finished site, then the summary: for logs and pipes."""

    def __init__(self, total: int, stream: IO[str]) -> None:
        self.tally = _Tally(total)
        self.stream = stream

    def started(self, host: str) -> None:
        pass  # a line per start would double the output without telling more

    def finished(self, outcome: SiteOutcome) -> None:
        self.tally.add(outcome)
        eta = self.tally.eta()
        where = f"[{len(self.tally.outcomes)}/{self.tally.total}, {_duration(self.tally.elapsed)} elapsed"
        where += f", ETA {_duration(eta)}]" if eta is not None and eta > 0 else "]"
        print(f"{where} {outcome.host}: {outcome.describe()}", file=self.stream, flush=True)

    def close(self) -> None:
        print(self.tally.summary(), file=self.stream, flush=True)


class RichProgress:
    """A live display: one spinner line per running site and the round's bar with elapsed and ETA."""

    def __init__(self, total: int, stream: IO[str]) -> None:
        self.tally = _Tally(total)
        self.console = Console(file=stream)
        self.display = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.round_task = self.display.add_task("sites", total=total)
        self.running: dict[str, TaskID] = {}
        self.display.start()

    def started(self, host: str) -> None:
        self.running[host] = self.display.add_task(f"  {host}", total=None)

    def finished(self, outcome: SiteOutcome) -> None:
        self.tally.add(outcome)
        task = self.running.pop(outcome.host, None)
        if task is not None:
            self.display.remove_task(task)
        self.display.advance(self.round_task)
        style = "bold red" if outcome.exit_code else VERDICT_STYLES.get(outcome.verdict or "", "")
        self.display.console.print(
            Text.assemble(f"{outcome.host}: ", (outcome.describe(), style)), soft_wrap=True
        )

    def close(self) -> None:
        self.display.stop()
        self.console.print(self.tally.summary(), highlight=False, markup=False, soft_wrap=True)


def crawl_progress(total: int, stream: IO[str] | None = None) -> CrawlProgress:
    """The live display on a terminal, plain lines anywhere else."""
    stream = stream or sys.stderr
    return RichProgress(total, stream) if stream.isatty() else PlainProgress(total, stream)
