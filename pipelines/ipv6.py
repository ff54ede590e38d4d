"""The IPv6 check of a crawl (govcheck/ipv6.py), run once per site when its homepage answered: the
result joins the site item's health (crawls.health["ipv6"]) before it is stored.

Blocking resolver and socket calls run on a thread (the pipeline returns its Deferred), so the crawl
goes on meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.utils.misc import load_object
from twisted.internet.threads import deferToThread

from govcheck.ipv6 import Ipv6Network, check_ipv6
from govcheck.items import SiteItem

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


class Ipv6Pipeline:
    def __init__(self, crawler: Crawler, network: Ipv6Network | None, timeout: float) -> None:
        self.crawler = crawler
        self.network = network
        self.timeout = timeout

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        network = None
        if settings.getbool("GOVCHECK_IPV6_CHECK"):
            network = load_object(settings["GOVCHECK_IPV6_NETWORK"])(settings, settings["USER_AGENT"])
        return cls(crawler, network, settings.getfloat("GOVCHECK_IPV6_TIMEOUT"))

    def process_item(self, item: Any) -> Any:
        if self.network is None or not isinstance(item, SiteItem) or item.status != "ok":
            return item
        return deferToThread(self._checked, item)

    def _checked(self, item: SiteItem) -> SiteItem:
        assert self.network is not None
        fact = check_ipv6(self.network, item.homepage_url, self.timeout)
        self.crawler.stats.set_value("govcheck/ipv6", fact["result"])
        item.health = {**item.health, "ipv6": fact}
        return item
