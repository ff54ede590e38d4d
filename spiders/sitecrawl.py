"""One site's crawl: what it was asked to do, its settings, its counters and its state.

:class:`SiteCrawl` keeps the state; its parts live with their concern: ``homepage`` (attempts and
what the homepage leads to), ``columns`` (listings, pagination, detail pages), ``links`` (checks and
soft-404s). It only yields items and requests; the ``portal`` spider routes responses to it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from govcheck.spiders.columns import ColumnsMixin
from govcheck.spiders.connectivity import ReferenceCheck
from govcheck.spiders.homepage import HomepageMixin
from govcheck.spiders.links import LinksMixin
from govcheck.spiders.outcomes import (
    classify_failure,
    limit_hit,
    proxy_error,
)
from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from govcheck import config
from govcheck.context import CrawlContext
from govcheck.dates import SHANGHAI, DateNormalizer
from govcheck.destinations import DestinationPolicy, is_loopback_name, parse_ip_literal
from govcheck.items import PageItem, SiteItem
from govcheck.names import HOST
from govcheck.profile import CrawlProfile, load_profile

if TYPE_CHECKING:
    from govcheck.spiders.portal import PortalSpider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings


logger = logging.getLogger(__name__)

LIMIT_HITS_KEPT = 50  # limit hits listed (with their URL) in crawls.health; all are counted


@dataclass(frozen=True, slots=True)
class SiteTarget:
    """What one site's crawl is asked to do: ``-a site=… -a as_of=… -a round=… -a links=…``, or the
    same from a fleet message."""

    site: str  # a host (https, then http) or a URL (used as given)
    as_of: str | None = None
    round: str | None = None
    links: str = "homepage"
    backend: str | None = None  # backend group for cluster politeness (registry or profile)


def netloc_of(host: str, port: int | None) -> str:
    """``host[:port]`` as a URL writes it (an IPv6 address in brackets)."""
    bracketed = f"[{host}]" if ":" in host else host
    return f"{bracketed}:{port}" if port else bracketed


@dataclass(frozen=True, slots=True)
class SiteAddress:
    """Where ``-a site=`` points: a bare host (https, then http) or a URL used as given, port kept."""

    host: str  # the site's key: lower case, no trailing dot
    netloc: str
    schemes: tuple[str, ...]
    path: str  # path and query of the homepage

    @classmethod
    def parse(cls, site: str, policy: DestinationPolicy) -> SiteAddress:
        """The site's address; a ConfigError for anything the registry's host rule or the destination
        policy would refuse (an internal address is never crawled unless GOVCHECK_ALLOWED_NETWORKS says so)."""
        text = site.strip()
        try:
            parts = urlsplit(text if "://" in text else f"//{text}")
            port = parts.port
        except ValueError as exc:
            raise config.ConfigError(f"site: expected a host name or URL, got {site!r} ({exc})") from exc
        schemes = (parts.scheme.lower(),) if "://" in text else ("https", "http")
        host = (parts.hostname or "").removesuffix(".")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            literal = parse_ip_literal(host) if host else None
        except ValueError:
            literal = None
        # Names follow the registry's rule; addresses (any spelling) and localhost go to the policy.
        if literal is None and not is_loopback_name(host) and not HOST.match(host):
            raise config.ConfigError(f"site: expected a host name or URL, got {site!r}")
        address = cls(host, netloc_of(host, port), schemes, path)
        for url in address.urls():
            if refusal := policy.check_url(url):
                hint = refusal.internal and refusal.kind != "internal_name"
                raise config.ConfigError(
                    f"site: {site!r} is refused by the destination policy: {refusal.reason}"
                    + (" (GOVCHECK_ALLOWED_NETWORKS can allow it)" if hint else "")
                )
        return address

    def urls(self) -> list[str]:
        return [f"{scheme}://{self.netloc}{self.path}" for scheme in self.schemes]


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
    reference_urls: tuple[str, ...]
    policy: DestinationPolicy
    page_link_limit: int

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
            reference_urls=tuple(config.reference_urls(settings.get("GOVCHECK_REFERENCE_HOSTS", ""))),
            policy=DestinationPolicy.from_settings(settings),
            page_link_limit=settings.getint("GOVCHECK_PAGE_LINK_LIMIT"),
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


class SiteCrawl(HomepageMixin, ColumnsMixin, LinksMixin):
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
        address = SiteAddress.parse(site, options.policy)
        self.site_host: str = address.host
        self.site_netloc = address.netloc  # the host and any port, as the site's URLs carry them
        self.schemes: list[str] = list(address.schemes)
        self.homepage_path = address.path
        self.homepage_hint = f"{self.schemes[-1]}://{self.site_netloc}{self.homepage_path}"
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
            self.site_netloc = netloc_of(self.site_host, start.port) if start.port else self.site_netloc
            self.homepage_hint = f"{self.schemes[-1]}://{self.site_netloc}{self.homepage_path}"
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
        self.reference = ReferenceCheck(options.reference_urls)
        self.held_site_item: SiteItem | None = None  # an unreachable homepage's outcome, awaiting references
        self.policy = options.policy
        self.page_link_limit = options.page_link_limit
        self.started_monotonic = time.monotonic()
        self.closed = False

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
            named_round=self.explicit_round,
        )

    def start_request(self) -> Request:
        return self._homepage_request(self.schemes[0], attempt=1, delay=0.0)

    def ignore_failure(self, failure: Failure) -> Iterator[Any]:
        logger.info("Could not fetch %s: %s", failure.request.url, self._failure_error(failure))
        yield from ()

    def _failure_error(self, failure: Failure) -> str:
        """The stored error of a failed download; a limit it ran into is recorded as a limit hit."""
        limit = limit_hit(failure)
        if limit is not None:
            detail = str(failure.value)[:300]
            self._limit_hit(limit, failure.request.url, **({"detail": detail} if detail else {}))
        return classify_failure(failure)

    def _limit_hit(self, limit: str, url: str, **detail: Any) -> None:
        """One limit reached: counted per limit, and the first LIMIT_HITS_KEPT listed with their URL
        (crawls.health["limits"])."""
        self.stats.inc_value(f"govcheck/limits/{limit}")
        hits = self.stats.get_value("govcheck/limits/hits", [])
        if len(hits) < LIMIT_HITS_KEPT:
            self.stats.set_value("govcheck/limits/hits", [*hits, {"limit": limit, "url": url, **detail}])
        logger.warning("Limit %s reached at %s %s", limit, url, detail or "")

    def _capped(self, found: list[Any], url: str, what: str) -> list[Any]:
        """At most GOVCHECK_PAGE_LINK_LIMIT links or entries of one page; the cut is a limit hit."""
        if len(found) <= self.page_link_limit:
            return found
        self._limit_hit(f"{what}_per_page", url, found=len(found), kept=self.page_link_limit)
        return found[: self.page_link_limit]

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

    def _charge(self) -> None:
        """Count one request against the site's budget (a homepage attempt is always made)."""
        self.requests_made += 1
        self.stats.set_value("govcheck/budget/requests", self.requests_made)

    def charge_hop(self) -> None:
        """A retry or redirect hop of a request already made: counted, so later work stops sooner."""
        self._charge()
        self.stats.inc_value("govcheck/budget/hops")

    def _spend(self, url: str, count: int = 1) -> bool:
        """Charge ``count`` requests for ``url`` if the site's budgets (requests, time) allow them;
        otherwise the skipped work is counted and the first refusal recorded as a limit hit."""
        elapsed = time.monotonic() - self.started_monotonic
        if self.requests_made + count <= self.page_budget and elapsed < self.time_budget:
            for _ in range(count):
                self._charge()
            return True
        self.stats.inc_value("govcheck/budget/skipped", count)
        if not self.budget_logged:
            self.budget_logged = True
            exhausted = "time" if elapsed >= self.time_budget else "pages"
            self.stats.set_value("govcheck/budget/exhausted", exhausted)
            self._limit_hit(
                "site_time" if exhausted == "time" else "site_requests",
                url,
                requests=self.requests_made,
                seconds=round(elapsed, 1),
            )
        return False
