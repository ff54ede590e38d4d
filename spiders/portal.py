"""The ``portal`` spider: one government site per crawl.

``scrapy crawl portal -a site=sjj.suizhou.gov.cn [-a as_of=2024-02-28] [-a round=2024Q1] [-a links=homepage|all|none]``

It fetches the homepage (three spaced attempts, https falling back to http at once), discovers the
columns, reads each column's first listing page, records every link and checks each target once.
It only yields items; pipelines store them.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
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

from govcheck import config
from govcheck.dates import SHANGHAI
from govcheck.extract import discover_columns, extract_listing, homepage_entries, page_facts, page_links
from govcheck.extract.types import ColumnLink
from govcheck.items import ColumnItem, EntryItem, LinkCheckItem, LinkItem, PageItem, SiteItem
from govcheck.loaders import ColumnLoader

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

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
STRICT_POLITENESS = {
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "DOWNLOAD_DELAY": 2.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 0.5,
}
LINK_SCOPES = ("homepage", "all", "none")
POSITION_STEP = 1000


def classify_failure(failure: Failure) -> str:
    """A network failure as the error name govcheck stores."""
    if failure.check(DNSLookupError):
        return "dns_error"
    if failure.check(ConnectionRefusedError):
        return "connection_refused"
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(ConnectionLost, ResponseNeverReceived, ResponseFailed):
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
    """ok | broken | inconclusive for one checked target (see README, 'Link classes')."""
    if error in {"dns_error", "connection_refused", "timeout", "connection_dropped", "destination_not_found"}:
        return "broken"
    if error is not None or status is None:
        return "inconclusive"
    if status < 400:
        return "ok"
    if status in BROKEN_STATUSES:
        return "broken"
    return "inconclusive"


class PortalSpider(Spider):
    name = "portal"

    def __init__(
        self,
        site: str | None = None,
        as_of: str | None = None,
        round: str | None = None,
        links: str = "homepage",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not site:
            raise config.ConfigError("site: required, e.g. -a site=sjj.suizhou.gov.cn")
        if links not in LINK_SCOPES:
            raise config.ConfigError(f"links: expected one of {', '.join(LINK_SCOPES)}, got {links!r}")
        target = site.strip()
        parts = urlsplit(target if "://" in target else f"//{target}")
        if not parts.hostname or "." not in parts.hostname:
            raise config.ConfigError(f"site: expected a host name or URL, got {site!r}")
        self.site_host: str = parts.hostname.lower()
        path = parts.path or "/"
        # A bare host means "try https, then http"; an explicit URL is used as given.
        self.schemes: list[str] = [parts.scheme] if "://" in target else ["https", "http"]
        self.homepage_path = path + (f"?{parts.query}" if parts.query else "")
        self.homepage_hint = f"{self.schemes[-1]}://{self.site_host}{self.homepage_path}"
        self.started_at = dt.datetime.now(SHANGHAI)
        given = config.parse_as_of(as_of)
        self.as_of: dt.date = given or self.started_at.date()
        # Relative, year-less and future dates are judged against the end of the as_of day.
        self.reference_at: dt.datetime = (
            dt.datetime.combine(given, dt.time(23, 59, 59), SHANGHAI) if given else self.started_at
        )
        # Crawls of one site are kept per round; an unnamed round is the as-of date.
        self.explicit_round = bool((round or "").strip())
        self.round_name: str = (round or "").strip() or self.as_of.isoformat()
        self.link_scope = links
        self.site_hosts: set[str] = {self.site_host}
        self.homepage_url: str | None = None
        self.homepage_urls: set[str] = set()  # the homepage under every URL it answered to
        self.attempts: list[dict[str, Any]] = []
        self.column_urls: set[str] = set()
        self.checked_links: set[str] = set()
        self.requests_made = 0
        self.budget_logged = False

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if settings.get("GOVCHECK_POLITENESS") == "strict":
            settings.setdict(STRICT_POLITENESS, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        config.validate({k: v for k, v in crawler.settings.items() if k.startswith("GOVCHECK_")})
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.homepage_attempts = settings.getint("GOVCHECK_HOMEPAGE_ATTEMPTS")
        spider.homepage_retry_delay = settings.getfloat("GOVCHECK_HOMEPAGE_RETRY_DELAY")
        spider.page_budget = settings.getint("GOVCHECK_SITE_PAGE_BUDGET")
        spider.time_budget = settings.getfloat("GOVCHECK_SITE_TIME_BUDGET")
        spider.check_links = settings.getbool("GOVCHECK_LINK_CHECK") and spider.link_scope != "none"
        spider.discovery_depth = settings.getint("GOVCHECK_DISCOVERY_DEPTH")
        spider.started_monotonic = time.monotonic()
        return spider

    # -- homepage ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        yield self._homepage_request(self.schemes[0], attempt=1, delay=0.0)

    def _homepage_request(self, scheme: str, *, attempt: int, delay: float) -> Request:
        self.requests_made += 1
        return Request(
            f"{scheme}://{self.site_host}{self.homepage_path}",
            callback=self.parse_homepage,
            errback=self.homepage_failed,
            dont_filter=True,
            meta={
                "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                "dont_retry": True,
                "dont_obey_robotstxt": True,
                "govcheck_delay": delay,
                "attempt": attempt,
                "scheme": scheme,
            },
        )

    def parse_homepage(self, response: Response) -> Iterator[Any]:
        error = proxy_error(response)
        if error is None and 200 <= response.status < 300:
            self._record_attempt(response.request, response.status, None, response)
            yield from self._homepage_ok(response)
        else:
            yield from self._homepage_attempt_failed(
                response.request, response.status if error is None else None, error, response
            )

    def homepage_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self._homepage_attempt_failed(failure.request, None, classify_failure(failure), None)

    def _homepage_attempt_failed(
        self, request: Request, status: int | None, error: str | None, response: Response | None
    ) -> Iterator[Any]:
        attempt, scheme = request.meta["attempt"], request.meta["scheme"]
        if scheme == "https" and len(self.schemes) > 1 and error is not None:
            # A failed https attempt falls back to http at once; it does not count as unavailability.
            logger.info("https failed for %s (%s); trying http", self.site_host, error)
            self.schemes = ["http"]
            self.crawler.stats.inc_value("govcheck/homepage/https_fallback")
            yield self._homepage_request("http", attempt=attempt, delay=0.0)
            return
        self._record_attempt(request, status, error, response)
        if attempt < self.homepage_attempts:
            yield self._homepage_request(scheme, attempt=attempt + 1, delay=self.homepage_retry_delay)
            return
        blocked = any(a["status"] in BLOCKED_STATUSES for a in self.attempts)
        outcome = "blocked" if blocked else "unreachable"
        self.crawler.stats.set_value("govcheck/homepage/outcome", outcome)
        logger.warning(
            "Homepage of %s %s after %d attempts: %s", self.site_host, outcome, attempt, self.attempts
        )
        yield SiteItem(homepage_url=request.url, status=outcome, attempts=self.attempts)

    def _record_attempt(
        self, request: Request, status: int | None, error: str | None, response: Response | None
    ) -> None:
        latency = request.meta.get("download_latency")
        self.attempts.append(
            {
                "url": request.url,
                "at": dt.datetime.now(SHANGHAI).isoformat(timespec="seconds"),
                "status": status,
                "error": error,
                "latency_ms": round(latency * 1000, 1) if latency is not None else None,
            }
        )
        self.crawler.stats.inc_value(f"govcheck/homepage/attempts/{error or status}")

    def _homepage_ok(self, response: Response) -> Iterator[Any]:
        self.homepage_url = response.url
        self.homepage_urls.update(
            {response.url, response.request.url, f"{response.url.split('://')[0]}://{self.site_host}/"}
        )
        self.site_hosts.add(urlsplit(response.url).hostname or self.site_host)
        if not isinstance(response, TextResponse):
            yield SiteItem(homepage_url=response.url, status="unparseable", attempts=self.attempts)
            return
        html = response.text
        facts = page_facts(html, response.url)
        columns = [c for c in discover_columns(html, response.url) if c.url != response.url]
        entries = homepage_entries(html, response.url)
        parseable = bool(columns or entries)
        self.crawler.stats.set_value("govcheck/homepage/outcome", "ok" if parseable else "unparseable")
        yield SiteItem(
            homepage_url=response.url,
            status="ok" if parseable else "unparseable",
            name=facts.site_name or facts.title,
            site_code=facts.site_code,
            encoding=response.encoding,
            attempts=self.attempts,
        )
        yield self._page_item(response, "homepage")
        yield ColumnItem(
            url=response.url,
            name="首页",
            status="ok" if entries else "blank",
            depth=0,
            is_homepage=True,
            entry_count=len(entries),
            encoding=response.encoding,
        )
        for entry in entries:
            yield EntryItem(
                column_url=response.url, url=entry.url, title=entry.title, date_text=entry.date_text
            )
        self.crawler.stats.set_value("govcheck/columns/discovered", len(columns))
        yield from self._column_requests(columns, discovered_on=None, base_position=0)
        if self.check_links:
            yield from self._links(response.url, page_links(html, response.url), on_homepage=True)

    # -- columns ----------------------------------------------------------------------------

    def _column_requests(
        self, columns: list[ColumnLink], *, discovered_on: dict[str, Any] | None, base_position: int
    ) -> Iterator[Request]:
        """Requests for newly found columns. Positions keep navigation (tree) order whatever order
        responses arrive in: homepage columns are 1000, 2000, …; a channel page's sub-columns follow
        their channel (1001, 1002, …)."""
        step = POSITION_STEP if discovered_on is None else 1
        for index, column in enumerate(columns, start=1):
            if (
                column.url in self.column_urls
                or column.url in self.homepage_urls
                or not self._within_budget()
            ):
                continue
            self.column_urls.add(column.url)
            if discovered_on is None:
                depth, parent_url = (2, column.parent_url) if column.parent_url else (1, None)
            else:
                depth, parent_url = discovered_on["depth"] + 1, column.parent_url or discovered_on["url"]
            self.requests_made += 1
            yield Request(
                column.url,
                callback=self.parse_column,
                errback=self.column_failed,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    "column": {
                        "name": column.name,
                        "source": column.source,
                        "parent_url": parent_url,
                        "depth": depth,
                        "position": base_position + index * step,
                    },
                },
            )

    def parse_column(self, response: Response) -> Iterator[Any]:
        meta = response.meta["column"]
        yield self._page_item(response, "column")
        error = proxy_error(response)
        status = response.status
        yield LinkCheckItem(
            url=response.request.url,
            outcome=link_outcome(status, error),
            status=status,
            error=error,
            method="GET",
        )
        if status in BROKEN_STATUSES:
            yield self._column_item(response, meta, status="broken", reason=f"http_{status}")
            return
        if not 200 <= status < 300 or not isinstance(response, TextResponse):
            reason = error or (f"http_{status}" if status >= 300 else "not_text")
            yield self._column_item(response, meta, status="unparseable", reason=reason)
            return
        html = response.text
        listing = extract_listing(html, response.url)
        facts = page_facts(html, response.url)
        loader = ColumnLoader(
            item=self._column_item(response, meta, status=listing.status, reason=listing.reason),
            response=response,
            stats=self.crawler.stats,
        )
        own_name = facts.column_name or (facts.breadcrumb[-1] if facts.breadcrumb else None)
        if meta["source"] == "nav" and meta["depth"] == 1 and own_name:
            # A top-level channel link often opens its first sub-column: the page names itself.
            loader.add_value("name", own_name)
        loader.add_value("name", meta["name"])
        loader.add_value("name", facts.column_name)
        loader.add_value("name", facts.breadcrumb[-1:])
        loader.add_page_rules()
        loader.add_value("breadcrumb", facts.breadcrumb)
        loader.add_value("column_type", facts.column_type)
        column = loader.load_item()
        column.name = column.name if isinstance(column.name, str) else None
        column.breadcrumb = list(column.breadcrumb or [])
        column.entry_count = len(listing.entries)
        column.extractor = listing.extractor
        yield column
        self.crawler.stats.inc_value(f"govcheck/columns/{listing.status}")
        for entry in listing.entries:
            yield EntryItem(
                column_url=column.url, url=entry.url, title=entry.title, date_text=entry.date_text
            )
        if meta["depth"] < self.discovery_depth:
            # Channel pages' side menus and 更多栏目 lists lead to columns the homepage does not show.
            found_here = {**meta, "url": response.request.url}
            yield from self._column_requests(
                discover_columns(html, response.url), discovered_on=found_here, base_position=meta["position"]
            )
        if self.check_links:
            yield from self._links(response.url, page_links(html, response.url), on_homepage=False)

    def column_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        error = classify_failure(failure)
        yield PageItem(url=request.url, kind="column", status=None, error=error)
        yield LinkCheckItem(url=request.url, outcome=link_outcome(None, error), error=error, method="GET")
        yield ColumnItem(
            url=request.url,
            name=request.meta["column"]["name"],
            status="unparseable",
            reason=error,
            **_placement(request.meta["column"]),
        )

    def _column_item(
        self, response: Response, meta: dict[str, Any], *, status: str, reason: str | None
    ) -> ColumnItem:
        return ColumnItem(
            url=response.request.url,
            name=None,
            status=status,
            reason=reason,
            http_status=response.status,
            encoding=getattr(response, "encoding", None),
            **_placement(meta),
        )

    # -- links --------------------------------------------------------------------------------

    def _links(
        self, source_url: str, links: Iterable[tuple[str, str]], *, on_homepage: bool
    ) -> Iterator[Any]:
        for target, tag in links:
            external = (urlsplit(target).hostname or "") not in self.site_hosts
            yield LinkItem(
                source_url=source_url, target_url=target, tag=tag, on_homepage=on_homepage, external=external
            )
            if target in self.checked_links or target in self.column_urls:
                continue  # each target is checked once; a column fetch reports its own status
            self.checked_links.add(target)
            if self._within_budget():
                yield self._link_request(target, "HEAD")

    def _link_request(self, url: str, method: str) -> Request:
        self.requests_made += 1
        return Request(
            url,
            method=method,
            callback=self.link_checked,
            errback=self.link_failed,
            dont_filter=True,
            meta={
                "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                "dont_obey_robotstxt": True,
                "link_target": url,
            },
        )

    def link_checked(self, response: Response) -> Iterator[Any]:
        target = response.meta["link_target"]
        error = proxy_error(response)
        if response.request.method == "HEAD" and (error is not None or response.status >= 400):
            # Many servers answer HEAD badly; only a GET can condemn a link.
            yield self._link_request(target, "GET")
            return
        yield LinkCheckItem(
            url=target,
            outcome=link_outcome(None if error else response.status, error),
            status=None if error else response.status,
            error=error,
            method=response.request.method,
        )

    def link_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        error = classify_failure(failure)
        yield LinkCheckItem(
            url=request.meta["link_target"],
            outcome=link_outcome(None, error),
            error=error,
            method=request.method,
        )

    # -- helpers ------------------------------------------------------------------------------

    def _page_item(self, response: Response, kind: str) -> PageItem:
        latency = response.meta.get("download_latency")
        return PageItem(
            url=response.url,
            kind=kind,
            status=response.status,
            latency_ms=round(latency * 1000, 1) if latency is not None else None,
            error=proxy_error(response),
            encoding=getattr(response, "encoding", None),
        )

    def _within_budget(self) -> bool:
        elapsed = time.monotonic() - self.started_monotonic
        if self.requests_made < self.page_budget and elapsed < self.time_budget:
            return True
        if not self.budget_logged:
            self.budget_logged = True
            self.crawler.stats.set_value(
                "govcheck/budget/exhausted", "pages" if elapsed < self.time_budget else "time"
            )
            logger.warning(
                "Crawl budget of %s exhausted (%d requests, %.0fs)",
                self.site_host,
                self.requests_made,
                elapsed,
            )
        return False


def _placement(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: meta[k] for k in ("source", "parent_url", "depth", "position")}
