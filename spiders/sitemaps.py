"""A site's XML sitemaps: what they say about when each of the site's pages last changed, so that a
detail, letter or 办事指南 page the sitemap calls unchanged since the previous round's fetch is read
from the page cache instead of requested (govcheck/sitemap_middleware.py).

They are read in a wave of their own (``Phase.SITEMAP``), after the column and list pages and right
before the first wave of pages they can spare, and only when such pages wait: a site whose entries
are all dated in their lists never pays for them. The files are those the robots.txt of the
homepage's host names (``Sitemap:`` lines of the robots.txt the robots middleware fetched as the
column pages went, or earlier for another site's crawl on that host: govcheck/robots_sitemaps.py keeps
them for the crawl, and the spider hands each site its lookup, :data:`RobotsLookup`), else
``/sitemap.xml`` on that host. Each is a page request like any other (destination policy, robots.txt,
politeness, the budget); when the budget could not fetch them and every waiting page, they are not
asked (they would only cut pages). A sitemap index leads to the files it names, at most GOVCHECK_SITEMAP_MAX_FILES
in all; a gzip file is unpacked up to GOVCHECK_SITEMAP_MAXSIZE bytes. Only files and pages on the
site's own hosts are kept. Whatever goes wrong (a 404, HTML, broken or hostile XML, a failed download)
is silence: never a finding, never an error of the site.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from govcheck.extract.sitemap import read_sitemap
from govcheck.spiders.outcomes import NON_REDIRECT_STATUSES
from govcheck.spiders.routing import ROUTE, Route, Router
from govcheck.spiders.sitecrawl import CrawlOptions, SiteCrawl
from govcheck.spiders.waves import HeldPage, Phase
from govcheck.statkeys import SITEMAP_FILES_KEY, SITEMAP_UNCHANGED_KEY, SITEMAP_URLS_KEY

logger = logging.getLogger(__name__)

SITEMAP_LISTED = "govcheck_sitemap_listed"  # request meta: {"url", "lastmod"} as the site's sitemap listed it
SITEMAP_UNCHANGED_FLAG = "sitemap-unchanged"  # a response read from the store, never requested
# Request meta of such a response: when the stored page was downloaded (ISO, UTC).
SITEMAP_STORED_AT = "govcheck_sitemap_stored_at"
# The pages a sitemap may spare: an entry's own page (for its date), a letter's and a 办事指南's.
SKIPPABLE_ROUTES = frozenset({Route.DETAIL, Route.LETTER, Route.GUIDE})
GZIP_MAGIC = b"\x1f\x8b"
# A host's netloc -> the sitemaps its robots.txt names; None when this crawl has not fetched it.
RobotsLookup = Callable[[str], list[str] | None]


def stored_date_evidence(response: Response) -> str | None:
    """What a date read from ``response`` must say when the page was read from the page cache's store
    on its sitemap's word, never requested; None for a page downloaded now. The lastmod is the
    sitemap's text, readable as a W3C date (the middleware weighed nothing else)."""
    if SITEMAP_UNCHANGED_FLAG not in response.flags:
        return None
    listed = response.meta.get(SITEMAP_LISTED) or {}
    return (
        f"日期取自{response.meta.get(SITEMAP_STORED_AT)}保存的页面"
        f"（站点地图lastmod {listed.get('lastmod')}），本轮未重新抓取"
    )


