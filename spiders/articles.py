"""A sample of a site's article pages, read for their 网页设计规范 metas (GOVCHECK_ARTICLE_META_CHECK):
the newest entry of each column. Low-value work: the column handler tells the sampler each column's
newest entry as its page 1 is read; once the site's other page work (columns, list, detail, letter and
guide pages) has drained, the newest entries of the first GOVCHECK_ARTICLE_META_PAGES columns in
navigation order are held as the page queue's last phase (govcheck.spiders.waves ``Phase.ARTICLE``),
which charges them to the site's budget and counts those it leaves out, before the link checks go. An entry page the column handler
reads for its date anyway is checked there (no second fetch), whichever column rank it has.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from govcheck.extract import is_waf_challenge
from govcheck.extract.duties import article_missing_metas
from govcheck.items import ArticleCheckItem, EntryItem, PageItem
from govcheck.spiders.outcomes import NON_REDIRECT_STATUSES, page_item, proxy_error
from govcheck.spiders.routing import Route, Router
from govcheck.spiders.sitecrawl import CrawlOptions, SiteCrawl
from govcheck.spiders.waves import HeldPage, Phase
from govcheck.vocabulary import ROBOTS_TXT


class ArticleSampler:
    """Chooses, fetches (:meth:`hold`, :meth:`answered`) and checks a site's sampled article pages,
    and checks the dating fetches of the chosen entries (:meth:`dated`)."""

    def __init__(self, site: SiteCrawl, options: CrawlOptions, router: Router) -> None:
        self.site = site
        self.router = router
        self.enabled = options.article_meta_check
        self.limit = options.article_meta_pages
        self.newest: dict[str, tuple[int, str]] = {}  # column URL → (its position, its newest entry's URL)
        self.checked: set[str] = set()  # entry URLs checked (or asked for): never twice
        self.released = False

    def column(self, column_url: str, position: int, entries: Iterable[EntryItem]) -> None:
        """A column's page 1 was read: remember its newest entry on the site's own hosts (the latest
        dated one, the first listed of equally new ones; the first listed when none is dated). An entry
        on another site (a 转载 from www.gov.cn) is that site's page, not this one's."""
        if not self.enabled:
            return
        own = [e for e in entries if (urlsplit(e.url).hostname or "") in self.site.site_hosts]
        if own:
            # max() keeps the first of equal keys: the list's order breaks ties.
            newest = max(own, key=lambda e: e.published or dt.date.min)
            self.newest[column_url] = (position, newest.url)

    def dated(self, response: Response) -> Iterator[ArticleCheckItem]:
        """A detail page the column handler fetched to date an entry: checked when it is its column's
        newest entry."""
        entry = response.meta["entry"]
        chosen = self.newest.get(entry["column_url"])
        if not self.enabled or chosen is None or chosen[1] != entry["url"] or entry["url"] in self.checked:
            return
        self.checked.add(entry["url"])
        yield self._check(response, entry["column_url"], entry["url"])

    def hold(self) -> None:
        """Once, when the site's other page work has drained: the newest entries of the first
        GOVCHECK_ARTICLE_META_PAGES columns (by position, then URL), but those already checked, held as
        the page queue's last phase (``Phase.ARTICLE``), which charges them to the budget."""
        if not self.enabled or self.released:
            return
        self.released = True
        chosen = sorted(self.newest.items(), key=lambda item: (item[1][0], item[0]))[: self.limit]
        self.newest.clear()
        for rank, (column_url, (_, url)) in enumerate(chosen):
            if url in self.checked:
                continue
            self.checked.add(url)
            request = self.router.request(
                url,
                Route.ARTICLE,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    "article": {"column_url": column_url, "url": url},
                },
            )
            self.site.pages.hold(
                HeldPage((Phase.ARTICLE, (rank,), url), request, skipped_stat="govcheck/articles/skipped")
            )

    def answered(self, response: Response) -> Iterator[Any]:
        yield page_item(response, "article")
        article = response.meta["article"]
        yield self._check(response, article["column_url"], article["url"])

    def failed(self, failure: Failure) -> Iterator[Any]:
        """No answer: stored as such (never a missing meta); a page robots.txt forbids is not stored."""
        request = failure.request
        error = self.site.failure_error(failure)
        if error == ROBOTS_TXT:
            return
        yield PageItem(url=request.url, kind="article", status=None, error=error)
        article = request.meta["article"]
        yield ArticleCheckItem(
            url=article["url"], column_url=article["column_url"], http_status=None, error=error
        )

    def _check(self, response: Response, column_url: str, url: str) -> ArticleCheckItem:
        """The page's missing metas; only a 2xx HTML page that is the site's own answer is read."""
        self.site.stats.inc_value("govcheck/articles/checked")
        status = response.status
        item = ArticleCheckItem(
            url=url, column_url=column_url, http_status=status, error=proxy_error(response)
        )
        if not 200 <= status < 300:
            return item
        if not isinstance(response, TextResponse):
            item.error = "not_text"
        elif is_waf_challenge(response.text, response.url):
            item.error = "waf_challenge"  # a firewall's page, not the article's
        else:
            item.missing_metas = article_missing_metas(response.text)
        return item
