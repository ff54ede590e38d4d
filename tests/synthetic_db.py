"""A synthetic crawl database for the evaluator: what a round of many sites stores, at any size.

Deterministic for a (sites, seed) pair, so the evaluation test can compare findings with stored
expected ones, and the benchmark (bench/evaluate.py) can fill 1 M entries. Rows are written with
explicit ids in bulk (COPY on PostgreSQL, executemany on SQLite), straight into the schema the
migrations create; the mix covers every rule the evaluator applies: stale, blank, broken and
unparseable columns, undated entries, entries published after the as-of date or taken down before
it, ties on the newest date, broken / refused / bad links, portals with footer facts, unreachable
homepages (with probes or without), blocked homepages, re-crawls and stale crawls, non-gov hosts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text

AS_OF = dt.date(2024, 2, 28)
ROUND = "2024-Q1"
EARLIER_ROUND = "2023-Q4"
EARLIER_AS_OF = dt.date(2023, 12, 15)
COLUMN_NAMES = (
    "工作动态",
    "要闻动态",
    "图片新闻",
    "通知公告",
    "政策文件",
    "规划信息",
    "政府信息公开指南",
    "机构职能",
    "领导信息",
    "历史回顾",
    "咨询投诉",
    "专题专栏",
    "人事信息",
    "财政资金",
    "统计数据",
)
EXTERNAL = (
    "https://www.gov.cn/",
    "https://beian.miit.gov.cn/",
    "http://www.beian.gov.cn/portal/registerSystemInfo",
    "https://bszs.conac.cn/sitename",
    "http://www.hubei.gov.cn/",
)
BAD = ("http://www.casino-royal88.com/", "http://xvideos.example.net/x")
INTERNAL_NETWORK = ("http://10.1.2.3/oa/", "http://192.168.0.8/admin")
ENTRIES_PER_SITE = 676  # with the defaults of generate()
TABLES = (
    "sites",
    "crawls",
    "columns",
    "column_checks",
    "entries",
    "links",
    "link_checks",
    "probes",
)


@dataclass
class Rows:
    """Every table's rows, in insertion order, as tuples matching ``COLUMNS``."""

    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    next_id: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 1))

    def add(self, table: str, *values: Any) -> int:
        row_id = self.next_id[table]
        self.next_id[table] += 1
        self.tables[table].append((row_id, *values))
        return row_id


COLUMNS: dict[str, tuple[str, ...]] = {
    "sites": (
        "id",
        "site_code",
        "name",
        "host",
        "homepage",
        "is_portal",
        "in_registry",
        "created_at",
        "updated_at",
    ),
    "crawls": (
        "id",
        "round",
        "site_id",
        "attempt",
        "attempt_key",
        "status",
        "as_of",
        "reference_at",
        "started_at",
        "finished_at",
        "homepage_url",
        "homepage_status",
        "health",
    ),
    "columns": (
        "id",
        "site_id",
        "url",
        "name",
        "depth",
        "position",
        "is_homepage",
        "first_seen_crawl_id",
        "last_seen_crawl_id",
    ),
    "column_checks": ("id", "crawl_id", "column_id", "status", "reason", "http_status", "entry_count"),
    "entries": (
        "id",
        "column_id",
        "url",
        "title",
        "published",
        "date_text",
        "date_source",
        "first_seen_crawl_id",
        "last_seen_crawl_id",
        "first_seen_at",
        "last_seen_at",
    ),
    "links": ("id", "crawl_id", "source_url", "target_url", "tag", "on_homepage", "external"),
    "link_checks": ("id", "crawl_id", "url", "outcome", "status", "error", "method"),
    "probes": ("id", "site_id", "url", "probed_at", "ok", "status", "error", "latency_ms"),
}


def _at(day: dt.date, hour: int = 2) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


