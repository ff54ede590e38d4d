"""pipelines/validation.py: an item whose URL fields (its row in govcheck/db/kinds.py) are unusable is
dropped and counted by reason; every other item passes as it is."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from govcheck.items import EntryItem, LinkItem, PageLinksItem, ServicePageItem, SiteItem
from govcheck.pipelines.validation import ValidationPipeline

OK = "http://www.example.gov.cn/a/"


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (EntryItem(column_url=OK, url="", title=None, date_text=None), "missing_url"),
        (EntryItem(column_url="javascript:void(0)", url=OK, title=None, date_text=None), "url_not_http"),
        (
            LinkItem(source_url=OK, target_url=OK + "x" * 1000, tag="a", on_homepage=True, external=False),
            "url_too_long",
        ),
        (ServicePageItem(url=OK, column_url="mailto:a@b.cn", kind="list"), "url_not_http"),
        (PageLinksItem(source_url="", links=[]), "missing_url"),
    ],
)
def test_an_item_with_an_unusable_url_is_dropped_and_counted(item: object, reason: str) -> None:
    crawler = get_crawler()
    crawler.stats.open_spider(None)
    pipeline = ValidationPipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match=reason):
        pipeline.process_item(item)  # type: ignore[arg-type]
    assert crawler.stats.get_value(f"govcheck/items/dropped/{reason}") == 1


def test_items_with_usable_urls_and_kinds_without_urls_pass() -> None:
    pipeline = ValidationPipeline.from_crawler(get_crawler())
    entry = EntryItem(column_url=OK, url=OK + "1.html", title=None, date_text=None)
    site = SiteItem(homepage_url="", status="unreachable")
    assert pipeline.process_item(entry) is entry
    assert pipeline.process_item(site) is site


def test_a_pages_links_are_checked_one_by_one_and_only_the_unusable_ones_dropped() -> None:
    crawler = get_crawler()
    crawler.stats.open_spider(None)
    pipeline = ValidationPipeline.from_crawler(crawler)

    def link(target: str) -> LinkItem:
        return LinkItem(source_url=OK, target_url=target, tag="a", on_homepage=False, external=False)

    good = [link(OK + "1.html"), link(OK + "2.html")]
    page = PageLinksItem(
        source_url=OK, links=[good[0], link("javascript:void(0)"), link(OK + "x" * 1000), good[1]]
    )
    assert pipeline.process_item(page) is page
    assert page.links == good  # counted as each would have been alone
    assert crawler.stats.get_value("govcheck/items/dropped/url_not_http") == 1
    assert crawler.stats.get_value("govcheck/items/dropped/url_too_long") == 1
