"""Request fingerprints in memory, one set per site: the dupefilter of a job crawling many sites at
once without Redis (``govcheck crawl``).

Scrapy's own filter keeps one set per process. With many sites in one process, a second site's link
check of a target the first site already checked (www.gov.cn, beian.miit.gov.cn) would be dropped,
and that site would never learn the answer: each site has its own set, as with one process per site.
A site's set is dropped when the site closes, so what a job keeps is bounded by the sites open at
once (each set by the site's request budget), not by the sites it has crawled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.dupefilters import RFPDupeFilter

from govcheck import signals as govcheck_signals

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.utils.request import RequestFingerprinterProtocol

    from govcheck.context import CrawlContext


class SiteMemoryDupeFilter(RFPDupeFilter):
    def __init__(
        self, debug: bool = False, *, fingerprinter: RequestFingerprinterProtocol | None = None
    ) -> None:
        super().__init__(debug=debug, fingerprinter=fingerprinter)  # no JOBDIR: a site is crawled whole
        self.sites: dict[str, set[bytes]] = {}  # the open sites' fingerprints, by the site's key

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        dupefilter = cls(
            debug=crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter
        )
        crawler.signals.connect(dupefilter.site_closed, signal=govcheck_signals.site_closed)
        return dupefilter

    def request_seen(self, request: Request) -> bool:
        seen = self.sites.setdefault(str(request.meta.get("govcheck_site")), set())
        fingerprint = self._fingerprint(request)
        if fingerprint in seen:
            return True
        seen.add(fingerprint)
        return False

    def site_closed(self, context: CrawlContext, **kwargs: Any) -> None:
        self.sites.pop(context.host, None)
