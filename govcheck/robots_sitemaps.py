"""The ``Sitemap:`` lines of every robots.txt this crawl fetched, by host, for whichever site's crawl
uses that host (spiders/sitemaps.py reads them when it asks for a site's XML sitemaps).

The robots middleware (govcheck/robots_middleware.py, after Scrapy's RobotsTxtMiddleware) fetches a
host's robots.txt once per crawler, for the first request that reaches the host, and keeps its parser
for the crawler's life. When one process crawls many sites (``govcheck crawl --all``, fleet jobs),
that first request may be another site's, made before this site's crawl even began, so the lines
cannot be handed to the sites open at the time. They are kept here instead, with the parser's scope
(this crawler's instance, not a module global: one crawler per process) and key (the host's netloc,
port included), and a site's crawl looks them up when it needs them.

An extension listening to ``response_received``: Scrapy's engine sends it for the middleware's own
download too, so the lines are kept however and for whomever the robots.txt was fetched. Only the
middleware's request counts (no callback, robots.txt not obeyed, path ``/robots.txt`` of the URL asked,
a redirect followed to its end); a link check of some ``/robots.txt`` is a site's request, never this.
A robots.txt that did not answer 200 names no sitemap; one that failed to download leaves the host
unknown (``None``), as the parser does. At most GOVCHECK_SITEMAP_MAX_FILES lines are kept per host: a
site reads no more sitemap files than that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import TextResponse
from scrapy.http.request import NO_CALLBACK

from govcheck.extract.sitemap import robots_sitemaps

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


def robots_netloc(request: Request) -> str | None:
    """The host (netloc) whose robots.txt the robots middleware asked for with ``request`` (the URL it
    asked, before any redirect); None for any other request."""
    if request.callback is not NO_CALLBACK or not request.meta.get("dont_obey_robotstxt"):
        return None
    asked = urlsplit(request.meta.get("redirect_urls", [request.url])[0])
    return asked.netloc if asked.path == "/robots.txt" and not asked.query else None


class RobotsSitemaps:
    """The sitemap URLs each fetched robots.txt names (:meth:`of`), kept for this crawler's life."""

    def __init__(self, max_files: int) -> None:
        self.max_files = max_files
        self.named: dict[str, list[str]] = {}  # netloc -> the sitemaps its robots.txt names

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("GOVCHECK_SITEMAP"):
            raise NotConfigured("GOVCHECK_SITEMAP is off")
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off: no robots.txt is fetched")
        extension = cls(settings.getint("GOVCHECK_SITEMAP_MAX_FILES"))
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        return extension

    def response_received(self, response: Response, request: Request, **kwargs: Any) -> None:
        netloc = robots_netloc(request)
        if netloc is None or netloc in self.named:  # the middleware fetches a host's robots.txt once
            return
        text = response.text if isinstance(response, TextResponse) and response.status == 200 else ""
        self.named[netloc] = robots_sitemaps(text, response.url)[: self.max_files]

    def of(self, netloc: str) -> list[str] | None:
        """The sitemaps ``netloc``'s robots.txt names (maybe none); None when it was not fetched."""
        return self.named.get(netloc)
