"""Cluster-wide politeness: limits per host and per backend group shared by every crawler process.

Scrapy's delay and concurrency are per process, so N nodes hit one government server N times as
hard, and one 集约化 platform serves hundreds of sites from one backend. This module keeps, in Redis::

    <prefix>:polite:host:<host>         zset   lease id -> lease expiry (Redis clock, seconds)
    <prefix>:polite:group:<group>       zset   the same for a backend group
    <prefix>:polite:next:host:<host>    string earliest start of the next request to the host
    <prefix>:polite:next:group:<group>  string the same for the group (set by Retry-After only)

A request takes a lease on its host and, when it has one, its backend group, all or nothing, in one
Lua script; leases expire by themselves (``DOWNLOAD_TIMEOUT`` plus a margin), so a SIGKILLed process
frees its share. The hook is the HTTP download handler, not a downloader middleware: the handler runs
after Scrapy's per-domain slot, so at most CONCURRENT_REQUESTS_PER_DOMAIN requests per host poll Redis
(the rest wait in the slot's queue), and the wait is neither download time nor latency.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from redis.exceptions import RedisError
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils.asyncio import is_asyncio_available, sleep
from scrapy.utils.httpobj import urlparse_cached

from govcheck.fleet.backends import BackendMap
from govcheck.fleet.outage import RedisOutage
from govcheck.fleet.round import redis_from_url
from govcheck.fleet.worker import worker_of
from govcheck.middlewares import retry_after_seconds
from govcheck.politeness import cluster_politeness_on

if TYPE_CHECKING:
    from redis import Redis
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

_P = ParamSpec("_P")
_T = TypeVar("_T")

LEASE_MARGIN = 30.0  # seconds a lease outlives DOWNLOAD_TIMEOUT: the body may still be read after it
BACKOFF_MIN, BACKOFF_MAX = 0.02, 0.2  # poll interval while every lease is taken
NOT_BEFORE_POLL_MAX = 1.0  # re-check a long "not before" now and then: a lease may be all that frees up
RETRY_AFTER_STATUSES = (429, 503)

# KEYS: lease zset, next key, per limited key (host first, then the group).
# ARGV: lease id, ttl, then limit and interval per limited key.
# Returns {'ok', '0'}, {'busy', '0'} (a limit is reached) or {'later', seconds} (not before).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = #KEYS / 2
local busy, wait = false, 0
for i = 1, n do
  local leases, nxt = KEYS[2 * i - 1], KEYS[2 * i]
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
  if redis.call('ZCARD', leases) >= tonumber(ARGV[1 + 2 * i]) then busy = true end
  local not_before = tonumber(redis.call('GET', nxt) or '0')
  if not_before > now and not_before - now > wait then wait = not_before - now end
end
if wait > 0 then return {'later', tostring(wait)} end
if busy then return {'busy', '0'} end
local ttl = tonumber(ARGV[2])
for i = 1, n do
  local leases, nxt = KEYS[2 * i - 1], KEYS[2 * i]
  redis.call('ZADD', leases, now + ttl, ARGV[1])
  redis.call('EXPIRE', leases, math.ceil(ttl) + 1)
  local interval = tonumber(ARGV[2 + 2 * i])
  if interval > 0 then
    redis.call('SET', nxt, tostring(now + interval), 'PX', math.ceil(interval * 1000) + 1000)
  end
end
return {'ok', '0'}
"""

