"""pipelines/ipv6.py: which items the IPv6 check runs for, and the network it is built with (the
threaded check itself runs in tests/test_e2e_duties.py, on SQLite and PostgreSQL)."""

from __future__ import annotations

from govcheck.ipv6 import SystemNetwork
from govcheck.items import ColumnItem, SiteItem
from govcheck.pipelines.ipv6 import Ipv6Pipeline
from tests.farm.sites_duties import FarmIpv6Network
from tests.helpers import project_crawler


def test_it_runs_before_storage_with_the_runners_network_by_default() -> None:
    crawler = project_crawler()
    order = crawler.settings.getdict("ITEM_PIPELINES")
    assert order["govcheck.pipelines.ipv6.Ipv6Pipeline"] < order["govcheck.pipelines.storage.StoragePipeline"]
    assert isinstance(Ipv6Pipeline.from_crawler(crawler).network, SystemNetwork)


def test_the_network_is_a_setting() -> None:
    crawler = project_crawler(GOVCHECK_IPV6_NETWORK="tests.farm.sites_duties.FarmIpv6Network")
    assert isinstance(Ipv6Pipeline.from_crawler(crawler).network, FarmIpv6Network)


def test_only_an_answered_homepage_is_checked() -> None:
    pipeline = Ipv6Pipeline.from_crawler(project_crawler())
    unreachable = SiteItem(homepage_url="http://www.example.gov.cn/", status="unreachable")
    column = ColumnItem(url="http://www.example.gov.cn/gzdt/", name="工作动态", status="ok")
    assert pipeline.process_item(unreachable) is unreachable and unreachable.health == {}
    assert pipeline.process_item(column) is column


def test_switched_off_it_leaves_every_item_alone() -> None:
    pipeline = Ipv6Pipeline.from_crawler(project_crawler(GOVCHECK_IPV6_CHECK=False))
    answered = SiteItem(homepage_url="http://www.example.gov.cn/", status="ok")
    assert pipeline.network is None
    assert pipeline.process_item(answered) is answered and "ipv6" not in answered.health
