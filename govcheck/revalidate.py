"""Conditional link checks between rounds: a target unchanged since the site's previous check keeps
that check's outcome.

A site's own check of a target that answered with validators (ETag, Last-Modified) and an outcome the
target itself gave (govcheck.linkcache.shareable: a status, never a failure to reach it) is kept in
``link_validators`` (one row per site and target, the newest). The next crawl of the site sends them
with the target's HEAD (If-None-Match, If-Modified-Since); a 304 means the target has not changed, so
the spider stores the previous outcome with its evidence (status, method, ``checked_by`` the site,
``checked_at`` when it was fetched) and skips what the check would otherwise cost: the GET that
settles a HEAD, and the host's not-found fingerprints. Any other answer is checked as usual.

Covered: link checks (where only the status, or a soft-404 verdict on an unchanged body, matters).
Pages (homepages, columns, list and detail pages) are revalidated by govcheck/pagecache_middleware.py,
which keeps their bodies, since their callbacks read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.defer import Deferred

from govcheck import signals as govcheck_signals
from govcheck.db.models import LinkValidator
from govcheck.db.session import DatabaseError, open_database, with_retry
from govcheck.items import LinkCheckItem
from govcheck.limits import LINK_CHECK
from govcheck.linkcache import CACHED_CHECK, CachedCheck
from govcheck.store_calls import StoreCalls, database_store

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from sqlalchemy.orm import Session

    from govcheck.context import CrawlContext

REVALIDATING = "govcheck_revalidating"  # request meta: the previous check's validators were sent


@dataclass(frozen=True, slots=True)
class PreviousCheck:
    check: CachedCheck
    etag: str | None
    last_modified: str | None


class ValidatorStore:
    """``link_validators`` in the crawl's database; every call blocks (the middleware's thread runs it)."""

    def __init__(self, database_url: str, *, migrate: bool) -> None:
        self.database_url = database_url
        self.migrate = migrate
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = open_database(self.database_url, migrate=self.migrate, small_pool=True)
        return self._engine

    def load(self, host: str) -> dict[str, PreviousCheck]:
        def work(session: Session) -> dict[str, PreviousCheck]:
            rows = session.scalars(select(LinkValidator).where(LinkValidator.host == host))
            return {row.url: _previous(row) for row in rows}

        return with_retry(self.engine, work)

    def save(self, round_name: str, check: CachedCheck, etag: str | None, last_modified: str | None) -> None:
        values = {
            "host": check.checked_by,
            "url": check.url,
            "etag": etag,
            "last_modified": last_modified,
            "outcome": check.outcome,
            "status": check.status,
            "error": check.error,
            "method": check.method,
            "round": round_name,
            "checked_at": check.checked_at,
        }

        def work(session: Session) -> None:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            statement = insert(LinkValidator).values(values)
            kept = ("host", "url")
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=list(kept),
                    set_={k: statement.excluded[k] for k in values if k not in kept},
                )
            )

        with_retry(self.engine, work)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _previous(row: LinkValidator) -> PreviousCheck:
    return PreviousCheck(CachedCheck.stored(row, row.host), row.etag, row.last_modified)


class RevalidateMiddleware:
    """Sends a site's previous validators with its link checks' HEADs and turns a 304 into the previous
    outcome (``CACHED_CHECK``, as the round's cache does); records the validators of its own checks.
    Counted as ``govcheck/revalidate/{sent,unchanged,recorded,errors}``."""

    def __init__(self, crawler: Crawler, store: ValidatorStore) -> None:
        self.crawler = crawler
        self.store = store
        # A failing database costs the conditional requests only: checks go out as usual.
        self.calls = StoreCalls(
            crawler.stats,
            name="govcheck-revalidate",
            errors=(SQLAlchemyError, DatabaseError, OSError),
            error_stat="govcheck/revalidate/errors",
            warning="Link validators unavailable (%s): link checks are unconditional",
        )
        self.rounds: dict[str, str] = {}  # open site -> its round
        self.loading: dict[str, list[Deferred[None]]] = {}  # site whose checks are being read -> waiters
        self.previous: dict[str, dict[str, PreviousCheck]] = {}  # open site -> target -> its previous check
        self.validators: dict[
            tuple[str, str], tuple[str | None, str | None]
        ] = {}  # (site, target) -> seen now

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("GOVCHECK_REVALIDATE"):
            raise NotConfigured("GOVCHECK_REVALIDATE is off")
        middleware = cls(crawler, database_store(ValidatorStore, settings))
        crawler.signals.connect(middleware.site_opened, signal=govcheck_signals.site_opened)
        crawler.signals.connect(middleware.site_closed, signal=govcheck_signals.site_closed)
        crawler.signals.connect(middleware.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def site_opened(self, context: CrawlContext) -> None:
        self.rounds[context.host] = context.round
        self.loading[context.host] = []
        self.calls.run(self.store.load, context.host).addCallback(self._loaded, context.host)

    def _loaded(self, previous: dict[str, PreviousCheck] | None, host: str) -> None:
        if host in self.rounds:
            self.previous[host] = previous or {}
        for waiter in self.loading.pop(host, []):
            waiter.callback(None)

    def site_closed(self, context: CrawlContext, **kwargs: Any) -> None:
        host = context.host
        self.rounds.pop(host, None)
        self.previous.pop(host, None)
        for key in [key for key in self.validators if key[0] == host]:
            del self.validators[key]

    async def spider_closed(self) -> None:
        await self.calls.close(self.store.close)

    async def process_request(self, request: Request) -> None:
        meta = request.meta
        if not meta.get(LINK_CHECK) or request.method != "HEAD" or CACHED_CHECK in meta:
            return
        previous = (await self._previous_of(meta.get("govcheck_site") or "")).get(
            meta.get("link_target") or ""
        )
        if previous is None or REVALIDATING in meta:
            return
        if previous.etag:
            request.headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            request.headers["If-Modified-Since"] = previous.last_modified
        meta[REVALIDATING] = True
        self._inc("sent")

    def process_response(self, request: Request, response: Response) -> Response:
        meta = request.meta
        site, target = meta.get("govcheck_site") or "", meta.get("link_target") or ""
        if response.status == 304 and meta.get(REVALIDATING):
            previous = self.previous.get(site, {}).get(target)
            if previous is not None:  # unchanged since the site's previous check: its outcome stands
                self._inc("unchanged")
                meta[CACHED_CHECK] = previous.check
                return response.replace(status=200, flags=[*response.flags, "revalidated"])
        if meta.get(LINK_CHECK) and CACHED_CHECK not in meta and 200 <= response.status < 300:
            etag, modified = response.headers.get(b"ETag"), response.headers.get(b"Last-Modified")
            if etag or modified:
                self.validators[(site, target)] = (
                    etag.decode("latin-1") if etag else None,
                    modified.decode("latin-1") if modified else None,
                )
        return response

    def item_scraped(self, item: Any, **kwargs: Any) -> None:
        """A check this crawl made itself, with validators and an outcome the target gave: kept for the
        site's next round."""
        if not isinstance(item, LinkCheckItem):
            return
        site = item.site or ""
        seen = self.validators.pop((site, item.url), None)
        check = CachedCheck.of(item, site)
        if seen is None or check is None or site not in self.rounds:
            return
        self._inc("recorded")
        self.calls.run(self.store.save, self.rounds[site], check, *seen)

    async def _previous_of(self, site: str) -> dict[str, PreviousCheck]:
        if site in self.loading:  # its previous checks are still being read
            waiter: Deferred[None] = Deferred()
            self.loading[site].append(waiter)
            await maybe_deferred_to_future(waiter)
        return self.previous.get(site, {})

    def _inc(self, what: str) -> None:
        self.crawler.stats.inc_value(f"govcheck/revalidate/{what}")
