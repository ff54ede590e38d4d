"""Connect-time half of the destination policy: the DNS resolver judges every address it returns.

A name that passes the URL check (``intranet.example.gov.cn``) may still resolve to 10.0.0.5 or
127.0.0.1, and may resolve differently the next time (DNS rebinding), so the address checked is the
address connected to. Only where govcheck resolves names itself: through a forward proxy the proxy
resolves, and only the URL check applies.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.datatypes import LocalCache
from scrapy.utils.url import add_http_if_no_scheme
from twisted.internet.error import DNSLookupError

from govcheck.destinations import DestinationPolicy, Refusal

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)
REFUSALS_KEPT = 10_000  # names remembered as refused, for the middleware to name the reason


def proxy_hosts(proxies: Mapping[str, str]) -> frozenset[str]:
    """Host names of the forward proxies the environment configures (``http_proxy``…, as Scrapy's
    HttpProxyMiddleware reads them)."""
    hosts = {urlsplit(add_http_if_no_scheme(url)).hostname for key, url in proxies.items() if key != "no"}
    return frozenset(host.lower() for host in hosts if host)


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class PolicyResolver(CachingThreadedResolver):
    """Scrapy's caching resolver (``TWISTED_DNS_RESOLVER``) that fails any lookup whose address the
    policy refuses, so no connection is ever opened to it, and remembers why (:meth:`refusal`)."""

    def __init__(
        self,
        reactor: ReactorBase,
        cache_size: int,
        timeout: float,
        policy: DestinationPolicy,
        proxies: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.policy = policy
        self.proxies = proxies  # the forward proxies' names: configuration, not destinations
        self._refused: LocalCache[str, Refusal] = LocalCache(REFUSALS_KEPT)

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> Self:
        # Scrapy builds the resolver once per process, from the process's settings.
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        policy = DestinationPolicy.from_settings(settings)
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), policy, proxy_hosts(getproxies()))

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        return super().getHostByName(name, timeout).addCallback(self._judge, name)

    def _judge(self, address: str, name: str) -> str:
        if name.lower() in self.proxies or is_address(name):
            # A proxy is where requests go, not what they ask for; a literal address in a URL was
            # judged before the request left (in any spelling: only the canonical one lands here).
            return address
        refusal = self.policy.check_address(address)
        if refusal is None:
            return address
        self._refused[name.lower()] = refusal
        logger.warning("Refused to connect to %s: it resolves to a %s", name, refusal.reason)
        raise DNSLookupError(f"{name}: refused by the destination policy ({refusal.reason})")

    def refusal(self, name: str) -> Refusal | None:
        """Why a lookup of ``name`` was refused, if it was."""
        return self._refused.get(name.lower())
