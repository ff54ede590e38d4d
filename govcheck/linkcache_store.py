"""Where a round's link-check cache lives: Redis in fleet mode (REDIS_URL), else the database.

Both stores keep, per (round, target URL), either the round's answer (a :class:`CachedCheck`) or a
claim: the one crawl checking the target right now. :meth:`claim` is atomic, so two crawls (processes,
nodes) asking at once never both fetch: one gets the claim (``Claim.MINE``), the other hears
``Claim.BUSY`` and asks again later. :meth:`record` keeps the first answer recorded, so sites never
disagree on a target within a round, and returns the one kept. An answer lasts GOVCHECK_LINK_CACHE_TTL
seconds; a claim, as long as one check may take, so a killed crawl's claims free themselves. Redis::

    <prefix>:<round>:linkcheck:<sha1 of the URL>   string   "pending:<claim token>" or the answer's JSON

Every call blocks (a Redis round trip, a database transaction): the middleware runs them on a thread.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from govcheck.db.models import LinkCacheEntry
from govcheck.db.session import open_database, with_retry
from govcheck.fleet.round import redis_from_url
from govcheck.linkcache import CachedCheck, aware
from govcheck.store_calls import database_store

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.settings import BaseSettings
    from sqlalchemy.orm import Session

PENDING = "pending"
# A claim outlives the longest check: a HEAD, the host's two not-found fingerprints and a GET, each with
# its retries, at DOWNLOAD_TIMEOUT apiece, plus a margin for politeness waits.
CHECK_REQUESTS = 4
CLAIM_MARGIN = 30.0


class Claim(StrEnum):
    MINE = "mine"  # nobody has checked the target in this round: the caller checks it and records it
    BUSY = "busy"  # another crawl is checking it now: ask again later


class LinkCacheStore(Protocol):
    def claim(self, round_name: str, url: str, token: str) -> CachedCheck | Claim: ...

    def record(self, round_name: str, check: CachedCheck) -> CachedCheck: ...

    def release(self, round_name: str, url: str, token: str) -> None: ...

    def close(self) -> None: ...


def claim_ttl(settings: BaseSettings) -> float:
    """Seconds a claim holds (see CHECK_REQUESTS)."""
    attempts = settings.getint("RETRY_TIMES") + 1
    return CHECK_REQUESTS * attempts * settings.getfloat("DOWNLOAD_TIMEOUT") + CLAIM_MARGIN


def store_from_settings(settings: BaseSettings) -> LinkCacheStore:
    """Redis with REDIS_URL (every node shares it), else the crawl's database."""
    ttl = settings.getfloat("GOVCHECK_LINK_CACHE_TTL")
    if settings.get("REDIS_URL"):
        return RedisLinkCache(
            redis_from_url(settings.get("REDIS_URL")),
            settings.get("GOVCHECK_REDIS_PREFIX"),
            ttl=ttl,
            claim_ttl=claim_ttl(settings),
        )
    return database_store(DatabaseLinkCache, settings, ttl=ttl, claim_ttl=claim_ttl(settings))


# KEYS: the target's key. ARGV: claim token, claim ttl. Returns {'cached', json}, {'busy'} or {'mine'}.
_CLAIM = """
local v = redis.call('GET', KEYS[1])
if v then
  if string.sub(v, 1, 8) == 'pending:' then return {'busy'} end
  return {'cached', v}
end
redis.call('SET', KEYS[1], 'pending:' .. ARGV[1], 'PX', ARGV[2])
return {'mine'}
"""
# KEYS: the target's key. ARGV: the answer's JSON, ttl. Returns the answer kept (the first recorded).
_RECORD = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 8) ~= 'pending:' then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
"""
# KEYS: the target's key. ARGV: claim token. Drops the claim only if it is still this token's.
_RELEASE = """
if redis.call('GET', KEYS[1]) == 'pending:' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLinkCache:
    def __init__(self, server: Redis, prefix: str, *, ttl: float, claim_ttl: float) -> None:
        self.server = server
        self.prefix = prefix
        self.ttl_ms = int(ttl * 1000)
        self.claim_ttl_ms = int(claim_ttl * 1000)
        self._claim = server.register_script(_CLAIM)
        self._record = server.register_script(_RECORD)
        self._release = server.register_script(_RELEASE)

    def key(self, round_name: str, url: str) -> str:
        digest = hashlib.sha1(url.encode("utf-8")).hexdigest()
        return f"{self.prefix}:{round_name}:linkcheck:{digest}"

    def claim(self, round_name: str, url: str, token: str) -> CachedCheck | Claim:
        answer = self._claim(keys=[self.key(round_name, url)], args=[token, self.claim_ttl_ms])
        kind = answer[0].decode() if isinstance(answer[0], bytes) else answer[0]
        if kind == "cached":
            return CachedCheck.from_json(answer[1])
        return Claim(kind)

    def record(self, round_name: str, check: CachedCheck) -> CachedCheck:
        kept = self._record(keys=[self.key(round_name, check.url)], args=[check.to_json(), self.ttl_ms])
        return CachedCheck.from_json(kept)

    def release(self, round_name: str, url: str, token: str) -> None:
        self._release(keys=[self.key(round_name, url)], args=[token])

    def close(self) -> None:
        self.server.close()


