"""The link-check cache middleware: where its store lives, what it leaves alone, and switched off.
(Claims, waits and hits across processes and nodes: tests/test_e2e_linkcache.py, against the farm.)"""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured

from govcheck.limits import LINK_CHECK
from govcheck.linkcache import SHARED_CHECK
from govcheck.linkcache_middleware import LinkCacheMiddleware
from govcheck.linkcache_store import DatabaseLinkCache, RedisLinkCache
from tests.helpers import project_crawler


def test_the_cache_lives_in_redis_with_redis_url_else_in_the_database(redis_url: str) -> None:
    assert isinstance(LinkCacheMiddleware.from_crawler(project_crawler()).store, DatabaseLinkCache)
    with_redis = LinkCacheMiddleware.from_crawler(project_crawler(REDIS_URL=redis_url))
    assert isinstance(with_redis.store, RedisLinkCache)
    with_redis.store.close()


@pytest.mark.parametrize(
    "meta",
    [
        {LINK_CHECK: True, "link_target": "http://a.gov.cn/x.html", "govcheck_site": "a.gov.cn"},  # own link
        {
            SHARED_CHECK: True,
            "link_target": "http://www.gov.cn/",
            "govcheck_site": "closed.gov.cn",
        },  # no site
    ],
)
def test_a_check_it_may_not_answer_goes_out_untouched(meta: dict[str, object]) -> None:
    middleware = LinkCacheMiddleware.from_crawler(project_crawler())
    request = Request("http://www.gov.cn/", method="HEAD", meta=dict(meta))
    assert asyncio.run(middleware.process_request(request)) is None  # returns before asking the store
    assert middleware.claims == {}


def test_switched_off_it_is_not_installed() -> None:
    with pytest.raises(NotConfigured):
        LinkCacheMiddleware.from_crawler(project_crawler(GOVCHECK_LINK_CACHE=False))
