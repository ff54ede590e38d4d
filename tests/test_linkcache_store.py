"""The round's link-check cache stores, on a real Redis and on SQLite and PostgreSQL: a target is
claimed once, its first answer is kept, a claim can be dropped, and old claims and answers expire."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from govcheck.fleet.round import redis_from_url
from govcheck.linkcache import CachedCheck
from govcheck.linkcache_store import Claim, DatabaseLinkCache, LinkCacheStore, RedisLinkCache

URL = "http://beian.miit.gov.cn/"
ROUND = "2024-Q1"


def _answer(outcome: str = "ok", status: int = 200, by: str = "a.gov.cn") -> CachedCheck:
    return CachedCheck(URL, outcome, status, None, "HEAD", by, dt.datetime.now(dt.UTC))


def _store(kind: str, url: str, *, ttl: float = 3600, claim_ttl: float = 600) -> LinkCacheStore:
    if kind == "redis":
        return RedisLinkCache(redis_from_url(url), f"t{uuid.uuid4().hex[:8]}", ttl=ttl, claim_ttl=claim_ttl)
    return DatabaseLinkCache(url, migrate=True, ttl=ttl, claim_ttl=claim_ttl)


@pytest.fixture(params=["redis", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A real Redis, or an empty database of each kind."""
    if request.param == "redis":
        yield "redis", request.getfixturevalue("redis_url")
    elif request.param == "sqlite":
        yield "database", f"sqlite:///{tmp_path / 'govcheck.db'}"
    else:
        yield "database", request.getfixturevalue("postgres_url")


def test_a_target_is_claimed_once_and_its_first_answer_kept(backend: tuple[str, str]) -> None:
    store = _store(*backend)
    try:
        assert store.claim(ROUND, URL, "job-1") is Claim.MINE
        assert store.claim(ROUND, URL, "job-2") is Claim.BUSY  # another crawl is checking it
        assert store.claim("2024-Q2", URL, "job-2") is Claim.MINE  # rounds do not share
        first = _answer()
        assert store.record(ROUND, first) == first
        # A late second answer (a waiter that gave up and checked it too) does not replace the first.
        assert store.record(ROUND, _answer("broken", 404, "b.gov.cn")) == first
        assert store.claim(ROUND, URL, "job-3") == first
    finally:
        store.close()


def test_a_dropped_claim_frees_the_target_for_the_next_crawl(backend: tuple[str, str]) -> None:
    store = _store(*backend)
    try:
        assert store.claim(ROUND, URL, "job-1") is Claim.MINE
        store.release(ROUND, URL, "job-2")  # not its claim: nothing happens
        assert store.claim(ROUND, URL, "job-3") is Claim.BUSY
        store.release(ROUND, URL, "job-1")
        assert store.claim(ROUND, URL, "job-3") is Claim.MINE
    finally:
        store.close()


def test_a_claim_and_an_answer_expire(backend: tuple[str, str]) -> None:
    store = _store(*backend, ttl=0.5, claim_ttl=0.5)
    try:
        assert store.claim(ROUND, URL, "killed-job") is Claim.MINE
        time.sleep(0.7)  # the job that claimed it died: its claim lapses
        assert store.claim(ROUND, URL, "job-2") is Claim.MINE
        store.record(ROUND, _answer())
        assert isinstance(store.claim(ROUND, URL, "job-3"), CachedCheck)
        time.sleep(0.7)  # an answer older than GOVCHECK_LINK_CACHE_TTL is checked again
        assert store.claim(ROUND, URL, "job-3") is Claim.MINE
    finally:
        store.close()
