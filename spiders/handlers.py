"""The handlers of one site's crawl, wired together: each is given the site's state and, explicitly,
the other handlers it asks (the column handler asks the link checker about soft-404s; the homepage
hands what it finds to both). :class:`SiteHandlers` maps each :class:`Route` to the methods that read
its answer and its failure, and counts the site's page work and link work in flight: once neither is,
the next wave goes, the one place that decides it: the held page work of the most valuable phase
(govcheck.spiders.waves), and once no page work is held, the link checker's next wave of checks.

A request is in flight from when a callback or errback yields it until it ends, whichever way: its
own callback or errback (an answer; a failure, a destination, robots.txt or offsite refusal, a
cancelled download), the scheduler refusing it (a duplicate: Scrapy's ``request_dropped``, see
:meth:`SiteHandlers.dropped`), or a spider middleware filtering it out on its way (an over-long URL:
settled when the callback that yielded it ends, as :class:`govcheck.work_middleware.WorkMiddleware`
marks what got through). A budget refusal is never yielded. So a site whose last page request was
a duplicate still has its links checked."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from govcheck.items import PageItem
from govcheck.spiders.articles import ArticleSampler
from govcheck.spiders.columns import ColumnHandler
from govcheck.spiders.homepage import HomepageHandler
from govcheck.spiders.letters import LetterHandler
from govcheck.spiders.links import LinkChecker
from govcheck.spiders.routing import ROUTE, Route, Router
from govcheck.spiders.service import ServiceHandler
from govcheck.spiders.sitecrawl import CrawlOptions, SiteCrawl
from govcheck.spiders.sitemaps import RobotsLookup, SitemapReader
from govcheck.work_middleware import HANDED, THROUGH_MIDDLEWARES

logger = logging.getLogger(__name__)

OnAnswer = Callable[[Response], Iterable[Any]]
OnFailure = Callable[[Failure], Iterable[Any]]

# The routes of a site's page work, which comes before every link check; the rest is link work but
# the reference hosts (asked only when the homepage failed: never followed by link checks) and the
# IPv6 check (answered without a download).
PAGE_WORK = frozenset(
    {
        Route.HOMEPAGE,
        Route.SITEMAP,
        Route.XML_SITEMAP,
        Route.COLUMN,
        Route.LIST_PAGE,
        Route.DETAIL,
        Route.LETTER,
        Route.GUIDE,
        Route.ARTICLE,
    }
)
LINK_WORK = frozenset({Route.LINK, Route.FINGERPRINT})


class SiteHandlers:
    """One site's homepage, column, letter, service, article and link handlers over its :class:`SiteCrawl`."""

    def __init__(self, site: SiteCrawl, options: CrawlOptions, router: Router, robots: RobotsLookup) -> None:
        self.site = site
        # What stands for pages a wave released outside any callback left out (see :meth:`dropped`).
        self.standing: list[Any] = []
        self.links = LinkChecker(site, options, router)
        self.letters = LetterHandler(site, options, router)
        self.service = ServiceHandler(site, options, router, self.links)
        self.articles = ArticleSampler(site, options, router)
        self.columns = ColumnHandler(
            site, options, router, self.links, self.letters, self.service, self.articles
        )
        self.sitemaps = SitemapReader(site, options, router, robots)
        self.homepage = HomepageHandler(site, options, router, self.columns, self.links)
        self.routes: dict[Route, tuple[OnAnswer, OnFailure]] = {
            Route.HOMEPAGE: (self.homepage.answered, self.homepage.failed),
            Route.REFERENCE: (self.homepage.reference_answered, self.homepage.reference_failed),
            Route.SITEMAP: (self.homepage.sitemap, self.ignore_failure),
            Route.XML_SITEMAP: (self.sitemaps.answered, self.sitemaps.failed),
            Route.COLUMN: (self.columns.column, self.columns.failed),
            Route.LIST_PAGE: (self.columns.list_page, self.ignore_failure),
            Route.DETAIL: (self.columns.detail, self.ignore_failure),
            Route.LETTER: (self.letters.detail, self.letters.failed),
            Route.GUIDE: (self.columns.guide, self.ignore_failure),
            Route.ARTICLE: (self.articles.answered, self.articles.failed),
            Route.LINK: (self.links.checked, self.links.failed),
            Route.FINGERPRINT: (self.links.fingerprinted, self.links.fingerprint_failed),
            Route.IPV6: (self.homepage.ipv6_answered, self.homepage.ipv6_failed),
        }

    def start_request(self) -> Request:
        return self._counted(self.homepage.start_request(), 1)

    def dropped(self, request: Request) -> Iterator[Request]:
        """The scheduler refused a request of this site (a duplicate, or a retry or redirect hop of
        one): no callback will settle it, so it is settled here; if that drained the site's work, the
        next wave's requests (for the caller to hand to the engine, counted in flight). Items can only
        reach the pipelines through a callback: what stands for pages the wave left out waits for the
        site's next one."""
        self._counted(request, -1)
        for released in self._next_wave():
            if isinstance(released, Request):
                yield self._counted(released, 1)
            else:
                self.standing.append(released)

    def answer(self, response: Response) -> Iterator[Any]:
        """What the handler of the response's route makes of it."""
        on_answer, _ = self.routes[Route(response.meta[ROUTE])]
        outputs = on_answer(response)
        if self.sitemaps.read_from_store(response):
            # Read from the store, never requested: no fetch of the URL is recorded (its status is
            # no live check; the link check of the URL, if any, asks the site).
            outputs = (output for output in outputs if not isinstance(output, PageItem))
        return self._settled(response.request, outputs)

    def fail(self, failure: Failure) -> Iterator[Any]:
        """What the handler of the failed request's route makes of the failure."""
        _, on_failure = self.routes[Route(failure.request.meta[ROUTE])]
        return self._settled(failure.request, on_failure(failure))

    def _settled(self, request: Request, outputs: Iterable[Any]) -> Iterator[Any]:
        """What stands for pages a wave outside any callback left out (:meth:`dropped`), then the
        handler's outputs, its new requests counted in flight; then the request itself is settled, and
        so is every new request a spider middleware filtered out (each has passed the whole chain, or
        not, before this generator is resumed); when the site's work has drained, the next wave goes."""
        yielded: list[Request] = []
        own_settled = False
        standing, self.standing = self.standing, []
        yield from standing
        try:
            for output in outputs:
                if isinstance(output, Request):
                    yielded.append(self._counted(output, 1))
                yield output
            own_settled = True
            self._counted(request, -1)
            while True:
                # Settling a request a middleware filtered out may drain the site: the next wave.
                self._settle_filtered(request, yielded)
                yielded = []
                for released in self._next_wave():
                    if isinstance(released, Request):
                        yielded.append(self._counted(released, 1))
                    yield released
                if not yielded:
                    break
        finally:
            if not own_settled:
                self._counted(request, -1)
            self._settle_filtered(request, yielded)

    def cut_short(self) -> None:
        """The site's crawl ends with work still held (cut short by a close reason, or closed by the
        fleet's safety net): held pages and queued checks are counted as skipped, never silently lost."""
        self.site.pages.skip_held()
        self.links.skip_queued()
        if self.standing:
            logger.warning(
                "%s: %d items standing for skipped pages found no callback to leave by",
                self.site.key,
                len(self.standing),
            )
            self.standing.clear()

    def _settle_filtered(self, request: Request, yielded: list[Request]) -> None:
        """Settle the requests of ``request``'s callback that a spider middleware filtered out."""
        if request.meta.get(THROUGH_MIDDLEWARES):
            for filtered in yielded:
                if not filtered.meta.get(HANDED):
                    self._counted(filtered, -1)

    def _next_wave(self) -> Iterator[Any]:
        """When none of the site's work is in flight: the next wave with anything to fetch, its requests
        (the caller counts each in flight before this resumes) and what stands for pages it left out."""
        site = self.site
        while not site.closed and site.page_work == 0 and site.link_work == 0:
            if not site.pages:
                # The article sample, chosen once every column has been read: the last page phase.
                self.articles.hold()
            if site.pages:
                self.sitemaps.before_wave()  # the sitemaps go before the first wave they can spare
                requests, standing = site.pages.release()
                self.sitemaps.mark(requests)
                yield from standing
                yield from requests
                continue
            if site.link_queue:
                yield from self.links.release()
            else:
                return

    def _counted(self, request: Request, change: int) -> Request:
        self._count(Route(request.meta[ROUTE]), change)
        return request

    def _count(self, route: Route, change: int) -> None:
        if route in PAGE_WORK:
            self.site.page_work += change
        elif route in LINK_WORK:
            self.site.link_work += change

    def ignore_failure(self, failure: Failure) -> Iterator[Any]:
        """A fetch nothing is stored for when it fails (a sitemap, page 2+, a detail page): logged, and a
        limit it ran into recorded."""
        logger.info("Could not fetch %s: %s", failure.request.url, self.site.failure_error(failure))
        yield from ()
