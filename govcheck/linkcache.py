"""The round-wide link-check cache: what a check of a target outside the site looks like in the cache,
and which outcomes may be shared.

Every site of a round links to the same outside targets (beian.miit.gov.cn, www.gov.cn, a province's
shared platforms): the first crawl of the round to check one fetches it, every other site and node takes
its answer (govcheck/linkcache_middleware.py; stores in govcheck/linkcache_store.py). Only a check of a
target *outside* the site is shared: a site's own links are checked by that site alone, so sharing saves
nothing there, and a re-crawl of a site must see its own fixes.

This module is what the spiders may know of the cache (request and response meta keys, the cached
outcome as an item): it imports neither the database nor Redis.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from govcheck.items import LinkCheckItem

# Request meta: a check of a target outside the site, which the round's cache may answer.
SHARED_CHECK = "govcheck_shared_check"
# Response meta: the round's earlier outcome of the target (a CachedCheck as a dict), nothing fetched.
CACHED_CHECK = "govcheck_cached_check"


def aware(moment: dt.datetime) -> dt.datetime:
    """A stored time with its zone: SQLite gives timestamps back without theirs; govcheck writes them in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


class StoredCheck(Protocol):
    """A stored check (a ``link_cache`` or ``link_validators`` row): what a CachedCheck keeps of it."""

    url: str
    outcome: str
    status: int | None
    error: str | None
    method: str | None
    checked_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CachedCheck:
    """One target's outcome in a round, with its evidence: the status the target answered, the method
    that got it, and the site whose crawl fetched it, and when (UTC)."""

    url: str
    outcome: str  # ok | broken
    status: int
    error: str | None
    method: str | None
    checked_by: str
    checked_at: dt.datetime

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "checked_at": self.checked_at.isoformat()}, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> CachedCheck:
        data: dict[str, Any] = json.loads(raw)
        return cls(**{**data, "checked_at": dt.datetime.fromisoformat(data["checked_at"])})

    @classmethod
    def of(cls, item: LinkCheckItem, checked_by: str) -> CachedCheck | None:
        """The item as the round's answer for its target, or None when it may not be shared. A check
        fetched now is ``checked_by`` this site, now; one that kept an earlier check's outcome (the
        target answered 304, govcheck/revalidate.py) keeps that check's evidence."""
        if not shareable(item) or item.status is None:
            return None
        return cls(
            url=item.url,
            outcome=item.outcome,
            status=item.status,
            error=item.error,
            method=item.method,
            checked_by=item.checked_by or checked_by,
            checked_at=item.checked_at or dt.datetime.now(dt.UTC),
        )

    @classmethod
    def stored(cls, row: StoredCheck, checked_by: str) -> CachedCheck:
        """A stored check's outcome and evidence."""
        assert row.status is not None  # only answers with a status are stored
        return cls(row.url, row.outcome, row.status, row.error, row.method, checked_by, aware(row.checked_at))

    def item(self, url: str) -> LinkCheckItem:
        """The check of ``url`` as this crawl stores it: the cached outcome and where it came from."""
        return LinkCheckItem(
            url=url,
            outcome=self.outcome,
            status=self.status,
            error=self.error,
            method=self.method,
            checked_by=self.checked_by,
            checked_at=self.checked_at,
        )


def shareable(item: LinkCheckItem) -> bool:
    """Only an answer the target itself gave settles it for the whole round: a status that says it is
    there (< 400), or that it is not (404/410, a soft-404 page). A failure to reach it (DNS, refused,
    timeout, a proxy's error) may be the inspector's own network, and an inconclusive answer (403,
    429, 5xx, a firewall challenge, a budget cut) may change within minutes: each site checks those
    itself, so one bad moment is never copied into every site's findings."""
    if item.status is None:
        return False  # never fetched
    if item.outcome == "ok":
        return item.error is None and item.status < 400
    if item.outcome == "broken":
        return item.error in (None, "soft_404")
    return False
