"""A job's side of its round in Redis: the one place a crawl talks to the round.

:class:`FleetWorker` owns every round call of a ``portal`` job: in fleet mode it takes sites under a
lease, renews the leases, puts back sites whose holders stopped renewing, closes each site once its
work has drained, reports it done, deletes the round's scheduler keys when the round is complete,
gives unfinished sites back when the job stops, and closes the job once the queue has stayed empty.
Redis going away stops none of this for the sites already held (:class:`RedisOutage` tells it once).
A one-site crawl with REDIS_URL uses it only to start and end its scheduler keys as a run of its own.

It learns what is in flight from Scrapy's public signals (``request_scheduled``, ``request_dropped``,
``item_scraped``/``item_dropped``/``item_error``) and the spider's two dispatch hooks (an output
yielded for a site, a callback of a site ended), never from the engine's internals: see
:class:`InFlight`. The spider builds it (:meth:`FleetWorker.from_crawler`) and makes and closes the
sites it takes; the scheduler, the dupefilter and cluster politeness find its round and outage
record through :func:`worker_of`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from redis.exceptions import RedisError
from scrapy import Request, signals

from govcheck import config
from govcheck import signals as govcheck_signals
from govcheck.fleet.local import LocalRound
from govcheck.fleet.outage import RedisOutage
from govcheck.fleet.round import (
    Round,
    RoundError,
    SiteTask,
    check_round_name,
    message_site,
    open_round,
    parse_message,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

    from govcheck.context import CrawlContext

logger = logging.getLogger(__name__)

FLEET_POLL = 0.5  # seconds between looks at the site queue while waiting
REDIS_RETRY = 2.0  # seconds before the fleet loop tries Redis again after a failure


class Site(Protocol):
    """What the worker needs of one site's crawl (the spider's per-site state)."""

    @property
    def key(self) -> str: ...

    @property
    def closed(self) -> bool: ...

    @property
    def requests_made(self) -> int: ...


SiteT = TypeVar("SiteT", bound=Site)


class InFlight:
    """Work in flight in one job, per site and in all.

    Per site (today's close rule): requests yielded for it whose callback has not ended. A site whose
    count fell to zero at least one poll ago is done; the grace lets that last callback's items reach
    the pipelines first.

    In all (the safety net's evidence, counted apart): requests the engine scheduled that no callback
    has settled and the dupefilter has not dropped (a retry or redirect hop replaces its request: not
    counted again), plus items on their way through the pipelines. A request a spider middleware
    filters out after its callback yielded it is never scheduled: it stays in its site's count but not
    here, which is how the net finds it.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.pending: dict[str, int] = {}
        self.drained_at: dict[str, float] = {}  # when a site's count last fell to zero
        self.requests = 0
        self.items = 0

    def connect(self, crawler: Crawler) -> None:
        crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)
        for done in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self.item_done, signal=done)

    # -- the spider's dispatch hooks -----------------------------------------------------------

    def yielded(self, site: str, output: Any) -> None:
        """A request or item a callback (or the start) yielded for ``site``."""
        if isinstance(output, Request):
            self.pending[site] = self.pending.get(site, 0) + 1
        else:
            self.items += 1

    def settled(self, site: str) -> None:
        """A callback or errback of ``site`` has ended (its output is all yielded)."""
        self.requests -= 1
        self._settle(site)

    # -- Scrapy's signals ------------------------------------------------------------------------

    def request_scheduled(self, request: Request, **kwargs: Any) -> None:
        if request.meta.get("govcheck_site") is not None and not is_hop(request):
            self.requests += 1

    def request_dropped(self, request: Request, **kwargs: Any) -> None:
        """A request the dupefilter refused never reaches a callback: it is settled here."""
        site = request.meta.get("govcheck_site")
        if site is not None:
            self.requests -= 1
            self._settle(site)

    def item_done(self, **kwargs: Any) -> None:
        self.items -= 1

    # -- reading ---------------------------------------------------------------------------------

    def count(self, site: str) -> int:
        return self.pending.get(site, 0)

    def drained_for(self, site: str) -> float | None:
        """Seconds since ``site``'s count fell to zero, or None while it has work (or never had any)."""
        if self.count(site) > 0 or site not in self.drained_at:
            return None
        return self.clock() - self.drained_at[site]

    def idle(self) -> bool:
        """Nothing scheduled and unsettled, no item in the pipelines, in the whole job."""
        return self.requests <= 0 and self.items <= 0

    def forget(self, site: str) -> None:
        """A site done and reported: its counters go (a long job keeps only its open sites')."""
        self.pending.pop(site, None)
        self.drained_at.pop(site, None)

    def _settle(self, site: str) -> None:
        self.pending[site] = self.pending.get(site, 0) - 1
        if self.pending[site] <= 0:
            self.drained_at[site] = self.clock()


