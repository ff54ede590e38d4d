"""Deployment to a real Scrapyd on loopback: `make scrapyd-node`, `make deploy TARGET=node`, a portal job.

The node takes its settings (database URL, proxies) from its own environment; nothing is baked into
the egg. Basic auth is on, as the README requires for any Scrapyd node.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF, SITES

REPO = Path(__file__).resolve().parents[1]
USERNAME, PASSWORD = "govcheck", "node-secret"
JOB_TIMEOUT = 240


@dataclass
class Node:
    url: str
    database_url: str
    logs: Path

    def call(
        self, endpoint: str, data: dict[str, str] | None = None, *, password: str = PASSWORD
    ) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}{endpoint}", data=urllib.parse.urlencode(data).encode() if data is not None else None
        )
        request.add_header(
            "Authorization", "Basic " + base64.b64encode(f"{USERNAME}:{password}".encode()).decode()
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never the farm
        with opener.open(request, timeout=30) as response:
            result: dict[str, Any] = json.load(response)
        return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def node(farm: FarmProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    subprocess.run(["make", "scrapyd-node"], cwd=REPO, check=True, capture_output=True)
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\nusername = {USERNAME}\npassword = {PASSWORD}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\nitems_dir =\n"
        "max_proc = 2\npoll_interval = 0.5\n"
    )
    database_url = f"sqlite:///{home / 'node.db'}"
    env = {**os.environ, **farm.proxy_env(), "GOVCHECK_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [str(REPO / "var/scrapyd-node/bin/scrapyd")],
        cwd=home,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    node = Node(f"http://127.0.0.1:{port}/", database_url, home / "logs")
    deadline = time.monotonic() + 30
    while True:
        try:
            assert node.call("daemonstatus.json")["status"] == "ok"
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.3)
    yield node
    process.terminate()
    process.wait(timeout=10)


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
