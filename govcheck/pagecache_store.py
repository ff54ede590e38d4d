"""Where each page's previous full answer lives between rounds: the ``page_cache`` table of the crawl's
database (one row per URL; in fleet mode every node shares it). Bodies are kept zlib-compressed.

Every call blocks (a database transaction, a compression): the middleware runs them on a thread.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from govcheck.db.models import PageCacheEntry
from govcheck.db.session import open_database, with_retry

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# The headers a callback or EncodingMiddleware reads of a page (its type and charset), and its validators.
KEPT_HEADERS = ("Content-Type", "Content-Language", "ETag", "Last-Modified")
PRUNE_CHUNK = 500  # URLs per DELETE: well under SQLite's bound parameters


@dataclass(frozen=True, slots=True)
class StoredPage:
    """A page's previous full answer: what to send (``etag``, ``last_modified``) and, on a 304, what to
    hand the crawl (``status``, ``headers``, the compressed ``body`` of ``size`` bytes)."""

    url: str
    etag: str | None
    last_modified: str | None
    status: int
    headers: dict[str, str]
    body: bytes
    size: int
    # When it was downloaded (UTC): a sitemap's <lastmod> is weighed against it (sitemap_middleware.py).
    fetched_at: dt.datetime | None = None

    def uncompressed(self) -> bytes:
        """The body as the downloader handed it to the crawl (decompressed)."""
        return zlib.decompress(self.body)


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A full answer worth keeping: a 200 with validators, within the size bound."""

    url: str
    host: str
    round: str
    status: int
    headers: dict[str, str]
    body: bytes  # uncompressed


class PageStore:
    """``page_cache`` in the crawl's database; every call blocks."""

    def __init__(self, database_url: str, *, migrate: bool) -> None:
        self.database_url = database_url
        self.migrate = migrate
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:  # opened on the caller's thread, at the first call
            self._engine = open_database(self.database_url, migrate=self.migrate, small_pool=True)
        return self._engine

    def load(self, url: str) -> StoredPage | None:
        def work(session: Session) -> StoredPage | None:
            row = session.scalars(select(PageCacheEntry).where(PageCacheEntry.url == url)).one_or_none()
            if row is None:
                return None
            return StoredPage(
                row.url,
                row.etag,
                row.last_modified,
                row.status,
                dict(row.headers),
                row.body,
                row.size,
                row.fetched_at if row.fetched_at.tzinfo else row.fetched_at.replace(tzinfo=dt.UTC),
            )

        return with_retry(self.engine, work)

    def save(self, page: FetchedPage) -> None:
        values: dict[str, Any] = {
            "url": page.url,
            "host": page.host,
            "etag": page.headers.get("ETag"),
            "last_modified": page.headers.get("Last-Modified"),
            "status": page.status,
            "headers": page.headers,
            "body": zlib.compress(page.body, 6),
            "size": len(page.body),
            "round": page.round,
            "fetched_at": dt.datetime.now(dt.UTC),
        }

        def work(session: Session) -> None:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            statement = insert(PageCacheEntry).values(values)
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["url"],
                    set_={key: statement.excluded[key] for key in values if key != "url"},
                )
            )

        with_retry(self.engine, work)

    def prune(self, host: str, fetched: frozenset[str]) -> int:
        """Delete ``host``'s rows whose URL its crawl did not fetch (the site no longer links to them);
        the number deleted."""

        def work(session: Session) -> int:
            rows = session.scalars(select(PageCacheEntry.url).where(PageCacheEntry.host == host))
            stale = [url for url in rows if url not in fetched]
            for start in range(0, len(stale), PRUNE_CHUNK):
                chunk = stale[start : start + PRUNE_CHUNK]
                session.execute(
                    delete(PageCacheEntry).where(PageCacheEntry.host == host, PageCacheEntry.url.in_(chunk))
                )
            return len(stale)

        return with_retry(self.engine, work)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
