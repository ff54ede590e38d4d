"""Request half of the destination policy: a downloader middleware every request passes.

Placed first (priority 40), before robots.txt, delays, redirects and the proxy middleware: a page's
link, a column, a soft-404 fingerprint, a robots.txt fetch or a redirect's new request (Scrapy
schedules it again, so it comes back through here) is refused before any connection or proxy
request is made. A lookup the :class:`~govcheck.resolver.PolicyResolver` refused is raised as the
same :class:`DestinationRefused`, and the host is refused up front from then on.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from govcheck.destinations import DestinationPolicy, Refusal
from govcheck.resolver import PolicyResolver

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class DestinationRefused(IgnoreRequest):
    """A request the destination policy does not let out; its errback sees this."""

    def __init__(self, url: str, refusal: Refusal) -> None:
        super().__init__(f"{url}: refused by the destination policy ({refusal.reason})")
        self.url = url
        self.refusal = refusal


class DestinationPolicyMiddleware:
    def __init__(self, crawler: Crawler, policy: DestinationPolicy) -> None:
        self.crawler = crawler
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, DestinationPolicy.from_settings(crawler.settings))

    def process_request(self, request: Request) -> None:
        refusal = self.policy.check_url(request.url) or self._refused_lookup(request)
        if refusal is not None:
            self._refuse(request, refusal)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, (DNSLookupError, CannotResolveHostError)):
            refusal = self._refused_lookup(request)
            if refusal is not None:
                self._refuse(request, refusal)

    def _refused_lookup(self, request: Request) -> Refusal | None:
        from twisted.internet import reactor  # the one Scrapy installed, with its resolver

        resolver = getattr(reactor, "resolver", None)
        if not isinstance(resolver, PolicyResolver):
            return None
        return resolver.refusal(urlparse_cached(request).hostname or "")

    def _refuse(self, request: Request, refusal: Refusal) -> None:
        self.crawler.stats.inc_value(f"govcheck/destinations/refused/{refusal.kind}")
        logger.info("Refused %s <%s>: %s", request.method, request.url, refusal.reason)
        raise DestinationRefused(request.url, refusal)
