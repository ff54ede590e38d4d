"""One inspection round in Redis: its site queue, who holds which site, and what is done.

Keys (``<prefix>`` is GOVCHECK_REDIS_PREFIX, ``govcheck`` by default)::

    <prefix>:<round>:meta               hash   as_of, links, total, created_at
    <prefix>:<round>:sites              list   pending site messages (scrapy-redis JSON: url, meta, method)
    <prefix>:<round>:running            hash   host -> {job, node, taken_at, message}
    <prefix>:<round>:leases             zset   host -> lease deadline (Redis clock, seconds)
    <prefix>:<round>:done               hash   host -> {job, node, finished_at, status}
    <prefix>:<round>:starts             hash   host -> times a worker took the site
    <prefix>:<round>:rejected           list   messages no worker could use, with the reason
    <prefix>:<round>:requests:<job>     zset   one job's scrapy-redis request queue
    <prefix>:<round>:seen:<host>        set    one site's scrapy-redis fingerprints in this round

A site is crawled whole by the worker that took it (its state lives in that process); a worker that
dies loses only its sites in progress, which go back to the queue when their lease runs out (or at
once when ``govcheck schedule`` sees their job has ended) and are crawled again from the start.
Every write to the database is an idempotent upsert, so a redone site duplicates nothing. The
scheduler keys of a round are deleted when the round completes; its bookkeeping expires after
``BOOKKEEPING_TTL``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from redis import Redis

from govcheck import config
from govcheck.names import BadName, check_round

MESSAGE_KEYS = {"url", "meta", "method"}
BOOKKEEPING_TTL = 90 * 86400  # a quarter: long enough for the next round's 复查

# Atomically move the next pending site to `running` under a lease.
_TAKE = """
local raw = redis.call('LPOP', KEYS[1])
if not raw then return false end
local ok, message = pcall(cjson.decode, raw)
local host = nil
if ok and type(message) == 'table' and type(message['meta']) == 'table'
   and type(message['meta']['govcheck']) == 'table' then
  host = message['meta']['govcheck']['site']
end
if type(host) ~= 'string' or host == '' then
  redis.call('RPUSH', KEYS[4], cjson.encode({message = raw, reason = 'no meta.govcheck.site'}))
  return {'rejected', raw}
end
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('HSET', KEYS[2], host, cjson.encode({job = ARGV[1], node = ARGV[2], taken_at = now, message = raw}))
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), host)
return {'taken', raw}
"""

# Extend the leases of the given hosts that `job` (ARGV[1]) still holds for ARGV[2] seconds; return
# the hosts it no longer holds.
_HEARTBEAT = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local lost = {}
for i = 3, #ARGV do
  local entry = redis.call('HGET', KEYS[1], ARGV[i])
  if entry and cjson.decode(entry)['job'] == ARGV[1] then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[i])
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
"""

# Put a running site back at the head of the queue (only if `job` still holds it, unless job is '').
_REQUEUE = """
local entry = redis.call('HGET', KEYS[1], ARGV[1])
if not entry then return 0 end
local decoded = cjson.decode(entry)
if ARGV[2] ~= '' and decoded['job'] ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('LPUSH', KEYS[3], decoded['message'])
return 1
"""

# Put back every running site whose lease has run out, checked in the same step (a holder that renews
# in between keeps its site).
_REQUEUE_EXPIRED = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local requeued = {}
for _, host in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  local entry = redis.call('HGET', KEYS[1], host)
  redis.call('ZREM', KEYS[2], host)
  if entry then
    redis.call('HDEL', KEYS[1], host)
    redis.call('LPUSH', KEYS[3], cjson.decode(entry)['message'])
    table.insert(requeued, host)
  end
end
return requeued
"""

# Record a site as done by `job` (ARGV[3]): its message (ARGV[4]) leaves the queue if it was requeued
# meanwhile, and `running` and the lease are cleared only if `job` still holds the site (a worker
# that took it over goes on and finishes it itself).
_FINISH = """
if ARGV[4] ~= '' then redis.call('LREM', KEYS[3], 0, ARGV[4]) end
local entry = redis.call('HGET', KEYS[1], ARGV[1])
if entry and cjson.decode(entry)['job'] == ARGV[3] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
local now = redis.call('TIME')
local record = cjson.decode(ARGV[2])
record['finished_at'] = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('HSET', KEYS[4], ARGV[1], cjson.encode(record))
return 1
"""


class RoundError(ValueError):
    """A round name, a site message or a round's state that govcheck cannot use."""


