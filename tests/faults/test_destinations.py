"""Fault cases of the destination policy: a site that links and redirects into the inspector's network.

The hostile replica (tests/farm/sites_hostile.py) links to loopback (by IP, odd spellings,
``localhost``), private, CGNAT, link-local and metadata addresses, intranet names and file:/ftp:/s3:
URLs, and redirects to several of them. A listener on 127.0.0.1 stands where those loopback links
point; its port is allowed by GOVCHECK_ALLOWED_PORTS (a port of the default set cannot be bound
without root) but its network is not, so only the address rule stands between the crawler and it.
The farm environment's ``no_proxy=127.0.0.1,localhost`` means the crawler would connect directly,
which is exactly what must not happen, and the farm proxy must not be asked for any of them either.

``rebind.faultfarm.gov.cn`` is the name "where no proxy stands between": it is added to no_proxy,
and a ``sitecustomize`` on the crawl's PYTHONPATH (the test's stand-in for /etc/hosts, which a shared
machine's tests must not edit) makes it resolve to 127.0.0.1, so only the resolver's connect-time
check can refuse it. The control crawl allows 127.0.0.0/8 and shows the listener does see the
crawler when the policy lets it through.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.farm.process import FarmProcess
from tests.farm.sites_hostile import HOST, REBIND, refused_links, trap_url
from tests.farm.truth import AS_OF
from tests.faults.measure import Measured, run_measured
from tests.faults.record import FaultReport
from tests.helpers import REPO, environment, govcheck

HOSTS_OVERRIDE = f'''"""Test stand-in for an /etc/hosts line: {REBIND} resolves to 127.0.0.1."""
import socket

_getaddrinfo, _gethostbyname = socket.getaddrinfo, socket.gethostbyname


def _getaddrinfo_mapped(host, *args, **kwargs):
    return _getaddrinfo("127.0.0.1" if host in ({REBIND!r}, {REBIND.encode()!r}) else host, *args, **kwargs)


def _gethostbyname_mapped(host):
    return "127.0.0.1" if host == {REBIND!r} else _gethostbyname(host)


socket.getaddrinfo, socket.gethostbyname = _getaddrinfo_mapped, _gethostbyname_mapped
'''


class Trap:
    """A listener on 127.0.0.1 (and ::1 when the machine has it, same port) counting connections."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.connections: list[tuple[str, int]] = []
        self.port = 0
        self._lock = threading.Lock()

    def open(self) -> None:
        first = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        first.bind(("127.0.0.1", 0))
        self.port = first.getsockname()[1]
        self.sockets.append(first)
        try:
            six = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            six.bind(("::1", self.port))
            self.sockets.append(six)
        except OSError:
            pass  # no IPv6 loopback here: [::1] links have no listener to reach either way
        for sock in self.sockets:
            sock.listen(64)
            sock.settimeout(0.2)
            threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                connection, peer = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            with self._lock:
                self.connections.append(peer[:2])
            connection.close()

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


@contextmanager
def trap() -> Iterator[Trap]:
    listener = Trap()
    listener.open()
    try:
        yield listener
    finally:
        listener.close()


def farm_log(farm: FarmProcess) -> list[list[Any]]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{farm.url}/_farm/stats", timeout=30) as response:
        log: list[list[Any]] = json.load(response)["log"]
    return log


def crawl_hostile(
    farm: FarmProcess, workdir: Path, port: int, **settings: str
) -> tuple[Measured, list[list[Any]], dict[str, str]]:
    """``scrapy crawl portal`` of the hostile site, every link checked; returns the run, what the farm
    proxy was asked meanwhile, and the environment."""
    override = workdir / "hosts"
    override.mkdir()
    (override / "sitecustomize.py").write_text(HOSTS_OVERRIDE, encoding="utf-8")
    env = environment(
        farm,
        f"sqlite:///{workdir / 'govcheck.db'}",
        GOVCHECK_ALLOWED_PORTS=f"80,443,8080,8443,{port}",
        GOVCHECK_HOMEPAGE_RETRY_DELAY="0",
        **settings,
    )
    env["PYTHONPATH"] = f"{override}{os.pathsep}{REPO}"
    env["no_proxy"] = env["NO_PROXY"] = f"127.0.0.1,localhost,{REBIND}"
    before = len(farm_log(farm))
    args = ["-a", f"site={trap_url('/', port)}", "-a", f"as_of={AS_OF}", "-a", "links=all"]
    measured = run_measured(
        [sys.executable, "-m", "scrapy", "crawl", "portal", *args], env=env, cwd=workdir, timeout=300
    )
    return measured, farm_log(farm)[before:], env


