"""A real Scrapyd 1.6 node on loopback for tests: `make scrapyd-node`, then var/scrapyd-node/bin/scrapyd
on a free port with basic auth on (as the README requires for any node)."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
USERNAME, PASSWORD = "govcheck", "node-secret"


@dataclass
class Node:
    url: str  # without credentials
    database_url: str
    logs: Path

    @property
    def authenticated_url(self) -> str:
        return self.url.replace("://", f"://{USERNAME}:{PASSWORD}@", 1)

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


def build_node_venv() -> None:
    """``make scrapyd-node`` from the package registries, never through the farm (the suite sets the
    farm as the proxy for crawls; pip must not use it), under a file lock: test modules on several
    pytest-xdist workers may ask for the node's venv at once, and two builds of one venv break each
    other."""
    registries_env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    lock_path = REPO / "var" / "scrapyd-node.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = subprocess.run(
            ["make", "scrapyd-node"], cwd=REPO, env=registries_env, capture_output=True, text=True
        )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]


@contextmanager
def scrapyd_node(home: Path, env: Mapping[str, str], *, max_proc: int = 2) -> Iterator[Node]:
    """Build var/scrapyd-node once (make is a no-op afterwards) and run a node in ``home``."""
    build_node_venv()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\nusername = {USERNAME}\npassword = {PASSWORD}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\nitems_dir =\n"
        f"max_proc = {max_proc}\npoll_interval = 0.5\n"
    )
    database_url = f"sqlite:///{home / 'node.db'}"
    process = subprocess.Popen(
        [str(REPO / "var/scrapyd-node/bin/scrapyd")],
        cwd=home,
        env={**env, "GOVCHECK_DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    node = Node(f"http://127.0.0.1:{port}/", database_url, home / "logs")
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                assert node.call("daemonstatus.json")["status"] == "ok"
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.3)
        yield node
    finally:
        process.terminate()
        process.wait(timeout=10)
