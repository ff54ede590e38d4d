"""Deployment to a real Scrapyd on loopback: `make scrapyd-node`, `make deploy TARGET=node`, a portal job.

The node takes its settings (database URL, proxies) from its own environment; nothing is baked into
the egg. Basic auth is on, as the README requires for any Scrapyd node.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator

import pytest

from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF, SITES
from tests.scrapyd_node import PASSWORD, REPO, USERNAME, Node, scrapyd_node

JOB_TIMEOUT = 240


@pytest.fixture(scope="module")
def node(farm: FarmProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    with scrapyd_node(tmp_path_factory.mktemp("scrapyd"), {**os.environ, **farm.proxy_env()}) as running:
        yield running


def test_a_node_refuses_wrong_credentials(node: Node) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        node.call("daemonstatus.json", password="wrong")
    assert refused.value.code == 401
    refused.value.close()


def test_deploy_then_a_portal_job_writes_the_nodes_database(node: Node) -> None:
    env = {
        **os.environ,
        "GOVCHECK_SCRAPYD_URL": node.url,
        "SCRAPYD_USERNAME": USERNAME,
        "SCRAPYD_PASSWORD": PASSWORD,
    }
    deployed = subprocess.run(
        ["make", "deploy", "TARGET=node"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert deployed.returncode == 0, deployed.stderr
    assert sorted(node.call("listspiders.json?project=govcheck")["spiders"]) >= ["portal"]

    host = "sfj.suizhou.gov.cn"
    job = node.call(
        "schedule.json", {"project": "govcheck", "spider": "portal", "site": host, "as_of": AS_OF.isoformat()}
    )
    assert job["status"] == "ok", job
    deadline = time.monotonic() + JOB_TIMEOUT
    while not any(j["id"] == job["jobid"] for j in node.call("listjobs.json?project=govcheck")["finished"]):
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(1)
    log = next(node.logs.rglob(f"{job['jobid']}.log")).read_text(encoding="utf-8")
    assert "Traceback" not in log, log[-3000:]

    report = subprocess.run(
        [sys.executable, "-m", "govcheck.cli", "report", "--format", "json", "--as-of", AS_OF.isoformat()],
        env={**os.environ, "GOVCHECK_DATABASE_URL": node.database_url},
        capture_output=True,
        text=True,
        check=True,
    )
    (site,) = json.loads(report.stdout)["sites"]
    assert (site["host"], site["summary"]) == (host, SITES[host].expected_summary)
