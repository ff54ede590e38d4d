"""The context of one site's crawl, shared by every layer of the crawl runtime.

The spider builds it, govcheck's signals carry it, the pipelines, the writer and the evaluator key their
work by it. It lives apart from all of them so that spiders need not import the database layer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CrawlContext:
    """Who is being crawled, for which round and date; everything a row needs beyond the item."""

    host: str
    homepage: str
    round: str
    as_of: dt.date
    reference_at: dt.datetime
    # False for a one-site crawl without -a round: its round is named after its as-of date, and its
    # evaluation on close is stored without a round name.
    named_round: bool = True
