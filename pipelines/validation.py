"""Drop items that cannot be stored meaningfully, counting each reason; which URL fields each item kind
needs is its row in govcheck/db/kinds.py. The parts a carrier item holds (a page's links) are checked
one by one, as items of their own kind."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem

from govcheck.db.kinds import KIND_OF
from govcheck.items import CrawlItem

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 1000


def _url_problem(url: str | None) -> str | None:
    if not url:
        return "missing_url"
    if len(url) > MAX_URL_LENGTH:
        return "url_too_long"
    if urlsplit(url).scheme not in {"http", "https"}:
        return "url_not_http"
    return None


class ValidationPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: CrawlItem) -> CrawlItem:
        problem = self._problem(item)
        if problem:
            self.crawler.stats.inc_value(f"govcheck/items/dropped/{problem}")
            raise DropItem(f"{type(item).__name__}: {problem}")
        kind = KIND_OF.get(type(item))
        if kind is not None and kind.parts is not None:
            setattr(item, kind.parts, self._valid_parts(getattr(item, kind.parts)))
        return item

    def _valid_parts(self, parts: list[Any]) -> list[Any]:
        """A carrier's parts that pass as items of their own kind; each other one dropped and counted
        as it would be alone (the carrier itself stays)."""
        valid = []
        for part in parts:
            if problem := self._problem(part):
                # The line Scrapy writes for a dropped item, which a part alone never reaches.
                logger.warning("Dropped: %s: %s", type(part).__name__, problem)
                self.crawler.stats.inc_value(f"govcheck/items/dropped/{problem}")
            else:
                valid.append(part)
        return valid

    @staticmethod
    def _problem(item: Any) -> str | None:
        kind = KIND_OF.get(type(item))
        for name in kind.urls if kind is not None else ():
            problem = _url_problem(getattr(item, name))
            if problem:
                return problem
        return None
