"""The outermost spider middleware: marks what a callback's output brought to the engine.

A request a callback yields may still be filtered out on its way by a spider middleware, without a
signal (Scrapy's ``UrlLengthMiddleware`` drops an over-long URL, ``DepthMiddleware`` one past
``DEPTH_LIMIT``). Placed closest to the engine, this middleware marks the answered request
(:data:`THROUGH_MIDDLEWARES`: its callback's output passes the spider middlewares; an errback's
output after a download failure does not) and every request that got through (:data:`HANDED`). A
site's work in flight (govcheck.spiders.handlers) counts each request its callbacks yield and, once
a callback has ended, settles those a middleware filtered out: they will reach neither a callback
nor Scrapy's ``request_dropped``, and must not hold the site's link checks back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable

    from scrapy import Request, Spider
    from scrapy.http import Response

THROUGH_MIDDLEWARES = "govcheck_through_middlewares"  # meta of an answered request
HANDED = "govcheck_handed"  # meta of a request that passed every spider middleware


class WorkMiddleware(BaseSpiderMiddleware):
    def process_spider_output(
        self, response: Response | None, result: Iterable[Any], spider: Spider | None = None
    ) -> Iterable[Any]:
        _mark(response)
        yield from super().process_spider_output(response, result)

    async def process_spider_output_async(
        self, response: Response | None, result: AsyncIterator[Any], spider: Spider | None = None
    ) -> AsyncIterator[Any]:
        _mark(response)
        async for output in super().process_spider_output_async(response, result):
            yield output

    def get_processed_request(self, request: Request, response: Response | None) -> Request:
        request.meta[HANDED] = True
        return request


def _mark(response: Response | None) -> None:
    """Runs when the chain is first pulled, before the callback's generator starts."""
    if response is not None and response.request is not None:
        response.request.meta[THROUGH_MIDDLEWARES] = True
