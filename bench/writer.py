"""The crawl writer's rows/s on PostgreSQL and SQLite: multi-row VALUES upserts vs COPY (not a test).

Run: .venv/bin/python bench/writer.py [--sites 10] [--backend postgresql sqlite] [--repeat 3]

Each site is one crawl attempt written as the storage pipeline writes it: batches of
GOVCHECK_STORE_BATCH_SIZE items through ``CrawlWriter.write`` (30 columns, 1,800 entries, 600 pages,
1,000 links, 600 link checks, ~4,000 rows). "VALUES" is the writer with PostgreSQL's COPY path turned
off (``COPY_MIN_ROWS`` above any batch): INSERT … VALUES (…), (…) … ON CONFLICT, 400 rows a statement,
the path every backend took before and SQLite still takes. "COPY" is the writer as it is: on
PostgreSQL a batch's rows of each table go through COPY into a temporary table and one
INSERT … SELECT … ON CONFLICT. Only ``write`` is timed (not ``begin``/``finish``); best of --repeat,
each in a fresh database; the stored rows are compared between the two paths.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evaluate import database, postgres_server  # noqa: E402
from sqlalchemy import Engine, func, select  # noqa: E402

from govcheck import config  # noqa: E402
from govcheck.context import CrawlContext  # noqa: E402
from govcheck.db import writer as writer_module  # noqa: E402
from govcheck.db.models import Column, ColumnCheck, Entry, Link, LinkCheck, Page  # noqa: E402
from govcheck.db.session import open_database, session_factory  # noqa: E402
from govcheck.items import (  # noqa: E402
    ColumnItem,
    CrawlItem,
    EntryItem,
    LinkCheckItem,
    LinkItem,
    PageItem,
    SiteItem,
)

TABLES = (Column, ColumnCheck, Entry, Page, Link, LinkCheck)
BATCH = config.defaults()["GOVCHECK_STORE_BATCH_SIZE"]


def site_items(k: int) -> list[CrawlItem]:
    home = f"http://s{k:03d}.writer.gov.cn/"
    items: list[CrawlItem] = [
        SiteItem(homepage_url=home, status="ok", name=f"站点{k}", site_code=f"98{k:08d}")
    ]
    for c in range(30):
        column = f"{home}c{c:02d}/"
        items.append(
            ColumnItem(
                url=column,
                name=f"栏目{c}",
                status="ok",
                position=c,
                breadcrumb=["首页", f"栏目{c}"],
                entry_count=60,
            )
        )
        for i in range(60):
            day = dt.date(2024, 2, 28) - dt.timedelta(days=i * 3)
            items.append(
                EntryItem(
                    column_url=column,
                    url=f"{column}{day:%Y%m}/t{day:%Y%m%d}_{c * 100 + i}.html",
                    title=f"关于开展{day.year}年第{i}项工作的通知",
                    date_text=day.isoformat(),
                    published=day,
                    date_source="row",
                )
            )
    for p in range(600):
        items.append(
            PageItem(url=f"{home}p{p}.html", kind="article", status=200, latency_ms=12.5, encoding="utf-8")
        )
    for n in range(1000):
        items.append(
            LinkItem(
                source_url=f"{home}p{n % 600}.html",
                target_url=f"{home}t{n}.html",
                tag="a",
                on_homepage=n < 100,
                external=False,
            )
        )
    for n in range(600):
        items.append(
            LinkCheckItem(
                url=f"{home}t{n}.html",
                outcome="ok" if n % 50 else "broken",
                status=200 if n % 50 else 404,
                method="HEAD",
            )
        )
    return items


def write_sites(url: str, sites: int) -> tuple[int, float]:
    engine = open_database(url, migrate=True)
    seconds = 0.0
    for k in range(sites):
        context = CrawlContext(
            host=f"s{k:03d}.writer.gov.cn",
            homepage=f"http://s{k:03d}.writer.gov.cn/",
            round="bench",
            as_of=dt.date(2024, 2, 28),
            reference_at=dt.datetime(2024, 2, 28, 23, 59, 59, tzinfo=ZoneInfo("Asia/Shanghai")),
        )
        writer = writer_module.CrawlWriter(engine, context)
        writer.begin()
        items = site_items(k)
        started = time.perf_counter()
        for start in range(0, len(items), BATCH):
            writer.write(items[start : start + BATCH])
        seconds += time.perf_counter() - started
        writer.finish("finished", {})
    rows = stored_rows(engine)
    engine.dispose()
    return rows, seconds


def stored_rows(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return sum(session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES)


def snapshot(url: str) -> list[Any]:
    """Every stored row of the crawl tables, ids aside (the two paths must store the same)."""
    engine = open_database(url)
    with session_factory(engine)() as session:
        rows = [
            sorted(
                tuple(
                    str(v) for k, v in row._mapping.items() if not k.endswith("id") and not k.endswith("_at")
                )
                for row in session.execute(select(*t.__table__.columns))
            )
            for t in TABLES
        ]
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument(
        "--backend", nargs="+", default=["postgresql", "sqlite"], choices=["postgresql", "sqlite"]
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="govcheck-bench-writer-"))
    copy_min_rows = writer_module.COPY_MIN_ROWS
    with postgres_server() if "postgresql" in args.backend else _none() as server:
        print(
            f"{'backend':<11} {'path':<7} {'rows':>8} {'best s':>7} {'rows/s':>8}   (batches of {BATCH} items)"
        )
        for backend in args.backend:
            best: dict[str, tuple[int, float]] = {}
            stored: dict[str, list[Any]] = {}
            for path, threshold in (("VALUES", sys.maxsize), ("COPY", copy_min_rows)):
                if backend == "sqlite" and path == "COPY":
                    continue  # SQLite has one path
                writer_module.COPY_MIN_ROWS = threshold
                for _ in range(args.repeat):
                    with database(backend, server, workdir) as url:
                        rows, seconds = write_sites(url, args.sites)
                        stored[path] = snapshot(url)
                    if path not in best or seconds < best[path][1]:
                        best[path] = (rows, seconds)
                rows, seconds = best[path]
                print(
                    f"{backend:<11} {path:<7} {rows:>8,} {seconds:>7.2f} {rows / seconds:>8,.0f}", flush=True
                )
            writer_module.COPY_MIN_ROWS = copy_min_rows
            if "COPY" in best:
                same = "same rows stored" if stored["COPY"] == stored["VALUES"] else "STORED ROWS DIFFER"
                ratio = best["VALUES"][1] / best["COPY"][1]
                print(f"{backend:<11} COPY ÷ VALUES rows/s: {ratio:.2f}× ({same})")
    shutil.rmtree(workdir, ignore_errors=True)


class _none:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None


if __name__ == "__main__":
    main()
