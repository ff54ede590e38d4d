"""Idempotent, batched writes of one crawl attempt's items. Used by the storage pipeline and by spool replay.

Every table write is an upsert on its identity key, so replaying a spool twice duplicates nothing.
A re-crawl is a new attempt (govcheck/db/attempts.py): its pages, links and checks are its own, and
shared rows (columns, entries) only move ``last_seen``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import uuid
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Engine, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from govcheck.context import CrawlContext
from govcheck.db.attempts import FINISHED, INTERRUPTED, RUNNING, supersede_running
from govcheck.db.kinds import KINDS, ItemKind, RowScope, flattened
from govcheck.db.models import Column, ColumnCheck, Crawl, Entry, Page, Probe, Site, utc_now
from govcheck.db.session import with_retry
from govcheck.items import CrawlItem, ProbeItem, SiteItem
from govcheck.monitors import CrawlFacts, MonitorSuite
from govcheck.statkeys import (
    LIMIT_HITS_KEY,
    LIMITS_PREFIX,
    ROBOTS_FORBIDDEN_KEY,
    ROBOTS_URLS_KEY,
    SKIPPED_PAGES_PREFIX,
    UNDATED_COLUMNS_KEY,
)

logger = logging.getLogger(__name__)
ROWS_PER_STATEMENT = 400
# PostgreSQL upserts of this many rows or more go through COPY (_copy_upsert); fewer are one VALUES statement.
COPY_MIN_ROWS = 20


def _upsert(
    session: Session,
    model: type[Any],
    rows: list[dict[str, Any]],
    keys: Sequence[str],
    update_cols: Sequence[str],
) -> None:
    if not rows:
        return
    # One INSERT … ON CONFLICT may not touch a row twice (PostgreSQL): keep the last version of each key.
    # Rows go in key order, so concurrent writers lock shared rows in one order and never deadlock.
    by_key = {tuple(row[k] for k in keys): row for row in rows}
    unique = [by_key[key] for key in sorted(by_key)]
    postgresql = session.get_bind().dialect.name == "postgresql"
    if (
        postgresql
        and len(unique) >= COPY_MIN_ROWS
        and _copy_upsert(session, model, unique, keys, update_cols)
    ):
        return
    insert = pg_insert if postgresql else sqlite_insert
    for start in range(0, len(unique), ROWS_PER_STATEMENT):
        statement = insert(model).values(unique[start : start + ROWS_PER_STATEMENT])
        if update_cols:
            statement = statement.on_conflict_do_update(
                index_elements=list(keys), set_={c: statement.excluded[c] for c in update_cols}
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=list(keys))
        session.execute(statement)


def _copy_upsert(
    session: Session,
    model: type[Any],
    rows: list[dict[str, Any]],
    keys: Sequence[str],
    update_cols: Sequence[str],
) -> bool:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT … SELECT … ON CONFLICT.

    COPY sends the rows as one text stream: no statement of thousands of bound parameters to compile
    and interpolate per batch (the multi-row VALUES path's cost). False when the driver has no COPY
    (only psycopg2's ``copy_expert`` is used); the caller then takes the VALUES path.
    """
    cursor = session.connection().connection.cursor()
    if not hasattr(cursor, "copy_expert"):
        cursor.close()
        return False
    names = list(rows[0])
    quote = session.get_bind().dialect.identifier_preparer.quote
    table = quote(model.__tablename__)
    # One temporary table per target table and column set, kept by the pooled connection, emptied at commit.
    staging = quote(f"govcheck_copy_{model.__tablename__}_{zlib.crc32(' '.join(names).encode()):08x}")
    columns = ", ".join(quote(n) for n in names)
    serialize = session.get_bind().dialect._json_serializer or json.dumps  # as SQLAlchemy's JSON type does
    # JSON values are serialized as SQLAlchemy's JSON type does, a None too unless the column says
    # none_as_null, so both paths store the same thing.
    json_columns = {
        c.name: c.type.none_as_null
        for c in model.__table__.columns
        if isinstance(c.type, JSON) and c.name in names
    }
    lines = io.StringIO()
    for row in rows:
        fields = []
        for name in names:
            value = row[name]
            if name in json_columns and not (value is None and json_columns[name]):
                value = serialize(value)
            fields.append(_copy_field(value))
        lines.write("\t".join(fields) + "\n")
    lines.seek(0)
    try:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.copy_expert(f"COPY {staging} ({columns}) FROM STDIN", lines)
        conflict = ", ".join(quote(k) for k in keys)
        action = (
            "DO UPDATE SET " + ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in update_cols)
            if update_cols
            else "DO NOTHING"
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} ORDER BY {conflict} "
            f"ON CONFLICT ({conflict}) {action}"
        )
        cursor.execute(f"TRUNCATE {staging}")  # a second upsert of this table in the transaction starts empty
    finally:
        cursor.close()
    return True


