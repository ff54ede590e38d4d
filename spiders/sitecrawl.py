"""One site's crawl: what it was asked to do (:class:`SiteTarget`, :class:`SiteAddress`), the settings
every site reads (:class:`CrawlOptions`), and what the site's crawl knows while it runs
(:class:`SiteCrawl`, with its counters :class:`SiteStats` and its :class:`SiteBudget`).

The state does nothing by itself: the handlers of ``govcheck.spiders.handlers`` (homepage, columns,
links) are given it and work on it; the ``portal`` spider routes each response to them.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from govcheck import config
from govcheck.context import CrawlContext
from govcheck.dates import SHANGHAI, DateNormalizer
from govcheck.destinations import DestinationPolicy, is_ip_literal, is_loopback_name
from govcheck.items import SiteItem
from govcheck.names import BadName, is_host_name, netloc_of, split_site
from govcheck.profile import CrawlProfile, load_profile
from govcheck.robots_middleware import ForbiddenByRobots
from govcheck.spiders.connectivity import ReferenceCheck
from govcheck.spiders.outcomes import classify_failure, limit_hit
from govcheck.spiders.waves import PageQueue
from govcheck.statkeys import LIMIT_HITS_KEY, LIMITS_PREFIX, ROBOTS_FORBIDDEN_KEY, ROBOTS_URLS_KEY

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

    from govcheck.spiders.links import ParkedCheck


logger = logging.getLogger(__name__)

LIMIT_HITS_KEPT = 50  # limit hits listed (with their URL) in crawls.health; all are counted
ROBOTS_URLS_KEPT = 50  # pages robots.txt forbids listed in crawls.health; all are counted


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
        try:
            parts = split_site(site)
        except BadName as exc:
            raise config.ConfigError(f"site: expected a host name or URL, got {exc}") from exc
        host = parts.host
        # Names follow the registry's rule; addresses (any spelling) and localhost go to the policy.
        if not (is_host_name(host) or is_ip_literal(host) or (host and is_loopback_name(host))):
            raise config.ConfigError(f"site: expected a host name or URL, got {site!r}")
        schemes = (parts.scheme,) if parts.scheme else ("https", "http")
        address = cls(host, parts.netloc, schemes, parts.path)
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
    letter_detail_limit: int
    letter_window_days: int
    service_guide_limit: int
    article_meta_check: bool
    article_meta_pages: int
    paginate_always: bool
    soft404_check: bool
    reference_urls: tuple[str, ...]
    policy: DestinationPolicy
    page_link_limit: int
    ipv6_check: bool
    sitemap: bool
    sitemap_max_files: int
    sitemap_maxsize: int

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
            letter_detail_limit=settings.getint("GOVCHECK_LETTER_DETAIL_LIMIT"),
            letter_window_days=settings.getint("GOVCHECK_LETTER_WINDOW_DAYS"),
            service_guide_limit=settings.getint("GOVCHECK_SERVICE_GUIDE_LIMIT"),
            article_meta_check=settings.getbool("GOVCHECK_ARTICLE_META_CHECK"),
            article_meta_pages=settings.getint("GOVCHECK_ARTICLE_META_PAGES"),
            paginate_always=settings.get("GOVCHECK_PAGINATE") == "always",
            soft404_check=settings.getbool("GOVCHECK_SOFT404_CHECK"),
            reference_urls=tuple(config.reference_urls(settings.get("GOVCHECK_REFERENCE_HOSTS", ""))),
            policy=DestinationPolicy.from_settings(settings),
            page_link_limit=settings.getint("GOVCHECK_PAGE_LINK_LIMIT"),
            ipv6_check=settings.getbool("GOVCHECK_IPV6_CHECK"),
            sitemap=settings.getbool("GOVCHECK_SITEMAP"),
            sitemap_max_files=settings.getint("GOVCHECK_SITEMAP_MAX_FILES"),
            sitemap_maxsize=settings.getint("GOVCHECK_SITEMAP_MAXSIZE"),
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

    def limit_hit(self, limit: str, url: str, **detail: Any) -> None:
        """One limit reached: counted per limit, and the first LIMIT_HITS_KEPT listed with their URL
        (crawls.health["limits"])."""
        self.inc_value(f"{LIMITS_PREFIX}{limit}")
        hits = self.get_value(LIMIT_HITS_KEY, [])
        if len(hits) < LIMIT_HITS_KEPT:
            self.set_value(LIMIT_HITS_KEY, [*hits, {"limit": limit, "url": url, **detail}])
        logger.warning("Limit %s reached at %s %s", limit, url, detail or "")

    def robots_forbidden(self, url: str) -> None:
        """One page the site's robots.txt forbids, not read: counted, the first ROBOTS_URLS_KEPT listed
        (crawls.health["robots"]) so that a reader sees the inspector chose not to read them."""
        self.inc_value(ROBOTS_FORBIDDEN_KEY)
        urls = self.get_value(ROBOTS_URLS_KEY, [])
        if len(urls) < ROBOTS_URLS_KEPT:
            self.set_value(ROBOTS_URLS_KEY, [*urls, url])


class SiteBudget:
    """A site's request and time budgets (GOVCHECK_SITE_PAGE_BUDGET, GOVCHECK_SITE_TIME_BUDGET): every
    request the site's crawl makes is charged here, retries and redirect hops included. Page work
    (columns, list and detail pages) is charged when its wave releases it (:meth:`spend`, in the
    order of govcheck.spiders.waves); a wave of link checks reserves what each check may cost at most
    (:meth:`reserve`) and draws on it (:meth:`draw`). So which work fits never depends on the order
    answers arrive in."""

    def __init__(self, stats: SiteStats, *, pages: int, seconds: float) -> None:
        self.stats = stats
        self.pages = pages
        self.seconds = seconds
        self.started = time.monotonic()
        self.requests_made = 0
        self.reserved = 0  # requests promised to the link checks in flight, not made yet
        self.exhausted_logged = False

    def charge(self) -> None:
        """Count one request against the budget (a homepage attempt is always made)."""
        self.requests_made += 1
        self.stats.set_value("govcheck/budget/requests", self.requests_made)

    def count_reference(self) -> None:
        """A reference host asked for the inspector's own sake: it uses up the budget, but is not one
        of the site's requests in crawls.health (govcheck/budget/requests)."""
        self.requests_made += 1

    def give_back(self) -> None:
        """A page charged when its wave went was never requested (its sitemap says it is unchanged:
        read from the store): the request is free again for later waves."""
        self.requests_made -= 1
        self.stats.set_value("govcheck/budget/requests", self.requests_made)

    def charge_hop(self) -> None:
        """A retry or redirect hop of a request already made: counted, so later work stops sooner."""
        self.charge()
        self.stats.inc_value("govcheck/budget/hops")

    def remaining(self) -> int:
        """Requests still to be had: none once the time budget is spent."""
        if time.monotonic() - self.started >= self.seconds:
            return 0
        return max(0, self.pages - self.requests_made - self.reserved)

    def spend(self, url: str, count: int = 1) -> bool:
        """Charge ``count`` requests of page work for ``url`` if the budgets (requests, time) allow
        them; otherwise the skipped pages are counted and the first refusal recorded as a limit hit."""
        if count <= self.remaining():
            for _ in range(count):
                self.charge()
            return True
        self.stats.inc_value("govcheck/budget/skipped_pages", count)
        self.refuse(url, count)
        return False

    def reserve(self, count: int) -> bool:
        """Promise ``count`` requests to a link check (its HEAD, GET and its host's fingerprint)."""
        if count > self.remaining():
            return False
        self.reserved += count
        return True

    def draw(self, count: int = 1) -> None:
        """Make ``count`` requests promised by :meth:`reserve`."""
        self.reserved = max(0, self.reserved - count)
        for _ in range(count):
            self.charge()

    def refund(self) -> None:
        """No link check is in flight: what they were promised and did not need is free again."""
        self.reserved = 0

    def refuse(self, url: str, count: int) -> None:
        """``count`` requests the budgets do not allow: counted, the first refusal recorded as a limit hit."""
        self.stats.inc_value("govcheck/budget/skipped", count)
        if not self.exhausted_logged:
            self.exhausted_logged = True
            elapsed = time.monotonic() - self.started
            exhausted = "time" if elapsed >= self.seconds else "pages"
            self.stats.set_value("govcheck/budget/exhausted", exhausted)
            self.stats.limit_hit(
                "site_time" if exhausted == "time" else "site_requests",
                url,
                requests=self.requests_made,
                seconds=round(elapsed, 1),
            )


