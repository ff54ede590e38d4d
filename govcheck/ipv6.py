"""Does a site answer over IPv6 (2019 功能设计 "完成IPv6改造", indicators.md a.3 ``ipv6``)?

An AAAA record and a successful GET of the homepage over IPv6. The answer is only as good as the
runner's own network: without a working IPv6 route (no route, a broken upstream, the crawl going
through an HTTP proxy) or without DNS the result is ``unknown``, never ``unsupported`` — the site is
not blamed for the inspector's network.

The network is a component (``GOVCHECK_IPV6_NETWORK``): :class:`SystemNetwork` uses the host's
resolver and sockets; tests put a declared one in its place. The crawl asks through a request of its
own (govcheck/ipv6_middleware.py answers it), so a site stays open until its fact is stored.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Mapping
from functools import cached_property
from typing import Any, Protocol
from urllib.parse import urlsplit
from urllib.request import getproxies

from govcheck.config import reference_urls

SUPPORTED, UNSUPPORTED, UNKNOWN = "supported", "unsupported", "unknown"
# Request meta: the homepage handler's IPv6 check request, and the fact the middleware answers it with.
IPV6_CHECK, IPV6_FACT = "govcheck_ipv6_check", "govcheck_ipv6_fact"
ADDRESSES_TRIED = 2  # an answer on either of the first two AAAA addresses is enough
# Not a packet is sent: connecting a UDP socket only asks the routing table for a route.
ROUTE_PROBE = ("2001:4860:4860::8888", 53)


class DnsUnavailable(OSError):
    """The resolver did not answer (as opposed to answering that there is no AAAA record)."""


class Ipv6Network(Protocol):
    def usable(self) -> str | None:
        """None when the runner reaches sites over IPv6 directly, else why not (the unknown reason)."""

    def resolve(self, host: str) -> list[str]:
        """The host's IPv6 addresses ([] for no AAAA record); raises DnsUnavailable."""

    def fetch(self, address: str, url: str, timeout: float) -> int:
        """The HTTP status of GET ``url`` sent to ``address``; raises OSError when nothing answers."""


class SystemNetwork:
    """The runner's own resolver and sockets. Usable once per process: an IPv6 route, no proxy, and
    a reference host (GOVCHECK_REFERENCE_HOSTS) that answers a TCP connect over IPv6."""

    def __init__(self, settings: Mapping[str, Any], user_agent: str) -> None:
        self.references = reference_urls(str(settings.get("GOVCHECK_REFERENCE_HOSTS", "")))
        self.timeout = float(settings.get("GOVCHECK_IPV6_TIMEOUT", 15.0))
        self.user_agent = user_agent

    def usable(self) -> str | None:
        return self._usable

    @cached_property
    def _usable(self) -> str | None:
        if {"http", "https", "all"} & set(getproxies()):
            return "proxied"  # the crawl reaches sites through a proxy, never from here
        if not socket.has_ipv6:
            return "runner_without_ipv6"
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
                probe.connect(ROUTE_PROBE)
        except OSError:
            return "runner_without_ipv6"
        for url in self.references:
            parts = urlsplit(url)
            try:
                for address in self.resolve(parts.hostname or "")[:ADDRESSES_TRIED]:
                    port = parts.port or (443 if parts.scheme == "https" else 80)
                    with socket.create_connection((address, port), timeout=self.timeout):
                        return None
            except OSError:
                continue
        return "runner_ipv6_unreachable" if self.references else None

    def resolve(self, host: str) -> list[str]:
        try:
            found = socket.getaddrinfo(host, None, socket.AF_INET6, socket.SOCK_STREAM)
        except socket.gaierror as error:
            if error.errno in {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}:
                return []
            raise DnsUnavailable(str(error)) from error
        return list(dict.fromkeys(str(info[4][0]) for info in found))

    def fetch(self, address: str, url: str, timeout: float) -> int:
        parts = urlsplit(url)
        host = parts.hostname or ""
        https = parts.scheme == "https"
        sock = socket.create_connection((address, parts.port or (443 if https else 80)), timeout=timeout)
        if https:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        with sock:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: {self.user_agent}\r\n"
                "Connection: close\r\n\r\n".encode("ascii", "ignore")
            )
            response = http.client.HTTPResponse(sock)
            response.begin()
            return int(response.status)


def check_ipv6(network: Ipv6Network, url: str, timeout: float) -> dict[str, Any]:
    """The IPv6 fact of a crawl: result (supported | unsupported | unknown), reason, and evidence."""
    if reason := network.usable():
        return {"result": UNKNOWN, "reason": reason}
    host = urlsplit(url).hostname or ""
    try:
        addresses = network.resolve(host)
    except OSError as error:
        return {"result": UNKNOWN, "reason": "dns_unavailable", "error": str(error)[:200]}
    if not addresses:
        return {"result": UNSUPPORTED, "reason": "no_aaaa", "host": host}
    attempts: list[dict[str, Any]] = []
    for address in addresses[:ADDRESSES_TRIED]:
        try:
            status = network.fetch(address, url, timeout)
        except OSError as error:
            attempts.append({"address": address, "status": None, "error": type(error).__name__})
            continue
        attempts.append({"address": address, "status": status, "error": None})
        if 200 <= status < 400:  # a redirect is an answer over IPv6 too
            return {"result": SUPPORTED, "host": host, "addresses": addresses, "attempts": attempts}
    return {
        "result": UNSUPPORTED,
        "reason": "fetch_failed",
        "host": host,
        "url": url,
        "addresses": addresses,
        "attempts": attempts,
    }
