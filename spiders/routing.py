"""How a site's requests find their way back: every request's answer (or failure) goes to the spider's
one dispatch pair, which hands it to the handler method its route names.

Scrapy calls a callback, and scrapy-redis stores one (a request waits in Redis between processes), by
its name on the spider: so every request carries the spider's ``dispatch``/``dispatch_failure`` as
callback and errback, and the route (a :class:`Route`) in its meta.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

ROUTE = "govcheck_route"  # the request meta key naming its route


class Route(StrEnum):
    """What a request is for; :class:`govcheck.spiders.handlers.SiteHandlers` maps each to the handler
    methods that read its answer and its failure."""

    HOMEPAGE = "homepage"
    REFERENCE = "reference"  # a reference host, asked when the homepage failed every attempt
    SITEMAP = "sitemap"  # the 网站地图 (an HTML page)
    XML_SITEMAP = "xml_sitemap"  # an XML sitemap or sitemap index (spiders/sitemaps.py)
    COLUMN = "column"
    LIST_PAGE = "list_page"  # page 2+ of a column
    DETAIL = "detail"  # an undated entry's own page
    LETTER = "letter"  # a letter's own page (its reply)
    ARTICLE = "article"  # a column's newest entry, read for its design-standard metas
    GUIDE = "guide"  # a 办事指南 a service column lists (also its detail page)
    LINK = "link"  # a link check (HEAD, then GET)
    FINGERPRINT = "fingerprint"  # a host's not-found answer and its root
    IPV6 = "ipv6"  # the site's IPv6 check, answered by govcheck.ipv6_middleware (never downloaded)


@dataclass(frozen=True, slots=True)
class Router:
    """Makes requests that come back through the spider's dispatch pair to the handler of ``route``."""

    callback: Callable[[Response], Any]
    errback: Callable[[Failure], Any]

    def request(self, url: str, route: Route, *, meta: dict[str, Any], **kwargs: Any) -> Request:
        return Request(
            url,
            callback=self.callback,
            errback=self.errback,
            meta={**meta, ROUTE: route.value},  # a plain string: meta is pickled into Redis
            **kwargs,
        )
