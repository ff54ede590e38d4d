"""The farm: a forward HTTP proxy on 127.0.0.1 that answers for the replica hosts itself.

Clients send absolute-URI requests (``GET http://host/path HTTP/1.1``) as they do to any proxy; the host
picks a replica site, a healthy third-party stub, a dead or blocked host, or a DNS failure. Origin-form
requests to the farm's own address are control endpoints (``/_farm/stats``, ``/_farm/reset``).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

from tests.farm.builder import STUB_HOSTS, Resource, build_all, stub_resource
from tests.farm.sites_artmeta import artmeta_sites
from tests.farm.sites_cache import cache_sites
from tests.farm.sites_depth import depth_sites
from tests.farm.sites_duties import duty_sites
from tests.farm.sites_faults import FAULT_SITES, serve_fault
from tests.farm.sites_faulty import faulty_sites
from tests.farm.sites_hostile import hostile_sites
from tests.farm.sites_letters import letters_sites
from tests.farm.sites_links import link_sites
from tests.farm.sites_pagecache import pagecache_sites
from tests.farm.sites_service import service_sites
from tests.farm.sites_sitemap import sitemap_sites
from tests.farm.sites_sitemap_shared import shared_sitemap_sites
from tests.farm.sites_undated import undated_sites
from tests.farm.sites_waves import waves_sites
from tests.farm.truth import BACKEND_LATENCY, BACKENDS, BLOCKED_HOSTS, DEAD_HOSTS


class Stats:
    """Per-host request counts, peak concurrency per host and per backend group (truth.BACKENDS; for
    politeness tests) and a request log.

    A request is in flight from its arrival until its answer starts: that span lies strictly inside the
    client's hold on the request, so a client that never overlaps its requests is never counted twice.
    (Counting until the write ends raced on a loaded machine: the client could read the whole answer,
    release its cluster lease and send the next request before this thread ran its decrement.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()  # survives reset: requests may be running across it
        self._in_flight_backend: Counter[str] = Counter()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests: Counter[str] = Counter()
            self._max: dict[str, int] = {}
            self._max_backend: dict[str, int] = {}
            self._log: list[tuple[str, str, int | None]] = []

    @contextmanager
    def track(self, host: str) -> Iterator[Callable[[], None]]:
        """Count a request in flight; the yielded callable ends it early (when the answer starts)."""
        backend = BACKENDS.get(host, host)  # an unknown host (DNS failure) is a backend of its own
        with self._lock:
            self._requests[host] += 1
            self._in_flight[host] += 1
            self._in_flight_backend[backend] += 1
            self._max[host] = max(self._max.get(host, 0), self._in_flight[host])
            self._max_backend[backend] = max(
                self._max_backend.get(backend, 0), self._in_flight_backend[backend]
            )
        ended = False

        def end() -> None:
            nonlocal ended
            with self._lock:
                if not ended:
                    ended = True
                    self._in_flight[host] -= 1
                    self._in_flight_backend[backend] -= 1

        try:
            yield end
        finally:
            end()

    def record(self, method: str, url: str, status: int | None) -> None:
        with self._lock:
            self._log.append((method, url, status))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self._requests),
                "max_concurrent": dict(self._max),
                "max_concurrent_backend": dict(self._max_backend),
                "log": [list(entry) for entry in self._log],  # status null: connection dropped
            }


def _error(status: int, error: str) -> Resource:
    """A proxy-generated error with an RFC 9209 Proxy-Status header."""
    phrase = HTTPStatus(status).phrase
    body = (
        f"<html><head><title>{status} {phrase}</title></head><body><h1>{status} {phrase}</h1></body></html>\n"
    )
    headers = (("Proxy-Status", f"govcheck-farm; error={error}"),)
    return Resource(status, "text/html; charset=utf-8", body.encode(), headers)


_WAF_PAGE = Resource(
    403,
    "text/html; charset=utf-8",
    "<html><head><title>访问被拦截</title></head><body><h1>您的访问请求可能对网站造成安全威胁，已被拦截。</h1>"
    "</body></html>\n".encode(),
)
_BUSY_PAGE = Resource(
    429,
    "text/html; charset=utf-8",
    b"<html><head><title>429 Too Many Requests</title></head><body><h1>429 Too Many Requests</h1></body></html>\n",
    (("Retry-After", "1"),),
)


def _no_tracking() -> None:
    """Outside a tracked request (control endpoints) an answer ends nothing."""


class FarmHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real sites and Scrapy's pool expect
    server: FarmServer
    _answer_starts: Callable[[], None] = staticmethod(_no_tracking)

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: /_farm/stats holds the request log."""

    def do_GET(self) -> None:
        body = self._read_body()
        if self.path.startswith("/"):
            self._control()
            return
        url = urlsplit(self.path)
        host = (url.hostname or "").lower()
        if url.scheme != "http" or not host:
            self._send(_error(400, "http_request_error"))
            return
        status: int | None = None
        with self.server.stats.track(host) as self._answer_starts:
            try:
                status = self._serve(host, url, body)
            finally:
                self._answer_starts = _no_tracking
                self.server.stats.record(self.command, self.path, status)

    do_HEAD = do_GET
    do_POST = do_GET

    def do_CONNECT(self) -> None:
        """The farm is http-only: tunnels are refused, so clients fall back from https to http."""
        host = self.path.rsplit(":", 1)[0].lower()
        with self.server.stats.track(host) as self._answer_starts:
            self._send(_error(405, "http_request_denied"), (("Allow", "GET, HEAD, POST"),))
            self.server.stats.record(self.command, self.path, 405)
        self.close_connection = True

    def _serve(self, host: str, url: SplitResult, body: bytes) -> int | None:
        dead = DEAD_HOSTS.get(host)
        if dead == "dropped":
            self.close_connection = True  # close without a status line
            return None
        if dead == "connection_timeout":
            time.sleep(self.server.timeout_delay)
            return self._send(_error(504, dead))
        if dead:
            return self._send(_error(502, dead))
        if host in BLOCKED_HOSTS:
            return self._send(_WAF_PAGE if BLOCKED_HOSTS[host] == 403 else _BUSY_PAGE)
        if host in FAULT_SITES:  # hostile replicas stream their own answers: sites_faults.py
            return serve_fault(self, host, url)
        site = self.server.sites.get(host)
        if site:
            time.sleep(BACKEND_LATENCY.get(BACKENDS.get(host, ""), 0.0))
            params = dict(parse_qsl(url.query))
            if self.command == "POST" and "form-urlencoded" in self.headers.get("Content-Type", ""):
                params |= dict(parse_qsl(body.decode("latin-1")))
            answer = site.get(url.path or "/", params)
            if callable(answer):  # a fault that needs the socket itself (sites_faulty.py)
                return answer(self)
            return self._send(answer)
        if host in STUB_HOSTS:
            return self._send(stub_resource(host, url.path or "/"))
        return self._send(_error(502, "dns_error"))

    def _control(self) -> None:
        stats = self.server.stats
        if self.path == "/_farm/stats" and self.command in ("GET", "HEAD"):
            payload: dict[str, Any] = stats.snapshot()
            status = 200
        elif self.path == "/_farm/reset" and self.command == "POST":
            stats.reset()
            payload, status = {"status": "ok"}, 200
        else:
            payload, status = {"status": "error", "message": "not a proxy request"}, 404
        self._send(Resource(status, "application/json", json.dumps(payload, ensure_ascii=False).encode()))

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, res: Resource, extra: tuple[tuple[str, str], ...] = ()) -> int:
        self._answer_starts()
        self.send_response(res.status)
        self.send_header("Content-Type", res.content_type)
        self.send_header("Content-Length", str(len(res.body)))
        for name, value in (*res.headers, *extra):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(res.body)
        return res.status


class FarmServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # crawlers open many connections at once

    def __init__(self, address: tuple[str, int], timeout_delay: float, epoch: date | None = None) -> None:
        self.timeout_delay = timeout_delay
        # depth replicas: sites_depth.py; the one linking into the inspector's network: sites_hostile.py;
        # faulty ones for the fault suite: sites_faulty.py; consultation columns' letters: sites_letters.py;
        # ones sharing outside links: sites_cache.py; link-check ones: sites_links.py;
        # the homepage duties' ones: sites_duties.py
        self.sites: dict[str, Any] = {
            **build_all(),
            **depth_sites(),
            **hostile_sites(),
            **faulty_sites(),
            **letters_sites(),
            **cache_sites(),
            **service_sites(),  # service and blank-list replicas: sites_service.py
            **link_sites(),
            **duty_sites(),
            **artmeta_sites(),  # article pages' design metas: sites_artmeta.py
            **pagecache_sites(),  # ones answering conditional requests: sites_pagecache.py
            **waves_sites(),  # page work beyond a small budget: sites_waves.py
            **undated_sites(),  # an all-undated column whose detail pages a budget cuts: sites_undated.py
            **sitemap_sites(),  # XML sitemaps with lastmods, and a hostile one: sites_sitemap.py
            **shared_sitemap_sites(),  # two sites on one robots.txt's host: sites_sitemap_shared.py
        }
        if epoch is not None:  # an older snapshot of the replicas: epochs.py
            from tests.farm.epochs import build_epoch

            self.sites.update(build_epoch(epoch))
        self.stats = Stats()
        super().__init__(address, FarmHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # clients hanging up early are normal
            return
        super().handle_error(request, client_address)