# KEYS: next keys. ARGV: seconds. Push every "not before" to at least now + seconds.
_PUSH = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
for i = 1, #KEYS do
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  if until_ > current then
    redis.call('SET', KEYS[i], tostring(until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
  end
end
return 1
"""


@dataclass(frozen=True)
class Limit:
    """One limited key: a host or a backend group."""

    kind: str  # "host" | "group"
    name: str
    concurrency: int
    interval: float  # seconds between two request starts; 0: no spacing


@dataclass(frozen=True)
class Attempt:
    acquired: bool
    wait: float  # seconds until the earliest allowed start (0 when only busy, or acquired)


class ClusterLimiter:
    """The Redis side, without Scrapy: acquire/release leases and push "not before" times."""

    def __init__(self, server: Redis, prefix: str, lease_ttl: float) -> None:
        self.server = server
        self.prefix = prefix
        self.lease_ttl = lease_ttl
        self._acquire = server.register_script(_ACQUIRE)
        self._push = server.register_script(_PUSH)

    def lease_key(self, limit: Limit) -> str:
        return f"{self.prefix}:polite:{limit.kind}:{limit.name}"

    def next_key(self, limit: Limit) -> str:
        return f"{self.prefix}:polite:next:{limit.kind}:{limit.name}"

    def try_acquire(self, limits: Sequence[Limit], lease_id: str, ttl: float | None = None) -> Attempt:
        keys: list[str] = []
        args: list[str | float | int] = [lease_id, ttl if ttl is not None else self.lease_ttl]
        for limit in limits:
            keys += [self.lease_key(limit), self.next_key(limit)]
            args += [limit.concurrency, limit.interval]
        status, wait = self._acquire(keys=keys, args=args)
        return Attempt(status == b"ok", float(wait) if status == b"later" else 0.0)

    def release(self, limits: Sequence[Limit], lease_id: str) -> bool:
        with self.server.pipeline(transaction=False) as pipe:
            for limit in limits:
                pipe.zrem(self.lease_key(limit), lease_id)
            pipe.execute()
        return True

    def push_not_before(self, limits: Sequence[Limit], seconds: float) -> None:
        self._push(keys=[self.next_key(limit) for limit in limits], args=[seconds])

    def holders(self, limit: Limit) -> int:
        """Live leases on a key (expired ones excluded), for tests and diagnostics."""
        now_s, now_us = self.server.time()
        return int(self.server.zcount(self.lease_key(limit), f"({now_s + now_us / 1e6}", "+inf"))


def limiter_from_settings(settings: BaseSettings) -> ClusterLimiter | None:
    """The cluster limiter, or None when it is off: no REDIS_URL, or GOVCHECK_CLUSTER_POLITENESS false."""
    if not cluster_politeness_on(settings):
        return None
    return ClusterLimiter(
        redis_from_url(settings.get("REDIS_URL")),
        settings.get("GOVCHECK_REDIS_PREFIX"),
        settings.getfloat("DOWNLOAD_TIMEOUT") + LEASE_MARGIN,
    )


class ClusterPoliteHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler that first takes cluster leases on the request's host and backend group.

    The group is the spider's ``backend_for(host)`` (the backend of one of the job's sites served from
    that host, asked per request so that robots.txt requests and redirects to other hosts are charged
    right; added to the cluster's backend map), else the host's group in that map (the registry's:
    a link check to another site of the same platform is that platform's load,
    govcheck.fleet.backends), else, not behind a proxy, ``ip:<address>`` of the host.

    The cluster politeness profile (govcheck/politeness.py) installs it only when REDIS_URL is set and
    GOVCHECK_CLUSTER_POLITENESS is on; named by hand without them, it is Scrapy's handler unchanged.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.limiter = limiter_from_settings(settings)
        if self.limiter is None:
            return
        self.download_timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.host_concurrency = settings.getint("GOVCHECK_CLUSTER_HOST_CONCURRENCY")
        self.backend_concurrency = settings.getint("GOVCHECK_CLUSTER_BACKEND_CONCURRENCY")
        self.host_interval = settings.getfloat("GOVCHECK_CLUSTER_HOST_INTERVAL")
        self.retry_after_max = settings.getfloat("GOVCHECK_RETRY_AFTER_MAX")
        self._addresses: dict[str, str | None] = {}
        self.backends = BackendMap(self.limiter.server, settings.get("GOVCHECK_REDIS_PREFIX"))
        self._own_outage: RedisOutage | None = None
        # Leases whose release failed (Redis away): released once Redis answers again, or the hosts
        # they hold would stay blocked for a whole lease time (DOWNLOAD_TIMEOUT + 30 s) after an outage.
        self._unreleased: list[tuple[list[Limit], str]] = []

    async def download_request(self, request: Request) -> Response:
        if self.limiter is None:
            return await super().download_request(request)
        if self._unreleased:
            self._release_held()
        limits = await self._limits(request)
        lease_id = uuid.uuid4().hex
        acquired = await self._acquire(request, limits, lease_id)
        try:
            response = await super().download_request(request)
        finally:
            if acquired:
                self._release(limits, lease_id)
        if response.status in RETRY_AFTER_STATUSES:
            wait = retry_after_seconds(response)
            if wait:
                self.crawler.stats.inc_value("govcheck/politeness/retry_after")
                self._call(self.limiter.push_not_before, limits, min(wait, self.retry_after_max))
        return response

    async def _limits(self, request: Request) -> list[Limit]:
        host = (urlparse_cached(request).hostname or "").lower()
        limits = [Limit("host", host, self.host_concurrency, self.host_interval)]
        group = self._group(host)
        if not group and request.meta.get("proxy") is None:
            address = await self._address(host)
            group = f"ip:{address}" if address else None
        if group:
            limits.append(Limit("group", str(group), self.backend_concurrency, 0.0))
        return limits

    def _group(self, host: str) -> str | None:
        """The backend group of ``host``: one of the job's sites' (added to the map), else the map's
        (none while Redis is away: the host's limit still holds)."""
        backend_for = getattr(self.crawler.spider, "backend_for", None)
        own = backend_for(host) if callable(backend_for) else None
        # Only a call that reaches Redis may tell the outage record that Redis is back.
        answered, group = self.backends.local(host)
        if own:
            if host not in self.backends.known:
                self._call(self.backends.add, host, str(own))
            return str(own)
        return group if answered else self._call(self.backends.group, host)

    async def _address(self, host: str) -> str | None:
        """The host's first address, cached: hosts on one server form a group even without a backend key."""
        if host in self._addresses:
            return self._addresses[host]
        address: str | None = None
        if is_asyncio_available():
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
                address = str(infos[0][4][0]) if infos else None
            except OSError:
                address = None  # the download itself will report the DNS failure
        self._addresses[host] = address
        return address

    async def _acquire(self, request: Request, limits: list[Limit], lease_id: str) -> bool:
        """Wait, without blocking the reactor, until every lease is ours; False if Redis failed."""
        assert self.limiter is not None
        # A request's own download_timeout may be longer than the setting: its lease must outlive it.
        ttl = max(float(request.meta.get("download_timeout") or 0), self.download_timeout) + LEASE_MARGIN
        started = time.monotonic()
        backoff = BACKOFF_MIN
        refused = 0
        while True:
            attempt = self._call(self.limiter.try_acquire, limits, lease_id, ttl)
            if attempt is None:
                return False
            if attempt.acquired:
                break
            refused += 1
            if attempt.wait > 0:
                pause = min(attempt.wait, NOT_BEFORE_POLL_MAX) + random.uniform(0, BACKOFF_MIN)
            else:
                pause = backoff * random.uniform(0.5, 1.5)  # jitter: holders polling in step collide
                backoff = min(backoff * 2, BACKOFF_MAX)
            await sleep(pause)
        if refused:
            self.crawler.stats.inc_value("govcheck/politeness/waited")
            self.crawler.stats.inc_value(
                "govcheck/politeness/wait_seconds", round(time.monotonic() - started, 3)
            )
        return True

    def _release(self, limits: list[Limit], lease_id: str) -> None:
        self._unreleased.append((limits, lease_id))
        self._release_held()

    def _release_held(self) -> None:
        assert self.limiter is not None
        while self._unreleased:
            limits, lease_id = self._unreleased[0]
            if not self._call(self.limiter.release, limits, lease_id):
                return  # Redis is away: the next request tries again
            self._unreleased.pop(0)

    def _call(self, method: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T | None:
        """Run a Redis call; a failing Redis must not make sites look unreachable, so the request
        goes ahead with Scrapy's per-process limits only (told once per outage)."""
        try:
            result = method(*args, **kwargs)
        except RedisError as error:
            self.crawler.stats.inc_value("govcheck/politeness/redis_errors")
            self._outage().failed(error, "cluster politeness")
            return None
        self._outage().ok()
        return result

    def _outage(self) -> RedisOutage:
        """The fleet worker's outage record (shared with the scheduler), else this handler's."""
        worker = worker_of(self.crawler.spider)
        if worker is not None:
            return worker.outage
        if self._own_outage is None:
            self._own_outage = RedisOutage(self.crawler)
        return self._own_outage
