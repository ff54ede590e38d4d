"""scrapy-redis's scheduler, riding out a Redis outage without losing a request.

A job's request queue in Redis only ever serves that job (its sites are crawled whole in one
process, and a job that dies gives its sites back whole), so while Redis is out of reach a request
can wait in this process's memory instead: it is served first once anything is asked for, and
fingerprints of the outage are kept here. Without this, every request yielded during an outage was
an exception in Scrapy's engine (a traceback each) and was lost, and its site's pending count never
reached zero, so a small site stayed open until the whole job had nothing in flight.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from scrapy_redis.scheduler import Scheduler

from govcheck.fleet.outage import RedisOutage

if TYPE_CHECKING:
    from scrapy import Request, Spider


class FleetScheduler(Scheduler):  # type: ignore[misc]
    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.outage: RedisOutage = getattr(spider, "redis_outage", None) or RedisOutage(spider.crawler)
        self.held: deque[Request] = deque()  # requests that arrived while Redis was out of reach
        self.seen_during_outage: set[tuple[str, str]] = set()  # (site, fingerprint), as SiteDupeFilter keys

    def enqueue_request(self, request: Request) -> bool:
        try:
            queued: bool = super().enqueue_request(request)
        except RedisError as error:
            self.outage.failed(error, "the scheduler")
            return self._hold(request)
        self.outage.ok()
        return queued

    def _hold(self, request: Request) -> bool:
        fingerprint = (str(request.meta.get("govcheck_site")), self.df.request_fingerprint(request))
        if not request.dont_filter and fingerprint in self.seen_during_outage:
            return False
        self.seen_during_outage.add(fingerprint)
        self.held.append(request)
        self.stats.inc_value("scheduler/enqueued/memory", spider=self.spider)
        return True

    def next_request(self) -> Request | None:
        if self.held:
            self.stats.inc_value("scheduler/dequeued/memory", spider=self.spider)
            return self.held.popleft()
        try:
            request: Request | None = super().next_request()
        except RedisError as error:
            self.outage.failed(error, "the scheduler")
            return None
        self.outage.ok()
        return request

    def has_pending_requests(self) -> bool:
        if self.held:
            return True
        try:
            return bool(len(self.queue))
        except RedisError as error:
            self.outage.failed(error, "the scheduler")
            return True  # unknown: the queue in Redis may hold some, so the engine keeps asking

    def __len__(self) -> int:
        try:
            return len(self.held) + len(self.queue)
        except RedisError:
            return len(self.held)
