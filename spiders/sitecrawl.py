"""One site's crawl: homepage attempts, column discovery and listings, link checks.

It fetches the homepage (three spaced attempts, https falling back to http at once), discovers the
columns (navigation, blocks, channel side menus, the 信息公开 directory, the 网站地图, a site profile),
reads each column's first listing page (more only when page 1 is unsorted or undated), dates undated
entries from their detail pages, records every link and checks each target once (soft-404s included).
It only yields items and requests; the ``portal`` spider routes responses to it, pipelines store.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
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

from govcheck import config
from govcheck.dates import SHANGHAI, DateNormalizer, date_from_url, find_date_text
from govcheck.db.writer import CrawlContext
from govcheck.extract import (
    directory_links,
    discover_columns,
    discover_linkouts,
    extract_listing,
    homepage_entries,
    is_soft_404,
    is_waf_challenge,
    not_found_fingerprint,
    page_facts,
    page_links,
    sitemap_columns,
    sitemap_links,
)
from govcheck.extract.columns import CONSULTATION_NAME, XXGK_NAME
from govcheck.extract.footer import footer_facts
from govcheck.extract.types import ColumnLink, ListingEntry, ListingPage
from govcheck.items import ColumnItem, EntryItem, LinkCheckItem, LinkItem, PageItem, SiteItem
from govcheck.loaders import ColumnLoader, EntryLoader
from govcheck.profile import CrawlProfile, load_profile

if TYPE_CHECKING:
    from govcheck.spiders.portal import PortalSpider
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
POSITION_STEP = 1000
# Columns found off the main navigation come after it in reports, in discovery order.
XXGK_POSITION = 500_000
SITEMAP_POSITION = 800_000
PROFILE_POSITION = 900_000
LINKOUT_POSITION = 950_000
BROKEN_ERRORS = {
    "dns_error",
    "connection_refused",
    "timeout",
    "connection_dropped",
    "destination_not_found",
    "soft_404",
}


def classify_failure(failure: Failure) -> str:
    """A network failure as the error name govcheck stores (Twisted's errors, or the Scrapy 2.19
    exceptions its download handlers wrap them in)."""
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
    """ok | broken | inconclusive for one checked target (see README, 'Link classes')."""
    if error in BROKEN_ERRORS:
        return "broken"
    if error is not None or status is None:
        return "inconclusive"
    if status < 400:
        return "ok"
    if status in BROKEN_STATUSES:
        return "broken"
    return "inconclusive"


@dataclass(frozen=True, slots=True)
class SiteTarget:
    """What one site's crawl is asked to do: ``-a site=… -a as_of=… -a round=… -a links=…``, or the
    same from a fleet message."""

    site: str  # a host (https, then http) or a URL (used as given)
    as_of: str | None = None
    round: str | None = None
    links: str = "homepage"
    backend: str | None = None  # backend group for cluster politeness (registry or profile)


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """The settings every site's crawl reads, taken once from the crawler's settings."""

    homepage_attempts: int
    homepage_retry_delay: float
    page_budget: int
    time_budget: float
    link_check: bool
    discovery_depth: int
    column_page_limit: int
    detail_page_limit: int
    paginate_always: bool
    soft404_check: bool

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> CrawlOptions:
        return cls(
            homepage_attempts=settings.getint("GOVCHECK_HOMEPAGE_ATTEMPTS"),
            homepage_retry_delay=settings.getfloat("GOVCHECK_HOMEPAGE_RETRY_DELAY"),
            page_budget=settings.getint("GOVCHECK_SITE_PAGE_BUDGET"),
            time_budget=settings.getfloat("GOVCHECK_SITE_TIME_BUDGET"),
            link_check=settings.getbool("GOVCHECK_LINK_CHECK"),
            discovery_depth=settings.getint("GOVCHECK_DISCOVERY_DEPTH"),
            column_page_limit=settings.getint("GOVCHECK_COLUMN_PAGE_LIMIT"),
            detail_page_limit=settings.getint("GOVCHECK_DETAIL_PAGE_LIMIT"),
            paginate_always=settings.get("GOVCHECK_PAGINATE") == "always",
            soft404_check=settings.getbool("GOVCHECK_SOFT404_CHECK"),
        )


class SiteStats:
    """One site's counters, mirrored into the crawler's stats (a fleet job crawls many sites; each
    crawl row keeps its own)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler  # its stats exist only once the crawl has started
        self.values: dict[str, Any] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count
        self.crawler.stats.inc_value(key, count, start)

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value
        self.crawler.stats.set_value(key, value)

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