class DatabaseLinkCache:
    """The cache in the crawl's database (table ``link_cache``): one transaction per call, the row of
    (round, URL) locked by its insert (SQLite: the write lock; PostgreSQL: the unique index, then
    ``FOR UPDATE``), so concurrent crawl processes on one machine claim a target once."""

    def __init__(self, database_url: str, *, migrate: bool, ttl: float, claim_ttl: float) -> None:
        self.database_url = database_url
        self.migrate = migrate
        self.ttl = dt.timedelta(seconds=ttl)
        self.claim_ttl = dt.timedelta(seconds=claim_ttl)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:  # opened on the caller's thread, at the first call
            self._engine = open_database(self.database_url, migrate=self.migrate, small_pool=True)
        return self._engine

    def claim(self, round_name: str, url: str, token: str) -> CachedCheck | Claim:
        def work(session: Session) -> CachedCheck | Claim:
            now = dt.datetime.now(dt.UTC)
            inserted = session.execute(
                self._insert(session)
                .values(round=round_name, url=url, outcome=PENDING, checked_by=token, checked_at=now)
                .on_conflict_do_nothing(index_elements=["round", "url"])
                .returning(LinkCacheEntry.id)
            ).first()
            if inserted is not None:
                return Claim.MINE
            row = self._locked(session, round_name, url)
            if row is None:
                return Claim.BUSY  # released between the two statements: ask again
            if row.outcome != PENDING and aware(row.checked_at) >= now - self.ttl:
                return _cached(row)
            if row.outcome == PENDING and aware(row.checked_at) >= now - self.claim_ttl:
                return Claim.BUSY
            session.execute(  # an old answer, or a claim its crawl never settled: ours now
                update(LinkCacheEntry)
                .where(LinkCacheEntry.id == row.id)
                .values(
                    outcome=PENDING, status=None, error=None, method=None, checked_by=token, checked_at=now
                )
            )
            return Claim.MINE

        return with_retry(self.engine, work)

    def record(self, round_name: str, check: CachedCheck) -> CachedCheck:
        values: dict[str, Any] = {
            "outcome": check.outcome,
            "status": check.status,
            "error": check.error,
            "method": check.method,
            "checked_by": check.checked_by,
            "checked_at": check.checked_at,
        }

        def work(session: Session) -> CachedCheck:
            row = self._locked(session, round_name, check.url)
            if (
                row is not None
                and row.outcome != PENDING
                and aware(row.checked_at) >= check.checked_at - self.ttl
            ):
                return _cached(row)  # another crawl's answer came first: the round keeps it
            if row is not None:
                session.execute(update(LinkCacheEntry).where(LinkCacheEntry.id == row.id).values(**values))
                return check
            inserted = session.execute(
                self._insert(session)
                .values(round=round_name, url=check.url, **values)
                .on_conflict_do_nothing(index_elements=["round", "url"])
                .returning(LinkCacheEntry.id)
            ).first()
            if inserted is None:
                kept = self._locked(session, round_name, check.url)
                return _cached(kept) if kept is not None and kept.outcome != PENDING else check
            return check

        return with_retry(self.engine, work)

    def release(self, round_name: str, url: str, token: str) -> None:
        with_retry(
            self.engine,
            lambda session: session.execute(
                delete(LinkCacheEntry).where(
                    LinkCacheEntry.round == round_name,
                    LinkCacheEntry.url == url,
                    LinkCacheEntry.outcome == PENDING,
                    LinkCacheEntry.checked_by == token,
                )
            ),
        )

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @staticmethod
    def _insert(session: Session) -> Any:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        return insert(LinkCacheEntry)

    @staticmethod
    def _locked(session: Session, round_name: str, url: str) -> LinkCacheEntry | None:
        return session.scalars(
            select(LinkCacheEntry)
            .where(LinkCacheEntry.round == round_name, LinkCacheEntry.url == url)
            .with_for_update()
        ).one_or_none()


def _cached(row: LinkCacheEntry) -> CachedCheck:
    return CachedCheck.stored(row, row.checked_by)
