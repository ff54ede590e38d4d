"""How a fetch turned out, in govcheck's words: failure classes, proxy errors, link outcomes."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from govcheck.destination_middleware import DestinationRefused
from govcheck.destinations import POLICY_ERROR
from govcheck.extract import (
    is_waf_challenge,
)
from govcheck.items import PageItem
from govcheck.limits import LINK_CHECK, answered
from govcheck.robots_middleware import ForbiddenByRobots
from govcheck.vocabulary import ROBOTS_TXT

# Every status reaches the callback except redirects, which RedirectMiddleware must still follow.

NON_REDIRECT_STATUSES = [*range(200, 300), *range(400, 600)]
BLOCKED_STATUSES = {401, 403, 429}
BROKEN_STATUSES = {404, 410}
# The underlying error a forward proxy reports (RFC 9209 Proxy-Status) for a 502/504.
PROXY_ERRORS = {
    "dns_error",
    "connection_refused",
    "connection_timeout",
    "connection_terminated",
    "destination_not_found",
}
BROKEN_ERRORS = {
    "dns_error",
    "connection_refused",
    "timeout",
    "connection_dropped",
    "destination_not_found",
    "soft_404",
}
# A limit a download ran into after the site answered (the error it is stored as): never an outage.
LIMIT_ERRORS = {
    "response_size": "too_large",
    "attachment_size": "too_large",
    "decompressed_size": "too_large",
    "response_time": "too_slow",
}


def limit_hit(failure: Failure) -> str | None:
    """The limit (a LIMIT_ERRORS key) a download that had been answered ran into, or None."""
    if failure.check(IgnoreRequest):
        # HttpCompressionMiddleware's only IgnoreRequest: a body decompressing past DOWNLOAD_MAXSIZE.
        return "decompressed_size" if "during decompression" in str(failure.value) else None
    if not answered(failure.request):
        return None  # no status line yet: the site did not answer (an outage, a dead host)
    if failure.check(DownloadCancelledError):
        # Over a link check's GOVCHECK_ATTACHMENT_MAXSIZE, or over DOWNLOAD_MAXSIZE.
        return "attachment_size" if failure.request.meta.get(LINK_CHECK) else "response_size"
    if failure.check(DownloadTimeoutError, TimeoutError):
        return "response_time"  # headers came, the body did not finish within DOWNLOAD_TIMEOUT
    return None


def classify_failure(failure: Failure) -> str:
    """A network failure as the error name govcheck stores (Twisted's errors, or the Scrapy 2.19
    exceptions its download handlers wrap them in); a policy refusal is ``policy:<kind>``, a limit
    hit ``too_large`` or ``too_slow``, a page robots.txt forbids ``robots_txt``."""
    if failure.check(DestinationRefused):
        return failure.value.refusal.error
    if failure.check(ForbiddenByRobots):
        return ROBOTS_TXT
    limit = limit_hit(failure)
    if limit is not None:
        return LIMIT_ERRORS[limit]
    if failure.check(DNSLookupError, CannotResolveHostError):
        return "dns_error"
    if failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
        return "connection_refused"
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout"
    if failure.check(
        ConnectionLost, ResponseNeverReceived, ResponseFailed, DownloadFailedError, ResponseDataLossError
    ):
        return "connection_dropped"
    name = type(failure.value).__name__
    if "Tunnel" in name:
        return "proxy_tunnel"
    if "SSL" in name or "TLS" in name:
        return "tls_error"
    if failure.check(ConnectError):
        return "connect_error"
    return name


def proxy_error(response: Response) -> str | None:
    """``error=…`` of a Proxy-Status header on a proxy's 502/504, normalized to govcheck's names."""
    if response.status not in {502, 504}:
        return None
    header = response.headers.get("Proxy-Status", b"").decode("latin-1")
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "error" and value in PROXY_ERRORS:
            return {"connection_timeout": "timeout", "connection_terminated": "connection_dropped"}.get(
                value, value
            )
    return None


def link_outcome(status: int | None, error: str | None) -> str:
    """ok | broken | inconclusive | refused for one checked target (see README, 'Link classes')."""
    if error is not None and error.startswith(POLICY_ERROR):
        return "refused"  # never fetched: the destination policy does not let it out
    if error in BROKEN_ERRORS:
        return "broken"
    if error is not None or status is None:
        return "inconclusive"
    if status < 400:
        return "ok"
    if status in BROKEN_STATUSES:
        return "broken"
    return "inconclusive"


def waf_error(response: Response) -> str | None:
    """ "waf_challenge" for a 2xx firewall challenge page (the site is neither up nor down)."""
    if 200 <= response.status < 300 and isinstance(response, TextResponse):
        return "waf_challenge" if is_waf_challenge(response.text, response.url) else None
    return None


def page_item(response: Response, kind: str) -> PageItem:
    """The fetch of one page as stored in ``pages``: status, latency, a proxy's error, encoding."""
    latency = response.meta.get("download_latency")
    return PageItem(
        url=response.url,
        kind=kind,
        status=response.status,
        latency_ms=round(latency * 1000, 1) if latency is not None else None,
        error=proxy_error(response),
        encoding=getattr(response, "encoding", None),
    )
