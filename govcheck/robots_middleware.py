"""Scrapy's RobotsTxtMiddleware, with every request that waits for a host's robots.txt checked.

Scrapy 2.19 lets the first request to a host fetch its robots.txt while the others await one shared
Deferred through ``maybe_deferred_to_future``; Twisted's ``asFuture`` callback returns None, so the
first waiter consumes the parser and every later one receives None (no parser: allowed). A site's
columns all wait for robots.txt at once, so without this class none of them would be checked. The
shared await came with scrapy/scrapy#6802 ("Refactor RobotsTxtMiddleware to use async def
process_request()"); before it each waiter had its own Deferred, which this class restores.

A disallowed request fails with :class:`ForbiddenByRobots`, so its errback can tell "robots.txt asked
us not to read it" (never the site's fault) from the other ``IgnoreRequest`` s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.robotstxt import RobotParser


class ForbiddenByRobots(IgnoreRequest):
    """A request the host's robots.txt disallows; its errback sees this."""

    def __init__(self, url: str) -> None:
        super().__init__(f"{url}: forbidden by robots.txt")
        self.url = url


class EveryWaiterRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        # Our own Deferred, fed by a callback that passes the parser on to the shared one's next waiter.
        mine: Deferred[RobotParser | None] = Deferred()

        def hand_on(parser: RobotParser | None) -> RobotParser | None:
            mine.callback(parser)
            return parser

        pending.addCallback(hand_on)
        return await maybe_deferred_to_future(mine)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as forbidden:
            raise ForbiddenByRobots(request.url) from forbidden
