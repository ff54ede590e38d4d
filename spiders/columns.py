"""A site's columns: one request per column found, its listing read by the layered extractors (or a
profile's selectors), pagination when page 1 cannot answer, detail pages for undated entries, and the
side menus of channel pages."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

from govcheck.spiders.outcomes import (
    BROKEN_STATUSES,
    NON_REDIRECT_STATUSES,
    link_outcome,
    proxy_error,
)
from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from govcheck.dates import date_from_url, find_date_text
from govcheck.extract import (
    discover_columns,
    extract_listing,
    is_waf_challenge,
    page_facts,
    page_links,
)
from govcheck.extract.columns import XXGK_NAME
from govcheck.extract.types import ColumnLink, ListingEntry, ListingPage
from govcheck.items import ColumnItem, EntryItem, LinkCheckItem, PageItem
from govcheck.loaders import ColumnLoader, EntryLoader

POSITION_STEP = 1000
# Columns found off the main navigation come after it in reports, in discovery order.
XXGK_POSITION = 500_000
SITEMAP_POSITION = 800_000
PROFILE_POSITION = 900_000
LINKOUT_POSITION = 950_000


class ColumnsMixin:
    """The column part of :class:`SiteCrawl` (its state lives there)."""

    def _column_requests(
        self, columns: list[ColumnLink], *, discovered_on: dict[str, Any] | None, base_position: int
    ) -> Iterator[Request]:
        """Requests for newly found columns. Positions keep navigation (tree) order whatever order
        responses arrive in: homepage columns are 1000, 2000, …; a channel page's sub-columns follow
        their channel (1001, 1002, …)."""
        step = POSITION_STEP if discovered_on is None else 1
        for index, column in enumerate(columns, start=1):
            if column.url in self.column_urls or column.url in self.homepage_urls:
                continue
            if self.profile and self.profile.ignores(column.url, column.name):
                continue
            if self.policy.check_url(column.url):  # the link check records it as refused
                continue
            if not self._spend(column.url):
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
        if "dataloss" in response.flags and not listing.entries:
            # The body ended before its Content-Length: an empty list may just be the part not sent.
            self.stats.inc_value("govcheck/columns/dataloss")
            yield self._column_item(response, meta, status="unparseable", reason="incomplete_body")
            return
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
        year = generation_year(generated)
        for entry in self._capped(listing.entries, column_url, "entries"):
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
            if asked >= self.detail_page_limit or not self._spend(entry.url):
                self.stats.inc_value("govcheck/dates/detail_skipped")
                continue
            self.detail_requested[column_url] = asked + 1
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
            if not self._spend(url):
                return
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
        error = self._failure_error(failure)
        yield PageItem(url=request.url, kind="column", status=None, error=error)
        yield LinkCheckItem(url=request.url, outcome=link_outcome(None, error), error=error, method="GET")
        yield ColumnItem(
            url=request.url,
            name=request.meta["column"]["name"],
            status="unparseable",
            reason=error,
            **placement(request.meta["column"]),
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
            **placement(meta),
        )


def generation_year(text: str | None) -> int | None:
    """The year of a page's 页面生成时间: the year of the year-less dates printed on it."""
    match = re.search(r"(19|20)\d{2}", text or "")
    return int(match.group(0)) if match else None


def placement(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: meta[k] for k in ("source", "parent_url", "depth", "position")}