def is_hop(request: Request) -> bool:
    """A retry or redirect copy of a request already scheduled (govcheck's requests are built fresh,
    never with another request's meta, so only a middleware's copy carries these counters)."""
    return bool(request.meta.get("retry_times") or request.meta.get("redirect_times"))


@dataclass
class Held(Generic[SiteT]):
    """A site this job took from the round, with the message it was taken as."""

    site: SiteT
    message: bytes


class FleetWorker(Generic[SiteT]):
    """A job's round: sites taken and given back, leases, the idle close (see the module doc)."""

    def __init__(
        self,
        crawler: Crawler,
        round: Round | LocalRound,
        *,
        job: str,
        node: str,
        sites_at_once: int,
        idle_close: float,
        lease: float,
        new_site: Callable[[SiteTask], SiteT],
        close_site: Callable[[SiteT], None],
        alone: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.crawler = crawler
        self.round = round
        self.job = job
        self.node = node
        self.sites_at_once = sites_at_once
        self.idle_close = idle_close
        self.lease = lease
        self.new_site = new_site  # a site's crawl from its task (a ValueError sets the message aside)
        self.close_site = close_site  # the spider's end of a site: marks it closed, stores it
        self.alone = alone  # the one site of a one-site crawl (not taken from the queue)
        self.clock = clock
        self.outage = RedisOutage(crawler)  # shared with the scheduler and cluster politeness
        self.in_flight = InFlight(clock)
        self.held: dict[str, Held[SiteT]] = {}
        self.unreported: list[tuple[str, str]] = []  # (site, status) not yet marked done in the round
        self.storing: set[str] = set()  # sites closed here, not yet stored by the storage pipeline
        self.redis_ok_since = clock()  # Redis answered every call since then
        self.idle_passes = 0  # consecutive passes with sites open and nothing in flight
        self.in_flight.connect(crawler)
        crawler.signals.connect(self.site_stored, signal=govcheck_signals.site_stored)

    @classmethod
    def from_crawler(
        cls,
        crawler: Crawler,
        round_name: str,
        *,
        job: str | None,
        new_site: Callable[[SiteTask], SiteT],
        close_site: Callable[[SiteT], None],
        alone: str | None = None,
    ) -> Self | None:
        """The job's worker when REDIS_URL is set (None otherwise). ``job`` is Scrapyd's job id (a plain
        ``scrapy crawl`` gets one of its own); the job's request queue is named after it."""
        settings = crawler.settings
        redis_url = settings.get("REDIS_URL")
        if not redis_url:
            return None
        try:
            name = check_round_name(round_name)
        except RoundError as exc:
            raise config.ConfigError(str(exc)) from exc
        worker = cls(
            crawler,
            open_round(redis_url, name, prefix=settings["GOVCHECK_REDIS_PREFIX"]),
            job=str(job or os.environ.get("SCRAPY_JOB") or uuid.uuid4().hex),
            node=os.environ.get("GOVCHECK_NODE_NAME") or socket.gethostname(),
            sites_at_once=settings.getint("GOVCHECK_FLEET_SITES"),
            idle_close=settings.getfloat("GOVCHECK_FLEET_IDLE_CLOSE"),
            lease=settings.getfloat("GOVCHECK_FLEET_LEASE"),
            new_site=new_site,
            close_site=close_site,
            alone=alone,
        )
        settings.set("SCHEDULER_QUEUE_KEY", worker.round.requests_key(worker.job), priority="spider")
        return worker

    @classmethod
    def from_queue(
        cls,
        crawler: Crawler,
        queue: LocalRound,
        *,
        job: str | None,
        new_site: Callable[[SiteTask], SiteT],
        close_site: Callable[[SiteT], None],
    ) -> Self:
        """A job of ``govcheck crawl``: the same worker over a queue in a folder instead of Redis. The
        queue is filled before the job starts, so the job closes as soon as it is empty and every
        site taken is stored (no idle wait)."""
        settings = crawler.settings
        return cls(
            crawler,
            queue,
            job=str(job or uuid.uuid4().hex),
            node=socket.gethostname(),
            sites_at_once=settings.getint("GOVCHECK_FLEET_SITES"),
            idle_close=0.0,
            lease=settings.getfloat("GOVCHECK_FLEET_LEASE"),
            new_site=new_site,
            close_site=close_site,
        )

    # -- a one-site crawl --------------------------------------------------------------------------

    def open_alone(self) -> None:
        """A one-site crawl is a run of its own: the round's fingerprints of its site start anew."""
        assert self.alone is not None
        self.round.forget_site(self.alone)

    # -- fleet mode ------------------------------------------------------------------------------

    async def take_sites(self) -> AsyncIterator[SiteT]:
        """Take sites while there is room (each for the spider to open), close each when its work has
        drained, and stop once the queue has stayed empty (with nothing running here) for the idle time."""
        logger.info(
            "Fleet mode: round %s, job %s on %s, %d site(s) at a time",
            self.round.name,
            self.job,
            self.node,
            self.sites_at_once,
        )
        idle_since: float | None = None
        next_heartbeat = 0.0
        while True:
            now = self.clock()
            # Closing drained sites needs no Redis: an outage must not hold small sites open.
            self.close_drained_sites()
            try:
                if now >= next_heartbeat:
                    self.heartbeat()
                    next_heartbeat = now + self.lease / 4
                self.report_finished()
                running = self.running()
                site = self.take_site() if len(running) < self.sites_at_once else None
            except RedisError as exc:
                # The sites here go on (their items go to the database); only the queue is out of reach.
                self.redis_ok_since = self.clock() + REDIS_RETRY
                self._redis_failed(exc)
                await asyncio.sleep(REDIS_RETRY)
                continue
            if site is not None:
                idle_since = None
                yield site
                continue
            if running or self.storing or self.unreported:
                idle_since = None
            else:
                idle_since = idle_since or now
                if now - idle_since >= self.idle_close:
                    logger.info(
                        "Round %s: the queue stayed empty for %.0fs; closing",
                        self.round.name,
                        now - idle_since,
                    )
                    return
            await asyncio.sleep(FLEET_POLL)

    def running(self) -> list[SiteT]:
        """The sites this job holds and has not closed."""
        return [held.site for held in self.held.values() if not held.site.closed]

    def take_site(self) -> SiteT | None:
        """The next usable site of the queue, now held by this job; None when the queue is empty. A
        message that cannot be crawled is set aside in the round with its reason."""
        while True:
            taken = self.round.take(job=self.job, node=self.node, lease=self.lease)
            if taken is None:
                return None
            state, raw = taken
            if state == "rejected":
                logger.error(
                    "Round %s: a site message without meta.govcheck.site was set aside: %r",
                    self.round.name,
                    raw[:200],
                )
                continue
            try:
                task = parse_message(raw, round_name=self.round.name)
                site = self.new_site(task)
            except ValueError as exc:  # a bad message, argument or site profile: that site only
                host = message_site(raw)
                logger.error("Round %s: site message for %s set aside: %s", self.round.name, host, exc)
                self.round.reject(host, raw, str(exc))
                self.crawler.stats.inc_value("govcheck/fleet/rejected")
                continue
            self.held[site.key] = Held(site, raw)
            # Forget the round's fingerprints of an earlier, interrupted attempt at this site.
            self.round.forget_site(site.key)
            self.round.started(site.key)
            self.crawler.stats.inc_value("govcheck/fleet/sites_taken")
            logger.info("Round %s: took %s (%s)", self.round.name, site.key, task.url)
            return site

    def heartbeat(self) -> None:
        """Renew this job's leases; put back the sites of workers that stopped renewing theirs."""
        held = [site.key for site in self.running()]
        for lost in self.round.heartbeat(held, job=self.job, lease=self.lease):
            # Our lease ran out during a stall and another worker took the site: it crawls it again;
            # both write the same idempotent rows, so finishing here harms nothing.
            logger.warning(
                "Round %s: lost the lease on %s (another worker may be crawling it)", self.round.name, lost
            )
        if self.clock() - self.redis_ok_since < self.lease:
            # Just back from a Redis outage: the other workers have not had a chance to renew yet.
            return
        expired = self.round.requeue_expired()
        if expired:
            logger.warning(
                "Round %s: requeued %s (their workers stopped renewing leases)", self.round.name, expired
            )

    def close_drained_sites(self) -> None:
        """Close every held site whose last callback ended at least one poll ago. When nothing at all is
        in flight in this job twice in a row, every open site is done: a request dropped without a
        signal (a spider middleware's filter) left its count behind."""
        open_sites = self.running()
        idle = bool(open_sites) and self.in_flight.idle()
        self.idle_passes = self.idle_passes + 1 if idle else 0
        for site in open_sites:
            pending = self.in_flight.count(site.key)
            drained_for = self.in_flight.drained_for(site.key)
            if self.idle_passes >= 2 and pending > 0:
                logger.warning(
                    "Round %s: %s has nothing in flight but %d request(s) unaccounted for; closing it",
                    self.round.name,
                    site.key,
                    pending,
                )
                self._finish_site(site)
            elif drained_for is not None and drained_for >= FLEET_POLL:
                self._finish_site(site)

    def _finish_site(self, site: SiteT) -> None:
        """Store and evaluate the site (the spider's close); the round hears of it once it is stored."""
        self.storing.add(site.key)
        self.close_site(site)
        self.crawler.stats.inc_value("govcheck/fleet/sites_done")
        logger.info("Round %s: %s done (%d requests)", self.round.name, site.key, site.requests_made)

    def site_stored(self, context: CrawlContext, reason: str, spooled: bool) -> None:
        """A site closed here is stored (the storage pipeline writes on a thread of its own): mark it
        done in the round; "spooled": the database was out of reach, the items wait in this node's
        spool for replay. A site cut short at the job's end is given back instead, never done."""
        if context.host not in self.storing:
            return
        self.storing.discard(context.host)
        self.unreported.append((context.host, "spooled" if spooled else "finished"))
        self.report_finished()

    def report_finished(self) -> None:
        """Mark closed sites done in the round (kept for the next try if Redis is out of reach), and
        delete the round's scheduler keys once nothing is left anywhere."""
        try:
            self._report_unreported()
        except RedisError as exc:
            self._redis_failed(exc)

    def _report_unreported(self) -> None:
        while self.unreported:
            site, status = self.unreported[0]
            message = self.held[site].message
            self.round.finish(site, job=self.job, node=self.node, status=status, message=message)
            self.unreported.pop(0)
            del self.held[site]  # done in the round: nothing here needs it any more
            self.in_flight.forget(site)
            if self.round.is_complete():
                deleted = self.round.cleanup()
                logger.info("Round %s is complete: deleted its %d scheduler key(s)", self.round.name, deleted)

    def _redis_failed(self, error: RedisError) -> None:
        self.crawler.stats.inc_value("govcheck/fleet/redis_errors")
        self.outage.failed(error, f"round {self.round.name}")

    # -- the job's end ---------------------------------------------------------------------------

    def close(self, reason: str) -> None:
        """At the job's end: a fleet job reports what it finished and gives back what it did not; a
        one-site crawl deletes its scheduler keys."""
        try:
            self._give_back(reason)
        except RedisError as exc:
            logger.error(
                "Round %s: Redis failed at close (%s); leases will run out instead", self.round.name, exc
            )

    def _give_back(self, reason: str) -> None:
        if self.alone is not None:
            self.round.forget_site(self.alone)
            self.round.forget_job(self.job)
            return
        self.report_finished()
        for site in self.running():
            if self.round.requeue(site.key, job=self.job):
                # Shut down mid-site (Scrapyd cancel, SIGTERM): another job crawls it again.
                logger.warning(
                    "Round %s: %s was not finished (%s); back in the queue", self.round.name, site.key, reason
                )
        self.round.forget_job(self.job)  # nothing will read this job's request queue again


def worker_of(spider: Spider | None) -> FleetWorker[Any] | None:
    """The fleet worker of a crawl's spider: how the scheduler, the dupefilter and cluster politeness
    reach the round and its outage record (the ``portal`` spider has one when REDIS_URL is set)."""
    worker = getattr(spider, "worker", None)
    return worker if isinstance(worker, FleetWorker) else None
