"""The parsing layer: plain functions from (html, url) to result types; no Scrapy, no database.

``extract_listing`` reads a column list page, ``page_facts`` what any page says about itself,
``page_links`` every link on a page, ``homepage_entries`` the dated items of a homepage and
``discover_columns`` the columns a homepage links to; ``needs_more_pages`` decides whether a list's
page 1 answers how fresh its column is.
"""

from __future__ import annotations

from govcheck.extract.cms import hanweb_xml_page
from govcheck.extract.columns import (
    directory_links,
    discover_columns,
    discover_linkouts,
    sitemap_columns,
    sitemap_links,
)
from govcheck.extract.listing import (
    extract_listing,
    is_soft_404,
    is_waf_challenge,
    needs_more_pages,
    not_found_fingerprint,
)
from govcheck.extract.page import generation_year, homepage_entries, page_facts, page_links, title_column_name
from govcheck.extract.types import ColumnLink, ListingEntry, ListingPage, PageFacts

__all__ = [
    "ColumnLink",
    "ListingEntry",
    "ListingPage",
    "PageFacts",
    "directory_links",
    "discover_columns",
    "discover_linkouts",
    "extract_listing",
    "generation_year",
    "hanweb_xml_page",
    "homepage_entries",
    "is_soft_404",
    "is_waf_challenge",
    "needs_more_pages",
    "not_found_fingerprint",
    "page_facts",
    "page_links",
    "sitemap_columns",
    "sitemap_links",
    "title_column_name",
]