def _copy_field(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):  # datetime too: isoformat keeps the UTC offset
        return value.isoformat()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


class CrawlWriter:
    def __init__(self, engine: Engine, context: CrawlContext, attempt_key: str | None = None) -> None:
        self.engine = engine
        self.context = context
        # A spool replay passes the key of the attempt it continues; a live crawl starts a new one.
        self.attempt_key = attempt_key or uuid.uuid4().hex
        self.site_id: int | None = None
        self.crawl_id: int | None = None
        self._column_ids: dict[str, int] = {}

    def begin(self) -> None:
        """Register the site (ad hoc if it is not in the registry) and open this writer's attempt: a
        new crawls row numbered after the (round, site)'s earlier attempts, or the one its key names."""

        def work(session: Session) -> tuple[int, int]:
            # Upserts, not select-then-insert: workers on many nodes may open the same site at once.
            _upsert(
                session,
                Site,
                [{"host": self.context.host, "homepage": self.context.homepage, "in_registry": False}],
                ("host",),
                (),
            )
            # Serializes attempts at one site across nodes (PostgreSQL; a SQLite writer holds the
            # database already). NO KEY UPDATE leaves the key-share locks of other writers' rows alone.
            site_id = session.scalar(
                select(Site.id).where(Site.host == self.context.host).with_for_update(key_share=True)
            )
            assert site_id is not None
            existing = session.scalar(select(Crawl.id).where(Crawl.attempt_key == self.attempt_key))
            if existing is not None:
                return site_id, existing
            supersede_running(session, self.context.round, site_id)
            latest = session.scalar(
                select(func.max(Crawl.attempt)).where(
                    Crawl.round == self.context.round, Crawl.site_id == site_id
                )
            )
            crawl = Crawl(
                round=self.context.round,
                site_id=site_id,
                attempt=(latest or 0) + 1,
                attempt_key=self.attempt_key,
                status=RUNNING,
                as_of=self.context.as_of,
                reference_at=self.context.reference_at,
                started_at=utc_now(),
            )
            session.add(crawl)
            session.flush()
            return site_id, crawl.id

        self.site_id, self.crawl_id = with_retry(self.engine, work)

    def write(self, items: Iterable[CrawlItem]) -> None:
        batch = list(items)
        if batch:
            with_retry(self.engine, lambda session: self._write(session, batch))

    def finish(self, status: str, stats: dict[str, Any], monitors: MonitorSuite | None = None) -> None:
        """Close the crawl row: status, stats, health counters and, given a suite, its monitors' results."""

        def work(session: Session) -> None:
            crawl = session.get(Crawl, self.crawl_id)
            assert crawl is not None
            superseded = session.scalar(
                select(Crawl.attempt).where(
                    Crawl.round == crawl.round, Crawl.site_id == crawl.site_id, Crawl.attempt > crawl.attempt
                )
            )
            final = status
            if superseded is not None and status == FINISHED:
                # A later attempt began while this one ran (a fleet lease lost in a stall, a replay
                # after a re-crawl): that one replaces it, so one finished attempt counts per round.
                logger.warning(
                    "Attempt %d of %s in round %s ends after attempt %d began: kept as interrupted",
                    crawl.attempt,
                    self.context.host,
                    crawl.round,
                    superseded,
                )
                final = INTERRUPTED
            crawl.status = final
            crawl.finished_at = utc_now()
            crawl.stats = stats
            health = {
                **(crawl.health or {}),
                **self._health(session),
                "limits": limits_health(stats),
                "robots": robots_health(stats),
            }
            if monitors is not None:
                health["monitors"] = monitors.run(CrawlFacts.from_health(crawl.homepage_status, health))
            crawl.health = health

        with_retry(self.engine, work)

    def _health(self, session: Session) -> dict[str, Any]:
        checks = session.execute(
            select(ColumnCheck.status, func.count())
            .where(ColumnCheck.crawl_id == self.crawl_id)
            .group_by(ColumnCheck.status)
        ).all()
        column_ids = select(ColumnCheck.column_id).where(ColumnCheck.crawl_id == self.crawl_id)
        entries, dated = session.execute(
            select(func.count(), func.count(Entry.published)).where(
                Entry.column_id.in_(column_ids), Entry.last_seen_crawl_id == self.crawl_id
            )
        ).one()
        unparseable = session.execute(
            select(Column.url, ColumnCheck.reason)
            .join(ColumnCheck, ColumnCheck.column_id == Column.id)
            .where(ColumnCheck.crawl_id == self.crawl_id, ColumnCheck.status == "unparseable")
        ).all()
        pages, page_errors = session.execute(
            select(func.count(), func.count(Page.error)).where(Page.crawl_id == self.crawl_id)
        ).one()
        failed_pages = session.scalar(
            select(func.count()).where(
                Page.crawl_id == self.crawl_id,
                or_(Page.error.is_not(None), Page.status.is_(None), Page.status >= 400),
            )
        )
        columns_found = session.scalar(
            select(func.count())
            .select_from(ColumnCheck)
            .join(Column, Column.id == ColumnCheck.column_id)
            .where(ColumnCheck.crawl_id == self.crawl_id, Column.is_homepage.is_(False))
        )
        date_sources = session.execute(
            select(Entry.date_source, func.count())
            .where(Entry.column_id.in_(column_ids), Entry.last_seen_crawl_id == self.crawl_id)
            .group_by(Entry.date_source)
        ).all()
        encodings = session.execute(
            select(ColumnCheck.encoding, func.count())
            .where(ColumnCheck.crawl_id == self.crawl_id)
            .group_by(ColumnCheck.encoding)
        ).all()
        return {
            "date_sources": {source or "undated": count for source, count in date_sources},
            "encodings": {encoding or "none": count for encoding, count in encodings},
            "columns": {status: count for status, count in checks},
            "columns_found": columns_found,
            "entries": entries,
            "dated_share": round(dated / entries, 3) if entries else None,
            "pages": pages,
            "page_errors": page_errors,
            "failed_pages": failed_pages,
            "unparseable_columns": [{"url": url, "reason": reason} for url, reason in unparseable],
        }

    def _write(self, session: Session, batch: list[CrawlItem]) -> None:
        """Upsert the batch kind by kind, in the order of the item-kind table (govcheck/db/kinds.py)."""
        by_kind: dict[type[Any], list[Any]] = {}
        for item in flattened(batch):
            by_kind.setdefault(type(item), []).append(item)
        for site_item in by_kind.get(SiteItem, []):
            self._write_site(session, site_item)
        assert self.site_id is not None and self.crawl_id is not None
        at = RowScope(self.site_id, self.crawl_id, utc_now(), self._column_ids)
        for kind in KINDS:
            items = by_kind.get(kind.item, [])
            for store in kind.stores:
                stored = items if store.column is None else self._placed(session, kind, store.column, items)
                rows = [store.row(item, at) for item in stored]
                _upsert(session, store.model, rows, store.keys, store.update)

    def _placed(self, session: Session, kind: ItemKind, column: str, items: list[Any]) -> list[Any]:
        """The items whose column (the URL in their field ``column``) is stored, with its id resolved."""
        self._resolve_column_ids(session, {getattr(item, column) for item in items})
        placed = [item for item in items if getattr(item, column) in self._column_ids]
        if len(placed) < len(items):
            orphan = next(item for item in items if getattr(item, column) not in self._column_ids)
            logger.warning(
                "%d %s(s) name a column that was never stored; first: %s",
                len(items) - len(placed),
                kind.item.__name__,
                orphan,
            )
        return placed

    def _write_site(self, session: Session, item: SiteItem) -> None:
        site = session.get(Site, self.site_id)
        assert site is not None
        if not site.name and item.name:
            site.name = item.name
        if not site.site_code and item.site_code:
            taken = session.scalar(
                select(Site.id).where(Site.site_code == item.site_code, Site.id != site.id)
            )
            if taken is None:
                site.site_code = item.site_code
        session.execute(
            update(Crawl)
            .where(Crawl.id == self.crawl_id)
            .values(
                homepage_url=item.homepage_url,
                homepage_status=item.status,
                health={
                    **item.health,
                    "homepage_attempts": item.attempts,
                    "homepage_encoding": item.encoding,
                    "footer": item.footer,
                },
            )
        )

    def _resolve_column_ids(self, session: Session, urls: set[str]) -> None:
        missing = [u for u in urls if u not in self._column_ids]
        for start in range(0, len(missing), ROWS_PER_STATEMENT):
            chunk = missing[start : start + ROWS_PER_STATEMENT]
            for url, column_id in session.execute(
                select(Column.url, Column.id).where(Column.site_id == self.site_id, Column.url.in_(chunk))
            ):
                self._column_ids[url] = column_id