class SiteCrawl:
    """Everything one site's crawl knows while it runs. The spider owns the callbacks (Scrapy and
    scrapy-redis find them by name on the spider) and hands each response to its site's SiteCrawl."""

    def __init__(self, spider: PortalSpider, target: SiteTarget, options: CrawlOptions) -> None:
        self.spider = spider
        self.stats = SiteStats(spider.crawler)
        site, as_of, round, links = target.site, target.as_of, target.round, target.links
        if not site:
            raise config.ConfigError("site: required, e.g. -a site=sjj.suizhou.gov.cn")
        if links not in config.LINK_SCOPES:
            raise config.ConfigError(f"links: expected one of {', '.join(config.LINK_SCOPES)}, got {links!r}")
        target_text = site.strip()
        parts = urlsplit(target_text if "://" in target_text else f"//{target_text}")
        if not parts.hostname or "." not in parts.hostname:
            raise config.ConfigError(f"site: expected a host name or URL, got {site!r}")
        self.site_host: str = parts.hostname.lower()
        path = parts.path or "/"
        # A bare host means "try https, then http"; an explicit URL is used as given.
        self.schemes: list[str] = [parts.scheme] if "://" in target_text else ["https", "http"]
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
        self.profile: CrawlProfile | None = load_profile(self.site_host)
        if self.profile and self.profile.start_url:
            start = urlsplit(self.profile.start_url)
            self.homepage_path = (start.path or "/") + (f"?{start.query}" if start.query else "")
            self.schemes = [start.scheme or "http"]
            self.homepage_hint = f"{self.schemes[-1]}://{self.site_host}{self.homepage_path}"
        self.backend = target.backend or (self.profile.backend_group if self.profile else None)
        self.normalizer = DateNormalizer(self.reference_at)
        self.detail_requested: dict[str, int] = {}  # column URL -> detail pages asked for
        # Soft-404 fingerprints per host: "pending", "hard" (real 404s), "catchall" (every path shows
        # the homepage: cannot tell) or the fingerprint text of its not-found answer.
        self.not_found: dict[str, str] = {}
        self.not_found_answers: dict[str, dict[str, tuple[int, str]]] = {}
        self.parked: dict[str, list[tuple[str, int]]] = {}
        self.homepage_attempts = options.homepage_attempts
        self.homepage_retry_delay = options.homepage_retry_delay
        self.page_budget = options.page_budget
        self.time_budget = options.time_budget
        self.check_links = options.link_check and self.link_scope != "none"
        self.discovery_depth = options.discovery_depth
        self.column_page_limit = options.column_page_limit
        self.detail_page_limit = options.detail_page_limit
        self.paginate_always = options.paginate_always
        self.soft404_check = options.soft404_check
        self.started_monotonic = time.monotonic()
        self.pending = 0  # requests yielded for this site whose callback has not finished
        self.drained_at: float | None = None  # when pending last fell to 0
        self.closed = False
        self.message: bytes | None = None  # the round's site message this crawl was taken from

    def release(self) -> None:
        """Drop what a finished site no longer needs (a fleet job crawls many sites in turn)."""
        for collection in (self.column_urls, self.checked_links, self.homepage_urls, self.detail_requested):
            collection.clear()
        self.not_found_answers.clear()
        self.parked.clear()

    @property
    def key(self) -> str:
        """The site's identity in a round (and in request meta and items)."""
        return self.site_host

    def context(self) -> CrawlContext:
        return CrawlContext(
            host=self.site_host,
            homepage=self.homepage_hint,
            round=self.round_name,
            as_of=self.as_of,
            reference_at=self.reference_at,
        )

    def start_request(self) -> Request:
        return self._homepage_request(self.schemes[0], attempt=1, delay=0.0)

    def _homepage_request(self, scheme: str, *, attempt: int, delay: float) -> Request:
        self.requests_made += 1
        return Request(
            f"{scheme}://{self.site_host}{self.homepage_path}",
            callback=self.spider.parse_homepage,
            errback=self.spider.homepage_failed,
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
        error = proxy_error(response) or _waf(response)
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
            self.stats.inc_value("govcheck/homepage/https_fallback")
            yield self._homepage_request("http", attempt=attempt, delay=0.0)
            return
        self._record_attempt(request, status, error, response)
        if attempt < self.homepage_attempts:
            yield self._homepage_request(scheme, attempt=attempt + 1, delay=self.homepage_retry_delay)
            return
        blocked = any(a["status"] in BLOCKED_STATUSES or a["error"] == "waf_challenge" for a in self.attempts)
        outcome = "blocked" if blocked else "unreachable"
        self.stats.set_value("govcheck/homepage/outcome", outcome)
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
        self.stats.inc_value(f"govcheck/homepage/attempts/{error or status}")

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
        if self.profile:
            columns = [c for c in columns if not self.profile.ignores(c.url, c.name)]
        entries = homepage_entries(html, response.url)
        parseable = bool(columns or entries)
        self.stats.set_value("govcheck/homepage/outcome", "ok" if parseable else "unparseable")
        health: dict[str, Any] = {}
        if self.profile:
            health |= {"profile": self.profile.host, "backend_group": self.profile.backend_group}
        yield SiteItem(
            homepage_url=response.url,
            status="ok" if parseable else "unparseable",
            name=facts.site_name or facts.title,
            site_code=facts.site_code,
            encoding=response.encoding,
            attempts=self.attempts,
            footer=footer_facts(html, response.url),
            health=health,
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
        year = _generation_year(facts.generated_text)
        for entry in entries:
            yield EntryItem(
                column_url=response.url,
                url=entry.url,
                title=entry.title,
                date_text=entry.date_text,
                context_year=year,
            )
        self.stats.set_value("govcheck/columns/discovered", len(columns))
        yield from self._column_requests(columns, discovered_on=None, base_position=0)
        yield from self._beyond_navigation(html, response.url)
        if self.check_links:
            yield from self._links(response.url, page_links(html, response.url), on_homepage=True)

    def _beyond_navigation(self, html: str, url: str) -> Iterator[Any]:
        """The 信息公开 directory (any host), the 网站地图, a profile's extra columns, and link-outs."""
        directories = directory_links(html, url)
        for directory in directories:
            # The directory belongs to the site even on another host: its links are internal.
            self.site_hosts.add(urlsplit(directory.url).hostname or "")
        yield from self._column_requests(directories, discovered_on=None, base_position=XXGK_POSITION)
        for index, target in enumerate(sitemap_links(html, url)[:2]):
            if self._within_budget():
                self.requests_made += 1
                yield Request(
                    target,
                    callback=self.spider.parse_sitemap,
                    errback=self.spider.ignore_failure,
                    meta={"handle_httpstatus_list": NON_REDIRECT_STATUSES, "sitemap_index": index},
                )
        if self.profile and self.profile.extra_columns:
            extra = [
                ColumnLink(name=c["name"], url=c["url"], source="profile", parent_url=c.get("parent_url"))
                for c in self.profile.extra_columns
            ]
            yield from self._column_requests(extra, discovered_on=None, base_position=PROFILE_POSITION)
        for index, link in enumerate(discover_linkouts(html, url), start=1):
            # Another system (办事大厅, 12345): kept for the evaluator, never fetched as a column.
            yield ColumnItem(
                url=link.url,
                name=link.name,
                status="linkout",
                reason="consultation" if CONSULTATION_NAME.search(link.name) else None,
                depth=1,
                position=LINKOUT_POSITION + index,
                source="linkout",
            )
            self.stats.inc_value("govcheck/columns/linkout")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        yield self._page_item(response, "sitemap")
        if not 200 <= response.status < 300 or not isinstance(response, TextResponse):
            return
        found = [c for c in sitemap_columns(response.text, response.url) if c.url not in self.homepage_urls]
        if self.profile:
            found = [c for c in found if not self.profile.ignores(c.url, c.name)]
        self.stats.set_value("govcheck/columns/sitemap", len(found))
        base = SITEMAP_POSITION + response.meta["sitemap_index"] * 50_000
        yield from self._column_requests(found, discovered_on=None, base_position=base)

    def ignore_failure(self, failure: Failure) -> Iterator[Any]:
        logger.info("Could not fetch %s: %s", failure.request.url, classify_failure(failure))
        yield from ()

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
            source = column.source
            section = discovered_on.get("section") if discovered_on else None
            if section == "xxgk" or XXGK_NAME.match(column.name or ""):
                # The 政府信息公开 directory tree: counted with the site, tagged in the column's source.
                source, section = "xxgk", "xxgk"
            if self.profile and self.profile.ignores(column.url, column.name):
                continue
            self.requests_made += 1
            yield Request(
                column.url,
                callback=self.spider.parse_column,
                errback=self.spider.column_failed,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    "column": {
                        "name": column.name,
                        "source": source,
                        "section": section,
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
        if is_waf_challenge(html, response.url):
            # A firewall's challenge hides the column: not readable, not blank, not broken.
            yield LinkCheckItem(
                url=response.request.url,
                outcome="inconclusive",
                status=status,
                error="waf_challenge",
                method="GET",
            )
            yield self._column_item(response, meta, status="unparseable", reason="waf_challenge")
            return
        if self.soft404_check and self._is_soft_404(response):
            # A 200 that says 页面不存在: a broken link, never a blank column.
            self.stats.inc_value("govcheck/columns/soft_404")
            yield LinkCheckItem(
                url=response.request.url, outcome="broken", status=status, error="soft_404", method="GET"
            )
            yield self._column_item(response, meta, status="broken", reason="soft_404")
            return
        facts = page_facts(html, response.url)
        listing = self._listing(response, html)
        loader = ColumnLoader(
            item=self._column_item(response, meta, status=listing.status, reason=listing.reason),
            response=response,
            stats=self.stats,
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
        column.breadcrumb = list(column.breadcrumb or [])
        column.entry_count = len(listing.entries)
        column.extractor = listing.extractor
        yield column
        self.stats.inc_value(f"govcheck/columns/{listing.status}")
        yield from self._entries(column.url, listing, facts.generated_text)
        yield from self._more_pages(column.url, listing, page=1)
        # The 信息公开 directory is a tree deeper than the navigation: one more level of it.
        depth_limit = self.discovery_depth + (1 if meta.get("section") == "xxgk" else 0)
        if meta["depth"] < depth_limit:
            # Channel pages' side menus and 更多栏目 lists lead to columns the homepage does not show.
            found_here = {**meta, "url": response.request.url}
            yield from self._column_requests(
                discover_columns(html, response.url), discovered_on=found_here, base_position=meta["position"]
            )
        if self.check_links:
            yield from self._links(response.url, page_links(html, response.url), on_homepage=False)

    def _listing(self, response: TextResponse, html: str) -> ListingPage:
        """The page's list: a profile's selectors when it has them (rule stats show a selector at
        zero after a redesign), else the layered extractors. A Hanweb dataproxy answer is bare XML."""
        if "<datastore" in html[:2000].lower() and "<script" not in html[:2000].lower():
            body = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
            html = f'<html><body><script type="text/xml">{body}</script></body></html>'
        if self.profile and self.profile.list_rules:
            entries = self._profile_entries(response)
            if entries:
                return ListingPage(status="ok", entries=entries, extractor="profile")
            self.stats.inc_value("govcheck/profile/list_miss")
        return extract_listing(html, response.url)

    def _profile_entries(self, response: TextResponse) -> list[ListingEntry]:
        assert self.profile is not None and self.profile.list_rules is not None
        rules = self.profile.list_rules
        out: list[ListingEntry] = []
        seen: set[str] = set()
        rows = response.xpath(rules.rows) if rules.rows.startswith("/") else response.css(rules.rows)
        for row in rows:
            loader = EntryLoader(selector=row, stats=self.stats)
            for name, rule, default in (
                ("title", rules.title, "a::text"),
                ("url", rules.url, "a::attr(href)"),
                ("date_text", rules.date, None),
            ):
                selector = rule or default
                if selector:
                    (loader.add_xpath if selector.startswith("/") else loader.add_css)(name, selector)
            values = loader.load_item()
            href = values.get("url")
            if not href:
                continue
            url = response.urljoin(href)
            if url in seen:
                continue
            seen.add(url)
            date_text = values.get("date_text")
            out.append(
                ListingEntry(
                    title=values.get("title") or "",
                    url=url,
                    date_text=find_date_text(date_text) or date_text if date_text else None,
                )
            )
        return out

    def _entries(self, column_url: str, listing: ListingPage, generated: str | None) -> Iterator[Any]:
        """The list's entries; undated ones (no date in the row or the URL) get their detail page read."""
        year = _generation_year(generated)
        for entry in listing.entries:
            yield EntryItem(
                column_url=column_url,
                url=entry.url,
                title=entry.title,
                date_text=entry.date_text,
                context_year=year,
            )
            if entry.date_text or date_from_url(entry.url) is not None:
                continue
            asked = self.detail_requested.get(column_url, 0)
            if asked >= self.detail_page_limit or not self._within_budget():
                self.stats.inc_value("govcheck/dates/detail_skipped")
                continue
            self.detail_requested[column_url] = asked + 1
            self.requests_made += 1
            yield Request(
                entry.url,
                callback=self.spider.parse_detail,
                errback=self.spider.ignore_failure,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    "entry": {"column_url": column_url, "url": entry.url, "title": entry.title},
                },
            )

    def parse_detail(self, response: Response) -> Iterator[Any]:
        """An undated entry's own page: its PubDate meta or 发布时间/发布日期/成文日期 text."""
        yield self._page_item(response, "article")
        entry = response.meta["entry"]
        if not 200 <= response.status < 300 or not isinstance(response, TextResponse):
            return
        facts = page_facts(response.text, response.url)
        if facts.pub_date_text:
            self.stats.inc_value("govcheck/dates/detail")
            yield EntryItem(
                column_url=entry["column_url"],
                url=entry["url"],
                title=entry["title"],
                date_text=facts.pub_date_text,
                date_source="detail",
            )
        else:
            self.stats.inc_value("govcheck/dates/detail_undated")
        if self.check_links and self.link_scope == "all":
            yield from self._links(response.url, page_links(response.text, response.url), on_homepage=False)

    def _needs_more(self, listing: ListingPage) -> bool:
        """Page 1 answers the evaluation unless its dated rows are out of order (the newest may be
        further on) or it carries no date at all that the detail pages will not supply."""
        if self.paginate_always:
            return True
        dates = []
        for entry in listing.entries:
            value = self.normalizer.normalize(entry.date_text, url=entry.url).value
            if value is None and not entry.date_text:
                value = date_from_url(entry.url)
            if value is not None:
                dates.append(value)
        if not dates:
            return self.detail_page_limit == 0
        # Any row newer than the one above it (pinned items, hand-ordered lists): not sorted.
        return any(later > earlier for earlier, later in itertools.pairwise(dates))

    def _more_pages(self, column_url: str, listing: ListingPage, *, page: int) -> Iterator[Request]:
        if listing.status != "ok" or not listing.next_page_urls or page >= self.column_page_limit:
            return
        if page == 1 and not self._needs_more(listing):
            return
        self.stats.inc_value("govcheck/pagination/columns" if page == 1 else "govcheck/pagination/chained")
        # A family that lists every page (TRS index_N, Hanweb dataproxy) is read in parallel; a
        # static 下一页 link is followed one page at a time.
        chained = len(listing.next_page_urls) == 1
        wanted = listing.next_page_urls[: 1 if chained else self.column_page_limit - page]
        for offset, url in enumerate(wanted, start=1):
            if not self._within_budget():
                return
            self.requests_made += 1
            yield Request(
                url,
                callback=self.spider.parse_list_page,
                errback=self.spider.ignore_failure,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    "list_of": column_url,
                    "list_page": page + offset,
                    "chained": chained,
                },
            )

    def parse_list_page(self, response: Response) -> Iterator[Any]:
        """Page 2+ of a column: its entries belong to the column (stored under its URL)."""
        yield self._page_item(response, "column_page")
        if not 200 <= response.status < 300 or not isinstance(response, TextResponse):
            return
        column_url, page = response.meta["list_of"], response.meta["list_page"]
        listing = self._listing(response, response.text)
        self.stats.inc_value("govcheck/pagination/pages")
        yield from self._entries(column_url, listing, page_facts(response.text, response.url).generated_text)
        if response.meta["chained"]:
            yield from self._more_pages(column_url, listing, page=page)
        if self.check_links and self.link_scope == "all":
            yield from self._links(response.url, page_links(response.text, response.url), on_homepage=False)

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
            callback=self.spider.link_checked,
            errback=self.spider.link_failed,
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
        if error is None and 200 <= response.status < 300 and self.soft404_check:
            host = urlsplit(response.url).hostname or ""
            state = self.not_found.get(host)
            if state is None or state == "pending":
                # The host's not-found answer decides how this 200 is read: learn it first.
                self.parked.setdefault(host, []).append((target, response.status))
                if state is None:
                    yield from self._fingerprint_requests(host, response.url)
                return
            if response.request.method == "HEAD" and state not in ("hard", "catchall"):
                yield self._link_request(target, "GET")  # a soft-404 host: only the body tells
                return
            if response.request.method == "GET" and _waf(response):
                yield LinkCheckItem(
                    url=target,
                    outcome="inconclusive",
                    status=response.status,
                    error="waf_challenge",
                    method="GET",
                )
                return
            if response.request.method == "GET" and self._is_soft_404(response):
                self.stats.inc_value("govcheck/links/soft_404")
                yield LinkCheckItem(
                    url=target, outcome="broken", status=response.status, error="soft_404", method="GET"
                )
                return
        yield LinkCheckItem(
            url=target,
            outcome=link_outcome(None if error else response.status, error),
            status=None if error else response.status,
            error=error,
            method=response.request.method,
        )

    def _is_soft_404(self, response: Response) -> bool:
        if not isinstance(response, TextResponse):
            return False
        host = urlsplit(response.url).hostname or ""
        state = self.not_found.get(host)
        path = urlsplit(response.url).path
        fingerprinted = state not in (None, "pending", "hard", "catchall") and path not in ("", "/")
        if fingerprinted and not_found_fingerprint(response.text, response.url) == state:
            return True
        return is_soft_404(response.text, response.url)

    def _fingerprint_requests(self, host: str, seen_url: str) -> Iterator[Request]:
        """A random path on the host (its not-found answer) and its root (to spot hosts that answer
        every path with the homepage, where a fingerprint cannot tell anything)."""
        self.not_found[host] = "pending"
        scheme = urlsplit(seen_url).scheme or "http"
        for kind, path in (("missing", f"/govcheck-{secrets.token_hex(6)}.html"), ("root", "/")):
            self.requests_made += 1
            yield Request(
                f"{scheme}://{host}{path}",
                callback=self.spider.fingerprinted,
                errback=self.spider.fingerprint_failed,
                dont_filter=True,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    "dont_obey_robotstxt": True,
                    "dont_retry": True,
                    "nf_host": host,
                    "nf_kind": kind,
                },
            )

    def fingerprinted(self, response: Response) -> Iterator[Any]:
        host, kind = response.meta["nf_host"], response.meta["nf_kind"]
        text = response.text if isinstance(response, TextResponse) else ""
        answers = self.not_found_answers.setdefault(host, {})
        answers[kind] = (response.status, not_found_fingerprint(text, response.url) if text else "")
        if len(answers) == 2:
            (status, missing), (_root_status, root) = answers["missing"], answers["root"]
            if not 200 <= status < 300 or not missing:
                state = "hard"
            elif missing == root:
                state = "catchall"
            else:
                state = missing
            yield from self._release(host, state)

    def fingerprint_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self._release(failure.request.meta["nf_host"], "hard")

    def _release(self, host: str, state: str) -> Iterator[Any]:
        if self.not_found.get(host) not in (None, "pending"):
            return
        self.not_found[host] = state
        self.stats.inc_value(
            f"govcheck/links/not_found_fingerprint/{state if state in ('hard', 'catchall') else 'soft'}"
        )
        for target, status in self.parked.pop(host, []):
            if state in ("hard", "catchall"):
                yield LinkCheckItem(url=target, outcome="ok", status=status, method="HEAD")
            else:
                yield self._link_request(target, "GET")

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
            self.stats.set_value(
                "govcheck/budget/exhausted", "pages" if elapsed < self.time_budget else "time"
            )
            logger.warning(
                "Crawl budget of %s exhausted (%d requests, %.0fs)",
                self.site_host,
                self.requests_made,
                elapsed,
            )
        return False


def _waf(response: Response) -> str | None:
    """ "waf_challenge" for a 2xx firewall challenge page (the site is neither up nor down)."""
    if 200 <= response.status < 300 and isinstance(response, TextResponse):
        return "waf_challenge" if is_waf_challenge(response.text, response.url) else None
    return None


def _generation_year(text: str | None) -> int | None:
    """The year of a page's 页面生成时间: the year of the year-less dates printed on it."""
    match = re.search(r"(19|20)\d{2}", text or "")
    return int(match.group(0)) if match else None


def _placement(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: meta[k] for k in ("source", "parent_url", "depth", "position")}