class _Site:
    """One synthetic site's rows; ``r`` decides everything, so a seed gives the same database."""

    def __init__(self, rows: Rows, r: random.Random, number: int, columns: int, entries: int) -> None:
        self.rows, self.r, self.number = rows, r, number
        self.columns, self.entries = columns, entries
        gov = number % 17 != 5
        self.host = f"s{number:05d}.example.gov.cn" if gov else f"s{number:05d}.example.com"
        self.home = f"http://{self.host}/"
        self.portal = number % 10 == 0

    def write(self) -> None:
        rows = self.rows
        created = _at(EARLIER_AS_OF)
        self.site_id = rows.add(
            "sites",
            f"42{self.number:08d}",
            f"站点{self.number}",
            self.host,
            self.home,
            self.portal,
            self.number % 23 != 7,
            created,
            created,
        )
        kind = self.number % 40
        status = {7: "unreachable", 13: "blocked", 29: "too_large", 31: "unreachable"}.get(kind, "ok")
        earlier = self._crawl(EARLIER_ROUND, 1, "finished", EARLIER_AS_OF, "ok")
        as_of = AS_OF if kind != 3 else AS_OF - dt.timedelta(days=60)  # kind 3: a stale crawl
        current = self._crawl(ROUND, 1, "finished", as_of, status)
        if kind == 17:
            self._crawl(ROUND, 2, "interrupted", AS_OF, "ok")  # a killed re-crawl changes nothing
        if status == "ok":
            self._content(earlier, current)
        if kind in (7, 11):
            self._probes(fail_every=3 if kind == 7 else 50)

    def _crawl(self, round_name: str, attempt: int, status: str, as_of: dt.date, home: str) -> int:
        health: dict[str, Any] = {}
        if home == "unreachable":
            health["homepage_attempts"] = [
                {"at": f"{as_of}T01:0{i}:00+00:00", "status": None, "error": "TimeoutError"} for i in range(3)
            ]
        if self.portal and home == "ok":
            missing = self.number % 30 == 0
            health["footer"] = {
                "parsed": True,
                "party_gov_mark": True,
                "site_code": None if missing else f"42{self.number:08d}",
                "icp": "鄂ICP备05003337号",
                "police_record": None if missing else "鄂公网安备 42130202000123号",
                "channels": [] if self.number % 20 == 0 else ["领导信箱"],
                "suspicious_links": [],
            }
        started = _at(as_of, 1)
        return self.rows.add(
            "crawls",
            round_name,
            self.site_id,
            attempt,
            f"{self.site_id:08d}{round_name}{attempt}",
            status,
            as_of,
            _at(as_of, 0),
            started,
            started + dt.timedelta(minutes=5) if status == "finished" else None,
            self.home,
            home,
            json.dumps(health) if health else None,
        )

    def _content(self, earlier: int, current: int) -> None:
        rows, r = self.rows, self.r
        checks: dict[str, tuple[str, int | None, str | None]] = {}
        home_column = rows.add("columns", self.site_id, self.home, "首页", 0, 0, True, earlier, current)
        rows.add("column_checks", current, home_column, "ok", None, 200, 10)
        page_targets: list[str] = []
        for i in range(10):
            url = f"{self.home}art/home{i}.html"
            newest = AS_OF - dt.timedelta(days=r.choice((0, 1, 3, 20)))
            rows.add(
                "entries",
                home_column,
                url,
                f"首页信息{i}",
                newest,
                newest.isoformat(),
                "row",
                earlier,
                current,
                _at(EARLIER_AS_OF),
                _at(AS_OF),
            )
            page_targets.append(url)
        for position in range(1, self.columns + 1):
            name = COLUMN_NAMES[(self.number + position) % len(COLUMN_NAMES)]
            if position > len(COLUMN_NAMES):
                name = f"{name}{position}"
            url = f"{self.home}col{position}/"
            column = rows.add(
                "columns", self.site_id, url, name, 1 + (position % 5 == 0), position, False, earlier, current
            )
            roll = r.random()
            status, http, reason = "ok", 200, None
            if roll < 0.04:
                status, reason = "blank", "no entries"
            elif roll < 0.06:
                status, http, reason = "broken", 404, "HTTP 404"
            elif roll < 0.07:
                status, reason = "unparseable", "no list found"
            rows.add("column_checks", current, column, status, reason, http, 0)
            rows.add("column_checks", earlier, column, "ok", None, 200, 0)
            if status in ("ok", "unparseable"):
                page_targets += self._entries(column, url, earlier, current)
            checks[url] = ("broken", 404, None) if status == "broken" else ("ok", 200, None)
        self._links(current, page_targets, checks)

    def _entries(self, column: int, url: str, earlier: int, current: int) -> list[str]:
        rows, r = self.rows, self.r
        age = r.choice((0, 1, 2, 5, 9, 13, 16, 30, 100, 200, 400))
        newest = AS_OF - dt.timedelta(days=age)
        count = max(1, int(self.entries * r.uniform(0.5, 1.5)))
        urls: list[str] = []
        for i in range(count):
            entry_url = f"{url}t{i}.html"
            published: dt.date | None = newest - dt.timedelta(days=i // 2 * r.randint(1, 9))
            first, last = earlier, current
            roll = r.random()
            if roll < 0.01:
                published = None  # undated
            elif roll < 0.015:
                published = AS_OF + dt.timedelta(days=3)  # after the as-of date
            elif roll < 0.02:
                published, last = AS_OF, earlier  # taken down before this crawl
            elif roll < 0.025:
                first = current  # new in this crawl
            text_seen = None if published is None else f"{published:%Y-%m-%d}"
            if i == 1 and published is not None:
                text_seen = f"{published:%Y年%m月%d日}"  # ties on the newest date: which text wins
            rows.add(
                "entries",
                column,
                entry_url,
                f"标题{i}",
                published,
                text_seen,
                None if published is None else r.choice(("row", "detail", "url")),
                first,
                last,
                _at(EARLIER_AS_OF),
                _at(AS_OF),
            )
            urls.append(entry_url)
        return urls

    def _links(
        self, crawl: int, targets: list[str], checks: dict[str, tuple[str, int | None, str | None]]
    ) -> None:
        rows, r = self.rows, self.r
        sources = [self.home, *(url for url in checks)]
        seen: set[tuple[str, str]] = set()
        for source in sources:
            on_homepage = source == self.home
            picks = r.sample(targets, min(len(targets), 40 if on_homepage else 30))
            picks += [*EXTERNAL[: 3 + on_homepage * 2]]
            if r.random() < 0.02:
                picks.append(r.choice(BAD))
            if r.random() < 0.02:
                picks.append(r.choice(INTERNAL_NETWORK))
            if on_homepage and self.portal and self.number % 20 != 0:
                picks.append(f"{self.home}hdjl/index.html")
            for target in picks:
                if (source, target) in seen:
                    continue
                seen.add((source, target))
                external = not target.startswith(self.home)
                rows.add(
                    "links",
                    crawl,
                    source,
                    target,
                    "img" if target.endswith(".jpg") else "a",
                    on_homepage,
                    external,
                )
                if target in checks:
                    continue
                roll = r.random()
                if target in INTERNAL_NETWORK:
                    checks[target] = ("refused", None, "policy:private")
                elif roll < 0.02:
                    checks[target] = ("broken", 404, None)
                elif roll < 0.025:
                    checks[target] = ("broken", None, "DNSLookupError")
                elif roll < 0.03:
                    checks[target] = ("inconclusive", None, "TimeoutError")
                else:
                    checks[target] = ("ok", 200, None)
        for url, (outcome, status, error) in checks.items():
            rows.add("link_checks", crawl, url, outcome, status, error, "HEAD")

    def _probes(self, fail_every: int) -> None:
        start = dt.datetime.combine(
            AS_OF - dt.timedelta(days=6), dt.time(0, 30), dt.timezone(dt.timedelta(hours=8))
        )
        for n in range(7 * 20):
            at = (start + dt.timedelta(hours=n // 20 * 24, minutes=n % 20 * 60)).astimezone(dt.UTC)
            ok = n % fail_every != 0
            self.rows.add(
                "probes",
                self.site_id,
                self.home,
                at,
                ok,
                200 if ok else None,
                None if ok else "TimeoutError",
                120.0,
            )


def generate(sites: int, *, columns: int = 30, entries: int = 27, seed: int = 12) -> Rows:
    """The rows of ``sites`` sites (about columns × entries entries each)."""
    rows, r = Rows(), random.Random(seed)
    for number in range(sites):
        _Site(rows, r, number, columns, entries).write()
    return rows


def sites_for(entries: int) -> int:
    """How many sites make about ``entries`` entries (measured: 676 a site on average)."""
    return max(1, round(entries / ENTRIES_PER_SITE))


def _csv_value(value: Any) -> Any:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return value


def _copy(connection: Any, table: str, names: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
        )


def store(engine: Engine, rows: Rows) -> None:
    """Write the rows into an empty database at the head of the migrations."""
    postgres = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        for table in TABLES:
            names = COLUMNS[table]
            if postgres:
                _copy(raw, table, names, rows.tables[table])
            else:
                marks = ", ".join("?" * len(names))
                cursor = raw.cursor()
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
                    [tuple(_sqlite_value(v) for v in row) for row in rows.tables[table]],
                )
                cursor.close()
        raw.commit()
    finally:
        raw.close()
    if postgres:
        with engine.begin() as connection:
            for table in TABLES:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
            connection.execute(text("ANALYZE"))


def _sqlite_value(value: Any) -> Any:
    # As SQLAlchemy stores them in SQLite: ISO text for dates and naive UTC times.
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
