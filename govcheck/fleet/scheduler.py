"""scrapy-redis's scheduler for fleet jobs: no site held up behind another, no request lost to a
Redis outage.

A job crawls several sites at once from one request queue, and Scrapy stops asking the scheduler
once CONCURRENT_REQUESTS requests are in the downloader, counting those waiting in a host's slot.
A big site with a deep backlog, slowed by politeness, filled all of them and small sites waited
behind it for as long as it took (43 s instead of 8 in the fault suite's round): so a request whose
host already has its fill in the downloader is parked here, and the next one is looked at.

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
from govcheck.fleet.worker import worker_of

if TYPE_CHECKING:
    from scrapy import Request, Spider

LOOKAHEAD = 32  # requests popped per call at most, looking for one whose host has room


class FleetScheduler(Scheduler):  # type: ignore[misc]
    def open(self, spider: Spider) -> None:
        super().open(spider)
        worker = worker_of(spider)
        self.outage = worker.outage if worker is not None else RedisOutage(spider.crawler)
        self.held: deque[Request] = deque()  # requests that arrived while Redis was out of reach
        self.seen_during_outage: set[tuple[str, str]] = set()  # (site, fingerprint), as SiteDupeFilter keys
        self.parked: deque[Request] = deque()  # popped while their host's downloader slot was full

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
        for request in self.parked:
            if self._has_room(request):
                self.parked.remove(request)
                return request
        for _ in range(LOOKAHEAD):
            try:
                request: Request | None = super().next_request()
            except RedisError as error:
                self.outage.failed(error, "the scheduler")
                return None
            self.outage.ok()
            if request is None or self._has_room(request):
                return request
            self.parked.append(request)
            self.stats.inc_value("scheduler/parked", spider=self.spider)
        return None

    def _has_room(self, request: Request) -> bool:
        """Fewer of the request's host's requests in the downloader than the host may have at once."""
        downloader = self.spider.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        return slot is None or len(slot.active) < slot.concurrency

    def has_pending_requests(self) -> bool:
        if self.held or self.parked:
            return True
        try:
            return bool(len(self.queue))
        except RedisError as error:
            self.outage.failed(error, "the scheduler")
            return True  # unknown: the queue in Redis may hold some, so the engine keeps asking

    def __len__(self) -> int:
        try:
            return len(self.held) + len(self.parked) + len(self.queue)
        except RedisError:
            return len(self.held) + len(self.parked)