def check_round_name(name: str) -> str:
    """The one round-name rule (govcheck.names), raised as this module's error."""
    try:
        return check_round(name or "")
    except BadName as exc:
        raise RoundError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class SiteTask:
    """One site of a round, as a worker takes it: what ``scrapy crawl portal -a …`` would be given."""

    site: str  # the host, the site's identity in the round
    url: str  # the homepage as a URL (scrapy-redis needs one): the registry's, or http://HOST/
    as_of: str  # YYYY-MM-DD
    round: str
    links: str = "homepage"
    backend: str | None = None  # the backend group (registry or profile) for cluster politeness
    target: str = ""  # what `-a site=` gets: a bare host (https, then http) or a URL; default: url

    def message(self) -> str:
        """The scrapy-redis message: only ``url``, ``meta`` and ``method``, which it carries safely
        (any other key would become form data of the request)."""
        meta = {
            "site": self.site,
            "target": self.target or self.url,
            "as_of": self.as_of,
            "round": self.round,
            "links": self.links,
        }
        if self.backend:
            meta["backend"] = self.backend
        return json.dumps({"url": self.url, "meta": {"govcheck": meta}, "method": "GET"}, sort_keys=True)


def parse_message(raw: bytes | str, *, round_name: str) -> SiteTask:
    """A site message, validated; a RoundError says what is wrong with it."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RoundError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RoundError("not a JSON object")
    extra = set(data) - MESSAGE_KEYS
    if extra:
        raise RoundError(f"unexpected keys {sorted(extra)} (scrapy-redis would send them as form data)")
    if data.get("method", "GET") != "GET":
        raise RoundError(f"method: expected GET, got {data.get('method')!r}")
    url = data.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise RoundError(f"url: expected an http(s) URL, got {url!r}")
    meta = data.get("meta")
    info = meta.get("govcheck") if isinstance(meta, dict) else None
    if not isinstance(info, dict):
        raise RoundError("meta.govcheck: missing")
    site, as_of, round_, links = (info.get(k) for k in ("site", "as_of", "round", "links"))
    if not isinstance(site, str) or site != parts.hostname:
        raise RoundError(f"meta.govcheck.site: expected the URL's host {parts.hostname!r}, got {site!r}")
    if round_ != round_name:
        raise RoundError(f"meta.govcheck.round: expected {round_name!r}, got {round_!r}")
    try:
        dt.date.fromisoformat(as_of if isinstance(as_of, str) else "")
    except ValueError as exc:
        raise RoundError(f"meta.govcheck.as_of: expected YYYY-MM-DD, got {as_of!r}") from exc
    if links not in config.LINK_SCOPES:
        raise RoundError(
            f"meta.govcheck.links: expected one of {', '.join(config.LINK_SCOPES)}, got {links!r}"
        )
    backend = info.get("backend")
    if backend is not None and not isinstance(backend, str):
        raise RoundError(f"meta.govcheck.backend: expected a string, got {backend!r}")
    target = info.get("target", url)
    target_host = (
        urlsplit(target if "://" in target else f"//{target}").hostname if isinstance(target, str) else None
    )
    if target_host != site:
        raise RoundError(f"meta.govcheck.target: expected a host or URL of {site!r}, got {target!r}")
    return SiteTask(
        site=site, url=url, as_of=as_of, round=round_, links=links, backend=backend, target=target
    )


@dataclass
class Progress:
    """A round's state as Redis knows it; pages and findings come from the database."""

    round: str
    as_of: str | None
    total: int
    links: str | None = None  # the round's link scope, fixed by its first enqueue
    pending: list[str] = field(default_factory=list)
    running: dict[str, dict[str, Any]] = field(default_factory=dict)
    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    starts: dict[str, int] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.total > 0 and not self.pending and not self.running


