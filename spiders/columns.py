"""A site's columns: one request per column found, its listing read by the layered extractors (or a
profile's selectors), pagination when page 1 cannot answer, detail pages for undated entries, and the
side menus of channel pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from govcheck.dates import date_from_url, entry_date, find_date_text
from govcheck.extract import (
    discover_columns,
    extract_listing,
    generation_year,
    is_waf_challenge,
    needs_more_pages,
    page_facts,
    page_links,
)
from govcheck.extract.columns import XXGK_NAME
from govcheck.extract.duties import missing_metas
from govcheck.extract.types import ColumnLink, ListingEntry, ListingPage
from govcheck.items import ColumnItem, EntryItem, LinkCheckItem, PageEntriesItem, PageItem
from govcheck.loaders import ColumnLoader, EntryLoader
from govcheck.spiders.articles import ArticleSampler
from govcheck.spiders.letters import LetterHandler
from govcheck.spiders.links import LinkChecker
from govcheck.spiders.outcomes import (
    BROKEN_STATUSES,
    NON_REDIRECT_STATUSES,
    link_outcome,
    page_item,
    proxy_error,
)
from govcheck.spiders.routing import Route, Router
from govcheck.spiders.service import ServiceHandler
from govcheck.spiders.sitecrawl import CrawlOptions, SiteCrawl
from govcheck.spiders.sitemaps import stored_date_evidence
from govcheck.spiders.waves import BUDGET, HeldPage, Phase
from govcheck.statkeys import UNDATED_COLUMNS_KEY
from govcheck.vocabulary import ROBOTS_TXT

POSITION_STEP = 1000
# Columns found off the main navigation come after it in reports, in discovery order.
XXGK_POSITION = 500_000
SITEMAP_POSITION = 800_000
PROFILE_POSITION = 900_000
LINKOUT_POSITION = 950_000


class ColumnHandler:
    """Reads a site's columns: :meth:`requests` for the columns found (on the homepage or a channel
    page), then each column's list (:meth:`column`), its further pages and its undated entries' detail
    pages. Entries are dated here, once (:meth:`entry`). Whether a column is a soft-404 is the link
    checker's call: its hosts' not-found fingerprints tell. A consultation column's letters are the
    letter handler's: they are the column's entries too (a dated list). A service column's page and
    guides are the service handler's to read. Each column's newest entry is the article sampler's to
    know (its dating fetch is checked for the design metas)."""

    def __init__(
        self,
        site: SiteCrawl,
        options: CrawlOptions,
        router: Router,
        links: LinkChecker,
        letters: LetterHandler,
        service: ServiceHandler,
        articles: ArticleSampler,
    ) -> None:
        self.site = site
        self.options = options
        self.router = router
        self.links = links
        self.letters = letters
        self.service = service
        self.articles = articles
        # Columns read with entries but none dated yet, as stored: if the budget cuts the pages that
        # could date them (detail pages, further list pages), they are restated unknown (:meth:`_cut`).
        self.undated: dict[str, ColumnItem] = {}
        self.restated: dict[str, ColumnItem] = {}

    def hold(
        self, columns: list[ColumnLink], *, discovered_on: dict[str, Any] | None, base_position: int
    ) -> None:
        """Requests for newly found columns, held for their wave in position order. Positions keep
        navigation (tree) order whatever order responses arrive in: homepage columns are 1000, 2000, …;
        a channel page's sub-columns follow their channel (1001, 1002, …). A column the budget leaves
        out is stored ``unparseable`` (reason ``budget``): judged unknown, never stale or blank."""
        site = self.site
        step = POSITION_STEP if discovered_on is None else 1
        for index, column in enumerate(columns, start=1):
            if column.url in site.homepage_urls:
                continue
            if site.profile and site.profile.ignores(column.url, column.name):
                continue
            if self.options.policy.check_url(column.url):  # the link check records it as refused
                continue
            if column.url in site.column_urls and not site.pages.holds(column.url):
                continue  # asked for in an earlier wave; one found again in this one keeps its first place
            site.column_urls.add(column.url)
            if discovered_on is None:
                depth, parent_url = (2, column.parent_url) if column.parent_url else (1, None)
            else:
                depth, parent_url = discovered_on["depth"] + 1, column.parent_url or discovered_on["url"]
            source = column.source
            section = discovered_on.get("section") if discovered_on else None
            if section == "xxgk" or XXGK_NAME.match(column.name or ""):
                # The 政府信息公开 directory tree: counted with the site, tagged in the column's source.
                source, section = "xxgk", "xxgk"
            placed = {
                "name": column.name,
                "source": source,
                "section": section,
                "parent_url": parent_url,
                "depth": depth,
                "position": base_position + index * step,
            }
            request = self.router.request(
                column.url,
                Route.COLUMN,
                meta={"handle_httpstatus_list": NON_REDIRECT_STATUSES, "column": placed},
            )
            site.pages.hold(
                HeldPage(
                    (Phase.COLUMN, (placed["position"],), column.url),
                    request,
                    fallback=lambda url=column.url, placed=placed: [self._skipped_column(url, placed)],
                )
            )

    def column(self, response: Response) -> Iterator[Any]:
        """A column's page 1: its status, name and list, then further pages, sub-columns and links."""
        site = self.site
        meta = response.meta["column"]
        site.column_positions[response.request.url] = meta["position"]  # its later pages' place
        yield page_item(response, "column")
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
        if self.options.soft404_check and self.links.is_soft_404(response):
            # A 200 that says 页面不存在: a broken link, never a blank column.
            site.stats.inc_value("govcheck/columns/soft_404")
            yield LinkCheckItem(
                url=response.request.url, outcome="broken", status=status, error="soft_404", method="GET"
            )
            yield self._column_item(response, meta, status="broken", reason="soft_404")
            return
        facts = page_facts(html, response.url)
        listing = self.listing(response)
        letter_page = self.letters.read(html, response.url, meta["name"] or facts.column_name)
        if letter_page is not None:
            listing = self.letters.listing(letter_page, listing)
        if "dataloss" in response.flags and not listing.entries:
            # The body ended before its Content-Length: an empty list may just be the part not sent.
            site.stats.inc_value("govcheck/columns/dataloss")
            yield self._column_item(response, meta, status="unparseable", reason="incomplete_body")
            return
        loader = ColumnLoader(
            item=self._column_item(response, meta, status=listing.status, reason=listing.reason),
            response=response,
            stats=site.stats,
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
        column.missing_metas = missing_metas(html, "column")
        yield column
        site.stats.inc_value(f"govcheck/columns/{listing.status}")
        # First: the guides it requests are then not asked for again as detail pages.
        yield from self.service.column_page(column.name, response, listing)
        year = generation_year(facts.generated_text)
        entries = self.entries(column.url, listing, year, page=1, read_details=letter_page is None)
        if letter_page is None:  # a letter's page is an interaction record, not an article
            listed = [e for e in entries.entries if e.url not in self.service.guide_urls]
            self.articles.column(column.url, meta["position"], listed)
        if entries.entries:
            yield entries
        dates = [e.published for e in entries.entries]
        if dates and not any(dates):
            self.undated[column.url] = column
        letters = self.letters.letters_of(letter_page, listing) if letter_page is not None else []
        yield from self.letters.items(column.url, letters)
        if letter_page is not None:
            self.letters.search(column.url, letter_page, listing)
        more_letters = (
            letter_page is not None and letter_page.kind == "letters" and self.letters.wants_more(letters)
        )
        self.more_pages(column.url, listing, page=1, dates=dates, letters=more_letters)
        # The 信息公开 directory is a tree deeper than the navigation: one more level of it.
        depth_limit = self.options.discovery_depth + (1 if meta.get("section") == "xxgk" else 0)
        if meta["depth"] < depth_limit:
            # Channel pages' side menus and 更多栏目 lists lead to columns the homepage does not show.
            found_here = {**meta, "url": response.request.url}
            self.hold(
                discover_columns(html, response.url), discovered_on=found_here, base_position=meta["position"]
            )
        if site.check_links:
            yield from self.links.check(response.url, page_links(html, response.url), page_kind="column")

    def listing(self, response: TextResponse) -> ListingPage:
        """The page's list: a profile's selectors when it has them (rule stats show a selector at
        zero after a redesign), else the layered extractors."""
        profile = self.site.profile
        if profile and profile.list_rules:
            entries = self._profile_entries(response)
            if entries:
                return ListingPage(status="ok", entries=entries, extractor="profile")
            self.site.stats.inc_value("govcheck/profile/list_miss")
        return extract_listing(response.text, response.url)

    def _profile_entries(self, response: TextResponse) -> list[ListingEntry]:
        profile = self.site.profile
        assert profile is not None and profile.list_rules is not None
        rules = profile.list_rules
        out: list[ListingEntry] = []
        seen: set[str] = set()
        rows = response.xpath(rules.rows) if rules.rows.startswith("/") else response.css(rules.rows)
        for row in rows:
            loader = EntryLoader(selector=row, stats=self.site.stats)
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

    def entry(
        self,
        column_url: str,
        url: str,
        title: str | None,
        date_text: str | None,
        *,
        context_year: int | None = None,
        date_source: str | None = None,
        date_evidence: str | None = None,
    ) -> EntryItem:
        """An entry with its date read (:func:`govcheck.dates.entry_date`, against the site's reference
        time): the pipelines store it as it is."""
        site = self.site
        read = entry_date(
            site.normalizer, date_text, url, context_year=context_year, text_source=date_source or "row"
        )
        for counter in read.counters:
            site.stats.inc_value(counter)
        return EntryItem(
            column_url=column_url,
            url=url,
            title=title,
            date_text=date_text,
            published=read.published,
            date_source=read.source or date_source,
            date_error=read.error,
            date_evidence=date_evidence,
            context_year=context_year,
            date_normalized=True,
        )

    def entries(
        self,
        column_url: str,
        listing: ListingPage,
        year: int | None,
        *,
        page: int = 1,
        read_details: bool = True,
    ) -> PageEntriesItem:
        """The list's entries (``year``: of their year-less dates), dated, in one item; undated ones (no
        date in the row or the URL) get their detail page read, unless they are letters (their page is the
        letter handler's): held for their wave, at most GOVCHECK_DETAIL_PAGE_LIMIT per column, the first
        in list order."""
        site = self.site
        order = site.column_positions.get(column_url, 0)
        carried = PageEntriesItem(column_url=column_url)
        for index, found in enumerate(site.capped(listing.entries, column_url, "entries")):
            carried.entries.append(
                self.entry(column_url, found.url, found.title, found.date_text, context_year=year)
            )
            if (
                not read_details
                or found.date_text
                or date_from_url(found.url) is not None
                or found.url in self.service.guide_urls
            ):
                continue
            request = self.router.request(
                found.url,
                Route.DETAIL,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    "entry": {"column_url": column_url, "url": found.url, "title": found.title},
                },
            )
            site.pages.hold(
                HeldPage(
                    (Phase.DETAIL, (order, page, index), found.url),
                    request,
                    quota=(f"detail:{column_url}", self.options.detail_page_limit),
                    skipped_stat="govcheck/dates/detail_skipped",
                    if_cut=lambda: self._cut(column_url),
                )
            )
        return carried

    def detail(self, response: Response) -> Iterator[Any]:
        """An undated entry's own page: its PubDate meta or 发布时间/发布日期/成文日期 text."""
        site = self.site
        yield page_item(response, "article")
        yield from self.articles.dated(response)
        if not 200 <= response.status < 300 or not isinstance(response, TextResponse):
            return
        yield from self._detail_date(response)
        if site.check_links and site.link_scope == "all":
            yield from self.links.check(
                response.url, page_links(response.text, response.url), page_kind="detail"
            )

    def guide(self, response: Response) -> Iterator[Any]:
        """A 办事指南 a service column lists: the service handler's to read, and the entry's date when its
        row showed none (its one fetch serves as the detail page)."""
        yield from self.service.guide(response)
        if (
            response.meta["entry"]["undated"]
            and 200 <= response.status < 300
            and isinstance(response, TextResponse)
        ):
            yield from self._detail_date(response)

    def _detail_date(self, response: TextResponse) -> Iterator[EntryItem]:
        site = self.site
        entry = response.meta["entry"]
        facts = page_facts(response.text, response.url)
        if facts.pub_date_text:
            site.stats.inc_value("govcheck/dates/detail")
            dated = self.entry(
                entry["column_url"],
                entry["url"],
                entry["title"],
                facts.pub_date_text,
                date_source="detail",
                date_evidence=stored_date_evidence(response),
            )
            yield dated
            yield from self._dated(entry["column_url"], [dated])
        else:
            site.stats.inc_value("govcheck/dates/detail_undated")

    def more_pages(
        self,
        column_url: str,
        listing: ListingPage,
        *,
        page: int,
        dates: list[Any] | None = None,
        letters: bool = False,
    ) -> None:
        """Requests for the pages after ``page``, held for their wave. After page 1 only when it cannot answer by itself
        (``dates``: of its entries, in order; see :func:`govcheck.extract.needs_more_pages`), or when it
        is a letters list whose next page may hold letters of the judged year (``letters``)."""
        limit = self.options.column_page_limit
        if listing.status != "ok" or not listing.next_page_urls or page >= limit:
            return
        if page == 1 and not (
            letters
            or self.options.paginate_always
            or needs_more_pages(dates or [], undated_read_later=self.options.detail_page_limit > 0)
        ):
            return
        site = self.site
        site.stats.inc_value("govcheck/pagination/columns" if page == 1 else "govcheck/pagination/chained")
        # A family that lists every page (TRS index_N, Hanweb dataproxy) is read in parallel; a
        # static 下一页 link is followed one page at a time.
        chained = len(listing.next_page_urls) == 1
        wanted = listing.next_page_urls[: 1 if chained else limit - page]
        order = site.column_positions.get(column_url, 0)
        for offset, url in enumerate(wanted, start=1):
            request = self.router.request(
                url,
                Route.LIST_PAGE,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    "list_of": column_url,
                    "list_page": page + offset,
                    "chained": chained,
                    "letters": letters,
                },
            )
            # Every column's page 2 before any page 3: the newest pages tell staleness.
            site.pages.hold(
                HeldPage(
                    (Phase.PAGINATION, (page + offset, order), url),
                    request,
                    if_cut=lambda: self._cut(column_url),
                )
            )

    def list_page(self, response: Response) -> Iterator[Any]:
        """Page 2+ of a column: its entries belong to the column (stored under its URL)."""
        site = self.site
        yield page_item(response, "column_page")
        if not 200 <= response.status < 300 or not isinstance(response, TextResponse):
            return
        column_url, page = response.meta["list_of"], response.meta["list_page"]
        listing = self.listing(response)
        letter_page = (
            self.letters.read(response.text, response.url, None, letters_column=True)
            if response.meta.get("letters")
            else None
        )
        if letter_page is not None:
            listing = self.letters.listing(letter_page, listing)
        site.stats.inc_value("govcheck/pagination/pages")
        year = generation_year(page_facts(response.text, response.url).generated_text)
        entries = self.entries(column_url, listing, year, page=page, read_details=letter_page is None)
        if entries.entries:
            yield entries
        yield from self._dated(column_url, entries.entries)
        letters = self.letters.letters_of(letter_page, listing) if letter_page is not None else []
        yield from self.letters.items(column_url, letters)
        if response.meta["chained"] and (letter_page is None or self.letters.wants_more(letters)):
            self.more_pages(column_url, listing, page=page, letters=letter_page is not None)
        if site.check_links and site.link_scope == "all":
            yield from self.links.check(
                response.url, page_links(response.text, response.url), page_kind="list_page"
            )

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        error = self.site.failure_error(failure)
        if error != ROBOTS_TXT:  # a column robots.txt forbids was not fetched: no page, no link check
            yield PageItem(url=request.url, kind="column", status=None, error=error)
            yield LinkCheckItem(url=request.url, outcome=link_outcome(None, error), error=error, method="GET")
        yield ColumnItem(
            url=request.url,
            name=request.meta["column"]["name"],
            status="unparseable",
            reason=error,
            **placement(request.meta["column"]),
        )

    def _skipped_column(self, url: str, placed: dict[str, Any]) -> ColumnItem:
        """A column whose list page the budget left out: stored, and judged unknown (never stale or blank)."""
        return ColumnItem(
            url=url, name=placed["name"], status="unparseable", reason=BUDGET, **placement(placed)
        )

    def _cut(self, column_url: str) -> list[ColumnItem]:
        """The budget left out a page that could date a column: one with no dated entry read is
        restated ``unparseable``/``budget`` (judged unknown like a column the budget left out, never
        stale: the inspector's own limit, not the site's fault); one with a dated entry stands as read."""
        column = self.undated.get(column_url)
        if column is None or column_url in self.restated:
            return []
        self.restated[column_url] = column
        self.site.stats.inc_value(UNDATED_COLUMNS_KEY)
        return [replace(column, status="unparseable", reason=BUDGET)]

    def _dated(self, column_url: str, entries: Iterable[EntryItem]) -> Iterator[ColumnItem]:
        """A dated entry read for a column: it is judged on what was read; one restated unknown by a cut
        in the same wave (its other pages were still in flight) is stored as read again."""
        if not any(e.published for e in entries):
            return
        self.undated.pop(column_url, None)
        restated = self.restated.pop(column_url, None)
        if restated is not None:
            self.site.stats.inc_value(UNDATED_COLUMNS_KEY, -1)
            yield replace(restated)

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


def placement(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: meta[k] for k in ("source", "parent_url", "depth", "position")}
