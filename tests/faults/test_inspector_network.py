"""Faults on the inspector's side of the wire: its proxy is down, its proxy cannot resolve any name,
its proxy drops every connection. Each round must end with every site `unknown` (inspector_network),
none failed, and a warning naming the cause; a typo host among them is not mistaken for one either."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF
from tests.faults.measure import run_measured
from tests.faults.record import FaultReport
from tests.helpers import by_host, environment, import_and_crawl, registry_of, report

REGISTERED = ("sjj.suizhou.gov.cn", "jtj.suizhou.gov.cn", "www.dead-refused.gov.cn")
TYPO = "sjjj.suizhou.gov.cn"
FAST = {
    "GOVCHECK_HOMEPAGE_ATTEMPTS": "2",
    "GOVCHECK_HOMEPAGE_RETRY_DELAY": "0.1",
    "GOVCHECK_LINK_CHECK": "false",
}


class BrokenProxy(BaseHTTPRequestHandler):
    """A forward proxy whose upstream is gone: ``mode`` "dns" answers every request 502 with
    Proxy-Status error=dns_error (its resolver is down); "drop" closes without a status line."""

    mode = "dns"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""

    def do_GET(self) -> None:
        if self.mode == "drop":
            self.close_connection = True
            return
        body = b"<html><body>502 Bad Gateway</body></html>"
        self.send_response(502)
        self.send_header("Proxy-Status", "broken-proxy; error=dns_error")
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_GET
    do_CONNECT = do_GET


@contextmanager
def proxy(mode: str) -> Iterator[str]:
    """A broken proxy on loopback for the with-block; "closed" is a port nothing listens on."""
    if mode == "closed":
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        yield f"http://127.0.0.1:{port}"
        return
    handler = type(f"{mode.title()}Proxy", (BrokenProxy,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("mode", "fault"),
    [
        ("closed", "inspector's proxy down (closed port)"),
        ("dns", "inspector's proxy resolves no name (502 dns_error)"),
        ("drop", "inspector's proxy drops every connection"),
    ],
)
def test_inspector_network_down_fails_no_site(
    farm: FarmProcess, tmp_path: Path, fault_report: FaultReport, mode: str, fault: str
) -> None:
    env = environment(farm, f"sqlite:///{tmp_path / 'govcheck.db'}", **FAST)
    import_and_crawl(env, tmp_path, registry_of(*REGISTERED))
    with proxy(mode) as url:
        crawl_env = env | {key: url for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
        args = [a for host in (*REGISTERED, TYPO) for a in ("--site", host)]
        measured = run_measured(
            [
                sys.executable,
                "-m",
                "govcheck.cli",
                "crawl",
                *args,
                "--as-of",
                AS_OF.isoformat(),
                "--jobs",
                "4",
            ],
            env=crawl_env,
            cwd=tmp_path,
            timeout=240,
        )
    outcomes = {
        h: (s["verdict"], s["reason"], len(s["findings"])) for h, s in by_host(report(env, tmp_path)).items()
    }
    expected = {host: ("unknown", "inspector_network", 0) for host in (*REGISTERED, TYPO)}
    survived = measured.returncode == 0 and not measured.timed_out and outcomes == expected
    fault_report.record(
        fault,
        survived=survived,
        seconds=measured.seconds,
        peak_rss_mb=measured.peak_rss_mb,
        findings=sum(n for _, _, n in outcomes.values()),
        control_findings=0,
        note=f"{len(outcomes)} sites: " + ", ".join(sorted({f"{v} {r}" for v, r, _ in outcomes.values()})),
    )
    assert measured.returncode == 0, measured.stderr[-3000:]
    assert outcomes == expected
    assert "4 site(s) unknown (inspector_network), not unreachable" in measured.stderr
