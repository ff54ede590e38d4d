"""govcheck/fleet/round.py: site messages, leases and the return of ended jobs' sites, on a real Redis."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from govcheck.fleet.round import Round, RoundError, parse_message, redis_from_url, task_for_site
from tests.helpers import (
    FLEET_SITE,
    queue,
)


def test_site_messages_are_validated() -> None:
    task = task_for_site(FLEET_SITE, None, as_of="2024-02-28", round_name="r1", links="homepage", backend="b")
    assert parse_message(task.message(), round_name="r1") == task
    assert set(json.loads(task.message())) == {"url", "meta", "method"}  # what scrapy-redis carries safely
    good = json.loads(task.message())
    for change, reason in [
        ({"column": "7"}, "unexpected keys"),  # scrapy-redis would send it as form data
        ({"method": "POST"}, "method"),
        ({"url": "ftp://x.gov.cn/"}, "url"),
        ({"meta": {}}, "meta.govcheck"),
    ]:
        with pytest.raises(RoundError, match=reason):
            parse_message(json.dumps({**good, **change}), round_name="r1")
    with pytest.raises(RoundError, match="round"):
        parse_message(task.message(), round_name="r2")
    with pytest.raises(RoundError, match="not JSON"):
        parse_message(b"http://x.gov.cn/", round_name="r1")


def test_leases_a_lost_holder_cannot_undo(redis_url: str) -> None:
    round_ = Round(redis_from_url(redis_url), "2024-Q1", prefix=f"t{uuid.uuid4().hex[:8]}")
    queue(round_, FLEET_SITE)
    taken = round_.take(job="a", node="n1", lease=0.2)
    assert taken is not None
    _state, raw = taken
    time.sleep(0.3)  # job a stalls past its lease
    assert round_.requeue_expired() == [FLEET_SITE]
    # Requeued but not yet retaken: a's finish takes the site out of the queue (no second crawl).
    round_.finish(FLEET_SITE, job="a", node="n1", status="finished", message=raw)
    assert round_.progress().pending == [] and round_.is_complete()

    second = Round(round_.server, "2024-Q2", prefix=round_.base.split(":")[0])
    queue(second, FLEET_SITE)
    taken = second.take(job="a", node="n1", lease=0.2)
    assert taken is not None
    time.sleep(0.3)
    assert second.requeue_expired() == [FLEET_SITE]
    assert second.take(job="b", node="n2", lease=60) is not None  # b took it over
    second.finish(FLEET_SITE, job="a", node="n1", status="finished", message=taken[1])
    assert second.progress().running[FLEET_SITE]["job"] == "b" and not second.is_complete()
    assert second.heartbeat([FLEET_SITE], job="a", lease=60) == [FLEET_SITE]  # a learns it lost the site
    assert second.heartbeat([FLEET_SITE], job="b", lease=60) == []


def test_sites_of_ended_jobs_go_back_and_their_request_queues_go(redis_url: str) -> None:
    round_ = Round(redis_from_url(redis_url), "2024-Q1", prefix=f"t{uuid.uuid4().hex[:8]}")
    queue(round_, FLEET_SITE)
    assert round_.take(job="dead", node="n1", lease=600) is not None
    round_.server.zadd(round_.requests_key("dead"), {"request": 1})
    assert round_.requeue_jobs({"dead"}) == [FLEET_SITE]
    assert round_.progress().pending == [FLEET_SITE]
    assert not round_.server.exists(round_.requests_key("dead"))


def test_a_bare_registry_host_keeps_https_then_http() -> None:
    bare = task_for_site(
        FLEET_SITE, FLEET_SITE, as_of="2024-02-28", round_name="r1", links="homepage", backend=None
    )
    assert (bare.url, bare.target) == (f"http://{FLEET_SITE}/", FLEET_SITE)
    assert parse_message(bare.message(), round_name="r1").target == FLEET_SITE
    given = task_for_site(
        FLEET_SITE,
        f"https://{FLEET_SITE}/index.html",
        as_of="2024-02-28",
        round_name="r1",
        links="homepage",
        backend=None,
    )
    assert given.target == given.url == f"https://{FLEET_SITE}/index.html"
    tampered = json.loads(bare.message())
    tampered["meta"]["govcheck"]["target"] = "other.gov.cn"
    with pytest.raises(RoundError, match="target"):
        parse_message(json.dumps(tampered), round_name="r1")
