"""Cluster-wide politeness (govcheck.fleet.politeness): the Lua leases against a real Redis, then two
crawler processes on one backend group of the farm, with a negative control."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from scrapy.settings import Settings

from govcheck.fleet.politeness import ClusterLimiter, Limit, limiter_from_settings
from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF, BACKENDS, SITES
from tests.helpers import environment, farm_json

HOST = Limit("host", "a.example.gov.cn", 2, 0.0)
OTHER_HOST = Limit("host", "b.example.gov.cn", 2, 0.0)
GROUP = Limit("group", "platform", 3, 0.0)


@pytest.fixture
def limiter(redis_url: str) -> ClusterLimiter:
    return ClusterLimiter(redis.Redis.from_url(redis_url), f"t{uuid.uuid4().hex[:8]}", lease_ttl=30.0)


def _lease() -> str:
    return uuid.uuid4().hex


# ------------------------------------------------------------------------------------------ Lua leases


def test_host_limit_is_respected_and_a_release_frees_a_place(limiter: ClusterLimiter) -> None:
    first, second, third = _lease(), _lease(), _lease()
    assert limiter.try_acquire([HOST], first).acquired
    assert limiter.try_acquire([HOST], second).acquired
    refused = limiter.try_acquire([HOST], third)
    assert not refused.acquired and refused.wait == 0  # busy, not "later"
    assert limiter.holders(HOST) == 2
    limiter.release([HOST], first)
    assert limiter.try_acquire([HOST], third).acquired
    assert limiter.server.exists(f"{limiter.prefix}:polite:host:a.example.gov.cn")


def test_host_and_group_are_taken_together_or_not_at_all(limiter: ClusterLimiter) -> None:
    # The group (3) fills up through two hosts; the host still has room but the group has none.
    for _ in range(2):
        assert limiter.try_acquire([HOST, GROUP], _lease()).acquired
    assert limiter.try_acquire([OTHER_HOST, GROUP], _lease()).acquired
    refused = limiter.try_acquire([OTHER_HOST, GROUP], _lease())
    assert not refused.acquired
    assert limiter.holders(OTHER_HOST) == 1  # the host lease was not taken without the group's
    assert limiter.holders(GROUP) == 3
    # A full host refuses too, and leaves the group alone.
    limiter.server.delete(limiter.lease_key(GROUP))
    assert not limiter.try_acquire([HOST, GROUP], _lease()).acquired
    assert limiter.holders(GROUP) == 0


def test_an_expired_lease_of_a_dead_holder_frees_its_place(limiter: ClusterLimiter) -> None:
    dead = Limit("host", "dead.example.gov.cn", 1, 0.0)
    assert limiter.try_acquire([dead], _lease(), ttl=0.3).acquired  # its process is SIGKILLed: no release
    assert not limiter.try_acquire([dead], _lease()).acquired
    time.sleep(0.4)
    assert limiter.try_acquire([dead], _lease()).acquired
    assert limiter.server.zcard(limiter.lease_key(dead)) == 1  # the dead lease was removed, not kept


def test_request_starts_to_one_host_are_spaced_by_the_interval(limiter: ClusterLimiter) -> None:
    spaced = Limit("host", "spaced.example.gov.cn", 10, 0.3)
    assert limiter.try_acquire([spaced], _lease()).acquired
    later = limiter.try_acquire([spaced], _lease())
    assert not later.acquired and 0.2 < later.wait <= 0.3
    time.sleep(later.wait + 0.02)
    assert limiter.try_acquire([spaced], _lease()).acquired
    assert limiter.holders(spaced) == 2  # spacing limits starts, not leases


def test_retry_after_pushes_the_next_start_for_every_holder(limiter: ClusterLimiter) -> None:
    holders = [_lease() for _ in range(2)]
    for lease in holders:
        assert limiter.try_acquire([HOST, GROUP], lease).acquired
    limiter.push_not_before([HOST, GROUP], 0.5)  # one of them got 429 with Retry-After
    for lease in holders:
        limiter.release([HOST, GROUP], lease)
    on_host = limiter.try_acquire([HOST], _lease())
    on_group = limiter.try_acquire([OTHER_HOST, GROUP], _lease())  # another host of the same backend
    assert not on_host.acquired and 0.3 < on_host.wait <= 0.5
    assert not on_group.acquired and 0.3 < on_group.wait <= 0.5
    limiter.push_not_before([HOST], 0.1)  # a shorter wait never shortens a longer one
    assert limiter.try_acquire([HOST], _lease()).wait > 0.3
    time.sleep(0.55)
    assert limiter.try_acquire([HOST], _lease()).acquired
    assert limiter.try_acquire([OTHER_HOST, GROUP], _lease()).acquired


def test_no_limiter_without_redis_or_when_switched_off(redis_url: str) -> None:
    assert limiter_from_settings(Settings({"GOVCHECK_CLUSTER_POLITENESS": True})) is None
    off = {"REDIS_URL": redis_url, "GOVCHECK_CLUSTER_POLITENESS": False}
    assert limiter_from_settings(Settings(off)) is None  # the handler is then HTTP11DownloadHandler's own
    on = limiter_from_settings(
        Settings({**off, "GOVCHECK_CLUSTER_POLITENESS": True, "GOVCHECK_REDIS_PREFIX": "p"})
    )
    assert (
        on is not None and on.prefix == "p" and on.lease_ttl == 180 + 30
    )  # Scrapy's DOWNLOAD_TIMEOUT + margin


# ------------------------------------------------------------------------------- two crawler processes

POLITE_GROUP = "suixian-platform"
# Two processes on one host (the host limit must hold across them) and two more hosts of its backend.
CRAWLS = ("jyj.zgsuixian.gov.cn", "jyj.zgsuixian.gov.cn", "wjj.zgsuixian.gov.cn", "nyj.zgsuixian.gov.cn")
HOST_LIMIT, GROUP_LIMIT = 1, 2


def _crawl_concurrently(farm: FarmProcess, redis_url: str, workdir: Path, politeness: bool) -> dict[str, Any]:
    """Run every crawl of CRAWLS at once; return the farm's stats for them."""
    prefix = f"polite{uuid.uuid4().hex[:8]}"
    farm_json(farm, "/_farm/reset", method="POST")
    processes = []
    for index, host in enumerate(CRAWLS):
        env = environment(
            farm,
            f"sqlite:///{workdir / f'{prefix}-{index}.db'}",  # one file each: no SQLite lock contention
            REDIS_URL=redis_url,
            GOVCHECK_REDIS_PREFIX=prefix,
            GOVCHECK_CLUSTER_POLITENESS=str(politeness).lower(),
            GOVCHECK_CLUSTER_HOST_CONCURRENCY=str(HOST_LIMIT),
            GOVCHECK_CLUSTER_BACKEND_CONCURRENCY=str(GROUP_LIMIT),
            GOVCHECK_CLUSTER_HOST_INTERVAL="0.02",
            GOVCHECK_EVALUATE_ON_CLOSE="false",
        )
        args = [
            sys.executable, "-m", "scrapy", "crawl", "portal",
            "-a", f"site={host}", "-a", f"as_of={AS_OF.isoformat()}", "-a", f"backend={POLITE_GROUP}",
            "-a", f"round=polite-{index}",  # the two crawls of one host must not share scrapy-redis fingerprints
            # Loose per-process limits: only the cluster limit may keep the farm's peaks down.
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4",
        ]  # fmt: skip
        log = (workdir / f"{prefix}-{index}.log").open("w")
        processes.append((subprocess.Popen(args, env=env, cwd=workdir, stdout=log, stderr=log), log))
    for process, log in processes:
        assert process.wait(timeout=120) == 0, Path(log.name).read_text()
        log.close()
    stats = farm_json(farm, "/_farm/stats")
    stats["logs"] = [Path(log.name).read_text() for _, log in processes]
    return stats


