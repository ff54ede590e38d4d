"""What one response may cost, and how a download that ran into a limit is told from an outage.

Scrapy's own limits do the cutting: DOWNLOAD_MAXSIZE cancels a body over the size (declared or
streamed) and, through HttpCompressionMiddleware, a body that decompresses beyond it (gzip, deflate,
br and zstd bombs); DOWNLOAD_TIMEOUT is the total time of one download, headers and body together,
so a body dripped forever is cut too. This middleware adds two things:

- it marks a request whose response headers arrived (``ANSWERED``): a cancel after that is a limit
  the site ran into, not a site that failed to answer;
- a link check reads no more than it needs: an attachment (not a page) stops at its headers, whose
  status is all a check needs, and a page is cut at GOVCHECK_ATTACHMENT_MAXSIZE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import StopDownload

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Headers

ANSWERED = "govcheck_answered"  # request meta: the URL whose response headers arrived
LINK_CHECK = "govcheck_link_check"  # request meta: only the status (and a page's text) is needed
PAGE_TYPES = (b"text/html", b"application/xhtml", b"text/plain", b"text/xml", b"application/xml")


class ResponseLimitsMiddleware:
    def __init__(self, attachment_maxsize: int) -> None:
        self.attachment_maxsize = attachment_maxsize

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler.settings.getint("GOVCHECK_ATTACHMENT_MAXSIZE"))
        crawler.signals.connect(middleware.headers_received, signal=signals.headers_received)
        return middleware

    def process_request(self, request: Request) -> None:
        if request.meta.get(LINK_CHECK):
            request.meta.setdefault("download_maxsize", self.attachment_maxsize)

    def headers_received(self, headers: Headers, body_length: int, request: Request, **kwargs: Any) -> None:
        # Keyed by URL: a redirect copies the meta of the hop before it.
        request.meta[ANSWERED] = request.url
        if request.meta.get(LINK_CHECK) and request.method == "GET" and not is_page(headers):
            raise StopDownload(fail=False)


def is_page(headers: Headers) -> bool:
    """A body worth reading for a link check (a soft-404 speaks in HTML); no type at all counts."""
    content_type = (headers.get(b"Content-Type") or b"").lower()
    return not content_type or content_type.startswith(PAGE_TYPES)


def answered(request: Request) -> bool:
    return request.meta.get(ANSWERED) == request.url
