"""A consultation column's letters (网民留言): read from its list pages (govcheck.extract.letters), then from
each letter's own page when the list cannot tell whether and when it was answered.

A letter is yielded once, as a :class:`LetterItem` with its dates read: straight from the list when its
page is not read (budget, limit, a processing letter whose list row says all), else merged with what
its page says (or as the list showed it when the page fails). The column's list counts as a dated list:
its letters are its entries, dated by their posting date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from govcheck.dates import entry_date
from govcheck.extract.letters import Letter, LetterPage, extract_letters, is_letters_column, letter_detail
from govcheck.extract.types import ListingEntry, ListingPage
from govcheck.items import EntryItem, LetterItem
from govcheck.spiders.outcomes import NON_REDIRECT_STATUSES, page_item
from govcheck.spiders.routing import Route, Router
from govcheck.spiders.sitecrawl import CrawlOptions, SiteCrawl
from govcheck.spiders.waves import HeldPage, Phase

MAX_REASON = 150  # characters of an explanation kept in the column's reason


class LetterHandler:
    """Letters of one site's consultation columns."""

    def __init__(self, site: SiteCrawl, options: CrawlOptions, router: Router) -> None:
        self.site = site
        self.options = options
        self.router = router

    # -- list pages -------------------------------------------------------------------------------

    def read(
        self, html: str, url: str, name: str | None, *, letters_column: bool = False
    ) -> LetterPage | None:
        """The page's letters, or None when it is neither a letters list nor a letters column (named so,
        or known to be one: ``letters_column``, for its later pages)."""
        page = extract_letters(html, url)
        if letters_column or is_letters_column(name):
            return page
        if page.kind != "letters" or (page.shape != "header" and len(page.letters) < 2):
            # An explanation, a 暂无留言 or one row with a status word on another column's list proves nothing.
            return None
        return page

    def listing(self, page: LetterPage, fallback: ListingPage) -> ListingPage:
        """The column's list as the column checks see it: its letters dated by their posting date; a
        letters column with no letter is blank unless it says why (then it is read, with nothing to judge)."""
        if page.kind == "letters":
            entries = [ListingEntry(x.title, x.url, x.posted_text) for x in page.letters]
            return ListingPage("ok", entries, "letters", next_page_urls=page.next_page_urls)
        if page.kind == "explained":
            return ListingPage("ok", [], "letters", reason=f"explained:{page.explanation}"[:MAX_REASON])
        if page.search is not None and fallback.status != "ok":
            # The letters are the search form's answer: read there; the column is not blank for lack of them.
            return ListingPage("ok", [], "letters", reason="behind_search_form")
        if fallback.status == "ok":
            return fallback  # detail pages only: the list links to letters that say nothing on it
        if page.kind == "empty" or fallback.status == "blank":
            return ListingPage("blank", [], "letters", reason=fallback.reason or "no_letters")
        return fallback

    def letters_of(self, page: LetterPage, listing: ListingPage) -> list[Letter]:
        """The letters a list page names: its letter rows, or (detail pages only) its plain entries."""
        if page.kind == "letters":
            return page.letters
        if listing.status == "ok":
            return [Letter(e.url, e.title, e.date_text) for e in listing.entries]
        return []

    def items(self, column_url: str, letters: list[Letter]) -> Iterator[Any]:
        """Each letter, or a request for its own page held for its wave when the list leaves its answer
        open (at most GOVCHECK_LETTER_DETAIL_LIMIT per column, the first in priority order; one not
        read is the letter as its list row showed it)."""
        site = self.site
        order = site.column_positions.get(column_url, 0)
        for index, letter in enumerate(sorted(letters, key=self._priority)):
            if not self._wants_page(letter):
                yield self._as_listed(column_url, letter)
                continue
            request = self.router.request(
                letter.url,
                Route.LETTER,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    "letter": {"column_url": column_url, **asdict(letter)},
                },
            )
            site.pages.hold(
                HeldPage(
                    (Phase.OTHER, (order, self._priority(letter), index), letter.url),
                    request,
                    quota=(f"letter:{column_url}", self.options.letter_detail_limit),
                    skipped_stat="govcheck/letters/detail_skipped",
                    fallback=lambda letter=letter: [self._as_listed(column_url, letter)],
                )
            )

    def _as_listed(self, column_url: str, letter: Letter) -> LetterItem:
        return self.item(column_url, letter, reply_present=True if letter.reply else None)

    def search(self, column_url: str, page: LetterPage, listing: ListingPage) -> None:
        """The search form sent as it stands, when the column's letters are only its answer (held
        for its wave, with the column's pages)."""
        search = page.search
        if search is None or listing.reason != "behind_search_form":
            return
        self.site.stats.inc_value("govcheck/letters/search_form")
        meta = {
            "handle_httpstatus_list": NON_REDIRECT_STATUSES,
            "list_of": column_url,
            "list_page": 1,
            "chained": True,
            "letters": True,
        }
        query = urlencode(search.fields)
        if search.method == "POST":
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            request = self.router.request(
                search.url, Route.LIST_PAGE, meta=meta, method="POST", body=query, headers=headers
            )
        else:
            url = f"{search.url}{'&' if '?' in search.url else '?'}{query}" if query else search.url
            request = self.router.request(url, Route.LIST_PAGE, meta=meta)
        order = self.site.column_positions.get(column_url, 0)
        self.site.pages.hold(HeldPage((Phase.PAGINATION, (1, order), request.url), request))

    def wants_more(self, letters: list[Letter]) -> bool:
        """Whether the next list page may still hold letters of the judged year."""
        window = self.options.letter_window_days
        posted = [self._date(x.posted_text) for x in letters]
        return any(day is None or (self.site.as_of - day).days <= window for day in posted)

    @staticmethod
    def _priority(letter: Letter) -> int:
        # Letters said to be answered whose answer the list does not show come first: only their page tells.
        if letter.status in ("replied", "done") and not (letter.replied_text and letter.reply):
            return 0
        return 1 if letter.status == "unknown" else 2

    def _wants_page(self, letter: Letter) -> bool:
        posted = self._date(letter.posted_text)
        if posted is not None and (self.site.as_of - posted).days > self.options.letter_window_days:
            return False  # outside the judged year: the list row is evidence enough
        return letter.reply is None

    # -- a letter's own page ----------------------------------------------------------------------

    def detail(self, response: Response) -> Iterator[Any]:
        """A letter's page: its labels complete what the list row said."""
        yield page_item(response, "letter")
        meta = dict(response.meta["letter"])
        column_url = meta.pop("column_url")
        letter = Letter(**meta)
        if not 200 <= response.status < 300 or not isinstance(response, TextResponse):
            yield self.item(column_url, letter, reply_present=None)
            return
        found = letter_detail(response.text, response.url)
        if not found.is_letter and letter.status == "unknown" and letter.posted_text is None:
            # A plain link of a letters column that leads to no letter (a sub-column, a notice): nothing.
            self.site.stats.inc_value("govcheck/letters/not_a_letter")
            return
        self.site.stats.inc_value("govcheck/letters/detail")
        merged = Letter(
            url=letter.url,
            title=letter.title or found.title or "",
            posted_text=letter.posted_text or found.posted_text,
            status_text=letter.status_text or found.status_text,
            status=letter.status if letter.status != "unknown" else found.status,
            replied_text=letter.replied_text or found.replied_text,
            unit=letter.unit or found.unit,
            reply=found.reply,
            evidence=(letter.evidence + " || " + found.evidence).strip(" |"),
        )
        yield self.item(column_url, merged, reply_present=found.reply is not None)
        if letter.posted_text is None and found.posted_text:
            yield self._dated_entry(column_url, merged)

    def failed(self, failure: Failure) -> Iterator[Any]:
        """A letter's page could not be read: the letter as its list row showed it."""
        meta = dict(failure.request.meta["letter"])
        column_url = meta.pop("column_url")
        self.site.stats.inc_value("govcheck/letters/detail_failed")
        yield self.item(column_url, Letter(**meta), reply_present=None)

    def item(self, column_url: str, letter: Letter, *, reply_present: bool | None) -> LetterItem:
        self.site.stats.inc_value(f"govcheck/letters/{letter.status}")
        return LetterItem(
            column_url=column_url,
            url=letter.url,
            title=letter.title or None,
            posted_text=letter.posted_text,
            posted=self._date(letter.posted_text),
            status=letter.status,
            status_text=letter.status_text,
            replied_text=letter.replied_text,
            replied=self._date(letter.replied_text),
            reply_present=reply_present,
            unit=letter.unit,
            reply=letter.reply,
            evidence=letter.evidence,
        )

    def _dated_entry(self, column_url: str, letter: Letter) -> EntryItem:
        """The column's entry for a letter its list left undated, dated by the letter's own page."""
        read = entry_date(self.site.normalizer, letter.posted_text, letter.url, text_source="detail")
        for counter in read.counters:
            self.site.stats.inc_value(counter)
        return EntryItem(
            column_url=column_url,
            url=letter.url,
            title=letter.title or None,
            date_text=letter.posted_text,
            published=read.published,
            date_source=read.source,
            date_error=read.error,
            date_normalized=True,
        )

    def _date(self, text: str | None) -> dt.date | None:
        return self.site.normalizer.normalize(text).value if text else None
