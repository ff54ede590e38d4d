"""The round-wide link-check cache against the farm: two sites linking to the same outside targets
(tests/farm/sites_cache.py) have each target fetched once per round, counted at the farm, on one
machine (the database holds the cache; two crawl processes at once) and in fleet mode (a real Redis;
two jobs at once); the findings are those of a round without the cache, and a target the crawl could
not reach (it may be the inspector's own network) is never taken from the cache."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from govcheck.db.models import Crawl, LinkCacheEntry, LinkCheck, Site
from govcheck.fleet.round import Round, redis_from_url
from govcheck.linkcache_store import PENDING
from tests.farm.process import FarmProcess
from tests.farm.sites_cache import (
    GONE,
    OUTSIDE_TARGETS,
    SHARED,
    SHARED_BROKEN,
    SHARED_OK,
    SITE_A,
    SITE_B,
    UNREACHABLE,
)
from tests.farm.truth import AS_OF
from tests.helpers import REPO, environment, farm_json, fleet_env, govcheck, queue, report

SITES = (SITE_A, SITE_B)


def _crawl_both(env: dict[str, str], cwd: Path, round_name: str) -> None:
    """Both sites at once on one machine: two crawl processes (`govcheck crawl --jobs 2`)."""
    result = govcheck(
        "crawl", "--site", SITE_A, "--site", SITE_B, "--jobs", "2", "--round", round_name,
        "--as-of", AS_OF.isoformat(), "--log-dir", str(cwd / "logs"), env=env, cwd=cwd,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]


def _farm_log(farm: FarmProcess) -> list[tuple[str, str, int | None]]:
    return [tuple(entry) for entry in farm_json(farm, "/_farm/stats")["log"]]  # type: ignore[misc]


def _requests_to(log: list[tuple[str, str, int | None]], host: str) -> int:
    return sum(1 for _method, url, _status in log if url.startswith(f"http://{host}/"))


def _checks(database_url: str, round_name: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(site, target) -> the stored check of each outside target, for the round's crawls."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Site.host, LinkCheck)
                .join(Crawl, Crawl.site_id == Site.id)
                .join(LinkCheck, LinkCheck.crawl_id == Crawl.id)
                .where(Crawl.round == round_name, LinkCheck.url.in_(OUTSIDE_TARGETS))
            ).all()
            return {
                (row.host, row.url): {
                    "outcome": row.outcome,
                    "status": row.status,
                    "error": row.error,
                    "checked_by": row.checked_by,
                    "checked_at": row.checked_at,
                }
                for row in rows
            }
    finally:
        engine.dispose()


def _findings(env: dict[str, str], cwd: Path, round_name: str) -> dict[str, list[tuple[str, str | None]]]:
    data = report(env, cwd, "--round", round_name)
    return {
        site["host"]: sorted((f["code"], f.get("url")) for f in site.get("findings", []))
        for site in data["sites"]
        if site["host"] in SITES
    }


def _assert_shared_once(checks: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Each shared target fetched by one site; the other took that site's answer, evidence and all."""
    for target in (*SHARED_OK, *SHARED_BROKEN):
        own = [site for site in SITES if checks[(site, target)]["checked_by"] is None]
        assert len(own) == 1, (target, checks)
        (fetcher,) = own
        (other,) = set(SITES) - {fetcher}
        taken = checks[(other, target)]
        assert taken["checked_by"] == fetcher and taken["checked_at"] is not None
        mine = checks[(fetcher, target)]
        assert (taken["outcome"], taken["status"]) == (mine["outcome"], mine["status"])
        assert taken["outcome"] == ("ok" if target in SHARED_OK else "broken")
    for site in SITES:  # a target the crawl could not reach: each site's own failure, never shared
        (gone,) = UNREACHABLE
        assert checks[(site, gone)]["checked_by"] is None
        assert (checks[(site, gone)]["outcome"], checks[(site, gone)]["error"]) == ("broken", "dns_error")


