"""A round's site queue in a folder: what ``govcheck crawl`` hands its crawl processes instead of Redis.

:class:`LocalRound` answers every call :class:`govcheck.fleet.worker.FleetWorker` makes of a Redis
:class:`~govcheck.fleet.round.Round`, so the same worker takes, closes and reports sites, many at
once in one process; only the queue differs. A site is one file holding its scrapy-redis message and
moves between three folders by atomic renames (so several processes on one machine share a queue)::

    pending/000042.json        waiting (the number keeps the registry's order)
    running/000042.JOB.json    taken by the process of job JOB
    done/000042.json           {"site", "job", "status": finished|spooled|rejected, "reason"}

No leases: the processes are ``govcheck crawl``'s children, and it tells a dead one from the exit
status. A process that stops mid-site puts it back in ``pending/`` (as a fleet job gives it back to
Redis); ``govcheck crawl`` reports whatever is left in ``running/`` when a process has died.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govcheck.fleet.round import SiteTask, check_round_name, message_site

ROUND_FILE = "round.json"


@dataclass(frozen=True, slots=True)
class DoneSite:
    """A site a process has finished with, as its ``done/`` record says."""

    site: str
    job: str
    status: str  # finished | spooled | rejected
    reason: str = ""


class LocalRound:
    """A round's site queue in ``path`` (see the module doc)."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = check_round_name(name)
        self.pending = path / "pending"
        self.running = path / "running"
        self.done = path / "done"
        self.taken: dict[str, Path] = {}  # site -> its file in running/, for this process's sites
        self.hosts: dict[str, str] = {}  # queue number -> site, of the files read so far
        self.finished: dict[str, DoneSite] = {}  # done/ file name -> its record, as read so far

    @classmethod
    def create(cls, path: Path, name: str, tasks: Iterable[SiteTask]) -> LocalRound:
        """A new queue of ``tasks`` in ``path`` (which must not hold one already)."""
        queue = cls(path, name)
        for folder in (queue.pending, queue.running, queue.done):
            folder.mkdir(parents=True)
        for number, task in enumerate(tasks, 1):
            _write(queue.pending / f"{number:06d}.json", task.message())
        _write(path / ROUND_FILE, json.dumps({"round": queue.name}))
        return queue

    @classmethod
    def open(cls, path: Path) -> LocalRound:
        """The queue ``create`` made in ``path``; a ValueError when there is none."""
        try:
            name = json.loads((path / ROUND_FILE).read_text(encoding="utf-8"))["round"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"queue: {path} holds no site queue of govcheck crawl ({exc})") from exc
        return cls(path, name)

    # -- what FleetWorker calls on a round ---------------------------------------------------------

    def take(self, *, job: str, node: str, lease: float) -> tuple[str, bytes] | None:
        """The next pending site message, now this process's: ("taken", raw); None when none is left."""
        for waiting in sorted(self.pending.glob("*.json")):
            mine = self.running / f"{waiting.stem}.{job}.json"
            try:
                waiting.rename(mine)  # atomic: of two processes renaming one file, one wins
            except FileNotFoundError:
                continue
            raw = mine.read_bytes()
            self.taken[message_site(raw)] = mine
            return "taken", raw
        return None

    def reject(self, site: str, raw: bytes | str, reason: str) -> None:
        """A message that cannot be crawled (a bad site or profile): done, with its reason."""
        self._done(site, "rejected", reason)

    def finish(self, site: str, *, job: str, node: str, status: str, message: bytes) -> None:
        self._done(site, status)

    def requeue(self, site: str, *, job: str = "") -> bool:
        """Put a site this process did not finish back in ``pending/``."""
        mine = self.taken.pop(site, None)
        if mine is None or not mine.exists():
            return False
        mine.rename(self.pending / f"{_number(mine)}.json")
        return True

    def is_complete(self) -> bool:
        return not any(self.pending.iterdir()) and not any(self.running.iterdir())

    def heartbeat(self, sites: Iterable[str], *, job: str, lease: float) -> list[str]:
        return []  # no leases: a dead process is its parent's to report

    def requeue_expired(self) -> list[str]:
        return []

    def started(self, site: str) -> None:
        pass  # each site is crawled once per queue: nothing to count

    def forget_site(self, site: str) -> None:
        pass  # fingerprints live in the process's dupefilter, not here

    def forget_job(self, job: str) -> None:
        pass

    def cleanup(self) -> int:
        return 0  # the queue's folder is govcheck crawl's to delete

    # -- what govcheck crawl reads ----------------------------------------------------------------

    # A site's file is read once (its host, its done record): the parent looks every 0.2 s at hundreds.

    def running_sites(self) -> dict[str, str]:
        """Site -> the job that took it, for every site taken and not finished."""
        running = {}
        for path in sorted(self.running.glob("*.json")):
            number, job = path.name.split(".")[:2]
            if number not in self.hosts:
                try:
                    self.hosts[number] = message_site(path.read_bytes())
                except FileNotFoundError:
                    continue  # finished meanwhile: read in done/ next time
            running[self.hosts[number]] = job
        return running

    def pending_sites(self) -> list[str]:
        return [message_site(raw) for _, raw in _contents(self.pending)]

    def done_sites(self) -> dict[str, DoneSite]:
        for path, raw in _contents(self.done, skip=self.finished.keys()):
            record: dict[str, Any] = json.loads(raw)
            self.finished[path.name] = DoneSite(**record)
        return {done.site: done for done in self.finished.values()}

    def _done(self, site: str, status: str, reason: str = "") -> None:
        mine = self.taken.pop(site)
        record = {"site": site, "job": mine.name.split(".")[1], "status": status, "reason": reason}
        _write(self.done / f"{_number(mine)}.json", json.dumps(record, ensure_ascii=False))
        mine.unlink()


def _number(path: Path) -> str:
    """A site's place in the queue, which its file keeps in every folder."""
    return path.name.split(".")[0]


def _contents(folder: Path, skip: Iterable[str] = ()) -> list[tuple[Path, bytes]]:
    """The queue files of ``folder`` (but those named in ``skip``) with their contents, in order; one a
    process moved on meanwhile is skipped (it is read in its new folder next time)."""
    contents = []
    skipped = set(skip)
    for path in sorted(folder.glob("*.json")):
        if path.name in skipped:
            continue
        try:
            contents.append((path, path.read_bytes()))
        except FileNotFoundError:
            continue
    return contents


def _write(path: Path, text: str) -> None:
    """Write ``text`` whole or not at all: a reader never sees half a record."""
    partial = path.with_suffix(".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
