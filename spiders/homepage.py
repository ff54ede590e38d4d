"""A site's homepage: spaced attempts (https, then http), what it says about the site, the columns it
leads to (navigation, blocks, the 信息公开 directory, the 网站地图, a profile's extras, link-outs)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from govcheck.dates import SHANGHAI
from govcheck.extract import (
    directory_links,
    discover_columns,
    discover_linkouts,
    generation_year,
    homepage_entries,
    page_facts,
    page_links,
    sitemap_columns,
    sitemap_links,
)
from govcheck.extract.columns import CONSULTATION_NAME
from govcheck.extract.duties import homepage_duties
from govcheck.extract.footer import footer_facts
from govcheck.extract.types import ColumnLink
from govcheck.ipv6 import IPV6_CHECK, IPV6_FACT
from govcheck.items import ColumnItem, PageEntriesItem, SiteItem
from govcheck.politeness import AVAILABILITY_CHECK
from govcheck.spiders.columns import (
    LINKOUT_POSITION,
    PROFILE_POSITION,
    SITEMAP_POSITION,
    XXGK_POSITION,
    ColumnHandler,
)
from govcheck.spiders.links import LinkChecker
from govcheck.spiders.outcomes import (
    BLOCKED_STATUSES,
    NON_REDIRECT_STATUSES,
    page_item,
    proxy_error,
    waf_error,
)
from govcheck.spiders.routing import Route, Router
from govcheck.spiders.sitecrawl import CrawlOptions, SiteCrawl
from govcheck.spiders.waves import HeldPage, Phase

logger = logging.getLogger(__name__)

# The homepage statuses of a limit hit (the errors of outcomes.LIMIT_ERRORS).
HOMEPAGE_LIMIT_STATUSES = ("too_large", "too_slow")


class HomepageHandler:
    """A site's homepage: the first request (:meth:`start_request`), spaced attempts, the reference
    hosts when every attempt failed, and what an answered homepage says and leads to (its entries,
    columns through the column handler, links through the link checker)."""

    def __init__(
        self,
        site: SiteCrawl,
        options: CrawlOptions,
        router: Router,
        columns: ColumnHandler,
        links: LinkChecker,
    ) -> None:
        self.site = site
        self.options = options
        self.router = router
        self.columns = columns
        self.links = links

    def start_request(self) -> Request:
        return self._homepage_request(self.site.schemes[0], attempt=1, delay=0.0)

    def _homepage_request(self, scheme: str, *, attempt: int, delay: float) -> Request:
        self.site.budget.charge()
        return self.router.request(
            f"{scheme}://{self.site.site_netloc}{self.site.homepage_path}",
            Route.HOMEPAGE,
            dont_filter=True,
            meta={
                "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                "dont_retry": True,
                **AVAILABILITY_CHECK,
                "govcheck_delay": delay,
                "attempt": attempt,
                "scheme": scheme,
            },
        )

    def answered(self, response: Response) -> Iterator[Any]:
        error = proxy_error(response) or waf_error(response)
        if error is None and 200 <= response.status < 300:
            self._record_attempt(response.request, response.status, None, response)
            yield from self._homepage_ok(response)
        else:
            yield from self._homepage_attempt_failed(
                response.request, response.status if error is None else None, error, response
            )

    def failed(self, failure: Failure) -> Iterator[Any]:
        site = self.site
        error = site.failure_error(failure)
        if error in HOMEPAGE_LIMIT_STATUSES:
            # The site answered; the page is beyond what govcheck reads. Not an outage, and another
            # attempt would meet the same page: the site is judged `unknown` (homepage_too_large/_slow).
            self._record_attempt(failure.request, None, error, None)
            site.stats.set_value("govcheck/homepage/outcome", error)
            yield SiteItem(homepage_url=failure.request.url, status=error, attempts=site.attempts)
            return
        yield from self._homepage_attempt_failed(failure.request, None, error, None)

    def _homepage_attempt_failed(
        self, request: Request, status: int | None, error: str | None, response: Response | None
    ) -> Iterator[Any]:
        site = self.site
        attempt, scheme = request.meta["attempt"], request.meta["scheme"]
        if scheme == "https" and len(site.schemes) > 1 and error is not None:
            # A failed https attempt falls back to http at once; it does not count as unavailability.
            logger.info("https failed for %s (%s); trying http", site.site_host, error)
            site.schemes = ["http"]
            site.stats.inc_value("govcheck/homepage/https_fallback")
            yield self._homepage_request("http", attempt=attempt, delay=0.0)
            return
        self._record_attempt(request, status, error, response)
        if attempt < self.options.homepage_attempts:
            yield self._homepage_request(scheme, attempt=attempt + 1, delay=self.options.homepage_retry_delay)
            return
        blocked = any(a["status"] in BLOCKED_STATUSES or a["error"] == "waf_challenge" for a in site.attempts)
        outcome = "blocked" if blocked else "unreachable"
        site.stats.set_value("govcheck/homepage/outcome", outcome)
        logger.warning(
            "Homepage of %s %s after %d attempts: %s", site.site_host, outcome, attempt, site.attempts
        )
        item = SiteItem(homepage_url=request.url, status=outcome, attempts=site.attempts)
        references = site.reference.start() if outcome == "unreachable" else []
        if not references:
            yield item
            return
        # Is it the site or the inspector? The item waits for the reference hosts' answers.
        site.held_site_item = item
        for url in references:
            site.budget.count_reference()
            yield self.router.request(
                url,
                Route.REFERENCE,
                dont_filter=True,
                # Not followed: a redirect is an answer too.
                meta={"dont_retry": True, **AVAILABILITY_CHECK, "handle_httpstatus_all": True},
            )

    def reference_answered(self, response: Response) -> Iterator[Any]:
        # Any answer from the reference host itself (even a 404) means the network works; a proxy's
        # 502/504 naming the failure does not.
        yield from self._reference_result(response.request, response.status, proxy_error(response))

    def reference_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self._reference_result(failure.request, None, self.site.failure_error(failure))

    def _reference_result(self, request: Request, status: int | None, error: str | None) -> Iterator[Any]:
        site = self.site
        if not site.reference.record(request.url, status, error):
            return
        facts = site.reference.facts()
        if not facts["reachable"]:
            logger.error(
                "No reference host answered either (%s): the inspector's own network or proxy is down; "
                "%s will be unknown (inspector_network), not unreachable",
                ", ".join(f"{r['url']} {r['error'] or r['status']}" for r in facts["references"]),
                site.site_host,
            )
        item, site.held_site_item = site.held_site_item, None
        assert item is not None
        item.health = {**item.health, "connectivity": facts}
        yield item

    def ipv6_answered(self, response: Response) -> Iterator[Any]:
        yield self._with_ipv6(response.meta[IPV6_FACT])

    def ipv6_failed(self, failure: Failure) -> Iterator[Any]:
        # The check itself broke (a bug, a cancelled request): the inspector's, never the site's.
        error = self.site.failure_error(failure)
        yield self._with_ipv6({"result": "unknown", "reason": "check_failed", "error": error})

    def _with_ipv6(self, fact: dict[str, Any]) -> SiteItem:
        site = self.site
        item, site.held_site_item = site.held_site_item, None
        assert item is not None
        site.stats.set_value("govcheck/ipv6", fact["result"])
        item.health = {**item.health, "ipv6": fact}
        return item

    def _record_attempt(
        self, request: Request, status: int | None, error: str | None, response: Response | None
    ) -> None:
        latency = request.meta.get("download_latency")
        self.site.attempts.append(
            {
                "url": request.url,
                "at": dt.datetime.now(SHANGHAI).isoformat(timespec="seconds"),
                "status": status,
                "error": error,
                "latency_ms": round(latency * 1000, 1) if latency is not None else None,
            }
        )
        self.site.stats.inc_value(f"govcheck/homepage/attempts/{error or status}")

    def _homepage_ok(self, response: Response) -> Iterator[Any]:
        site = self.site
        site.homepage_url = response.url
        site.homepage_urls.update(
            {response.url, response.request.url, f"{response.url.split('://')[0]}://{site.site_netloc}/"}
        )
        site.site_hosts.add(urlsplit(response.url).hostname or site.site_host)
        if not isinstance(response, TextResponse):
            yield SiteItem(homepage_url=response.url, status="unparseable", attempts=site.attempts)
            return
        html = response.text
        facts = page_facts(html, response.url)
        columns = [c for c in discover_columns(html, response.url) if c.url != response.url]
        if site.profile:
            columns = [c for c in columns if not site.profile.ignores(c.url, c.name)]
        entries = site.capped(homepage_entries(html, response.url), response.url, "entries")
        parseable = bool(columns or entries)
        site.stats.set_value("govcheck/homepage/outcome", "ok" if parseable else "unparseable")
        health: dict[str, Any] = {"duties": homepage_duties(html, response.url)}
        if site.profile:
            health |= {"profile": site.profile.host, "backend_group": site.profile.backend_group}
        item = SiteItem(
            homepage_url=response.url,
            status="ok" if parseable else "unparseable",
            name=facts.site_name or facts.title,
            site_code=facts.site_code,
            encoding=response.encoding,
            attempts=site.attempts,
            footer=footer_facts(html, response.url),
            health=health,
        )
        if parseable and self.options.ipv6_check:
            # The outcome waits for the IPv6 check: a request, so the site stays open until it is stored.
            site.held_site_item = item
            yield self.router.request(
                response.url, Route.IPV6, dont_filter=True, meta={IPV6_CHECK: True, "dont_retry": True}
            )
        else:
            yield item
        yield page_item(response, "homepage")
        yield ColumnItem(
            url=response.url,
            name="首页",
            status="ok" if entries else "blank",
            depth=0,
            is_homepage=True,
            entry_count=len(entries),
            encoding=response.encoding,
        )
        year = generation_year(facts.generated_text)
        dated = [
            self.columns.entry(response.url, entry.url, entry.title, entry.date_text, context_year=year)
            for entry in entries
        ]
        if dated:
            yield PageEntriesItem(column_url=response.url, entries=dated)
        site.stats.set_value("govcheck/columns/discovered", len(columns))
        self.columns.hold(columns, discovered_on=None, base_position=0)
        yield from self._beyond_navigation(html, response.url)
        if site.check_links:
            yield from self.links.check(response.url, page_links(html, response.url), page_kind="homepage")

    def _beyond_navigation(self, html: str, url: str) -> Iterator[Any]:
        """The 信息公开 directory (any host), the 网站地图, a profile's extra columns, and link-outs."""
        site = self.site
        directories = directory_links(html, url)
        for directory in directories:
            # The directory belongs to the site even on another host: its links are internal.
            site.site_hosts.add(urlsplit(directory.url).hostname or "")
        self.columns.hold(directories, discovered_on=None, base_position=XXGK_POSITION)
        for index, target in enumerate(sitemap_links(html, url)[:2]):
            request = self.router.request(
                target,
                Route.SITEMAP,
                meta={"handle_httpstatus_list": NON_REDIRECT_STATUSES, "sitemap_index": index},
            )
            site.pages.hold(HeldPage((Phase.DISCOVERY, (index,), target), request))
        if site.profile and site.profile.extra_columns:
            extra = [
                ColumnLink(name=c["name"], url=c["url"], source="profile", parent_url=c.get("parent_url"))
                for c in site.profile.extra_columns
            ]
            self.columns.hold(extra, discovered_on=None, base_position=PROFILE_POSITION)
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
            site.stats.inc_value("govcheck/columns/linkout")

    def sitemap(self, response: Response) -> Iterator[Any]:
        """The 网站地图: the columns it lists that the homepage did not lead to."""
        site = self.site
        yield page_item(response, "sitemap")
        if not 200 <= response.status < 300 or not isinstance(response, TextResponse):
            return
        found = [c for c in sitemap_columns(response.text, response.url) if c.url not in site.homepage_urls]
        if site.profile:
            found = [c for c in found if not site.profile.ignores(c.url, c.name)]
        site.stats.set_value("govcheck/columns/sitemap", len(found))
        base = SITEMAP_POSITION + response.meta["sitemap_index"] * 50_000
        self.columns.hold(found, discovered_on=None, base_position=base)
