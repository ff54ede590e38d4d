"""govcheck/db/kinds.py: one row per crawl item kind, each naming columns its model has."""

from __future__ import annotations

import dataclasses
from typing import get_args

import pytest
from sqlalchemy import UniqueConstraint

from govcheck.db.kinds import KINDS, ItemKind, Store
from govcheck.items import CrawlItem


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
