"""The ``probe`` spider: every registered homepage fetched once, with the official 15 s limit.

``scrapy crawl probe -a sites=host1,host2`` or ``-a sites_file=sites.json``, where the file is the
output of ``govcheck sites list --format json`` (a list of objects with ``host``/``homepage``) or plain
text with one host or URL per line. The spider never reads the database; a scheduler runs it at least
20 times a day so the evaluator can apply the one-week 5 % availability rule from the stored probes::

    */30 * * * * cd /srv/govcheck && govcheck sites list --format json > var/sites.json \\
                 && scrapy crawl probe -a sites_file=var/sites.json

(on Scrapyd: ``curl http://node:6800/schedule.json -d project=govcheck -d spider=probe -d sites=…``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import Request, Spider
from scrapy.http import Response
from twisted.python.failure import Failure

from govcheck import config
from govcheck.destination_middleware import DestinationRefused
from govcheck.destinations import is_ip_literal
from govcheck.items import ProbeItem
from govcheck.names import BadName, is_host_name, split_site
from govcheck.politeness import apply_politeness
from govcheck.spiders.connectivity import ReferenceCheck
from govcheck.spiders.outcomes import (
    BLOCKED_STATUSES,
    NON_REDIRECT_STATUSES,
    classify_failure,
    limit_hit,
    proxy_error,
)
from govcheck.vocabulary import INSPECTOR_NETWORK

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)
PROBE_TIMEOUT = 15  # seconds: the official availability limit


def read_targets(sites: str | None, sites_file: str | None) -> list[str]:
    """Homepage URLs from ``-a sites=`` and/or ``-a sites_file=``, de-duplicated, in order."""
    raw: list[str] = [s for s in (sites or "").split(",") if s.strip()]
    if sites_file:
        text = Path(sites_file).read_text(encoding="utf-8-sig")
        if text.lstrip().startswith("["):
            for row in json.loads(text):
                raw.append(
                    str(row.get("homepage") or row.get("host") or "") if isinstance(row, dict) else str(row)
                )
        else:
            raw.extend(
                line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
            )
    out: list[str] = []
    for value in raw:
        try:
            site = split_site(value)
        except BadName as exc:
            raise config.ConfigError(f"sites: expected host names or URLs, got {exc}") from exc
        if not (is_host_name(site.host) or is_ip_literal(site.host)):
            raise config.ConfigError(f"sites: expected host names or URLs, got {value.strip()!r}")
        url = site.url()
        if url not in out:
            out.append(url)
    if not out:
        raise config.ConfigError("sites: give -a sites=host1,host2 or -a sites_file=PATH")
    return out


class ProbeSpider(Spider):
    name = "probe"
    custom_settings: ClassVar[dict[str, Any]] = {
        "DOWNLOAD_TIMEOUT": PROBE_TIMEOUT,
        "RETRY_ENABLED": False,  # one attempt per probe: the rule counts failed probes
        "ITEM_PIPELINES": {"govcheck.pipelines.probes.ProbeStoragePipeline": 900},
        "EXTENSIONS": {"govcheck.extensions.EvaluateOnClose": None},
    }

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        apply_politeness(settings, "probe")

    def __init__(self, sites: str | None = None, sites_file: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.targets = read_targets(sites, sites_file)
        self.reference = ReferenceCheck([])
        self.held: list[ProbeItem] = []  # failed probes waiting for the reference hosts' answers

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        config.validate({k: v for k, v in crawler.settings.items() if k.startswith("GOVCHECK_")})
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.reference = ReferenceCheck(
            config.reference_urls(crawler.settings.get("GOVCHECK_REFERENCE_HOSTS", ""))
        )
        return spider

    async def start(self) -> AsyncIterator[Any]:
        # The reference hosts first, through the same proxy: a failed probe counts only if they answer.
        for url in self.reference.start():
            yield Request(
                url,
                callback=self.reference_answered,
                errback=self.reference_failed,
                dont_filter=True,
                meta={"handle_httpstatus_all": True},
            )
        for url in self.targets:
            yield Request(
                url,
                callback=self.probed,
                errback=self.failed,
                dont_filter=True,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    "probe_host": split_site(url).host,
                    "probe_url": url,
                    "probe_at": dt.datetime.now(dt.UTC),
                },
            )

    def probed(self, response: Response) -> Iterator[ProbeItem]:
        error = proxy_error(response)
        latency = response.meta.get("download_latency")
        ok = error is None and 200 <= response.status < 300
        if not ok and error is None and response.status in BLOCKED_STATUSES:
            error = "blocked"
        self.crawler.stats.inc_value(f"govcheck/probe/{'ok' if ok else error or response.status}")
        yield from self._settled(
            ProbeItem(
                host=response.meta["probe_host"],
                url=response.meta["probe_url"],
                ok=ok,
                probed_at=response.meta["probe_at"],
                status=None if error and error != "blocked" else response.status,
                error=error if error else (None if ok else f"http_{response.status}"),
                latency_ms=round(latency * 1000, 1) if latency is not None else None,
            )
        )

    def failed(self, failure: Failure) -> Iterator[ProbeItem]:
        request = failure.request
        error = classify_failure(failure)
        self.crawler.stats.inc_value(f"govcheck/probe/{error}")
        if failure.check(DestinationRefused):
            # Not fetched at all (govcheck's own policy): no evidence either way, no probe row.
            logger.error("Probe of %s not made: %s", request.meta["probe_url"], failure.value)
            return
        started: dt.datetime = request.meta["probe_at"]
        yield from self._settled(
            ProbeItem(
                host=request.meta["probe_host"],
                url=request.meta["probe_url"],
                # The site answered and the body ran into govcheck's own limit: it is up.
                ok=limit_hit(failure) is not None,
                probed_at=started,
                error=error,
                latency_ms=round((dt.datetime.now(dt.UTC) - started).total_seconds() * 1000, 1),
            )
        )

    def reference_answered(self, response: Response) -> Iterator[ProbeItem]:
        yield from self._reference_result(response.url, response.status, proxy_error(response))

    def reference_failed(self, failure: Failure) -> Iterator[ProbeItem]:
        yield from self._reference_result(failure.request.url, None, classify_failure(failure))

    def _reference_result(self, url: str, status: int | None, error: str | None) -> Iterator[ProbeItem]:
        if not self.reference.record(url, status, error):
            return
        if not self.reference.facts()["reachable"]:
            logger.error(
                "No reference host answered (%s): the inspector's own network or proxy is down; this "
                "run's failed probes are stored as %s and never count against a site",
                self.reference.facts()["references"],
                INSPECTOR_NETWORK,
            )
        held, self.held = self.held, []
        for item in held:
            yield from self._settled(item)

    def _settled(self, item: ProbeItem) -> Iterator[ProbeItem]:
        """A failed probe waits for the reference hosts; when none answered, the failure was ours."""
        if item.ok:
            yield item
        elif self.reference.urls and len(self.reference.results) < len(self.reference.urls):
            self.held.append(item)
        else:
            if self.reference.urls and not self.reference.facts()["reachable"]:
                item.error = f"{INSPECTOR_NETWORK} ({item.error})"
            yield item
