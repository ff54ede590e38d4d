"""pipelines/validation.py: an item whose URL fields (its row in govcheck/db/kinds.py) are unusable is
dropped and counted by reason; every other item passes as it is."""

from __future__ import annotations

import contextlib

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from govcheck.items import EntryItem, LinkItem, PageEntriesItem, PageLinksItem, ServicePageItem, SiteItem
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


def test_a_list_pages_entries_are_checked_one_by_one_with_the_stats_of_one_item_each() -> None:
    """Each entry dropped alone and counted as the EntryItem it would have been; the rest stay."""
    entries = [
        EntryItem(column_url=OK, url=OK + "1.html", title=None, date_text=None),
        EntryItem(column_url=OK, url="", title=None, date_text=None),
        EntryItem(column_url=OK, url="mailto:a@b.cn", title=None, date_text=None),
        EntryItem(column_url=OK, url=OK + "2.html", title=None, date_text=None),
    ]
    alone, carried = get_crawler(), get_crawler()
    for crawler in (alone, carried):
        crawler.stats.open_spider(None)
    one_by_one = ValidationPipeline.from_crawler(alone)
    kept = []
    for entry in entries:
        with contextlib.suppress(DropItem):
            kept.append(one_by_one.process_item(entry))
    page = PageEntriesItem(column_url=OK, entries=list(entries))
    assert ValidationPipeline.from_crawler(carried).process_item(page) is page
    assert page.entries == kept == [entries[0], entries[3]]
    dropped = {k: v for k, v in carried.stats.get_stats().items() if k.startswith("govcheck/items/")}
    assert dropped == {k: v for k, v in alone.stats.get_stats().items() if k.startswith("govcheck/items/")}
    assert dropped == {"govcheck/items/dropped/missing_url": 1, "govcheck/items/dropped/url_not_http": 1}


def test_a_list_pages_entries_under_an_unusable_column_url_are_each_dropped_and_counted() -> None:
    crawler = get_crawler()
    crawler.stats.open_spider(None)
    entries = [
        EntryItem(column_url="javascript:;", url=OK + f"{n}.html", title=None, date_text=None) for n in (1, 2)
    ]
    page = PageEntriesItem(column_url="javascript:;", entries=entries)
    assert ValidationPipeline.from_crawler(crawler).process_item(page).entries == []  # type: ignore[union-attr]
    assert crawler.stats.get_value("govcheck/items/dropped/url_not_http") == 2  # as two EntryItems
