"""Unchanged-page skipping between rounds: a page the site's own XML sitemap says has not changed since
the page cache stored its full answer is read from the store instead of being requested.

Only an entry's own page (``detail``, fetched for its publication date), a letter's and a 办事指南's are
ever skipped: the spider (spiders/sitemaps.py) marks such a request with what the sitemap listed for
its URL (``SITEMAP_LISTED``: the URL and its ``<lastmod>`` text); the homepage, the 网站地图, column and
list pages never carry it (availability, the homepage and column rules need the live answer). The
``<lastmod>`` is read conservatively (govcheck.extract.sitemap.lastmod_time: a date alone is the end of
that day in China time); a lastmod that is absent, unreadable, in the future or not strictly older than
the stored answer's ``fetched_at`` lets the request go as usual, and so does a missing store row or a
failing store.

The stored answer (status, type and charset headers, the body as the downloader decoded it) is handed
to the callbacks flagged ``sitemap-unchanged``, its request's meta saying when it was downloaded
(``SITEMAP_STORED_AT``), so extraction runs unchanged and an entry dated from it says so in its
evidence (spiders/sitemaps.py ``stored_date_evidence``). It is never a live check of the URL: the
spider neither charges the budget for it nor records it as a fetched page (spiders/handlers.py), link
checks of the URL go to the network as ever (their route is never skipped), and the page cache does
not store it again (its ``fetched_at`` stays the time the page was really downloaded).

Sits just below robots.txt (100): a page robots.txt now forbids is forbidden, not read from the store;
above the page cache (580), which never sees the request. Needs GOVCHECK_PAGE_CACHE (the store) and
GOVCHECK_SITEMAP. Store calls run on a thread of their own. Counted as
``govcheck/sitemap/{asked,unchanged,errors}`` (per site: govcheck.statkeys.SITEMAP_UNCHANGED_KEY).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from sqlalchemy.exc import SQLAlchemyError

from govcheck.db.session import DatabaseError
from govcheck.extract.sitemap import lastmod_time
from govcheck.pagecache_store import PageStore, StoredPage
from govcheck.spiders.routing import ROUTE
from govcheck.spiders.sitemaps import (
    SITEMAP_LISTED,
    SITEMAP_STORED_AT,
    SITEMAP_UNCHANGED_FLAG,
    SKIPPABLE_ROUTES,
)
from govcheck.store_calls import StoreCalls, database_store

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


STORE_ERRORS = (SQLAlchemyError, DatabaseError, OSError)


def unchanged_since(lastmod: str | None, fetched_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a page whose sitemap says ``lastmod`` is known unchanged since ``fetched_at``: the
    lastmod is readable, not in the future, and strictly older than the stored answer."""
    changed = lastmod_time(lastmod)
    return changed is not None and fetched_at is not None and changed <= now and changed < fetched_at


def stored_answer(request: Request, stored: StoredPage) -> Response:
    """The stored page as the callbacks would have had it downloaded, flagged and marked as never
    requested."""
    request.meta[SITEMAP_STORED_AT] = (
        stored.fetched_at.isoformat(timespec="seconds") if stored.fetched_at else None
    )
    body = stored.uncompressed()
    headers = Headers(stored.headers)
    kind = responsetypes.from_args(headers=headers, url=request.url, body=body)
    return kind(
        url=request.url,
        status=stored.status,
        headers=headers,
        body=body,
        flags=[SITEMAP_UNCHANGED_FLAG],
        request=request,
    )


class SitemapUnchangedMiddleware:
    """Answers a marked page request from the page cache's store when its sitemap says it is unchanged
    (see the module's doc)."""

    def __init__(self, crawler: Crawler, store: PageStore) -> None:
        self.crawler = crawler
        self.store = store
        self.calls = StoreCalls(
            crawler.stats,
            name="govcheck-sitemap",
            errors=STORE_ERRORS,
            error_stat="govcheck/sitemap/errors",
            warning="Page cache unavailable (%s): sitemap-listed pages are requested",
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("GOVCHECK_SITEMAP"):
            raise NotConfigured("GOVCHECK_SITEMAP is off")
        if not settings.getbool("GOVCHECK_PAGE_CACHE"):
            raise NotConfigured("GOVCHECK_PAGE_CACHE is off: no stored answers to skip to")
        middleware = cls(crawler, database_store(PageStore, settings))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def spider_closed(self) -> None:
        await self.calls.close(self.store.close)

    async def process_request(self, request: Request) -> Response | None:
        listed: dict[str, Any] | None = request.meta.get(SITEMAP_LISTED)
        if (
            listed is None
            or request.method != "GET"
            or request.meta.get(ROUTE) not in SKIPPABLE_ROUTES
            or listed.get("url") != request.url  # a redirect hop or another URL: not what was listed
        ):
            return None
        changed = lastmod_time(listed.get("lastmod"))
        if changed is None or changed > dt.datetime.now(dt.UTC):
            return None  # nothing to weigh: not worth a store call
        self._inc("asked")
        stored = await self.calls.call(self.store.load, request.url)  # a failing store: requested
        if stored is None or not unchanged_since(
            listed["lastmod"], stored.fetched_at, dt.datetime.now(dt.UTC)
        ):
            return None
        self._inc("unchanged")
        return stored_answer(request, stored)

    def _inc(self, what: str) -> None:
        self.crawler.stats.inc_value(f"govcheck/sitemap/{what}")
