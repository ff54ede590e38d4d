"""Crawl stats keys written by the spider (spiders/sitecrawl.py) and read back by the writer
(govcheck/db/writer.py), spelled once in a module both layers may import."""

from __future__ import annotations

LIMITS_PREFIX = "govcheck/limits/"  # + the limit's name: how often a site ran into it
LIMIT_HITS_KEY = "govcheck/limits/hits"  # the first hits, each {"limit", "url", ...detail}
ROBOTS_FORBIDDEN_KEY = "govcheck/robots/forbidden"  # requests robots.txt forbade
ROBOTS_URLS_KEY = "govcheck/robots/forbidden_urls"  # the first of those URLs
SKIPPED_PAGES_PREFIX = "govcheck/budget/skipped_pages/"  # + a wave's phase: its pages the budget left out
SITEMAP_FILES_KEY = "govcheck/sitemap/files"  # XML sitemap files read (index files included)
SITEMAP_URLS_KEY = "govcheck/sitemap/urls"  # the site's own page URLs they listed
SITEMAP_UNCHANGED_KEY = "govcheck/sitemap/skipped_unchanged"  # pages read from the store, not requested
# Columns with no dated entry whose dating pages the budget left out: stored unparseable/budget.
UNDATED_COLUMNS_KEY = "govcheck/budget/undated_columns"