class SitemapReader:
    """One site's XML sitemaps: asked for once the homepage answered (:meth:`start`), read as they
    answer (:meth:`answered`); :meth:`mark` hands a released page request its URL's ``<lastmod>``."""

    def __init__(self, site: SiteCrawl, options: CrawlOptions, router: Router, robots: RobotsLookup) -> None:
        self.site = site
        self.options = options
        self.router = router
        self.robots = robots
        self.asked: set[str] = set()
        self.started = False
        self.lastmods: dict[str, str] = {}  # page URL -> its <lastmod> text, as the sitemap listed it

    def before_wave(self) -> None:
        """Once, when the next wave is the first that sitemaps can spare pages of (detail, letter and
        guide pages; robots.txt has been read by then): hold the files robots.txt names, else
        ``/sitemap.xml`` on the homepage's host. Not when the budget could not also fetch every page
        waiting: then the sitemaps would only cut pages the budget fetches without them. The robots.txt
        read is that of the homepage's host (where its pages went, after any redirect), else the site's."""
        site = self.site
        pages = site.pages
        if self.started or not self.options.sitemap or site.homepage_url is None or not pages:
            return
        if pages.next_phase() < Phase.SITEMAP:
            return
        self.started = True
        if site.budget.remaining() < pages.held_from(Phase.DETAIL) + self.options.sitemap_max_files:
            site.stats.inc_value("govcheck/sitemap/not_afforded")
            return
        parts = urlsplit(site.homepage_url)
        named = self.robots(parts.netloc) or self.robots(site.site_netloc)
        self._hold(named or [f"{parts.scheme}://{parts.netloc}/sitemap.xml"])

    def answered(self, response: Response) -> Iterator[Any]:
        """A sitemap file: the pages it lists (with their lastmod) or the further files it names."""
        site = self.site
        if not 200 <= response.status < 300:
            return iter(())  # no sitemap there: silence
        found = read_sitemap(self._body(response) or b"", response.url)
        if found is None:
            logger.info("%s: not a sitemap", response.url)
            return iter(())
        site.stats.inc_value(SITEMAP_FILES_KEY)
        own = [(url, lastmod) for url, lastmod in found.listed if self._own(url)]
        if found.kind == "sitemapindex":
            self._hold([url for url, _lastmod in own])
            return iter(())
        site.stats.inc_value(SITEMAP_URLS_KEY, len(own))
        self.lastmods.update((url, lastmod) for url, lastmod in own if lastmod)
        return iter(())

    def failed(self, failure: Failure) -> Iterator[Any]:
        """A sitemap that could not be fetched: silence (a limit it ran into is recorded)."""
        logger.info("Could not fetch sitemap %s: %s", failure.request.url, self.site.failure_error(failure))
        return iter(())

    def mark(self, requests: Iterable[Request]) -> None:
        """Give each released detail, letter or guide page its sitemap ``<lastmod>``, for the sitemap
        middleware to weigh against the stored answer."""
        if not self.lastmods:
            return
        for request in requests:
            lastmod = self.lastmods.get(request.url)
            if lastmod is not None and request.meta.get(ROUTE) in SKIPPABLE_ROUTES:
                request.meta[SITEMAP_LISTED] = {"url": request.url, "lastmod": lastmod}

    def read_from_store(self, response: Response) -> bool:
        """Whether ``response`` is a page its sitemap called unchanged, read from the store and never
        requested: counted, and its request is given back to the budget."""
        if SITEMAP_UNCHANGED_FLAG not in response.flags:
            return False
        self.site.budget.give_back()
        self.site.stats.inc_value(SITEMAP_UNCHANGED_KEY)
        return True

    def _hold(self, urls: list[str]) -> None:
        for url in urls:
            if len(self.asked) >= self.options.sitemap_max_files:
                self.site.stats.inc_value("govcheck/sitemap/files_not_read")
                continue
            if url in self.asked or not self._own(url):
                continue
            self.asked.add(url)
            request = self.router.request(
                url,
                Route.XML_SITEMAP,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    "download_maxsize": self.options.sitemap_maxsize,
                },
            )
            self.site.pages.hold(HeldPage((Phase.SITEMAP, (len(self.asked),), url), request))

    def _body(self, response: Response) -> bytes | None:
        """The sitemap's XML: a gzip file unpacked within GOVCHECK_SITEMAP_MAXSIZE (Scrapy's
        SitemapSpider does the same); None when it cannot be."""
        body = response.body
        if not body.startswith(GZIP_MAGIC):
            return body
        try:
            return gunzip(body, max_size=self.options.sitemap_maxsize)
        except ValueError:  # Scrapy's "decompressed past max_size"
            self.site.stats.inc_value("govcheck/sitemap/too_large")
            return None
        except (OSError, EOFError, struct.error):  # not gzip after all, or cut short
            return None

    def _own(self, url: str) -> bool:
        return (urlsplit(url).hostname or "") in self.site.site_hosts
