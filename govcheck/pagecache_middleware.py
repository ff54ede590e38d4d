"""Conditional page requests between rounds (Scrapy's HttpCacheMiddleware with RFC2616Policy, made to
revalidate always): a 304 hands every callback the page it would have downloaded.

A page request (routes in ``PAGE_ROUTES``: the homepage, 网站地图, columns, list, detail, letter and guide
pages) whose URL has a stored full answer (govcheck/pagecache_store.py, the ``page_cache`` table) goes
out with that answer's ETag (If-None-Match) and Last-Modified (If-Modified-Since). The site is always
asked: nothing is served from the store unasked, so a homepage that stopped changing is seen by the
site's own word every round, and availability, latency, politeness and the site's request budget are
those of a full fetch. On a 304 the stored answer (status, type and charset headers, the body as the
downloader decoded it) replaces the empty one, flagged ``revalidated`` and marked in the request's meta
(``PAGE_REVALIDATED``); the callbacks run unchanged, so findings are those of a full fetch. Any other
answer passes through; a 200 carrying validators and at most GOVCHECK_PAGE_CACHE_MAXSIZE bytes is stored
for the next round (a cut or incomplete body never is).

Sits below RedirectMiddleware and HttpCompressionMiddleware (580): each redirect hop is asked for
itself, and the body stored is the decompressed one, before EncodingMiddleware (560) reads it, which
then reads a revalidated page exactly as a downloaded one. Store calls run on a thread of their own; a
failing store costs the conditional request only (the page is fetched whole).

Pruned: when a site's crawl closes ``finished``, its homepage was read, its budget left nothing out and
every other page request of it was answered (no download error, no 403/429/5xx, even one retried), the
site's rows whose URL it did not ask for this round are deleted: the site no longer links to them. Never after a crawl cut short
(interrupted, a closespider limit, a spent budget) or troubled (a site down or refusing): the pages it
did not reach may still be linked. A wrong prune would cost one full fetch next round, never a finding. Counted as ``govcheck/pagecache/{sent,unchanged,bytes_saved,stored,too_large,pruned,errors}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from sqlalchemy.exc import SQLAlchemyError

from govcheck import signals as govcheck_signals
from govcheck.db.session import DatabaseError
from govcheck.pagecache_store import KEPT_HEADERS, FetchedPage, PageStore, StoredPage
from govcheck.spiders.routing import ROUTE, Route
from govcheck.spiders.sitemaps import SITEMAP_UNCHANGED_FLAG
from govcheck.store_calls import StoreCalls, database_store

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from govcheck.context import CrawlContext

PAGE_ROUTES = frozenset(
    {
        Route.HOMEPAGE,
        Route.SITEMAP,
        Route.COLUMN,
        Route.LIST_PAGE,
        Route.DETAIL,
        Route.LETTER,
        Route.GUIDE,
    }
)
PAGE_REVALIDATED = "govcheck_page_revalidated"  # request meta: the site said 304; the body is the stored one
REVALIDATED_FLAG = "revalidated"
CONDITIONAL_HEADERS = ("If-None-Match", "If-Modified-Since")
STORE_ERRORS = (SQLAlchemyError, DatabaseError, OSError)
TROUBLE_STATUSES = frozenset({403, 429})  # and 5xx: a page the site did not serve this time
# The page_cache columns' widths: a URL or validator longer than these is not kept.
URL_WIDTH, ETAG_WIDTH, LAST_MODIFIED_WIDTH = 1000, 200, 100


class PageCacheMiddleware:
    """Revalidates page requests against the previous round's answers (see the module's doc)."""

    def __init__(self, crawler: Crawler, store: PageStore, *, max_size: int) -> None:
        self.crawler = crawler
        self.store = store
        self.max_size = max_size
        self.calls = StoreCalls(
            crawler.stats,
            name="govcheck-pagecache",
            errors=STORE_ERRORS,
            error_stat="govcheck/pagecache/errors",
            warning="Page cache unavailable (%s): pages are fetched whole",
        )
        self.rounds: dict[str, str] = {}  # open site -> its round
        self.asked_urls: dict[str, set[str]] = {}  # open site -> the page URLs it asked for this round
        self.troubled: set[str] = set()  # open sites a page request of which went unanswered
        # The stored answer each conditional request in flight was sent with (a retry is a new request).
        self.asked: WeakKeyDictionary[Request, StoredPage] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("GOVCHECK_PAGE_CACHE"):
            raise NotConfigured("GOVCHECK_PAGE_CACHE is off")
        store = database_store(PageStore, settings)
        middleware = cls(crawler, store, max_size=settings.getint("GOVCHECK_PAGE_CACHE_MAXSIZE"))
        crawler.signals.connect(middleware.site_opened, signal=govcheck_signals.site_opened)
        crawler.signals.connect(middleware.site_closed, signal=govcheck_signals.site_closed)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def site_opened(self, context: CrawlContext) -> None:
        self.rounds[context.host] = context.round
        self.asked_urls[context.host] = set()

    def site_closed(self, context: CrawlContext, stats: dict[str, Any], reason: str, **kwargs: Any) -> None:
        """A complete crawl prunes the site's rows it no longer asked for (queued before the store's
        close at spider_closed: the calls run in order)."""
        self.rounds.pop(context.host, None)
        asked = self.asked_urls.pop(context.host, set())
        troubled = context.host in self.troubled
        self.troubled.discard(context.host)
        whole = (
            reason == "finished"
            and stats.get("govcheck/homepage/outcome") == "ok"
            and not stats.get("govcheck/budget/exhausted")
            and not troubled
        )
        if whole and asked:
            self.calls.run(self.store.prune, context.host, frozenset(asked)).addCallback(self._pruned)

    def _pruned(self, count: int | None) -> None:
        if count:
            self._inc("pruned", count)

    async def spider_closed(self) -> None:
        await self.calls.close(self.store.close)

    async def process_request(self, request: Request) -> None:
        if not self._is_page(request):
            return
        for header in CONDITIONAL_HEADERS:  # only this middleware makes a page request conditional
            request.headers.pop(header, None)
        stored = await self.calls.call(self.store.load, request.url)
        if stored is None:
            return
        if stored.etag:
            request.headers["If-None-Match"] = stored.etag
        if stored.last_modified:
            request.headers["If-Modified-Since"] = stored.last_modified
        self.asked[request] = stored
        self._inc("sent")

    def process_response(self, request: Request, response: Response) -> Response:
        self._answered(request, trouble=response.status >= 500 or response.status in TROUBLE_STATUSES)
        stored = self.asked.pop(request, None)
        if stored is not None and response.status == 304:
            return self._stored_answer(request, response, stored)
        if self._is_page(request):
            self._keep(request, response)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._answered(request, trouble=True)

    def _answered(self, request: Request, *, trouble: bool) -> None:
        """A page request of an open site went out this round; ``trouble``: the site did not serve it
        this time (the homepage's attempts are judged by its outcome: a failed https attempt before
        http is no trouble)."""
        site = request.meta.get("govcheck_site") or ""
        if not self._is_page(request) or site not in self.asked_urls:
            return
        self.asked_urls[site].add(request.url)
        if trouble and request.meta.get(ROUTE) != Route.HOMEPAGE:
            self.troubled.add(site)

    def _stored_answer(self, request: Request, response: Response, stored: StoredPage) -> Response:
        """The page the site says is unchanged, as it was downloaded (the 304's connection facts kept)."""
        body = stored.uncompressed()
        headers = Headers(stored.headers)
        self._inc("unchanged")
        self._inc("bytes_saved", len(body))
        request.meta[PAGE_REVALIDATED] = True
        kind = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return kind(
            url=request.url,
            status=stored.status,
            headers=headers,
            body=body,
            flags=[*response.flags, REVALIDATED_FLAG],
            request=request,
            certificate=response.certificate,
            ip_address=response.ip_address,
            protocol=response.protocol,
        )

    def _keep(self, request: Request, response: Response) -> None:
        """A full answer with validators, complete and within bounds, stored for the next round."""
        site = request.meta.get("govcheck_site") or ""
        page = keepable(request, response, site=site, round_name=self.rounds.get(site, ""))
        if page is None:
            return
        if len(page.body) > self.max_size:
            self._inc("too_large")
            return
        self._inc("stored")
        self.calls.run(self.store.save, page)

    @staticmethod
    def _is_page(request: Request) -> bool:
        return request.method == "GET" and request.meta.get(ROUTE) in PAGE_ROUTES

    def _inc(self, what: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"govcheck/pagecache/{what}", count)


def keepable(request: Request, response: Response, *, site: str, round_name: str) -> FetchedPage | None:
    """The answer as the next round may hand it back: a complete 200 with validators (ETag and/or
    Last-Modified) that fit the table; None for anything else."""
    headers = {
        name: value.decode("latin-1")
        for name in KEPT_HEADERS
        if (value := response.headers.get(name)) is not None
    }
    etag, modified = headers.get("ETag"), headers.get("Last-Modified")
    if (
        response.status != 200
        or not (etag or modified)
        or "dataloss" in response.flags  # a body shorter than its Content-Length
        or SITEMAP_UNCHANGED_FLAG in response.flags  # never requested: its fetched_at must stay
        or len(request.url) > URL_WIDTH
        or len(etag or "") > ETAG_WIDTH
        or len(modified or "") > LAST_MODIFIED_WIDTH
    ):
        return None
    return FetchedPage(request.url, site, round_name, 200, headers, response.body)
