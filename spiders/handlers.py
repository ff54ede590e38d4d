"""The handlers of one site's crawl, wired together: each is given the site's state and, explicitly,
the other handlers it asks (the column handler asks the link checker about soft-404s; the homepage
hands what it finds to both). :class:`SiteHandlers` maps each :class:`Route` to the methods that read
its answer and its failure."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from govcheck.spiders.columns import ColumnHandler
from govcheck.spiders.homepage import HomepageHandler
from govcheck.spiders.links import LinkChecker
from govcheck.spiders.routing import ROUTE, Route, Router
from govcheck.spiders.sitecrawl import CrawlOptions, SiteCrawl

logger = logging.getLogger(__name__)

OnAnswer = Callable[[Response], Iterable[Any]]
OnFailure = Callable[[Failure], Iterable[Any]]


class SiteHandlers:
    """One site's homepage, column and link handlers over its :class:`SiteCrawl`."""

    def __init__(self, site: SiteCrawl, options: CrawlOptions, router: Router) -> None:
        self.site = site
        self.links = LinkChecker(site, options, router)
        self.columns = ColumnHandler(site, options, router, self.links)
        self.homepage = HomepageHandler(site, options, router, self.columns, self.links)
        self.routes: dict[Route, tuple[OnAnswer, OnFailure]] = {
            Route.HOMEPAGE: (self.homepage.answered, self.homepage.failed),
            Route.REFERENCE: (self.homepage.reference_answered, self.homepage.reference_failed),
            Route.SITEMAP: (self.homepage.sitemap, self.ignore_failure),
            Route.COLUMN: (self.columns.column, self.columns.failed),
            Route.LIST_PAGE: (self.columns.list_page, self.ignore_failure),
            Route.DETAIL: (self.columns.detail, self.ignore_failure),
            Route.LINK: (self.links.checked, self.links.failed),
            Route.FINGERPRINT: (self.links.fingerprinted, self.links.fingerprint_failed),
            Route.IPV6: (self.homepage.ipv6_answered, self.homepage.ipv6_failed),
        }

    def start_request(self) -> Request:
        return self.homepage.start_request()

    def answer(self, response: Response) -> Iterable[Any]:
        """What the handler of the response's route makes of it."""
        on_answer, _ = self.routes[Route(response.meta[ROUTE])]
        return on_answer(response)

    def fail(self, failure: Failure) -> Iterable[Any]:
        """What the handler of the failed request's route makes of the failure."""
        _, on_failure = self.routes[Route(failure.request.meta[ROUTE])]
        return on_failure(failure)

    def ignore_failure(self, failure: Failure) -> Iterator[Any]:
        """A fetch nothing is stored for when it fails (a sitemap, page 2+, a detail page): logged, and a
        limit it ran into recorded."""
        logger.info("Could not fetch %s: %s", failure.request.url, self.site.failure_error(failure))
        yield from ()