def limits_health(stats: dict[str, Any]) -> dict[str, Any]:
    """The limits a crawl ran into, from its stats: how often each was hit, the first hits with their
    URL, the request budget (made, skipped, which budget ran out) and what it left out: link checks
    (``links_checked`` of ``links_total``) and pages (``pages_skipped``: columns, list and detail pages;
    ``pages_skipped_by_phase``: per wave phase of govcheck.spiders.waves; ``undated_columns``: columns
    with no dated entry whose dating pages it left out, judged unknown)."""
    checked = stats.get("govcheck/links/checked", 0)
    counts = {
        key.removeprefix(LIMITS_PREFIX): value
        for key, value in stats.items()
        if key.startswith(LIMITS_PREFIX) and key != LIMIT_HITS_KEY
    }
    return {
        "counts": counts,
        "hits": stats.get(LIMIT_HITS_KEY, []),
        "requests": stats.get("govcheck/budget/requests", 0),
        "skipped": stats.get("govcheck/budget/skipped", 0),
        "exhausted": stats.get("govcheck/budget/exhausted"),
        "links_checked": checked,
        "links_total": checked + stats.get("govcheck/links/skipped", 0),
        "pages_skipped": stats.get("govcheck/budget/skipped_pages", 0),
        "undated_columns": stats.get(UNDATED_COLUMNS_KEY, 0),
        "pages_skipped_by_phase": {
            key.removeprefix(SKIPPED_PAGES_PREFIX): value
            for key, value in stats.items()
            if key.startswith(SKIPPED_PAGES_PREFIX)
        },
    }


