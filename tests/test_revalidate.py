"""Conditional link checks between rounds: a site's validators kept and read back on SQLite and
PostgreSQL, a 304 to a conditional check turned into the previous outcome, a 2xx's validators kept."""

from __future__ import annotations

import datetime as dt

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from govcheck.limits import LINK_CHECK
from govcheck.linkcache import CACHED_CHECK, CachedCheck
from govcheck.revalidate import REVALIDATING, PreviousCheck, RevalidateMiddleware, ValidatorStore
from tests.helpers import project_crawler

SITE = "a.gov.cn"
TARGET = "http://www.gov.cn/zhengce/"
FETCHED = dt.datetime(2024, 1, 5, 8, 0, tzinfo=dt.UTC)


def _check(outcome: str = "ok", status: int = 200, error: str | None = None) -> CachedCheck:
    return CachedCheck(TARGET, outcome, status, error, "HEAD", SITE, FETCHED)


def _link_check(**meta: object) -> Request:
    return Request(
        TARGET, method="HEAD", meta={LINK_CHECK: True, "link_target": TARGET, "govcheck_site": SITE, **meta}
    )


def test_a_sites_validators_are_kept_per_target_the_newest_winning(database_url: str) -> None:
    store = ValidatorStore(database_url, migrate=True)
    try:
        store.save("2024-Q1", _check("broken", 200, "soft_404"), '"v1"', None)
        store.save("2024-Q2", _check(), '"v2"', "Tue, 27 Feb 2024 08:00:00 GMT")
        previous = store.load(SITE)
        assert store.load("b.gov.cn") == {}
    finally:
        store.close()
    assert previous == {TARGET: PreviousCheck(_check(), '"v2"', "Tue, 27 Feb 2024 08:00:00 GMT")}


def test_a_304_to_a_conditional_check_is_the_previous_outcome() -> None:
    middleware = RevalidateMiddleware.from_crawler(project_crawler())
    middleware.previous[SITE] = {TARGET: PreviousCheck(_check("broken", 200, "soft_404"), '"v1"', None)}
    request = _link_check(**{REVALIDATING: True})
    answer = middleware.process_response(request, Response(TARGET, status=304, request=request))
    assert answer.status == 200 and "revalidated" in answer.flags
    assert request.meta[CACHED_CHECK] == _check("broken", 200, "soft_404")
    # A 304 the crawl did not ask for is not taken as "unchanged".
    plain = _link_check()
    assert middleware.process_response(plain, Response(TARGET, status=304, request=plain)).status == 304
    assert CACHED_CHECK not in plain.meta


def test_the_validators_of_a_checks_own_answer_are_remembered_for_its_item() -> None:
    middleware = RevalidateMiddleware.from_crawler(project_crawler())
    request = _link_check()
    headers = {"ETag": '"abc"', "Last-Modified": "Tue, 27 Feb 2024 08:00:00 GMT"}
    middleware.process_response(request, Response(TARGET, status=200, headers=headers, request=request))
    assert middleware.validators[(SITE, TARGET)] == ('"abc"', "Tue, 27 Feb 2024 08:00:00 GMT")
    failed = _link_check()
    failed.meta["link_target"] = "http://gone.gov.cn/"
    middleware.process_response(failed, Response(failed.url, status=404, headers=headers, request=failed))
    assert (SITE, "http://gone.gov.cn/") not in middleware.validators  # only a 2xx's validators


def test_switched_off_it_is_not_installed() -> None:
    with pytest.raises(NotConfigured):
        RevalidateMiddleware.from_crawler(project_crawler(GOVCHECK_REVALIDATE=False))
