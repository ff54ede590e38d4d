"""Item loaders: fallback rules per field, with itemloaders' rule stats.

``parser/<field>/<rule type>/<rule>`` in the crawl stats counts how often each rule matched, so a
site redesign shows up as a rule stuck at zero.
"""

from __future__ import annotations

import re

from itemloaders.processors import Identity, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from govcheck.items import ColumnItem

_DECORATION = re.compile(r"^[\s>»·•|+\-]+|[\s>»·•|+\-]+$|更多|more", re.IGNORECASE)


def clean_name(value: str) -> str | None:
    """Column names as a bulletin prints them: no whitespace runs, arrows or 更多 decorations."""
    cleaned = _DECORATION.sub("", re.sub(r"\s+", "", value))
    return cleaned or None


def _meta_xpath(name: str) -> str:
    # Meta names appear in any case (ColumnName, columnname).
    lowered = name.lower()
    return f"//meta[translate(@name,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')='{lowered}']/@content"


class ColumnLoader(ItemLoader):
    default_item_class = ColumnItem
    default_output_processor = TakeFirst()
    name_in = MapCompose(clean_name)
    column_type_in = MapCompose(str.strip)
    breadcrumb_in = MapCompose(clean_name)
    breadcrumb_out = Identity()

    def add_page_rules(self) -> None:
        """Fallbacks after the anchor text: the design standard's meta, then the breadcrumb, then <title>."""
        self.add_xpath("name", _meta_xpath("ColumnName"))
        self.add_xpath("column_type", _meta_xpath("ColumnType"))
        self.add_xpath("name", "//title/text()", re=r"^\s*([^_|\-–—]+?)\s*(?:[_|\-–—]|$)")


def _strip(value: str) -> str | None:
    return re.sub(r"\s+", " ", value).strip() or None


class EntryLoader(ItemLoader):
    """One list row read with a site profile's selectors (a dict item: title, url, date_text).

    Built with ``stats=crawler.stats``, so ``parser/<field>/css/<selector>`` shows each selector's hits.
    """

    default_item_class = dict
    default_input_processor = MapCompose(_strip)
    default_output_processor = TakeFirst()