def test_one_machine_fetches_each_outside_target_once_per_round(
    farm: FarmProcess, database_url: str, tmp_path: Path
) -> None:
    env = environment(farm, database_url, GOVCHECK_REVALIDATE="false")  # the cache alone is measured
    env.pop("REDIS_URL", None)

    farm_json(farm, "/_farm/reset", "POST")
    _crawl_both({**env, "GOVCHECK_LINK_CACHE": "false"}, tmp_path, "no-cache")
    before = _farm_log(farm)
    farm_json(farm, "/_farm/reset", "POST")
    _crawl_both(env, tmp_path, "cached")
    after = _farm_log(farm)

    # Without the cache each site fetches the shared platform itself; with it, one of them does.
    assert _requests_to(after, SHARED) * 2 == _requests_to(before, SHARED), (before, after)
    heads = Counter(url for method, url, _ in after if method == "HEAD")
    assert all(heads[target] == 1 for target in (*SHARED_OK, *SHARED_BROKEN)), heads
    # The unreachable host is asked by both sites either way: a failure is never cached.
    assert _requests_to(after, GONE) == _requests_to(before, GONE) > 0
    print(  # the figures in the report: requests to the farm per round, without and with the cache
        f"\nfarm requests: without cache {len(before)} (shared platform {_requests_to(before, SHARED)}), "
        f"with cache {len(after)} (shared platform {_requests_to(after, SHARED)})"
    )

    checks = _checks(database_url, "cached")
    _assert_shared_once(checks)
    uncached = _checks(database_url, "no-cache")
    assert all(check["checked_by"] is None for check in uncached.values())
    assert {k: (v["outcome"], v["status"]) for k, v in checks.items()} == {
        k: (v["outcome"], v["status"]) for k, v in uncached.items()
    }
    assert _findings(env, tmp_path, "cached") == _findings(env, tmp_path, "no-cache")
    # The finding of a broken target taken from the cache names the crawl that saw it broken.
    (removed,) = SHARED_BROKEN
    (taker,) = [site for site in SITES if checks[(site, removed)]["checked_by"]]
    sites = {site["host"]: site for site in report(env, tmp_path, "--round", "cached")["sites"]}
    (finding,) = [f for f in sites[taker]["findings"] if f.get("url") == removed]
    assert finding["evidence"]["status"] == 404
    assert finding["evidence"]["checked_by"] == checks[(taker, removed)]["checked_by"]
    assert finding["evidence"]["checked_at"]

    engine = create_engine(database_url)
    with engine.connect() as connection:
        cached = dict(connection.execute(select(LinkCacheEntry.url, LinkCacheEntry.outcome)).all())
    engine.dispose()
    assert set(cached) == {*SHARED_OK, *SHARED_BROKEN}  # no claim left behind, nothing unreachable
    assert PENDING not in cached.values()


def test_fleet_jobs_on_two_nodes_fetch_each_outside_target_once_per_round(
    farm: FarmProcess, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    env = {**fleet_env(farm, database_url, redis_url, prefix), "GOVCHECK_FLEET_SITES": "1"}
    round_ = Round(redis_from_url(redis_url), "2024-Q1", prefix=prefix)
    queue(round_, *SITES)
    farm_json(farm, "/_farm/reset", "POST")
    command = [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "round=2024-Q1"]
    jobs = [
        subprocess.Popen(
            command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    logs = [job.communicate(timeout=300)[1] for job in jobs]
    assert all(job.returncode == 0 for job in jobs), [log[-3000:] for log in logs]
    assert round_.progress().complete

    log = _farm_log(farm)
    heads = Counter(url for method, url, _ in log if method == "HEAD")
    assert all(heads[target] == 1 for target in (*SHARED_OK, *SHARED_BROKEN)), heads
    assert heads[UNREACHABLE[0]] == 2 * 3  # each job asks the unreachable host itself (HEAD, 2 retries)
    _assert_shared_once(_checks(database_url, "2024-Q1"))
    keys = list(redis_from_url(redis_url).scan_iter(match=f"{prefix}:2024-Q1:linkcheck:*"))
    assert len(keys) == len(SHARED_OK) + len(SHARED_BROKEN)
    assert all(0 < redis_from_url(redis_url).ttl(key) <= 86400 for key in keys)


def test_the_next_round_asks_whether_link_targets_changed_and_keeps_their_outcomes(
    farm: FarmProcess, database_url: str, tmp_path: Path
) -> None:
    """Round 2 sends each site's validators from round 1: the unchanged targets answer 304, their checks
    cost no GET and no not-found fingerprint, and every outcome and finding is round 1's."""
    env = environment(farm, database_url)
    env.pop("REDIS_URL", None)
    farm_json(farm, "/_farm/reset", "POST")
    _crawl_both(env, tmp_path, "r1")
    first = _farm_log(farm)
    farm_json(farm, "/_farm/reset", "POST")
    _crawl_both(env, tmp_path, "r2")
    second = _farm_log(farm)

    unchanged = [url for method, url, status in second if method == "HEAD" and status == 304]
    assert unchanged and not [entry for entry in first if entry[2] == 304]
    assert len(second) < len(first), (first, second)
    print(f"\nfarm requests: round 1 {len(first)}, round 2 {len(second)} ({len(unchanged)} answered 304)")
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Crawl.round, Site.host, LinkCheck.url, LinkCheck.outcome, LinkCheck.status, LinkCheck.error
            )
            .join(Crawl, Crawl.site_id == Site.id)
            .join(LinkCheck, LinkCheck.crawl_id == Crawl.id)
        ).all()
        kept = connection.execute(
            select(Site.host, LinkCheck.url, LinkCheck.checked_by)
            .join(Crawl, Crawl.site_id == Site.id)
            .join(LinkCheck, LinkCheck.crawl_id == Crawl.id)
            .where(Crawl.round == "r2", LinkCheck.url.in_(unchanged))
        ).all()
    engine.dispose()
    by_round: dict[str, set[tuple[Any, ...]]] = {"r1": set(), "r2": set()}
    for round_name, *check in rows:
        by_round[round_name].add(tuple(check))
    assert by_round["r1"] == by_round["r2"] and by_round["r1"]
    # An unchanged target's check names the crawl that fetched it: the site's own in round 1, or, for an
    # outside target, the site whose 304 answered for the round.
    assert kept and all(checked_by in SITES for _host, _url, checked_by in kept)
    assert _findings(env, tmp_path, "r2") == _findings(env, tmp_path, "r1")