def robots_health(stats: dict[str, Any]) -> dict[str, Any]:
    """The pages the site's robots.txt forbids, which the crawl did not read: how many, the first URLs."""
    return {"forbidden": stats.get(ROBOTS_FORBIDDEN_KEY, 0), "urls": stats.get(ROBOTS_URLS_KEY, [])}


def write_probes(engine: Engine, probes: Sequence[ProbeItem]) -> int:
    """Store availability probes (the ``probe`` spider); a host not yet registered is added ad hoc."""

    def work(session: Session) -> int:
        hosts = {p.host for p in probes}
        rows = session.execute(select(Site.host, Site.id).where(Site.host.in_(hosts))).all()
        site_ids = {host: site_id for host, site_id in rows}
        for probe in probes:
            if probe.host not in site_ids:
                site = Site(host=probe.host, homepage=probe.url, in_registry=False)
                session.add(site)
                session.flush()
                site_ids[probe.host] = site.id
            session.add(
                Probe(
                    site_id=site_ids[probe.host],
                    url=probe.url,
                    probed_at=probe.probed_at,
                    ok=probe.ok,
                    status=probe.status,
                    error=probe.error,
                    latency_ms=probe.latency_ms,
                )
            )
        return len(probes)

    return with_retry(engine, work) if probes else 0
