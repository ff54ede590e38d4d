"""The store: typed SQLAlchemy 2 models. The Alembic chain in ``migrations/`` creates exactly these.

Identity is encoded in unique constraints, so every write can be an idempotent upsert:
a site by host (and 网站标识码), a crawl attempt by its key (and its number within (round, site)), a
column by (site, URL), an entry by (column, URL), a fetched page / link / link check by crawl attempt
and URL(s), an evaluation by (site, as_of, round).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    TIMESTAMP,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: TIMESTAMP(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_code: Mapped[str | None] = mapped_column(String(16), unique=True)  # 网站标识码
    name: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(255), unique=True)
    homepage: Mapped[str] = mapped_column(String(1000))
    is_portal: Mapped[bool] = mapped_column(Boolean, default=False)
    region: Mapped[str | None] = mapped_column(String(100))
    org: Mapped[str | None] = mapped_column(String(200))  # 主办单位
    # Backend group (a 集约化 platform or server shared by sites) for cluster-wide politeness.
    backend: Mapped[str | None] = mapped_column(String(100))
    in_registry: Mapped[bool] = mapped_column(Boolean, default=True)  # False: crawled ad hoc
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class Crawl(Base):
    """One attempt at crawling a site in a round: a re-crawl is a new attempt with the next number, so
    a killed one never touches the finished attempt before it (evaluations use the newest finished one).
    Pages, links, link and column checks belong to one attempt; entries span the attempts that saw them."""

    __tablename__ = "crawls"
    __table_args__ = (UniqueConstraint("round", "site_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)  # 1, 2, … within (round, site)
    # The writer's identity for this attempt: a spool written after a database failure replays into it.
    attempt_key: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | finished | interrupted
    as_of: Mapped[dt.date] = mapped_column(Date)
    reference_at: Mapped[dt.datetime]  # "now" for relative and year-less dates
    started_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[dt.datetime | None]
    homepage_url: Mapped[str | None] = mapped_column(String(1000))  # the URL actually fetched
    homepage_status: Mapped[str | None] = mapped_column(
        String(20)
    )  # ok | unreachable | blocked | unparseable | too_large | too_slow
    health: Mapped[dict[str, Any] | None]  # what was found, what failed, the homepage attempts
    stats: Mapped[dict[str, Any] | None]  # Scrapy stats at close


class Column(Base):
    __tablename__ = "columns"
    __table_args__ = (UniqueConstraint("site_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    name: Mapped[str | None] = mapped_column(String(200))
    breadcrumb: Mapped[list[Any] | None]
    parent_url: Mapped[str | None] = mapped_column(String(1000))
    depth: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)  # discovery (navigation) order
    source: Mapped[str | None] = mapped_column(String(20))  # nav | more | block | …
    column_type: Mapped[str | None] = mapped_column(String(50))  # ColumnType meta as seen
    category: Mapped[str | None] = mapped_column(String(20))  # set by the evaluator's classifier
    is_homepage: Mapped[bool] = mapped_column(Boolean, default=False)  # the homepage's own items
    first_seen_crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawls.id", ondelete="SET NULL"))
    last_seen_crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawls.id", ondelete="SET NULL"))


class ColumnCheck(Base):
    """What one crawl saw on a column's list page."""

    __tablename__ = "column_checks"
    __table_args__ = (UniqueConstraint("crawl_id", "column_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_id: Mapped[int] = mapped_column(ForeignKey("crawls.id", ondelete="CASCADE"), index=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # ok | blank | unparseable | broken
    reason: Mapped[str | None] = mapped_column(String(200))
    http_status: Mapped[int | None]
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    extractor: Mapped[str | None] = mapped_column(String(30))
    encoding: Mapped[str | None] = mapped_column(String(30))
    missing_metas: Mapped[list[Any] | None]  # 网页设计规范 metas the page lacks; None: not read


class Entry(Base):
    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("column_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[dt.date | None] = mapped_column(Date)
    date_text: Mapped[str | None] = mapped_column(String(100))  # as seen on the page
    date_source: Mapped[str | None] = mapped_column(String(20))  # row | detail | url
    date_error: Mapped[str | None] = mapped_column(String(50))
    # Not from a page downloaded now: read from the page cache's store on its sitemap's word (when
    # stored, the lastmod); None: read live.
    date_evidence: Mapped[str | None] = mapped_column(Text)
    first_seen_crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawls.id", ondelete="SET NULL"))
    last_seen_crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawls.id", ondelete="SET NULL"))
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Letter(Base):
    """A letter (网民留言) of a consultation column: when it was posted, its status, when and whether it
    was answered. Like entries, a letter spans the crawl attempts that saw it."""

    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("column_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str | None] = mapped_column(Text)
    posted: Mapped[dt.date | None] = mapped_column(Date)
    posted_text: Mapped[str | None] = mapped_column(String(100))  # as seen
    status: Mapped[str] = mapped_column(String(20))  # replied | done | processing | unknown
    status_text: Mapped[str | None] = mapped_column(String(100))
    replied: Mapped[dt.date | None] = mapped_column(Date)
    replied_text: Mapped[str | None] = mapped_column(String(100))
    reply_present: Mapped[bool | None] = mapped_column(Boolean)  # None: the letter's page was not read
    unit: Mapped[str | None] = mapped_column(String(200))
    reply: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    first_seen_crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawls.id", ondelete="SET NULL"))
    last_seen_crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawls.id", ondelete="SET NULL"))


class Page(Base):
    """Every response (or failure) a crawl got."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("crawl_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_id: Mapped[int] = mapped_column(ForeignKey("crawls.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(20))  # homepage | column | article | link
    status: Mapped[int | None]
    latency_ms: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(String(200))
    encoding: Mapped[str | None] = mapped_column(String(30))
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Link(Base):
    """A link from a crawled page; its target's status is in ``link_checks``."""

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("crawl_id", "source_url", "target_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_id: Mapped[int] = mapped_column(ForeignKey("crawls.id", ondelete="CASCADE"), index=True)
    source_url: Mapped[str] = mapped_column(String(1000))
    target_url: Mapped[str] = mapped_column(String(1000))
    tag: Mapped[str | None] = mapped_column(String(10))  # a | img | script | iframe | link
    on_homepage: Mapped[bool] = mapped_column(Boolean, default=False)
    external: Mapped[bool] = mapped_column(Boolean, default=False)


class LinkCheck(Base):
    """One check of one target URL per crawl."""

    __tablename__ = "link_checks"
    __table_args__ = (UniqueConstraint("crawl_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_id: Mapped[int] = mapped_column(ForeignKey("crawls.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    outcome: Mapped[str] = mapped_column(String(20))  # ok | broken | inconclusive | refused
    status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str | None] = mapped_column(String(10))
    # A check taken from the round's link-check cache: the site whose crawl fetched it, and when.
    checked_by: Mapped[str | None] = mapped_column(String(255))
    checked_at: Mapped[dt.datetime | None]


class LinkCacheEntry(Base):
    """The round-wide link-check cache without Redis (govcheck/linkcache_store.py): one target's outcome
    per round, or a claim on it (outcome ``pending``) while one crawl checks it."""

    __tablename__ = "link_cache"
    __table_args__ = (UniqueConstraint("round", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(1000))
    outcome: Mapped[str] = mapped_column(String(20))  # pending | ok | broken
    status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str | None] = mapped_column(String(10))
    checked_by: Mapped[str] = mapped_column(String(255))  # the site (a claim: its claim token)
    checked_at: Mapped[dt.datetime] = mapped_column(default=utc_now)  # the answer's (a claim's) time


class LinkValidator(Base):
    """A site's newest own check of a link target with the target's validators (ETag, Last-Modified):
    the next round asks the target whether it changed since (govcheck/revalidate.py)."""

    __tablename__ = "link_validators"
    __table_args__ = (UniqueConstraint("host", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))  # the site whose crawl checked it
    url: Mapped[str] = mapped_column(String(1000))
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))  # ok | broken
    status: Mapped[int]
    error: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str | None] = mapped_column(String(10))
    round: Mapped[str] = mapped_column(String(100))
    checked_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class PageCacheEntry(Base):
    """A page's newest full answer with its validators (ETag, Last-Modified): the next round asks the
    site whether it changed since, and a 304 hands the crawl this body (govcheck/pagecache_middleware.py).
    One row per URL, whichever site's crawl fetched it last (the validators are the URL's, not a site's)."""

    __tablename__ = "page_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    host: Mapped[str] = mapped_column(String(255), index=True)  # the site whose crawl fetched it
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[int]
    headers: Mapped[dict[str, Any]]  # the few headers a callback reads (Content-Type …)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed, as the downloader decoded it
    size: Mapped[int]  # bytes of the body uncompressed
    round: Mapped[str] = mapped_column(String(100))
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class ServicePage(Base):
    """A service column's page or 办事指南 one crawl read: its service links and a guide's key elements."""

    __tablename__ = "service_pages"
    __table_args__ = (UniqueConstraint("crawl_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_id: Mapped[int] = mapped_column(ForeignKey("crawls.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    column_url: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(20))  # list | guide
    title: Mapped[str | None] = mapped_column(Text)
    elements: Mapped[dict[str, Any]]  # element class → label as written (guides)
    missing: Mapped[dict[str, Any]]  # element class → absent | empty (guides)
    links: Mapped[list[Any]]  # {url, text, kind: attachment | online}


class ArticleCheck(Base):
    """An article page one crawl read for its 网页设计规范 metas (the sample of GOVCHECK_ARTICLE_META_CHECK)."""

    __tablename__ = "article_checks"
    __table_args__ = (UniqueConstraint("crawl_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_id: Mapped[int] = mapped_column(ForeignKey("crawls.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    column_url: Mapped[str] = mapped_column(String(1000))  # the column that lists it
    http_status: Mapped[int | None]  # None: no answer
    missing_metas: Mapped[list[Any] | None]  # None: not read (not a 2xx HTML page)
    error: Mapped[str | None] = mapped_column(String(200))


class Evaluation(Base):
    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("site_id", "as_of", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawls.id", ondelete="SET NULL"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    round: Mapped[str] = mapped_column(String(100), default="")
    verdict: Mapped[str] = mapped_column(String(10))  # pass | fail | unknown
    reason: Mapped[str | None] = mapped_column(String(100))  # why unknown
    score: Mapped[float | None] = mapped_column(Float)
    rulebook: Mapped[str] = mapped_column(String(40))
    thresholds: Mapped[dict[str, Any]]
    summary: Mapped[str] = mapped_column(Text, default="")
    # The checks its rules could not make, and why (not findings: the verdict stands without them);
    # None for evaluations stored before the column existed.
    unchecked: Mapped[list[Any] | None]
    evaluated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Finding(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    column_id: Mapped[int | None] = mapped_column(ForeignKey("columns.id", ondelete="SET NULL"))
    column_name: Mapped[str | None] = mapped_column(String(200))
    column_url: Mapped[str | None] = mapped_column(String(1000))
    url: Mapped[str | None] = mapped_column(String(1000))
    source_url: Mapped[str | None] = mapped_column(String(1000))
    threshold_days: Mapped[int | None]
    newest: Mapped[dt.date | None] = mapped_column(Date)
    scope: Mapped[str | None] = mapped_column(String(20))
    external: Mapped[bool | None] = mapped_column(Boolean)
    item: Mapped[str | None] = mapped_column(String(30))
    urls: Mapped[list[Any] | None]
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]]
    position: Mapped[int] = mapped_column(Integer, default=0)  # order within the evaluation


class Probe(Base):
    """One availability probe of a homepage (the official rule: ≥ 20 a day over 7 days, 15 s each)."""

    __tablename__ = "probes"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    probed_at: Mapped[dt.datetime] = mapped_column(default=utc_now, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(200))
    latency_ms: Mapped[float | None] = mapped_column(Float)
