"""govcheck/db/kinds.py: one row per crawl item kind, each naming columns its model has."""

from __future__ import annotations

import dataclasses
from typing import get_args

import pytest
from sqlalchemy import UniqueConstraint

from govcheck.db.kinds import KIND_OF, KINDS, ItemKind, Store, flattened
from govcheck.items import CrawlItem, EntryItem, LinkItem, PageEntriesItem, PageItem, PageLinksItem


def test_every_crawl_item_kind_has_exactly_one_row() -> None:
    items = [kind.item for kind in KINDS]
    assert len(items) == len(set(items))
    assert set(items) == set(get_args(CrawlItem))


STORES = [(kind, store) for kind in KINDS for store in kind.stores]


@pytest.mark.parametrize(
    ("kind", "store"), STORES, ids=[f"{k.item.__name__}-{s.model.__name__}" for k, s in STORES]
)
def test_a_store_upserts_on_a_unique_key_and_updates_columns_its_table_has(
    kind: ItemKind, store: Store
) -> None:
    table = store.model.__table__
    unique = [
        tuple(c.name for c in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    assert store.keys in unique
    assert set(store.update) <= set(table.columns.keys()) - set(store.keys)
    fields = {f.name for f in dataclasses.fields(kind.item)}
    assert store.column is None or store.column in fields


@pytest.mark.parametrize("kind", KINDS, ids=[k.item.__name__ for k in KINDS])
def test_the_urls_validation_requires_are_fields_of_the_item(kind: ItemKind) -> None:
    assert set(kind.urls) <= {f.name for f in dataclasses.fields(kind.item)}


CARRIERS = [kind for kind in KINDS if kind.parts is not None]


@pytest.mark.parametrize("kind", CARRIERS, ids=[k.item.__name__ for k in CARRIERS])
def test_a_carrier_kind_names_a_list_field_and_is_stored_only_as_its_parts(kind: ItemKind) -> None:
    field = {f.name: f for f in dataclasses.fields(kind.item)}[kind.parts or ""]
    assert field.default_factory is list  # type: ignore[comparison-overlap]
    assert kind.stores == ()  # its rows are its parts' own


def test_flattened_replaces_each_carrier_by_its_parts_in_order() -> None:
    home = "http://www.example.gov.cn/"
    links = [LinkItem(home, f"{home}{n}.html", "a", True, False) for n in range(3)]
    page = PageItem(url=home, kind="homepage", status=200)
    items = [page, PageLinksItem(source_url=home, links=links), PageLinksItem(source_url=home)]
    assert list(flattened(items)) == [page, *links]
    assert KIND_OF[PageLinksItem].parts == "links"


def test_a_list_pages_entries_flatten_to_its_entry_items_in_order() -> None:
    column = "http://www.example.gov.cn/tzgg/"
    entries = [EntryItem(column, f"{column}{n}.html", None, None) for n in range(3)]
    items = [
        PageEntriesItem(column_url=column, entries=entries[:2]),
        entries[2],
        PageEntriesItem(column_url=column),
    ]
    assert list(flattened(items)) == entries
    assert KIND_OF[PageEntriesItem].parts == "entries"
