"""What the ``portal`` spider yields. Pipelines normalize, validate and store these; nothing else writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SiteScoped:
    """Base of every crawl item: ``site`` (the host) says which site's crawl it belongs to; the
    spider sets it, so one process can crawl many sites."""

    site: str | None = field(default=None, kw_only=True)


@dataclass
class SiteItem(SiteScoped):
    """The homepage outcome of a crawl: reachable or not, and what the homepage says about the site."""

    homepage_url: str  # the URL actually fetched (after the https→http fallback and redirects)
    # ok | unreachable | blocked | unparseable | too_large | too_slow (answered, but over a size or
    # time limit: govcheck.limits; the site is judged unknown, never unreachable)
    status: str
    name: str | None = None
    site_code: str | None = None
    encoding: str | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)  # url, status, error, latency_ms
    footer: dict[str, Any] = field(default_factory=dict)  # facts the footer rules read later
    # crawl facts merged into crawls.health: profile, backend_group, not_found fingerprints …
    health: dict[str, Any] = field(default_factory=dict)


@dataclass
class ColumnItem(SiteScoped):
    url: str
    name: str | None
    # ok | blank | unparseable | broken, and never judged: page (a pure page such as 机构职能 or 联系我们:
    # an article body, no list) | linkout (a link to another system; reason "consultation" for 咨询/信箱/12345)
    status: str
    depth: int = 1
    position: int = 0
    source: str | None = None  # nav | more | block | tile | dropdown | sitemap | xxgk | linkout | profile
    parent_url: str | None = None
    breadcrumb: list[str] = field(default_factory=list)
    column_type: str | None = None
    reason: str | None = None
    http_status: int | None = None
    entry_count: int = 0
    extractor: str | None = None
    encoding: str | None = None
    is_homepage: bool = False
    # The 网页设计规范 metas the column page lacks (extract.duties.missing_metas); None: not read.
    missing_metas: list[str] | None = None


@dataclass
class EntryItem(SiteScoped):
    """One entry of a column's list, stored as one ``entries`` row; a list page's entries come
    together, in a :class:`PageEntriesItem` (a detail page dates one entry alone)."""

    column_url: str
    url: str
    title: str | None
    date_text: str | None  # exactly as seen; normalized into ``published`` by DateNormalizationPipeline
    published: dt.date | None = None
    date_source: str | None = None  # row | detail | url
    date_error: str | None = None
    # How the date was read when not from a page downloaded now (a page read from the store on its
    # sitemap's word: spiders/sitemaps.py stored_date_evidence); None: as seen live.
    date_evidence: str | None = None
    context_year: int | None = None  # the year of year-less row dates (the page's 页面生成时间), if known
    # True once the crawl has read the date (published, date_source, date_error set, undated or not): the
    # DateNormalizationPipeline leaves such an entry alone, so a date is normalised once.
    date_normalized: bool = False


@dataclass
class PageEntriesItem(SiteScoped):
    """The entries one list page (or the homepage) shows, in one item: a list page carries dozens of
    rows, and each item costs Scrapy's per-item machinery once. Dated, validated and stored entry by
    entry, as its :class:`EntryItem` rows (govcheck/db/kinds.py)."""

    column_url: str
    entries: list[EntryItem] = field(default_factory=list)


@dataclass
class LetterItem(SiteScoped):
    """A letter (网民留言) of a consultation column, from its list row and, when read, its own page."""

    column_url: str
    url: str
    title: str | None
    posted_text: str | None  # dates exactly as seen, and as the spider read them
    posted: dt.date | None
    status: str  # replied | done | processing | unknown (govcheck.extract.letters.STATUS_WORDS)
    status_text: str | None = None
    replied_text: str | None = None
    replied: dt.date | None = None
    # The reply's text: seen (True), looked for on the letter's own page and absent (False), or the
    # page was not read (None).
    reply_present: bool | None = None
    unit: str | None = None  # 回复单位
    reply: str | None = None  # the start of the reply, as seen
    evidence: str = ""  # the list row's (or page's) text as seen


@dataclass
class PageItem(SiteScoped):
    url: str
    kind: str  # homepage | column | article | link
    status: int | None
    latency_ms: float | None = None
    error: str | None = None
    encoding: str | None = None


@dataclass
class LinkItem(SiteScoped):
    """One link of a page, stored as one ``links`` row; the spider yields a page's links together, in
    a :class:`PageLinksItem`."""

    source_url: str
    target_url: str
    tag: str | None
    on_homepage: bool
    external: bool


@dataclass
class PageLinksItem(SiteScoped):
    """The links found on one page, in one item: a page carries dozens of links, and each item costs
    Scrapy's per-item machinery (pipelines, the ``item_scraped`` signal and its receivers) once.
    Validated and stored link by link, as its :class:`LinkItem` rows (govcheck/db/kinds.py)."""

    source_url: str
    links: list[LinkItem] = field(default_factory=list)


@dataclass
class LinkCheckItem(SiteScoped):
    url: str
    outcome: str  # ok | broken | inconclusive | refused (by the destination policy, never fetched)
    status: int | None = None
    error: str | None = None
    method: str | None = None
    # Taken from the round's link-check cache (govcheck/linkcache.py): the site whose crawl fetched the
    # target, and when; both None for a check this crawl made itself.
    checked_by: str | None = None
    checked_at: dt.datetime | None = None


@dataclass
class ProbeItem:
    """One availability probe of a homepage (the ``probe`` spider): stored in ``probes``, not in a crawl."""

    host: str
    url: str
    ok: bool
    probed_at: dt.datetime
    status: int | None = None
    error: str | None = None
    latency_ms: float | None = None


@dataclass
class ServicePageItem(SiteScoped):
    """A page of a service column (办事/服务/指南): its attachments and online-system links (their
    status is in the link checks) and, for a 办事指南, which key element classes it shows."""

    url: str
    column_url: str
    kind: str  # list (a service column's own page) | guide (a 办事指南)
    title: str | None = None
    # guide only: element class → label as written; element class → "absent" | "empty"
    elements: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)  # url, text, kind (attachment | online)


@dataclass
class ArticleCheckItem(SiteScoped):
    """An article page read for its 网页设计规范 metas (GOVCHECK_ARTICLE_META_CHECK): the newest entry of
    a column, fetched for the sample or already read for its date."""

    url: str
    column_url: str
    http_status: int | None  # None: no answer (``error`` says why)
    missing_metas: list[str] | None = None  # None: not read (not a 2xx HTML page, or unparseable)
    error: str | None = None


CrawlItem = (
    SiteItem
    | ColumnItem
    | EntryItem
    | PageEntriesItem
    | LetterItem
    | PageItem
    | LinkItem
    | PageLinksItem
    | LinkCheckItem
    | ServicePageItem
    | ArticleCheckItem
)
