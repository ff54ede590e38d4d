"""The framework's ceiling for govcheck's OWN requests: a plain Scrapy spider that makes exactly the
requests a govcheck run made (the farm's request log: its GET pages, its HEAD link checks and their GET
fallbacks, robots.txt, redirect hops), each once, parsing nothing. bench/crawl.py runs it with
``scrapy runspider`` outside govcheck's project, politeness off, as many processes as govcheck's
``--jobs``: same requests, same server, so its rate is what Scrapy alone does with govcheck's work.

It is an upper bound: every request is known at the start, while govcheck learns its requests from
the pages it reads (a column's links only once its list page is in)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from scrapy import Request, Spider
from scrapy.http import Response


class ReplaySpider(Spider):
    name = "replay"
    # Every answer is an answer (404s included), and a redirect's next hop is in the log already.
    custom_settings: ClassVar[dict[str, Any]] = {
        "HTTPERROR_ALLOW_ALL": True,
        "REDIRECT_ENABLED": False,
        "RETRY_ENABLED": False,
    }

    def __init__(self, requests: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with open(requests, encoding="utf-8") as log:
            self.replayed: list[tuple[str, str]] = [(method, url) for method, url in json.load(log)]

    async def start(self) -> AsyncIterator[Request]:
        for method, url in self.replayed:
            yield Request(url, method=method, dont_filter=True, callback=self.parse)

    def parse(self, response: Response) -> None:
        return None
