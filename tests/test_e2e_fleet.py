"""Fleet mode on one machine: `scrapy crawl portal -a round=NAME` taking sites from a real Redis.

The async ``start()`` path (Scrapy 2.19 never calls ``start_requests()``), bad messages set aside, the
idle close, a dead database and a cancelled job, against the farm and a real Redis. (Messages and
leases alone: test_fleet_round.py; fingerprints: test_fleet_dupefilter.py; many nodes, a killed job
and the next round re-crawling every page: test_e2e_cluster.py.)
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, select

from govcheck.db.models import Crawl
from govcheck.fleet.round import Round, redis_from_url, task_for_site
from tests.farm.process import FarmProcess
from tests.farm.truth import SITES
from tests.helpers import (
    FLEET_DEAD,
    FLEET_SITE,
    REPO,
    environment,
    fleet_crawl,
    fleet_env,
    queue,
    report,
    run,
)


def test_fleet_mode_without_redis_is_a_clear_error(tmp_path: Path, farm: FarmProcess) -> None:
    env = environment(farm, f"sqlite:///{tmp_path / 'g.db'}")
    env.pop("REDIS_URL", None)
    result = run([sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "round=2024-Q1"], env, REPO)
    assert result.returncode != 0
    assert (
        "fleet mode (-a round=NAME without -a site) takes its sites from Redis: set REDIS_URL"
        in result.stderr
    )


def test_a_fleet_job_crawls_the_queued_sites_once_sets_bad_messages_aside_and_cleans_up(
    farm: FarmProcess, database_url: str, redis_url: str
) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    round_ = Round(redis_from_url(redis_url), "2024-Q1", prefix=prefix)
    queue(round_, FLEET_SITE, FLEET_DEAD)
    good = json.loads(
        task_for_site(
            "sfj.suizhou.gov.cn",
            None,
            as_of="2024-02-28",
            round_name="2024-Q1",
            links="homepage",
            backend=None,
        ).message()
    )
    bad = [
        json.dumps({**good, "column": "7"}),  # an extra key: scrapy-redis would turn it into form data
        json.dumps({**good, "meta": {"govcheck": {**good["meta"]["govcheck"], "round": "2023-Q4"}}}),
        "not json at all",
    ]
    round_.server.rpush(round_.sites_key, *bad)
    env = fleet_env(farm, database_url, redis_url, prefix)
    log = fleet_crawl(env, "2024-Q1", REPO)
    assert "the queue stayed empty" in log

    progress = round_.progress()
    assert progress.complete and set(progress.done) == {FLEET_SITE, FLEET_DEAD}
    assert progress.starts == {FLEET_SITE: 1, FLEET_DEAD: 1}
    reasons = sorted(entry["reason"] for entry in progress.rejected)
    assert len(reasons) == 3 and any("unexpected keys ['column']" in r for r in reasons), reasons
    assert any("round" in r for r in reasons) and any("meta.govcheck.site" in r for r in reasons)
    # The round is complete: its request queues and fingerprints are gone, its bookkeeping stays.
    assert not list(round_.server.scan_iter(match=f"{prefix}:2024-Q1:requests:*"))
    assert not list(round_.server.scan_iter(match=f"{prefix}:2024-Q1:seen:*"))

    sites = {s["host"]: s for s in report(env, REPO, "--round", "2024-Q1")["sites"]}
    assert (
        sites[FLEET_SITE]["summary"] == SITES[FLEET_SITE].expected_summary
        and sites[FLEET_SITE]["verdict"] == "pass"
    )
    assert sites[FLEET_DEAD]["verdict"] == "fail"
    assert [f["code"] for f in sites[FLEET_DEAD]["findings"]] == ["site_unreachable"]


def test_a_dead_database_loses_nothing_in_fleet_mode(
    farm: FarmProcess, redis_url: str, tmp_path: Path
) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    round_ = Round(redis_from_url(redis_url), "2024-Q1", prefix=prefix)
    queue(round_, FLEET_SITE)
    env = fleet_env(farm, "postgresql+psycopg2://govcheck:secret@127.0.0.1:9/govcheck", redis_url, prefix)
    env["GOVCHECK_SPOOL_DIR"] = str(tmp_path / "spool")
    log = fleet_crawl(env, "2024-Q1", tmp_path)
    assert "secret" not in log
    assert round_.progress().done[FLEET_SITE]["status"] == "spooled"  # done here, stored later
    (spool,) = (tmp_path / "spool").glob("*.jsonl")
    env["GOVCHECK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'later.db'}"
    # Only writing commands create a database: the operator makes the new one, then replays into it.
    assert run([sys.executable, "-m", "govcheck.cli", "db", "upgrade"], env, tmp_path).returncode == 0
    replayed = run([sys.executable, "-m", "govcheck.cli", "db", "replay", str(spool)], env, tmp_path)
    assert replayed.returncode == 0, replayed.stderr
    site = next(s for s in report(env, tmp_path, "--round", "2024-Q1")["sites"] if s["host"] == FLEET_SITE)
    assert (site["verdict"], site["summary"]) == ("pass", SITES[FLEET_SITE].expected_summary)


def test_a_cancelled_job_gives_its_sites_back(farm: FarmProcess, redis_url: str, tmp_path: Path) -> None:
    """Scrapyd's cancel.json sends SIGTERM: the job stops mid-site and the site goes back to the queue."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    round_ = Round(redis_from_url(redis_url), "2024-Q1", prefix=prefix)
    queue(round_, "www.suizhou.gov.cn")  # the portal: big enough to be caught mid-crawl
    database_url = f"sqlite:///{tmp_path / 'g.db'}"
    env = fleet_env(farm, database_url, redis_url, prefix)
    command = [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "round=2024-Q1", "-a", "_job=j1"]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not round_.progress().running:
        assert time.monotonic() < deadline and process.poll() is None, "the job never took the site"
        time.sleep(0.2)
    time.sleep(3)
    process.send_signal(signal.SIGTERM)
    _out, log = process.communicate(timeout=120)
    assert process.returncode == 0, log[-3000:]
    assert "back in the queue" in log
    progress = round_.progress()
    assert progress.pending == ["www.suizhou.gov.cn"] and not progress.running and not progress.done
    assert not round_.server.exists(round_.requests_key("j1"))
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(select(Crawl.status)).scalars().all() == ["interrupted"]
    engine.dispose()