def link_checks(workdir: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(workdir / "govcheck.db") as db:
        rows = db.execute("SELECT url, outcome, error FROM link_checks").fetchall()
    return {url: (outcome, error) for url, outcome, error in rows}


def test_hostile_links_and_redirects_never_reach_the_network(
    farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    with trap() as listener:
        measured, asked, env = crawl_hostile(farm, tmp_path, listener.port)
    expected = refused_links(listener.port)
    checks = link_checks(tmp_path)
    refused = {url for url, (outcome, _) in checks.items() if outcome == "refused"}
    internal_hosts = {urlsplit(url).hostname for url in expected} - {HOST}
    proxied_internal = [entry for entry in asked if urlsplit(entry[1]).hostname in internal_hosts]
    result = govcheck("report", "--format", "json", "--as-of", AS_OF.isoformat(), env=env, cwd=tmp_path)
    (site,) = json.loads(result.stdout)["sites"]
    listed = {url for f in site["findings"] if f["code"] == "internal_link" for url in f["urls"]}
    survived = (
        measured.returncode == 0 and not listener.connections and not proxied_internal and refused == expected
    )
    fault_report.record(
        "links/redirects to loopback, private, metadata, file:, ftp: (direct and via proxy)",
        survived=survived,
        seconds=measured.seconds,
        peak_rss_mb=measured.peak_rss_mb,
        requests=len(asked),
        rows_expected=len(expected),
        rows_stored=len(refused & expected),
        note=f"{len(listener.connections)} connections to the listener, {len(proxied_internal)} proxy asks",
    )
    (tmp_path / "crawl.log").write_text(measured.stderr, encoding="utf-8")
    assert measured.returncode == 0, measured.stderr[-3000:]
    assert listener.connections == [], listener.connections
    assert proxied_internal == []
    assert refused == expected, (refused ^ expected, checks)
    assert all(checks[url][1].startswith("policy:") for url in refused)
    assert not any(url.startswith(("file:", "ftp:", "s3:")) for url in checks)
    assert listed == expected  # the report lists every refused link for review
    assert site["verdict"] != "fail" and "内部网络" not in site["summary"]  # review evidence only
    assert f"Refused to connect to {REBIND}" in measured.stderr  # refused at connect time


def test_control_allowed_network_reaches_the_listener(
    farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    """The same crawl with 127.0.0.0/8 allowed: the listener sees the crawler, so zero above means refused."""
    with trap() as listener:
        measured, _asked, _env = crawl_hostile(
            farm, tmp_path, listener.port, GOVCHECK_ALLOWED_NETWORKS="127.0.0.0/8"
        )
    refused = {url for url, (outcome, _) in link_checks(tmp_path).items() if outcome == "refused"}
    fault_report.record(
        "control: same hostile site with 127.0.0.0/8 allowed",
        survived=measured.returncode == 0 and bool(listener.connections),
        seconds=measured.seconds,
        peak_rss_mb=measured.peak_rss_mb,
        note=f"{len(listener.connections)} connections to the listener (expected > 0)",
    )
    assert measured.returncode == 0, measured.stderr[-3000:]
    assert listener.connections
    assert f"http://127.0.0.1:{listener.port}/admin" not in refused
    assert "http://169.254.169.254/latest/meta-data/" in refused  # other networks stay refused


def test_internal_site_argument_is_refused_with_one_line(farm: FarmProcess, tmp_path: Path) -> None:
    env = environment(farm, f"sqlite:///{tmp_path / 'govcheck.db'}")
    for site in (
        "127.0.0.1",
        "169.254.169.254",
        "127.1",
        "localhost.",
        "http://sjj.suizhou.gov.cn:18099/admin",
    ):
        measured = run_measured(
            [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"site={site}"], env=env, cwd=tmp_path
        )
        assert measured.returncode != 0
        assert f"site: {site!r} is refused by the destination policy" in measured.stderr, measured.stderr