class Round:
    """A round's keys and the atomic moves between them (all on Redis' own clock)."""

    def __init__(self, server: Redis, name: str, *, prefix: str = "govcheck") -> None:
        self.server = server
        self.name = check_round_name(name)
        self.prefix = prefix
        self.base = f"{prefix}:{name}"
        self.meta_key = f"{self.base}:meta"
        self.sites_key = f"{self.base}:sites"
        self.running_key = f"{self.base}:running"
        self.leases_key = f"{self.base}:leases"
        self.done_key = f"{self.base}:done"
        self.starts_key = f"{self.base}:starts"
        self.rejected_key = f"{self.base}:rejected"
        self._take = server.register_script(_TAKE)
        self._heartbeat = server.register_script(_HEARTBEAT)
        self._requeue = server.register_script(_REQUEUE)
        self._finish = server.register_script(_FINISH)
        self._requeue_expired = server.register_script(_REQUEUE_EXPIRED)

    # -- scrapy-redis keys --------------------------------------------------------------------

    def requests_key(self, job: str) -> str:
        return f"{self.base}:requests:{job}"

    def seen_key(self, site: str) -> str:
        return f"{self.base}:seen:{site}"

    # -- the queue ----------------------------------------------------------------------------

    def enqueue(self, tasks: Iterable[SiteTask], *, as_of: str, links: str) -> list[str]:
        """Queue the sites not yet pending, running or done in this round; return their hosts."""
        progress = self.progress()
        known = {*progress.pending, *progress.running, *progress.done}
        added: list[SiteTask] = []
        for task in tasks:
            if task.site not in known:
                known.add(task.site)
                added.append(task)
        with self.server.pipeline() as pipe:
            pipe.hsetnx(self.meta_key, "created_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
            pipe.hset(self.meta_key, mapping={"as_of": as_of, "links": links})
            pipe.hincrby(self.meta_key, "total", len(added))
            if added:
                pipe.rpush(self.sites_key, *(t.message() for t in added))
            for key in self._bookkeeping_keys():
                pipe.expire(key, BOOKKEEPING_TTL)
            pipe.execute()
        return [t.site for t in added]

    def take(self, *, job: str, node: str, lease: float) -> tuple[str, bytes] | None:
        """The next pending site message, now held by ``job``: ("taken", raw) or ("rejected", raw)
        for a message without a site (kept in ``rejected``); None when the queue is empty."""
        result = self._take(
            keys=[self.sites_key, self.running_key, self.leases_key, self.rejected_key],
            args=[job, node, lease],
        )
        if not result:
            return None
        state, raw = result
        return (state.decode() if isinstance(state, bytes) else state), raw

    def started(self, site: str) -> None:
        """Count a crawl of ``site`` begun (a site redone after a dead worker counts twice)."""
        self.server.hincrby(self.starts_key, site, 1)

    def reject(self, site: str, raw: bytes | str, reason: str) -> None:
        """A taken message that cannot be crawled: kept with its reason, never silently dropped."""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        with self.server.pipeline() as pipe:
            pipe.hdel(self.running_key, site)
            pipe.zrem(self.leases_key, site)
            pipe.rpush(self.rejected_key, json.dumps({"message": text, "reason": reason}, ensure_ascii=False))
            pipe.execute()

    def heartbeat(self, sites: Iterable[str], *, job: str, lease: float) -> list[str]:
        """Extend ``job``'s leases; the sites it no longer holds (requeued after a stall) come back."""
        hosts = list(sites)
        if not hosts:
            return []
        lost = self._heartbeat(keys=[self.running_key, self.leases_key], args=[job, lease, *hosts])
        return [h.decode() if isinstance(h, bytes) else h for h in lost]

    def requeue(self, site: str, *, job: str = "") -> bool:
        """Give a running site back to the head of the queue (only if ``job`` holds it, when given)."""
        return bool(self._requeue(keys=[self.running_key, self.leases_key, self.sites_key], args=[site, job]))

    def requeue_expired(self) -> list[str]:
        """Sites whose lease ran out (their worker died or stalled) go back to the queue."""
        requeued = self._requeue_expired(keys=[self.running_key, self.leases_key, self.sites_key])
        return [h.decode() if isinstance(h, bytes) else h for h in requeued]

    def requeue_jobs(self, ended_jobs: set[str]) -> list[str]:
        """Sites held by jobs that are known to have ended (Scrapyd's ``finished`` list) go back to
        the queue; those jobs' request queues, which nothing will ever read, are deleted."""
        running = self.progress().running
        requeued = [
            site
            for site, entry in running.items()
            if entry.get("job") in ended_jobs and self.requeue(site, job=entry["job"])
        ]
        for job in ended_jobs:
            self.forget_job(job)
        return requeued

    def forget_job(self, job: str) -> None:
        """Delete a job's request queue (the job has ended; its sites are crawled anew elsewhere)."""
        self.server.delete(self.requests_key(job))

    def forget_site(self, site: str) -> None:
        """Delete a site's fingerprints in this round: its next crawl starts from a clean set."""
        self.server.delete(self.seen_key(site))

    def finish(
        self, site: str, *, job: str, node: str, status: str, message: bytes | str | None = None
    ) -> None:
        """Record ``site`` done by ``job``; ``message`` (as taken) is removed from the queue too, in
        case the site was requeued while this job was finishing it."""
        record = json.dumps({"job": job, "node": node, "status": status})
        self._finish(
            keys=[self.running_key, self.leases_key, self.sites_key, self.done_key],
            args=[site, record, job, message or ""],
        )

    # -- reading ------------------------------------------------------------------------------

    def progress(self) -> Progress:
        with self.server.pipeline() as pipe:
            pipe.hgetall(self.meta_key)
            pipe.lrange(self.sites_key, 0, -1)
            pipe.hgetall(self.running_key)
            pipe.hgetall(self.done_key)
            pipe.hgetall(self.starts_key)
            pipe.lrange(self.rejected_key, 0, -1)
            meta, pending, running, done, starts, rejected = pipe.execute()
        meta = {k.decode(): v.decode() for k, v in meta.items()}
        return Progress(
            round=self.name,
            as_of=meta.get("as_of"),
            total=int(meta.get("total", 0)),
            links=meta.get("links"),
            pending=[message_site(raw) for raw in pending],
            running={k.decode(): _without_message(v) for k, v in running.items()},
            done={k.decode(): json.loads(v) for k, v in done.items()},
            starts={k.decode(): int(v) for k, v in starts.items()},
            rejected=[json.loads(raw) for raw in rejected],
        )

    def is_complete(self) -> bool:
        """Sites were queued and none is pending or running (cheap: no lists are read)."""
        with self.server.pipeline() as pipe:
            pipe.hget(self.meta_key, "total")
            pipe.llen(self.sites_key)
            pipe.hlen(self.running_key)
            total, pending, running = pipe.execute()
        return int(total or 0) > 0 and pending == 0 and running == 0

    def exists(self) -> bool:
        return bool(self.server.exists(self.meta_key))

    def cleanup(self) -> int:
        """Delete the round's scheduler keys (request queues, fingerprints); its bookkeeping expires
        after BOOKKEEPING_TTL. Returns how many keys were deleted."""
        with self.server.pipeline() as pipe:
            for key in self._bookkeeping_keys():
                pipe.expire(key, BOOKKEEPING_TTL)
            pipe.execute()
        deleted = 0
        for pattern in (f"{self.base}:requests:*", f"{self.base}:seen:*"):
            keys = list(self.server.scan_iter(match=pattern, count=500))
            for start in range(0, len(keys), 500):
                deleted += int(self.server.delete(*keys[start : start + 500]))
        return deleted

    def _bookkeeping_keys(self) -> tuple[str, ...]:
        return (
            self.meta_key,
            self.sites_key,
            self.running_key,
            self.leases_key,
            self.done_key,
            self.starts_key,
            self.rejected_key,
        )

    def _now(self) -> float:
        seconds, micros = self.server.time()
        return float(seconds) + micros / 1_000_000


def message_site(raw: bytes) -> str:
    """The host a site message names, or "?" when it names none."""
    try:
        site = json.loads(raw)["meta"]["govcheck"]["site"]
    except (ValueError, KeyError, TypeError):
        return "?"
    return site if isinstance(site, str) else "?"


def _without_message(raw: bytes) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(raw)
    entry.pop("message", None)
    return entry


def redis_from_url(url: str) -> Redis:
    """One way to open Redis for every govcheck component (the scheduler uses scrapy-redis' own)."""
    return Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, health_check_interval=30)


def open_round(url: str, name: str, *, prefix: str) -> Round:
    """The round ``name`` in the Redis at ``url`` (REDIS_URL): how the CLI and the fleet worker reach it."""
    return Round(redis_from_url(config.parse_redis_url(url)), name, prefix=prefix)


def task_for_site(
    host: str, homepage: str | None, *, as_of: str, round_name: str, links: str, backend: str | None
) -> SiteTask:
    """A registry site as a task: a homepage stored as a bare host keeps meaning "https, then http",
    exactly as ``govcheck crawl`` passes it to ``-a site=``."""
    url = homepage if homepage and "://" in homepage else f"http://{host}/"
    return SiteTask(
        site=host,
        url=url,
        as_of=as_of,
        round=round_name,
        links=links,
        backend=backend,
        target=homepage or host,
    )
