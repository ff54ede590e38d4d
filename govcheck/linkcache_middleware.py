"""A downloader middleware that checks each target outside a site once per round, for every site and node.

A link check the spider marks shared (``SHARED_CHECK``: its target is outside the site) first asks the
round's cache (govcheck/linkcache_store.py: Redis with REDIS_URL, else the database):

- the round has an answer: no request goes out; the spider gets an empty response carrying the
  answer (``CACHED_CHECK``) and stores it with its evidence (status, method, the site whose crawl
  fetched it, when);
- nobody has checked it: this crawl claims it, fetches it as usual (the HEAD, any GET and not-found
  fingerprints are its own) and, once the check's item has been through the pipelines, records the
  outcome for the round, or drops the claim when the outcome may not be shared (govcheck/linkcache.py:
  a failure to reach a target, perhaps the inspector's own network, is never cached);
- another crawl is checking it now: the request waits (polling, off the reactor) for its answer, at
  most twice DOWNLOAD_TIMEOUT, then checks it itself.

A cache hit still costs the site its budgeted request: which checks fit a site's budget must not
depend on which other site of the round got there first. A cache that fails (Redis or the database
away) is a miss: the crawl checks the target itself. Counted in the crawl stats as
``govcheck/link_cache/{hits,misses,waits,wait_timeouts,recorded,not_shared,errors}``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import sleep
from sqlalchemy.exc import SQLAlchemyError

from govcheck import signals as govcheck_signals
from govcheck.db.session import DatabaseError
from govcheck.items import LinkCheckItem
from govcheck.linkcache import CACHED_CHECK, SHARED_CHECK, CachedCheck
from govcheck.linkcache_store import Claim, LinkCacheStore, store_from_settings
from govcheck.store_calls import StoreCalls

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

    from govcheck.context import CrawlContext

POLL_INTERVAL = 0.25  # seconds between two asks while another crawl checks the target
STORE_ERRORS = (RedisError, SQLAlchemyError, DatabaseError, OSError)


class LinkCacheMiddleware:
    """Answers, claims or waits for each shared link check (see the module's doc); one per crawler."""

    def __init__(self, crawler: Crawler, store: LinkCacheStore, *, wait: float) -> None:
        self.crawler = crawler
        self.store = store
        self.wait = wait
        # A failing cache is a miss: the crawl checks the target itself.
        self.calls = StoreCalls(
            crawler.stats,
            name="govcheck-linkcache",
            errors=STORE_ERRORS,
            error_stat="govcheck/link_cache/errors",
            warning="Link-check cache unavailable (%s): checking targets directly",
        )
        self.token = uuid.uuid4().hex  # this process's claims
        self.rounds: dict[str, str] = {}  # open site -> its round
        self.claims: dict[tuple[str, str], str] = {}  # (site, target) this process checks -> round

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("GOVCHECK_LINK_CACHE"):
            raise NotConfigured("GOVCHECK_LINK_CACHE is off")
        middleware = cls(
            crawler, store_from_settings(settings), wait=2 * settings.getfloat("DOWNLOAD_TIMEOUT")
        )
        crawler.signals.connect(middleware.site_opened, signal=govcheck_signals.site_opened)
        crawler.signals.connect(middleware.site_closed, signal=govcheck_signals.site_closed)
        crawler.signals.connect(middleware.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(middleware.item_left, signal=signals.item_dropped)
        crawler.signals.connect(middleware.item_left, signal=signals.item_error)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    # -- a shared check: answered from the cache, claimed, or waited for ------------------------------

    async def process_request(self, request: Request) -> Response | None:
        meta = request.meta
        site, target = meta.get("govcheck_site"), meta.get("link_target")
        round_name = self.rounds.get(site or "")
        if (
            not meta.get(SHARED_CHECK)
            or round_name is None
            or target is None
            or (site, target) in self.claims
        ):
            return None  # not shared, or a retry/redirect of this crawl's own check
        deadline = time.monotonic() + self.wait
        waited = False
        while True:
            answer = await self.calls.call(self.store.claim, round_name, target, self.token)
            if answer is None:
                return None
            if isinstance(answer, CachedCheck):
                self._inc("hits")
                meta[CACHED_CHECK] = answer
                return Response(request.url, status=200, request=request, flags=["link_cache"])
            if answer is Claim.MINE:
                self._inc("misses")
                self.claims[(site, target)] = round_name
                return None
            if not waited:
                waited = True
                self._inc("waits")
            if time.monotonic() >= deadline:
                self._inc("wait_timeouts")  # its checker is slow: check it ourselves (the first answer stays)
                return None
            await sleep(POLL_INTERVAL)

    # -- a claimed check's outcome -----------------------------------------------------------------

    def item_scraped(self, item: Any, **kwargs: Any) -> None:
        """A check this crawl claimed has been stored: its outcome becomes the round's, if shareable."""
        if not isinstance(item, LinkCheckItem):
            return
        round_name = self.claims.pop((item.site or "", item.url), None)
        if round_name is None:
            return
        check = CachedCheck.of(item, item.site or "")
        if check is None:
            self._inc("not_shared")
            self.calls.run(self.store.release, round_name, item.url, self.token)
            return
        self._inc("recorded")
        self.calls.run(self.store.record, round_name, check)

    def item_left(self, item: Any, **kwargs: Any) -> None:
        """A claimed check's item was dropped or failed in a pipeline: nothing to share."""
        if isinstance(item, LinkCheckItem):
            round_name = self.claims.pop((item.site or "", item.url), None)
            if round_name is not None:
                self.calls.run(self.store.release, round_name, item.url, self.token)

    # -- sites and the crawl ------------------------------------------------------------------------

    def site_opened(self, context: CrawlContext) -> None:
        self.rounds[context.host] = context.round

    def site_closed(self, context: CrawlContext, **kwargs: Any) -> None:
        """A site's checks that never produced an item (its budget or time ran out): claims dropped."""
        self.rounds.pop(context.host, None)
        self._release_claims(lambda site: site == context.host)

    async def spider_closed(self) -> None:
        self._release_claims(lambda _site: True)
        await self.calls.close(self.store.close)

    def _release_claims(self, of_site: Callable[[str], bool]) -> None:
        for site, target in [key for key in self.claims if of_site(key[0])]:
            self.calls.run(self.store.release, self.claims.pop((site, target)), target, self.token)

    def _inc(self, what: str) -> None:
        self.crawler.stats.inc_value(f"govcheck/link_cache/{what}")