@pytest.fixture(scope="module")
def crawled(farm: FarmProcess, redis_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The farm's stats for CRAWLS run at once with cluster politeness, then without (negative control)."""
    assert all(host in SITES and BACKENDS[host] == POLITE_GROUP for host in CRAWLS)
    workdir = tmp_path_factory.mktemp("politeness")
    polite = _crawl_concurrently(farm, redis_server, workdir, politeness=True)
    loose = _crawl_concurrently(farm, redis_server, workdir, politeness=False)
    redis.Redis.from_url(redis_server).flushdb()
    return {"polite": polite, "loose": loose}


def test_no_host_sees_more_than_its_cluster_limit(crawled: dict[str, Any]) -> None:
    polite = crawled["polite"]
    for host in set(CRAWLS):
        assert polite["requests"][host] > 10, host  # the crawls did crawl
        assert polite["max_concurrent"][host] <= HOST_LIMIT, (host, polite["max_concurrent"])
    assert all("'govcheck/politeness/waited'" in log for log in polite["logs"])  # every process waited
    assert not any("'govcheck/politeness/redis_errors'" in log for log in polite["logs"])  # no fallback


def test_no_backend_group_sees_more_than_its_cluster_limit(crawled: dict[str, Any]) -> None:
    groups = crawled["polite"]["max_concurrent_backend"]
    assert groups[POLITE_GROUP] <= GROUP_LIMIT, groups


def test_without_cluster_politeness_the_same_crawls_overrun_the_limits(crawled: dict[str, Any]) -> None:
    """Negative control: else the tests above would prove nothing."""
    loose = crawled["loose"]
    assert max(loose["max_concurrent"][host] for host in set(CRAWLS)) > HOST_LIMIT, loose["max_concurrent"]
    assert loose["max_concurrent_backend"][POLITE_GROUP] > GROUP_LIMIT, loose["max_concurrent_backend"]
    assert not any("govcheck/politeness/" in log for log in loose["logs"])
