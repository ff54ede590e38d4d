"""Answers a site's IPv6 check request (``meta[IPV6_CHECK]``, made by the homepage handler) without
downloading it: ``check_ipv6`` runs on a thread, off the reactor, and the fact comes back in the
response's meta (``IPV6_FACT``). Every other request passes untouched.

A request rather than a pipeline step: the site's crawl counts it like any request, so a fleet site
is not closed (and stored) while its homepage outcome still waits for the check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet.threads import deferToThread

from govcheck.ipv6 import IPV6_CHECK, IPV6_FACT, UNKNOWN, Ipv6Network, check_ipv6

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler


class Ipv6CheckMiddleware:
    def __init__(self, network: Ipv6Network | None, timeout: float) -> None:
        self.network = network
        self.timeout = timeout

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        network = None
        if settings.getbool("GOVCHECK_IPV6_CHECK"):
            network = load_object(settings["GOVCHECK_IPV6_NETWORK"])(settings, settings["USER_AGENT"])
        return cls(network, settings.getfloat("GOVCHECK_IPV6_TIMEOUT"))

    async def process_request(self, request: Request) -> Response | None:
        if not request.meta.get(IPV6_CHECK):
            return None
        if self.network is None:
            fact = {"result": UNKNOWN, "reason": "check_off"}
        else:
            fact = await maybe_deferred_to_future(
                deferToThread(check_ipv6, self.network, request.url, self.timeout)
            )
        request.meta[IPV6_FACT] = fact
        return Response(request.url, status=200, request=request)
