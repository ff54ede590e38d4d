"""The README's "Running on a cluster", run as written on loopback.

A real PostgreSQL and Redis stand in for the store machine and two real Scrapyd processes for the two
nodes; the blocks marked ▶ in README.md are run by bash exactly as they are there, with the variables
the README sets in its unmarked blocks pointing at these loopback services (and the farm as proxy).

Round 1 is scheduled, one job is killed with SIGKILL mid-round and the round is rescheduled; round 2
runs on the same Redis untouched. The findings of both rounds must equal those of one machine crawling
the same sites with `govcheck crawl` (conftest's ``farm_crawl``), with no site missing and no row
lost or duplicated.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from govcheck.db.attempts import FINISHED, no_newer_finished
from govcheck.db.models import Crawl, LinkCheck, Page, Site
from govcheck.fleet.round import Round, redis_from_url
from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF
from tests.helpers import REPO, FarmCrawl, environment, farm_registry
from tests.scrapyd_node import PASSWORD, Node, build_node_venv, free_port

HOST_LIMIT, BACKEND_LIMIT = 2, 4
ROUND_TIMEOUT = 900
pytestmark = pytest.mark.timeout(2400)


def readme_block(name: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- ▶ cluster:{name} -->\n```sh\n(.*?)\n```", text, re.S)
    assert match, f"README.md has no ▶ cluster:{name} block"
    return match.group(1) + "\n"


def bash(script: str, env: dict[str, str], *, timeout: float = ROUND_TIMEOUT) -> str:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{script}\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-5000:]}"
    )
    return result.stdout


def farm_call(farm: FarmProcess, path: str, method: str = "GET") -> dict[str, Any]:
    request = urllib.request.Request(
        f"{farm.url}{path}", method=method, data=b"" if method == "POST" else None
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        result: dict[str, Any] = json.load(response)
    return result


def findings(env: dict[str, str], round_name: str = "") -> dict[str, Any]:
    """Each site's verdict, summary and findings (code, column, link, wording) in a round's report."""
    result = subprocess.run(
        [sys.executable, "-m", "govcheck.cli", "report", "--format", "json", "--round", round_name,
         "--as-of", AS_OF.isoformat()],
        cwd=REPO, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = {}
    for site in json.loads(result.stdout)["sites"]:
        out[site["host"]] = (
            site["verdict"],
            site["summary"],
            sorted(
                (f["code"], f["column_url"] or "", f["url"] or "", f["message"]) for f in site["findings"]
            ),
        )
    return out


def row_counts(database_url: str, round_name: str) -> dict[str, tuple[int, ...]]:
    """Pages and link checks stored per site for a round's crawl: its current attempt (the newest
    finished one, which evaluations use; a killed job's attempt is not counted)."""
    engine = create_engine(database_url)
    counts: dict[str, list[int]] = {}
    with engine.connect() as connection:
        for position, table in enumerate((Page, LinkCheck)):
            rows = connection.execute(
                select(Site.host, func.count(table.id))
                .join(Crawl, Crawl.site_id == Site.id)
                .join(table, table.crawl_id == Crawl.id)
                .where(Crawl.round == round_name, Crawl.status == FINISHED, no_newer_finished(Crawl))
                .group_by(Site.host)
            ).all()
            for host, count in rows:
                counts.setdefault(host, [0, 0])[position] = count
    engine.dispose()
    return {host: tuple(values) for host, values in counts.items()}