class SiteCrawl:
    """Everything one site's crawl knows while it runs: who and when (address, as-of date, round),
    its counters and budget, and what it has seen so far (columns, checked links, not-found
    fingerprints). The handlers read and update it; the fleet worker and the lifecycle read ``key``,
    ``context()``, ``stats``, ``closed`` and ``release()``."""

    def __init__(self, target: SiteTarget, options: CrawlOptions, crawler: Crawler) -> None:
        site, as_of, round, links = target.site, target.as_of, target.round, target.links
        if not site:
            raise config.ConfigError("site: required, e.g. -a site=sjj.suizhou.gov.cn")
        if links not in config.LINK_SCOPES:
            raise config.ConfigError(f"links: expected one of {', '.join(config.LINK_SCOPES)}, got {links!r}")
        address = SiteAddress.parse(site, options.policy)
        self.options = options
        self.stats = SiteStats(crawler)
        self.budget = SiteBudget(self.stats, pages=options.page_budget, seconds=options.time_budget)
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
        self.check_links = options.link_check and links != "none"
        self.site_hosts: set[str] = {self.site_host}
        self.homepage_url: str | None = None
        self.homepage_urls: set[str] = set()  # the homepage under every URL it answered to
        self.attempts: list[dict[str, Any]] = []
        self.column_urls: set[str] = set()
        self.checked_links: set[str] = set()
        # Link checks wait here, each with its place in the checking order (page kind, page, target),
        # until the site's page work has drained; then they go out in that order, in waves.
        self.link_queue: dict[str, tuple[int, str, str]] = {}
        # Requests of the site in flight: page work (homepage, sitemaps, columns, list and detail
        # pages) and link work (link checks, not-found fingerprints). Counted by SiteHandlers.
        self.page_work = 0
        self.link_work = 0
        self.profile: CrawlProfile | None = load_profile(self.site_host)
        if self.profile and self.profile.start_url:
            start = urlsplit(self.profile.start_url)
            self.homepage_path = (start.path or "/") + (f"?{start.query}" if start.query else "")
            self.schemes = [start.scheme or "http"]
            self.site_netloc = netloc_of(self.site_host, start.port) if start.port else self.site_netloc
            self.homepage_hint = f"{self.schemes[-1]}://{self.site_netloc}{self.homepage_path}"
        self.backend = target.backend or (self.profile.backend_group if self.profile else None)
        self.normalizer = DateNormalizer(self.reference_at)
        # Page work waits here for its wave (govcheck.spiders.waves), charged when it goes.
        self.pages = PageQueue(self.stats, self.budget)
        self.column_positions: dict[str, int] = {}  # a column's place in the order of its later pages
        # Soft-404 fingerprints per host: "pending", "hard" (real 404s), "catchall" (every path shows
        # the homepage: cannot tell) or the fingerprint text of its not-found answer.
        self.not_found: dict[str, str] = {}
        self.not_found_answers: dict[str, dict[str, tuple[int, str]]] = {}
        self.parked: dict[str, list[ParkedCheck]] = {}  # 2xx checks awaiting their host's fingerprint
        self.reference = ReferenceCheck(options.reference_urls)
        # The homepage's outcome while it waits: for the reference hosts (unreachable), for the IPv6 check (ok).
        self.held_site_item: SiteItem | None = None
        self.closed = False

    def release(self) -> None:
        """Drop what a finished site no longer needs (a fleet job crawls many sites in turn)."""
        for collection in (
            self.column_urls,
            self.checked_links,
            self.homepage_urls,
            self.column_positions,
            self.link_queue,
            self.pages,
        ):
            collection.clear()
        self.not_found_answers.clear()
        self.parked.clear()

    @property
    def key(self) -> str:
        """The site's identity in a round (and in request meta and items)."""
        return self.site_host

    @property
    def requests_made(self) -> int:
        return self.budget.requests_made

    def failure_error(self, failure: Failure) -> str:
        """The stored error of a failed download; a limit it ran into is recorded as a limit hit, a page
        robots.txt forbids as such."""
        if failure.check(ForbiddenByRobots):
            self.stats.robots_forbidden(failure.request.url)
        limit = limit_hit(failure)
        if limit is not None:
            detail = str(failure.value)[:300]
            self.stats.limit_hit(limit, failure.request.url, **({"detail": detail} if detail else {}))
        return classify_failure(failure)

    def capped(self, found: list[Any], url: str, what: str) -> list[Any]:
        """At most GOVCHECK_PAGE_LINK_LIMIT links or entries of one page; the cut is a limit hit."""
        limit = self.options.page_link_limit
        if len(found) <= limit:
            return found
        self.stats.limit_hit(f"{what}_per_page", url, found=len(found), kept=limit)
        return found[:limit]

    def context(self) -> CrawlContext:
        return CrawlContext(
            host=self.site_host,
            homepage=self.homepage_hint,
            round=self.round_name,
            as_of=self.as_of,
            reference_at=self.reference_at,
            named_round=self.explicit_round,
        )
