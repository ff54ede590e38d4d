"""govcheck/fleet/dupefilter.py: request fingerprints kept per round and site."""

from __future__ import annotations

import uuid

from scrapy import Request

from govcheck.fleet.dupefilter import SiteDupeFilter
from govcheck.fleet.round import Round, redis_from_url


def test_fingerprints_are_kept_per_round_and_site(redis_url: str) -> None:
    server = redis_from_url(redis_url)
    first, second = (
        Round(server, name, prefix=f"t{uuid.uuid4().hex[:6]}") for name in ("2024-Q1", "2024-Q2")
    )
    request = Request("http://sjj.suizhou.gov.cn/tzgg/", meta={"govcheck_site": "sjj.suizhou.gov.cn"})
    other_site = Request(request.url, meta={"govcheck_site": "jtj.suizhou.gov.cn"})
    seen = SiteDupeFilter(first)
    assert not seen.request_seen(request) and seen.request_seen(request)
    assert not seen.request_seen(other_site)
    assert not SiteDupeFilter(second).request_seen(request)  # next quarter's round sees it anew
    assert first.cleanup() == 2 and not seen.request_seen(request)
