"""Downloader middlewares of govcheck."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request


class RequestDelayMiddleware:
    """Hold a request back for ``request.meta["govcheck_delay"]`` seconds.

    Spreads out the homepage attempts (the official probe does not retry in the same second)
    without blocking the reactor.
    """

    async def process_request(self, request: Request) -> None:
        delay = request.meta.get("govcheck_delay")
        if delay:
            await asyncio.sleep(float(delay))
