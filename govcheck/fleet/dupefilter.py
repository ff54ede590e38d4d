"""scrapy-redis's request fingerprints, one set per round and site.

A persisted dupefilter keyed only by spider name would make next quarter's round skip every page
seen this quarter; keyed per round, each round re-crawls everything. Keyed per site as well, a site
that is crawled again (its worker died) starts from a clean set, and the round's cleanup deletes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy_redis.dupefilter import RFPDupeFilter

from govcheck.fleet.worker import worker_of

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider

    from govcheck.fleet.round import Round


class SiteDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    def __init__(self, round: Round, debug: bool = False) -> None:
        super().__init__(round.server, key=f"{round.base}:seen", debug=debug)
        self.round = round

    @classmethod
    def from_spider(cls, spider: Spider) -> Self:
        worker = worker_of(spider)
        if worker is None:
            raise ValueError(f"{cls.__name__} needs a spider with a Redis round (REDIS_URL set)")
        return cls(worker.round, debug=spider.settings.getbool("DUPEFILTER_DEBUG"))

    def request_seen(self, request: Request) -> bool:
        key = self.round.seen_key(request.meta.get("govcheck_site") or "-")
        return int(self.server.sadd(key, self.request_fingerprint(request))) == 0

    def clear(self) -> None:
        for key in self.round.server.scan_iter(match=self.round.seen_key("*"), count=500):
            self.server.delete(key)
