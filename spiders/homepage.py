"""A site's homepage: spaced attempts (https, then http), what it says about the site, the columns it
leads to (navigation, blocks, the 信息公开 directory, the 网站地图, a profile's extras, link-outs)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from govcheck.spiders.columns import (
    LINKOUT_POSITION,
    PROFILE_POSITION,
    SITEMAP_POSITION,
    XXGK_POSITION,
    generation_year,
)
from govcheck.spiders.outcomes import (
    BLOCKED_STATUSES,
    NON_REDIRECT_STATUSES,
    proxy_error,
    waf_error,
)
from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from govcheck.dates import SHANGHAI
from govcheck.extract import (
    directory_links,
    discover_columns,
    discover_linkouts,
    homepage_entries,
    page_facts,
    page_links,
    sitemap_columns,
    sitemap_links,
)
from govcheck.extract.columns import CONSULTATION_NAME
from govcheck.extract.footer import footer_facts
from govcheck.extract.types import ColumnLink
from govcheck.items import ColumnItem, EntryItem, SiteItem

logger = logging.getLogger(__name__)

# The homepage statuses of a limit hit (the errors of outcomes.LIMIT_ERRORS).
HOMEPAGE_LIMIT_STATUSES = ("too_large", "too_slow")


class HomepageMixin:
    """The homepage part of :class:`SiteCrawl` (its state lives there)."""

    def _homepage_request(self, scheme: str, *, attempt: int, delay: float) -> Request:
        self._charge()
        return Request(
            f"{scheme}://{self.site_netloc}{self.homepage_path}",
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
        error = proxy_error(response) or waf_error(response)
        if error is None and 200 <= response.status < 300:
            self._record_attempt(response.request, response.status, None, response)
            yield from self._homepage_ok(response)
        else:
            yield from self._homepage_attempt_failed(
                response.request, response.status if error is None else None, error, response
            )

    def homepage_failed(self, failure: Failure) -> Iterator[Any]:
        error = self._failure_error(failure)
        if error in HOMEPAGE_LIMIT_STATUSES:
            # The site answered; the page is beyond what govcheck reads. Not an outage, and another
            # attempt would meet the same page: the site is judged `unknown` (homepage_too_large/_slow).
            self._record_attempt(failure.request, None, error, None)
            self.stats.set_value("govcheck/homepage/outcome", error)
            yield SiteItem(homepage_url=failure.request.url, status=error, attempts=self.attempts)
            return
        yield from self._homepage_attempt_failed(failure.request, None, error, None)

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
        item = SiteItem(homepage_url=request.url, status=outcome, attempts=self.attempts)
        references = self.reference.start() if outcome == "unreachable" else []
        if not references:
            yield item
            return
        # Is it the site or the inspector? The item waits for the reference hosts' answers.
        self.held_site_item = item
        for url in references:
            self.requests_made += 1
            yield Request(
                url,
                callback=self.spider.reference_answered,
                errback=self.spider.reference_failed,
                dont_filter=True,
                # Not followed: a redirect is an answer too.
                meta={"dont_retry": True, "dont_obey_robotstxt": True, "handle_httpstatus_all": True},
            )

    def reference_answered(self, response: Response) -> Iterator[Any]:
        # Any answer from the reference host itself (even a 404) means the network works; a proxy's
        # 502/504 naming the failure does not.
        yield from self._reference_result(response.request, response.status, proxy_error(response))

    def reference_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self._reference_result(failure.request, None, self._failure_error(failure))

    def _reference_result(self, request: Request, status: int | None, error: str | None) -> Iterator[Any]:
        if not self.reference.record(request.url, status, error):
            return
        facts = self.reference.facts()
        if not facts["reachable"]:
            logger.error(
                "No reference host answered either (%s): the inspector's own network or proxy is down; "
                "%s will be unknown (inspector_network), not unreachable",
                ", ".join(f"{r['url']} {r['error'] or r['status']}" for r in facts["references"]),
                self.site_host,
            )
        item, self.held_site_item = self.held_site_item, None
        assert item is not None
        item.health = {**item.health, "connectivity": facts}
        yield item

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
            {response.url, response.request.url, f"{response.url.split('://')[0]}://{self.site_netloc}/"}
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
        entries = self._capped(homepage_entries(html, response.url), response.url, "entries")
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
        year = generation_year(facts.generated_text)
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
            if self._spend(target):
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
