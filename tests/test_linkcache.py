"""Which link-check outcomes the round may share, and a cached outcome as this crawl stores it."""

from __future__ import annotations

import datetime as dt

import pytest

from govcheck.items import LinkCheckItem
from govcheck.linkcache import CachedCheck, shareable

URL = "http://www.gov.cn/"


@pytest.mark.parametrize(
    ("item", "shared"),
    [
        (LinkCheckItem(url=URL, outcome="ok", status=200, method="HEAD"), True),
        (LinkCheckItem(url=URL, outcome="broken", status=404, method="GET"), True),
        (LinkCheckItem(url=URL, outcome="broken", status=200, error="soft_404", method="GET"), True),
        # A failure to reach the target may be the inspector's own network: never shared.
        (LinkCheckItem(url=URL, outcome="broken", error="dns_error", method="GET"), False),
        (LinkCheckItem(url=URL, outcome="broken", error="connection_refused", method="GET"), False),
        (LinkCheckItem(url=URL, outcome="broken", status=502, error="dns_error", method="GET"), False),
        (LinkCheckItem(url=URL, outcome="inconclusive", error="timeout", method="HEAD"), False),
        # Answers that may change within minutes, or were cut by this site's budget.
        (LinkCheckItem(url=URL, outcome="inconclusive", status=503, method="GET"), False),
        (
            LinkCheckItem(url=URL, outcome="inconclusive", status=403, error="waf_challenge", method="GET"),
            False,
        ),
        (LinkCheckItem(url=URL, outcome="inconclusive", status=200, error="budget", method="HEAD"), False),
        (LinkCheckItem(url=URL, outcome="refused", error="policy:internal", method=None), False),
    ],
)
def test_only_an_answer_the_target_gave_is_shared(item: LinkCheckItem, shared: bool) -> None:
    assert shareable(item) is shared
    assert (CachedCheck.of(item, "a.gov.cn") is not None) is shared


def test_a_cached_check_keeps_its_evidence_through_json_and_into_the_item() -> None:
    check = CachedCheck.of(LinkCheckItem(url=URL, outcome="broken", status=404, method="GET"), "a.gov.cn")
    assert check is not None
    again = CachedCheck.from_json(check.to_json())
    assert again == check and again.checked_at.tzinfo is not None
    item = again.item(URL)
    assert (item.outcome, item.status, item.method, item.checked_by) == ("broken", 404, "GET", "a.gov.cn")
    assert item.checked_at == check.checked_at
    assert dt.datetime.now(dt.UTC) - check.checked_at < dt.timedelta(minutes=1)


def test_an_outcome_kept_after_a_304_is_shared_with_the_evidence_of_the_check_that_fetched_it() -> None:
    fetched = dt.datetime(2024, 1, 5, 8, tzinfo=dt.UTC)
    kept = LinkCheckItem(
        url=URL,
        outcome="broken",
        status=200,
        error="soft_404",
        method="GET",
        checked_by="a.gov.cn",
        checked_at=fetched,
    )
    check = CachedCheck.of(kept, "b.gov.cn")
    assert check is not None and (check.checked_by, check.checked_at) == ("a.gov.cn", fetched)
