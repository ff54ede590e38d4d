"""The ``portal`` spider: inspect one site, or, in fleet mode, every site a round's Redis queue holds.

One site::

    scrapy crawl portal -a site=sjj.suizhou.gov.cn [-a as_of=2024-02-28] [-a round=2024Q1]
                        [-a links=homepage|all|none] [-a backend=GROUP]

Fleet mode (any number of processes on any number of nodes; REDIS_URL set)::

    scrapy crawl portal -a round=2024Q1

takes sites from ``<prefix>:<round>:sites`` (``govcheck enqueue``/``schedule`` fill it), crawls up to
GOVCHECK_FLEET_SITES of them at once, each whole in this process, and closes when the queue has stayed
empty for GOVCHECK_FLEET_IDLE_CLOSE seconds. The crawling itself is :class:`SiteCrawl`'s; this class
owns the callbacks (Scrapy and scrapy-redis find callbacks by name on the spider), routes every
response to its site, and tells pipelines when a site begins and ends. It only yields items.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from govcheck.spiders.sitecrawl import CrawlOptions, SiteCrawl, SiteTarget
from redis.exceptions import RedisError
from scrapy import Request, Spider, signals
from twisted.python.failure import Failure

from govcheck import config
from govcheck import signals as govcheck_signals
from govcheck.fleet.outage import RedisOutage
from govcheck.fleet.round import (
    Round,
    RoundError,
    check_round_name,
    message_site,
    parse_message,
    redis_from_url,
)
from govcheck.politeness import apply_politeness

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

    from govcheck.context import CrawlContext

logger = logging.getLogger(__name__)

# scrapy-redis, switched on by REDIS_URL alone: its scheduler with one request queue per job (a
# site's state lives in the process that took it) and fingerprints per round and site, kept for the
# round's lifetime (a closing job must not flush what other jobs share; the round's cleanup deletes them).
REDIS_SETTINGS = {
    "SCHEDULER": "govcheck.fleet.scheduler.FleetScheduler",
    "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    "DUPEFILTER_CLASS": "govcheck.fleet.dupefilter.SiteDupeFilter",
    "SCHEDULER_PERSIST": True,
}
FLEET_POLL = 0.5  # seconds between looks at the site queue while waiting
REDIS_RETRY = 2.0  # seconds before the fleet loop tries Redis again after a failure


class PortalSpider(Spider):
    name = "portal"

    def __init__(
        self,
        site: str | None = None,
        as_of: str | None = None,
        round: str | None = None,
        links: str = "homepage",
        backend: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.target = SiteTarget(site, as_of, round, links, backend) if site else None
        self.requested_round = (round or "").strip()
        if self.target is None and not self.requested_round:
            raise config.ConfigError(
                "site: required, e.g. -a site=sjj.suizhou.gov.cn (or -a round=NAME with REDIS_URL "
                "for fleet mode, which takes the round's sites from Redis)"
            )
        # Scrapyd passes its job id as `_job`; a plain `scrapy crawl` gets one of its own.
        self.job = str(kwargs.get("_job") or os.environ.get("SCRAPY_JOB") or uuid.uuid4().hex)
        self.node = os.environ.get("GOVCHECK_NODE_NAME") or socket.gethostname()
        self.sites: dict[str, SiteCrawl] = {}
        self.round: Round | None = None
        self.redis_outage: RedisOutage | None = None  # shared with the scheduler and politeness
        self.unreported: list[tuple[str, str]] = []  # (site, status) not yet marked done in the round
        self.stored: set[str] = set()  # sites the storage pipeline has written whole
        self.redis_ok_since = time.monotonic()  # Redis answered every call since then
        self.idle_passes = 0  # consecutive fleet-loop passes with nothing in flight
        self.round_name = ""

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        apply_politeness(settings)  # the profile GOVCHECK_POLITENESS names, and cluster politeness
        if settings.get("REDIS_URL"):
            settings.setdict(REDIS_SETTINGS, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        settings = crawler.settings
        config.validate({k: v for k, v in settings.items() if k.startswith("GOVCHECK_")})
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.options = CrawlOptions.from_settings(settings)
        spider.fleet_sites = settings.getint("GOVCHECK_FLEET_SITES")
        spider.fleet_idle_close = settings.getfloat("GOVCHECK_FLEET_IDLE_CLOSE")
        spider.fleet_lease = settings.getfloat("GOVCHECK_FLEET_LEASE")
        if spider.target is not None:
            single = SiteCrawl(spider, spider.target, spider.options)
            spider.sites[single.key] = single
            spider.round_name = single.round_name
        else:
            spider.round_name = spider.requested_round
        redis_url = settings.get("REDIS_URL")
        if redis_url:
            try:
                name = check_round_name(spider.round_name)
            except RoundError as exc:
                raise config.ConfigError(str(exc)) from exc
            server = redis_from_url(config.parse_redis_url(redis_url))
            spider.round = Round(server, name, prefix=settings["GOVCHECK_REDIS_PREFIX"])
            spider.redis_outage = RedisOutage(crawler)
            settings.set("SCHEDULER_QUEUE_KEY", spider.round.requests_key(spider.job), priority="spider")
        elif spider.target is None:
            raise config.ConfigError(
                "fleet mode (-a round=NAME without -a site) takes its sites from Redis: set REDIS_URL, "
                "or name one site with -a site=HOST"
            )
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(spider.site_stored, signal=govcheck_signals.site_stored)
        return spider

    @property
    def fleet(self) -> bool:
        return self.target is None

    def site_of(self, meta: dict[str, Any]) -> SiteCrawl:
        """The site a request belongs to (in one-site mode, requests built by hand belong to it)."""
        key = meta.get("govcheck_site")
        if key is None and not self.fleet:
            return next(iter(self.sites.values()))
        return self.sites[key]

    def backend_for(self, host: str) -> str | None:
        """The backend group of a host one of this job's open sites is served from: cluster politeness
        asks it for every request (robots.txt and redirects included); a link to another site is
        not this backend's load."""
        for site in self.sites.values():
            if not site.closed and site.backend and host in site.site_hosts:
                return site.backend
        return None

    # -- start --------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if not self.fleet:
            (site,) = self.sites.values()
            yield self._open_site(site)
            return
        async for request in self._fleet_requests():
            yield request

    def _open_site(self, site: SiteCrawl) -> Request:
        """Register a site with the pipelines, then return its first request."""
        self.sites[site.key] = site
        if self.round is not None and not self.fleet:
            self.round.server.delete(self.round.seen_key(site.key))
        self.crawler.signals.send_catch_log(signal=govcheck_signals.site_opened, context=site.context())
        return self._stamp(site, site.start_request())

    async def _fleet_requests(self) -> AsyncIterator[Request]:
        """Take sites while there is room, close each when its last callback is done, and stop once
        the queue has stayed empty (with nothing running here) for the idle time."""
        assert self.round is not None
        logger.info(
            "Fleet mode: round %s, job %s on %s, %d site(s) at a time",
            self.round.name,
            self.job,
            self.node,
            self.fleet_sites,
        )
        idle_since: float | None = None
        next_heartbeat = 0.0
        while True:
            now = time.monotonic()
            # Closing drained sites needs no Redis: an outage must not hold small sites open.
            self._close_drained_sites()
            try:
                if now >= next_heartbeat:
                    self._heartbeat()
                    next_heartbeat = now + self.fleet_lease / 4
                self._report_finished()
                running = [s for s in self.sites.values() if not s.closed]
                site = self._take_site() if len(running) < self.fleet_sites else None
            except RedisError as exc:
                # The sites here go on (their items go to the database); only the queue is out of reach.
                self.redis_ok_since = time.monotonic() + REDIS_RETRY
                self._redis_failed(exc)
                await asyncio.sleep(REDIS_RETRY)
                continue
            if site is not None:
                idle_since = None
                yield self._open_site(site)
                continue
            if running or self.unreported:
                idle_since = None
            else:
                idle_since = idle_since or now
                if now - idle_since >= self.fleet_idle_close:
                    logger.info(
                        "Round %s: the queue stayed empty for %.0fs; closing",
                        self.round.name,
                        now - idle_since,
                    )
                    return
            await asyncio.sleep(FLEET_POLL)

    def _take_site(self) -> SiteCrawl | None:
        assert self.round is not None
        while True:
            taken = self.round.take(job=self.job, node=self.node, lease=self.fleet_lease)
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
                target = SiteTarget(task.target, task.as_of, task.round, task.links, task.backend)
                site = SiteCrawl(self, target, self.options)
            except ValueError as exc:  # a bad message, argument or site profile: that site only
                host = message_site(raw)
                logger.error("Round %s: site message for %s set aside: %s", self.round.name, host, exc)
                self.round.reject(host, raw, str(exc))
                self.crawler.stats.inc_value("govcheck/fleet/rejected")
                continue
            site.message = raw
            # Forget the round's fingerprints of an earlier, interrupted attempt at this site.
            self.round.server.delete(self.round.seen_key(site.key))
            self.round.started(site.key)
            self.crawler.stats.inc_value("govcheck/fleet/sites_taken")
            logger.info("Round %s: took %s (%s)", self.round.name, site.key, task.url)
            return site

    def _redis_failed(self, error: RedisError) -> None:
        self.crawler.stats.inc_value("govcheck/fleet/redis_errors")
        assert self.redis_outage is not None
        self.redis_outage.failed(error, f"round {self.round_name}")

    def _heartbeat(self) -> None:
        assert self.round is not None
        held = [s.key for s in self.sites.values() if not s.closed]
        for lost in self.round.heartbeat(held, job=self.job, lease=self.fleet_lease):
            # Our lease ran out during a stall and another worker took the site: it crawls it again;
            # both write the same idempotent rows, so finishing here harms nothing.
            logger.warning(
                "Round %s: lost the lease on %s (another worker may be crawling it)", self.round.name, lost
            )
        if time.monotonic() - self.redis_ok_since < self.fleet_lease:
            # Just back from a Redis outage: the other workers have not had a chance to renew yet.
            return
        expired = self.round.requeue_expired()
        if expired:
            logger.warning(
                "Round %s: requeued %s (their workers stopped renewing leases)", self.round.name, expired
            )

    def _close_drained_sites(self) -> None:
        """A site whose last callback ended at least one poll ago is done (the grace lets the items of
        that callback reach the pipelines first). When nothing at all is in flight in this job twice
        in a row, every open site is done: a request dropped without a signal (a spider middleware's
        filter) left its count behind."""
        now = time.monotonic()
        open_sites = [site for site in self.sites.values() if not site.closed]
        idle = bool(open_sites) and self._nothing_in_flight()
        self.idle_passes = self.idle_passes + 1 if idle else 0
        for site in open_sites:
            if self.idle_passes >= 2 and site.pending > 0:
                logger.warning(
                    "Round %s: %s has nothing in flight but %d request(s) unaccounted for; closing it",
                    self.round_name,
                    site.key,
                    site.pending,
                )
                self._close_site(site)
            elif site.pending <= 0 and site.drained_at is not None and now - site.drained_at >= FLEET_POLL:
                self._close_site(site)

    def _nothing_in_flight(self) -> bool:
        """No download, no response being processed, no request queued for this job."""
        engine = self.crawler.engine
        scraper_idle = engine.scraper.slot is None or engine.scraper.slot.is_idle()
        scheduler = engine.scheduler
        # The fleet scheduler counts requests held in memory during a Redis outage, and answers
        # "pending" when Redis cannot tell.
        return (
            not engine.downloader.active
            and scraper_idle
            and not (scheduler is not None and scheduler.has_pending_requests())
        )

    def _close_site(self, site: SiteCrawl) -> None:
        """Store and evaluate the site (pipelines and the evaluate-on-close extension), then tell the round."""
        site.closed = True
        self.crawler.signals.send_catch_log(
            signal=govcheck_signals.site_closed, context=site.context(), stats=dict(site.stats.values)
        )
        self.crawler.stats.inc_value("govcheck/fleet/sites_done")
        logger.info("Round %s: %s done (%d requests)", self.round_name, site.key, site.requests_made)
        site.release()
        # "spooled": the database was out of reach, the items wait in this node's spool for replay.
        self.unreported.append((site.key, "finished" if site.key in self.stored else "spooled"))
        self._report_finished()

    def site_stored(self, context: CrawlContext, reason: str) -> None:
        self.stored.add(context.host)

    def _report_finished(self) -> None:
        """Mark stored sites done in the round (kept for the next try if Redis is out of reach), and
        delete the round's scheduler keys once nothing is left anywhere."""
        assert self.round is not None
        try:
            self._report_unreported()
        except RedisError as exc:
            self._redis_failed(exc)

    def _report_unreported(self) -> None:
        assert self.round is not None
        while self.unreported:
            site, status = self.unreported[0]
            message = self.sites[site].message
            self.round.finish(site, job=self.job, node=self.node, status=status, message=message)
            self.unreported.pop(0)
            if self.round.is_complete():
                deleted = self.round.cleanup()
                logger.info("Round %s is complete: deleted its %d scheduler key(s)", self.round.name, deleted)

    def closed(self, reason: str) -> None:
        if self.round is None:
            return
        try:
            self._give_back(reason)
        except RedisError as exc:
            logger.error(
                "Round %s: Redis failed at close (%s); leases will run out instead", self.round.name, exc
            )

    def _give_back(self, reason: str) -> None:
        assert self.round is not None
        if self.fleet:
            self._report_finished()
            for site in self.sites.values():
                if not site.closed and self.round.requeue(site.key, job=self.job):
                    # Shut down mid-site (Scrapyd cancel, SIGTERM): another job crawls it again.
                    logger.warning(
                        "Round %s: %s was not finished (%s); back in the queue",
                        self.round.name,
                        site.key,
                        reason,
                    )
            self.round.forget_job(self.job)  # nothing will read this job's request queue again
        else:
            # A one-site crawl is a run of its own: its scheduler keys go with it.
            (site,) = self.sites.values()
            self.round.server.delete(self.round.seen_key(site.key), self.round.requests_key(self.job))

    # -- routing ------------------------------------------------------------------------------

    def _stamp(self, site: SiteCrawl, output: Any) -> Any:
        """Tag a request or item with its site; count the request as pending for the site."""
        if isinstance(output, Request):
            output.meta["govcheck_site"] = site.key
            site.pending += 1
        else:
            output.site = site.key
        return output

    def _route(self, meta: dict[str, Any], handle: Callable[[SiteCrawl], Iterable[Any]]) -> Iterator[Any]:
        site = self.site_of(meta)
        try:
            for output in handle(site):
                yield self._stamp(site, output)
        finally:
            self._settle(site)

    def _settle(self, site: SiteCrawl) -> None:
        site.pending -= 1
        if site.pending <= 0:
            site.drained_at = time.monotonic()

    def request_dropped(self, request: Request) -> None:
        """A request the dupefilter refused never reaches a callback: it is settled here."""
        key = request.meta.get("govcheck_site")
        if key in self.sites:
            self._settle(self.sites[key])

    def request_scheduled(self, request: Request, **kwargs: Any) -> None:
        """A retry or a redirect hop (a middleware's copy of a request the site already paid for) is
        one more request: charged to its site once per hop."""
        key = request.meta.get("govcheck_site")
        hops = (request.meta.get("retry_times", 0), request.meta.get("redirect_times", 0))
        if key in self.sites and hops != request.meta.get("govcheck_hops", (0, 0)):
            request.meta["govcheck_hops"] = hops
            self.sites[key].charge_hop()

    # -- callbacks (each hands the response to its site) ---------------------------------------

    def parse_homepage(self, response: Response) -> Iterator[Any]:
        return self._route(response.meta, lambda site: site.parse_homepage(response))

    def homepage_failed(self, failure: Failure) -> Iterator[Any]:
        return self._route(failure.request.meta, lambda site: site.homepage_failed(failure))

    def reference_answered(self, response: Response) -> Iterator[Any]:
        return self._route(response.meta, lambda site: site.reference_answered(response))

    def reference_failed(self, failure: Failure) -> Iterator[Any]:
        return self._route(failure.request.meta, lambda site: site.reference_failed(failure))

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        return self._route(response.meta, lambda site: site.parse_sitemap(response))

    def ignore_failure(self, failure: Failure) -> Iterator[Any]:
        return self._route(failure.request.meta, lambda site: site.ignore_failure(failure))

    def parse_column(self, response: Response) -> Iterator[Any]:
        return self._route(response.meta, lambda site: site.parse_column(response))

    def column_failed(self, failure: Failure) -> Iterator[Any]:
        return self._route(failure.request.meta, lambda site: site.column_failed(failure))

    def parse_detail(self, response: Response) -> Iterator[Any]:
        return self._route(response.meta, lambda site: site.parse_detail(response))

    def parse_list_page(self, response: Response) -> Iterator[Any]:
        return self._route(response.meta, lambda site: site.parse_list_page(response))

    def link_checked(self, response: Response) -> Iterator[Any]:
        return self._route(response.meta, lambda site: site.link_checked(response))

    def link_failed(self, failure: Failure) -> Iterator[Any]:
        return self._route(failure.request.meta, lambda site: site.link_failed(failure))

    def fingerprinted(self, response: Response) -> Iterator[Any]:
        return self._route(response.meta, lambda site: site.fingerprinted(response))

    def fingerprint_failed(self, failure: Failure) -> Iterator[Any]:
        return self._route(failure.request.meta, lambda site: site.fingerprint_failed(failure))
