"""The cluster's backend map (govcheck.fleet.backends) on a real Redis: the registry's groups win over
what crawls add, a host of no group is asked again only after a while."""

from __future__ import annotations

import uuid

import pytest
import redis

from govcheck.fleet.backends import MISS_TTL, BackendMap, backends_key, publish_backends


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def test_a_hosts_group_comes_from_the_registrys_map(server: redis.Redis) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    assert publish_backends(server, prefix, {"a.gov.cn": "platform", "b.gov.cn": "platform"}) == 2
    groups = BackendMap(server, prefix)
    assert groups.group("b.gov.cn") == "platform"
    assert groups.group("www.gov.cn") is None


def test_a_crawl_adds_its_own_hosts_but_never_overrides_the_registry(server: redis.Redis) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    publish_backends(server, prefix, {"a.gov.cn": "registry-group"})
    crawl = BackendMap(server, prefix)
    crawl.add("a.gov.cn", "typed-by-hand")
    crawl.add("c.gov.cn", "platform")
    assert server.hgetall(backends_key(prefix)) == {b"a.gov.cn": b"registry-group", b"c.gov.cn": b"platform"}
    assert BackendMap(server, prefix).group("c.gov.cn") == "platform"  # another job sees it


def test_a_host_of_no_group_is_asked_again_after_a_while(server: redis.Redis) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    clock = Clock()
    groups = BackendMap(server, prefix, clock=clock)
    assert groups.group("late.gov.cn") is None
    BackendMap(server, prefix).add("late.gov.cn", "platform")  # its own crawl starts later
    assert groups.group("late.gov.cn") is None  # not asked again yet
    clock.now += MISS_TTL
    assert groups.group("late.gov.cn") == "platform"
