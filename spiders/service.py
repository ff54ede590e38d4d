"""A site's service columns (办事/服务/指南): their attachments and online-system links, and the 办事指南
their lists lead to, read for their key element classes. Links are checked by the link checker like
any other; the evaluator matches the two (online_system_down, service_guide_incomplete)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response, TextResponse

from govcheck.dates import date_from_url
from govcheck.extract import page_links
from govcheck.extract.guide import guide_facts, service_links
from govcheck.extract.types import GuideFacts, ListingPage, ServiceLink
from govcheck.items import ServicePageItem
from govcheck.spiders.links import LinkChecker
from govcheck.spiders.outcomes import NON_REDIRECT_STATUSES, page_item
from govcheck.spiders.routing import Route, Router
from govcheck.spiders.sitecrawl import CrawlOptions, SiteCrawl
from govcheck.spiders.waves import HeldPage, Phase
from govcheck.vocabulary import is_service_column

GUIDE_WORD = "指南"


class ServiceHandler:
    """Reads a service column's page (:meth:`column_page`) and the guides its list links to
    (:meth:`guide`), at most ``GOVCHECK_SERVICE_GUIDE_LIMIT`` per column."""

    def __init__(self, site: SiteCrawl, options: CrawlOptions, router: Router, links: LinkChecker) -> None:
        self.site = site
        self.options = options
        self.router = router
        self.links = links
        self.guides_requested: dict[str, int] = {}  # column URL → guide pages asked for
        self.guide_urls: set[str] = set()  # read as guides: the column handler asks no detail page of them

    def column_page(self, name: str | None, response: TextResponse, listing: ListingPage) -> Iterator[Any]:
        """A column's page 1, if it is a service column: its service links (checked with the page's
        other links), the guide it is itself, and requests for the guides it lists."""
        if not is_service_column(name):
            return
        column_url = response.request.url
        html, url = response.text, response.url
        # A column that is one guide is a page, not a list (a list of guides is named 办事指南 too).
        facts = guide_facts(html, url) if listing.status == "page" else None
        found = service_links(html, url)
        if facts is not None or found:
            yield self._item(url, column_url, facts, found, title=name)
        if GUIDE_WORD in (name or ""):
            candidates = listing.entries
        else:
            candidates = [e for e in listing.entries if GUIDE_WORD in e.title]
        order = self.site.column_positions.get(column_url, 0)
        for index, entry in enumerate(candidates):
            asked = self.guides_requested.get(column_url, 0)
            if entry.url in self.guide_urls:
                continue
            if asked >= self.options.service_guide_limit:
                self.site.stats.inc_value("govcheck/service/guides_skipped")
                continue
            self.guides_requested[column_url] = asked + 1
            self.guide_urls.add(entry.url)
            request = self.router.request(
                entry.url,
                Route.GUIDE,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    # the column handler dates the entry from this page when its row had no date
                    "entry": {
                        "column_url": column_url,
                        "url": entry.url,
                        "title": entry.title,
                        "undated": not entry.date_text and date_from_url(entry.url) is None,
                    },
                },
            )
            self.site.pages.hold(HeldPage((Phase.OTHER, (order, index), entry.url), request))

    def guide(self, response: Response) -> Iterator[Any]:
        """A guide page (its fetch, as a detail page's): its key elements and its service links, which are checked here (a guide's other
        links only with ``-a links=all``, as for any detail page)."""
        yield page_item(response, "article")
        meta = response.meta["entry"]
        if not 200 <= response.status < 300 or not isinstance(response, TextResponse):
            return  # the list's link check reports a guide that cannot be opened
        html, url = response.text, response.url
        facts = guide_facts(html, url)
        found = service_links(html, url)
        if facts is None and not found:
            self.site.stats.inc_value("govcheck/service/not_a_guide")
            return
        self.site.stats.inc_value("govcheck/service/guides")
        yield self._item(url, meta["column_url"], facts, found, title=meta["title"])
        if self.site.check_links:
            every = self.site.link_scope == "all"
            links = page_links(html, url) if every else [(link.url, "a") for link in found]
            yield from self.links.check(url, links, page_kind="detail")

    @staticmethod
    def _item(
        url: str, column_url: str, facts: GuideFacts | None, found: list[ServiceLink], *, title: str | None
    ) -> ServicePageItem:
        return ServicePageItem(
            url=url,
            column_url=column_url,
            kind="guide" if facts is not None else "list",
            title=facts.title if facts is not None else title,
            elements=facts.found if facts is not None else {},
            missing=facts.missing if facts is not None else {},
            links=[{"url": link.url, "text": link.text, "kind": link.kind} for link in found],
        )
