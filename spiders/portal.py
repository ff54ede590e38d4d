"""The ``portal`` spider: inspect one site, or, in fleet mode, every site a round's Redis queue holds.

One site::

    scrapy crawl portal -a site=sjj.suizhou.gov.cn [-a as_of=2024-02-28] [-a round=2024Q1]
                        [-a links=homepage|all|none] [-a backend=GROUP]

Fleet mode (any number of processes on any number of nodes; REDIS_URL set)::

    scrapy crawl portal -a round=2024Q1

takes sites from ``<prefix>:<round>:sites`` (``govcheck enqueue``/``schedule`` fill it), crawls up to
GOVCHECK_FLEET_SITES of them at once, each whole in this process, and closes when the queue has stayed
empty for GOVCHECK_FLEET_IDLE_CLOSE seconds.

A local round (what ``govcheck crawl`` starts; no Redis)::

    scrapy crawl portal -a queue=DIR [-a round=NAME]

does the same with the site queue ``govcheck crawl`` wrote in a folder
(:class:`govcheck.fleet.local.LocalRound`), and closes once it is empty. Either way politeness is per
host (CONCURRENT_REQUESTS_PER_DOMAIN, delays, AutoThrottle), not per process: the downloader gets room
for every open site. A site's crawl is its state (:class:`SiteCrawl`) and
its handlers (:class:`SiteHandlers`); the round (taking sites, leases, when a site is done) is
:class:`govcheck.fleet.worker.FleetWorker`'s. This class owns the one callback pair (Scrapy and
scrapy-redis find callbacks by name on the spider), :meth:`dispatch` and :meth:`dispatch_failure`, which
hand every answer to its site's handler for the request's route, and tells pipelines when a site
begins and ends. It only yields items.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request, Spider, signals
from scrapy.settings import SETTINGS_PRIORITIES
from twisted.python.failure import Failure

from govcheck import config
from govcheck import signals as govcheck_signals
from govcheck.fleet.local import LocalRound
from govcheck.fleet.worker import FleetWorker
from govcheck.politeness import apply_politeness
from govcheck.robots_sitemaps import RobotsSitemaps
from govcheck.spiders.handlers import SiteHandlers
from govcheck.spiders.routing import ROUTE, Router
from govcheck.spiders.sitecrawl import CrawlOptions, SiteCrawl, SiteTarget

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

    from govcheck.fleet.round import SiteTask


# scrapy-redis, switched on by REDIS_URL alone: its scheduler with one request queue per job (a
# site's state lives in the process that took it) and fingerprints per round and site, kept for the
# round's lifetime (a closing job must not flush what other jobs share; the round's cleanup deletes them).
REDIS_SETTINGS = {
    "SCHEDULER": "govcheck.fleet.scheduler.FleetScheduler",
    "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    "DUPEFILTER_CLASS": "govcheck.fleet.dupefilter.SiteDupeFilter",
    "SCHEDULER_PERSIST": True,
}
# A local round: Scrapy's own scheduler with its broad-crawl queue (the next request comes from the
# host with the fewest in the downloader, so no site waits behind a big one) and fingerprints per site.
LOCAL_SETTINGS = {
    "SCHEDULER": "scrapy.core.scheduler.Scheduler",
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
    "DUPEFILTER_CLASS": "govcheck.fleet.memory_dupefilter.SiteMemoryDupeFilter",
}


class PortalSpider(Spider):
    name = "portal"

    def __init__(
        self,
        site: str | None = None,
        as_of: str | None = None,
        round: str | None = None,
        links: str = "homepage",
        backend: str | None = None,
        queue: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.target = SiteTarget(site, as_of, round, links, backend) if site else None
        self.requested_round = (round or "").strip()
        self.queue = queue  # a local round's folder (govcheck crawl)
        if self.target is None and not self.requested_round and not queue:
            raise config.ConfigError(
                "site: required, e.g. -a site=sjj.suizhou.gov.cn (or -a round=NAME with REDIS_URL "
                "for fleet mode, which takes the round's sites from Redis)"
            )
        if self.target is not None and queue:
            raise config.ConfigError("queue: a local round takes its sites from its queue; drop -a site")
        self.sites: dict[str, SiteCrawl] = {}
        self.worker: FleetWorker[SiteCrawl] | None = None  # the job's round in Redis (REDIS_URL set)
        self.handlers: dict[str, SiteHandlers] = {}  # each site's handlers, by the site's key

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
        single: SiteCrawl | None = None
        if spider.target is not None:
            single = spider.new_site(spider.target)
            spider.sites[single.key] = single
        if spider.queue:
            try:
                queue = LocalRound.open(Path(spider.queue))
            except ValueError as exc:
                raise config.ConfigError(str(exc)) from exc
            spider.worker = FleetWorker.from_queue(
                crawler,
                queue,
                job=kwargs.get("_job"),
                new_site=spider._site_for,
                close_site=spider._close_site,
            )
            settings.setdict(LOCAL_SETTINGS, priority="spider")
        else:
            spider.worker = FleetWorker.from_crawler(
                crawler,
                single.round_name if single else spider.requested_round,
                job=kwargs.get("_job"),  # Scrapyd's job id
                new_site=spider._site_for,
                close_site=spider._close_site,
                alone=single.key if single else None,
            )
        if spider.fleet:
            make_room(settings, settings.getint("GOVCHECK_FLEET_SITES"))
        if spider.worker is None and spider.fleet:
            raise config.ConfigError(
                "fleet mode (-a round=NAME without -a site) takes its sites from Redis: set REDIS_URL, "
                "or name one site with -a site=HOST"
            )
        crawler.signals.connect(spider.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        # After Spider.close (connected by super().from_crawler), before every pipeline's handler.
        crawler.signals.connect(spider.close_open_sites, signal=signals.spider_closed)
        return spider

    @property
    def fleet(self) -> bool:
        return self.target is None

    def new_site(self, target: SiteTarget) -> SiteCrawl:
        """A site's crawl state, with its handlers ready (a ConfigError or ValueError for a bad target)."""
        site = SiteCrawl(target, self.options, self.crawler)
        self.handlers[site.key] = SiteHandlers(
            site, self.options, Router(self.dispatch, self.dispatch_failure), self.robots_sitemaps
        )
        return site

    def robots_sitemaps(self, netloc: str) -> list[str] | None:
        """The sitemaps ``netloc``'s robots.txt names, as this crawl fetched it for whichever site
        (govcheck/robots_sitemaps.py); None when it was not fetched or that extension is off. Looked
        up when a site needs them: a one-site spider is made before the crawler's extensions."""
        known = self.crawler.get_extension(RobotsSitemaps)
        return known.of(netloc) if known is not None else None

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

    # -- start and end ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if self.worker is not None and self.fleet:
            async for site in self.worker.take_sites():
                yield self._open_site(site)
            return
        (site,) = self.sites.values()
        if self.worker is not None:
            self.worker.open_alone()
        yield self._open_site(site)

    def _site_for(self, task: SiteTask) -> SiteCrawl:
        """A fleet site's crawl, from the task its round message names. Its round is named when the
        job's is (a local round left unnamed is the as-of date, and is evaluated as unnamed)."""
        named = task.round if self.requested_round else None
        return self.new_site(SiteTarget(task.target, task.as_of, named, task.links, task.backend))

    def _open_site(self, site: SiteCrawl) -> Request:
        """Register a site with the pipelines, then return its first request."""
        self.sites[site.key] = site
        self.crawler.signals.send_catch_log(signal=govcheck_signals.site_opened, context=site.context())
        return self._stamp(site, self.handlers[site.key].start_request())

    def _close_site(self, site: SiteCrawl) -> None:
        """A fleet site has drained: store and evaluate it (pipelines and the evaluate-on-close
        extension); the round hears of it once it is stored (``site_stored``)."""
        site.closed = True
        self.handlers[site.key].cut_short()
        self._send_site_closed(site, "finished", dict(site.stats.values))
        site.release()
        # Its work has drained, so no callback of it comes any more: a job that crawls thousands of
        # sites in turn keeps only its open ones.
        del self.sites[site.key], self.handlers[site.key]

    def _send_site_closed(self, site: SiteCrawl, reason: str, stats: dict[str, Any]) -> None:
        self.crawler.signals.send_catch_log(
            signal=govcheck_signals.site_closed, context=site.context(), stats=stats, reason=reason
        )

    def close_open_sites(self, reason: str) -> None:
        """The crawl ends: a one-site crawl's site closes with the crawl's reason and stats (Scrapy's
        downloader counters included); a fleet site cut short closes as interrupted with its own
        stats, and stays unclosed here so that the round gets it back."""
        for site in self.sites.values():
            if site.closed:
                continue
            self.handlers[site.key].cut_short()  # what was not fetched or checked is counted
            if self.fleet:
                self._send_site_closed(site, "interrupted", dict(site.stats.values))
            else:
                self._send_site_closed(site, reason, self.crawler.stats.get_stats())

    def closed(self, reason: str) -> None:
        if self.worker is not None:
            self.worker.close(reason)

    # -- routing ------------------------------------------------------------------------------

    def _stamp(self, site: SiteCrawl, output: Any) -> Any:
        """Tag a request or item with its site (the fleet worker counts it as in flight)."""
        if isinstance(output, Request):
            output.meta["govcheck_site"] = site.key
        else:
            output.site = site.key
        if self.worker is not None:
            self.worker.in_flight.yielded(site.key, output)
        return output

    def _route(self, meta: dict[str, Any], handle: Callable[[SiteHandlers], Iterable[Any]]) -> Iterator[Any]:
        site = self.site_of(meta)
        try:
            for output in handle(self.handlers[site.key]):
                yield self._stamp(site, output)
        finally:
            self._settle(site)

    def _settle(self, site: SiteCrawl) -> None:
        if self.worker is not None:
            self.worker.in_flight.settled(site.key)

    def request_scheduled(self, request: Request, **kwargs: Any) -> None:
        """A retry or a redirect hop (a middleware's copy of a request the site already paid for) is
        one more request: charged to its site once per hop."""
        key = request.meta.get("govcheck_site")
        hops = (request.meta.get("retry_times", 0), request.meta.get("redirect_times", 0))
        if key in self.sites and hops != request.meta.get("govcheck_hops", (0, 0)):
            request.meta["govcheck_hops"] = hops
            self.sites[key].budget.charge_hop()

    def request_dropped(self, request: Request, **kwargs: Any) -> None:
        """The scheduler refused a request (a duplicate): its site settles it, and the link checks
        that this lets go are handed to the engine here, as no callback of the site may come again."""
        handlers = self._handlers_of(request)
        if handlers is None:
            return
        for released in handlers.dropped(request):
            self.crawler.engine.crawl(self._stamp(handlers.site, released))

    def _handlers_of(self, request: Request) -> SiteHandlers | None:
        """The handlers of an open site's request (robots.txt and other requests of no site: None)."""
        key = request.meta.get("govcheck_site")
        site = self.sites.get(key) if key is not None else None
        if site is None or site.closed or ROUTE not in request.meta:
            return None
        return self.handlers[site.key]

    # -- the callback pair: every request of every site comes back here ----------------------------

    def dispatch(self, response: Response) -> Iterator[Any]:
        """An answer, handed to its site's handler for the request's route."""
        return self._route(response.meta, lambda handlers: handlers.answer(response))

    def dispatch_failure(self, failure: Failure) -> Iterator[Any]:
        """A failed request, handed to its site's handler for the request's route."""
        return self._route(failure.request.meta, lambda handlers: handlers.fail(failure))


def make_room(settings: BaseSettings, sites: int) -> None:
    """Room in the downloader for ``sites`` open at once, each its host's share
    (CONCURRENT_REQUESTS_PER_DOMAIN): CONCURRENT_REQUESTS is a per-process cap, and a job of many
    sites must not starve them under one site's cap. Each host stays bound by its own politeness
    (per-domain concurrency, delays, AutoThrottle). A value given with ``-s`` is kept as given."""
    if settings.getpriority("CONCURRENT_REQUESTS") >= SETTINGS_PRIORITIES["cmdline"]:
        return
    per_site = min(settings.getint("CONCURRENT_REQUESTS"), settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
    wanted = max(settings.getint("CONCURRENT_REQUESTS"), sites * per_site)
    settings.set("CONCURRENT_REQUESTS", wanted, priority="spider")