def finished_attempts(database_url: str, round_name: str) -> dict[str, int]:
    """Finished crawl attempts per site in a round (a killed job's site redone: still one)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Site.host, func.count(Crawl.id))
            .join(Crawl, Crawl.site_id == Site.id)
            .where(Crawl.round == round_name, Crawl.status == FINISHED)
            .group_by(Site.host)
        ).all()
    engine.dispose()
    return dict(rows)


def test_a_round_on_two_scrapyd_nodes_as_the_readme_says(
    farm: FarmProcess, farm_crawl: FarmCrawl, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    hosts = farm_registry(tmp_path / "sites.csv")
    assert len(hosts) >= 20 and hosts == farm_crawl.hosts
    ports = [free_port(), free_port()]
    shared = environment(
        farm,
        postgres_url,
        REDIS_URL=redis_url,
        SCRAPYD_PASSWORD=PASSWORD,
        NODES=" ".join(f"127.0.0.1:{port}" for port in ports),
        # Test tempo (the README's defaults are for real sites): short idle close, lease and retries.
        GOVCHECK_REDIS_PREFIX=f"t{uuid.uuid4().hex[:8]}",
        GOVCHECK_FLEET_IDLE_CLOSE="3",
        GOVCHECK_FLEET_LEASE="20",
        GOVCHECK_HOMEPAGE_RETRY_DELAY="1",
        GOVCHECK_CLUSTER_HOST_CONCURRENCY=str(HOST_LIMIT),
        GOVCHECK_CLUSTER_BACKEND_CONCURRENCY=str(BACKEND_LIMIT),
    )
    # A node runs the deployed egg only: the checkout must not shadow it (its spiders/ is mapped
    # to govcheck.spiders by packaging, not importable from the source tree).
    shared.pop("PYTHONPATH")
    # The node environment is built from the package registries, never through the farm (README
    # machines have no proxy; here the proxy is only for the crawls), so the block's make is a no-op.
    build_node_venv()
    nodes: list[Node] = []
    try:
        for index, port in enumerate(ports):
            node_dir = tmp_path / f"node{index + 1}"
            env = {**shared, "NODE_ADDRESS": "127.0.0.1", "NODE_PORT": str(port), "NODE_DIR": str(node_dir)}
            bash(readme_block("node"), env)
            nodes.append(Node(f"http://127.0.0.1:{port}/", postgres_url, node_dir / "logs"))
        for node in nodes:
            wait_until_up(node)
        # The operator's node list, built by the README's own command from $NODES and $SCRAPYD_PASSWORD.
        node_list = bash(readme_block("nodes") + 'printf %s "$GOVCHECK_SCRAPYD_NODES"\n', shared)
        operator = {
            **shared,
            "GOVCHECK_SCRAPYD_NODES": node_list,
            "SITES_FILE": str(tmp_path / "sites.csv"),
            "AS_OF": AS_OF.isoformat(),
        }
        server = redis_from_url(redis_url)
        prefix = shared["GOVCHECK_REDIS_PREFIX"]

        # Round 1: schedule, SIGKILL one job mid-round, reschedule, watch it complete.
        first = {**operator, "ROUND": "2024-Q1"}
        farm_call(farm, "/_farm/reset", "POST")
        bash(readme_block("schedule"), first)
        killed = kill_a_job_mid_site(nodes[0], Round(server, "2024-Q1", prefix=prefix))
        bash(readme_block("reschedule"), first)
        report = bash(readme_block("watch"), first)
        assert "检查网站" in report
        check_politeness(farm_call(farm, "/_farm/stats"))
        progress = Round(server, "2024-Q1", prefix=prefix).progress()
        assert progress.complete and set(progress.done) == set(hosts)
        assert {h: n for h, n in progress.starts.items() if n != 1} == dict.fromkeys(killed, 2)

        # Round 2 on the same Redis: every site exactly once, every page fetched again.
        second = {**operator, "ROUND": "2024-Q2"}
        farm_call(farm, "/_farm/reset", "POST")
        bash(readme_block("schedule"), second)
        bash(readme_block("watch"), second)
        check_politeness(farm_call(farm, "/_farm/stats"))
        progress = Round(server, "2024-Q2", prefix=prefix).progress()
        assert progress.complete and progress.starts == dict.fromkeys(hosts, 1)
        assert not list(server.scan_iter(match=f"{prefix}:*:requests:*"))  # both rounds cleaned up
        assert not list(server.scan_iter(match=f"{prefix}:*:seen:*"))
    finally:
        for node in nodes:
            stop(node)

    # The reference: the same sites crawled on one machine without Redis (govcheck crawl, SQLite).
    reference = findings(farm_crawl.env)
    assert set(reference) == set(hosts)
    for round_name in ("2024-Q1", "2024-Q2"):
        assert findings(shared, round_name) == reference, round_name
    # No row lost or doubled by the kill, the redo or the second round.
    reference_rows = row_counts(farm_crawl.database_url, AS_OF.isoformat())
    assert row_counts(postgres_url, "2024-Q1") == reference_rows
    assert row_counts(postgres_url, "2024-Q2") == reference_rows
    for round_name in ("2024-Q1", "2024-Q2"):
        assert finished_attempts(postgres_url, round_name) == dict.fromkeys(hosts, 1), round_name


def wait_until_up(node: Node) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if node.call("daemonstatus.json")["status"] == "ok":
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"the Scrapyd node at {node.url} did not start"
        time.sleep(0.3)


def kill_a_job_mid_site(node: Node, round_: Round) -> list[str]:
    """SIGKILL a job of ``node`` while it holds sites whose crawl has begun; return those sites."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        running = {job["id"]: job for job in node.call("listjobs.json?project=govcheck")["running"]}
        held = round_.progress().running
        for job_id, job in running.items():
            sites = [site for site, entry in held.items() if entry["job"] == job_id]
            if sites and time.time() - max(held[s]["taken_at"] for s in sites) > 3:
                os.kill(int(job["pid"]), signal.SIGKILL)
                wait_for_end(node, job_id)
                return sites
        time.sleep(0.5)
    raise AssertionError("no job of the first node ever held a site")


def wait_for_end(node: Node, job_id: str) -> None:
    deadline = time.monotonic() + 30
    while not any(j["id"] == job_id for j in node.call("listjobs.json?project=govcheck")["finished"]):
        assert time.monotonic() < deadline, f"Scrapyd did not see job {job_id} end"
        time.sleep(0.3)


def check_politeness(stats: dict[str, Any]) -> None:
    too_busy = {host: n for host, n in stats["max_concurrent"].items() if n > HOST_LIMIT}
    assert not too_busy, f"hosts above {HOST_LIMIT} concurrent requests: {too_busy}"
    crowded = {group: n for group, n in stats["max_concurrent_backend"].items() if n > BACKEND_LIMIT}
    assert not crowded, f"backends above {BACKEND_LIMIT} concurrent requests: {crowded}"


def stop(node: Node) -> None:
    pid_file = node.logs.parent / "scrapyd.pid"
    if pid_file.exists():
        pid = int(pid_file.read_text().strip())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
