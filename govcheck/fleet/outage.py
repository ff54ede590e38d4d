"""One Redis outage, told once: a line when Redis goes out of reach and a line when it is back,
however many calls fail in between (the scheduler, the fleet loop and cluster politeness all call
Redis several times a second, and a traceback per call buries the crawl's own log)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class RedisOutage:
    """Shared by a crawler's Redis users (the fleet worker holds it: ``worker_of(spider).outage``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler  # its stats exist only once the crawl starts
        self.since: float | None = None  # monotonic start of the current outage
        self.failed_calls = 0

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, error: Exception, who: str) -> None:
        stats = self.crawler.stats
        stats.inc_value("govcheck/redis/failed_calls")
        self.failed_calls += 1
        if self.since is not None:
            return
        self.since = time.monotonic()
        stats.inc_value("govcheck/redis/outages")
        logger.error(
            "Redis is out of reach (%s, first seen by %s): open sites go on, their new requests wait in "
            "memory, no site is taken or reported done and politeness is per process until it is back",
            error,
            who,
        )

    def ok(self) -> None:
        if self.since is None:
            return
        logger.warning(
            "Redis is back after %.1fs (%d call(s) failed meanwhile)",
            time.monotonic() - self.since,
            self.failed_calls,
        )
        self.since = None
        self.failed_calls = 0
