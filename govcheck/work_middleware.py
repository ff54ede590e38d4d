"""The outermost spider middleware: tells which requests really go to the engine.

A request a callback yields may still be filtered out by a spider middleware on its way (Scrapy's
``UrlLengthMiddleware`` drops an over-long URL without a signal, ``DepthMiddleware`` one past
``DEPTH_LIMIT``). Placed closest to the engine, this middleware sees only what every other one let
through and sends ``govcheck.signals.request_handed`` for it: a site's work in flight
(govcheck.spiders.handlers) then counts only requests that will end in a callback, an errback or
Scrapy's ``request_dropped``, and a filtered request can never hold a site's link checks back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from govcheck import signals

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response


class WorkMiddleware(BaseSpiderMiddleware):
    def get_processed_request(self, request: Request, response: Response | None) -> Request:
        self.crawler.signals.send_catch_log(signal=signals.request_handed, request=request)
        return request
