"""What several benchmarks share (not a benchmark itself):

- the `make demo` registry on the test farm served with validators, each run in a fresh SQLite file
  (bench/pagecache.py, bench/sitemap.py): ``ConditionalFarmHandler``, ``demo_registry``, ``govcheck``,
  ``crawl_all``, ``findings``;
- one big-farm crawl cut after --seconds, measured, and pairs of such crawls alternated (off, on, off,
  on, …) so the machine's other load falls on both sides, printed as one table with the ratios of
  their medians (bench/gc_tuning.py, bench/items.py): ``Side``, ``Pairs``, ``alternate``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from crawl import Farm  # noqa: E402
from night import Sample, crawl_command, prepare, run  # noqa: E402

from tests.farm.builder import Resource  # noqa: E402
from tests.farm.server import FarmHandler, FarmServer  # noqa: E402
from tests.farm.truth import AS_OF  # noqa: E402

# ------------------------------------------------------------- the `make demo` registry, served with validators

REGISTRY = REPO / "tests" / "farm" / "sites.csv"
LAST_MODIFIED = "Mon, 26 Feb 2024 08:00:00 GMT"


class ConditionalFarmHandler(FarmHandler):
    """The farm, every 200 with validators; a matching If-None-Match gets a 304. Counts body bytes sent."""

    sent: ClassVar[Counter[str]] = Counter()  # per process: one farm per run
    lock = threading.Lock()

    def _send(self, res: Resource, extra: tuple[tuple[str, str], ...] = ()) -> int:
        named = {name.lower() for name, _ in (*res.headers, *extra)}
        if res.status == 200 and "etag" not in named:
            tag = '"' + hashlib.sha1(res.body).hexdigest()[:16] + '"'
            extra = (*extra, ("ETag", tag), ("Last-Modified", LAST_MODIFIED))
            if self.headers.get("If-None-Match") == tag:
                res = Resource(304, res.content_type, b"")
        with self.lock:
            self.sent["responses"] += 1
            self.sent["304 GET"] += res.status == 304 and self.command == "GET"  # pages
            self.sent["304 HEAD"] += res.status == 304 and self.command == "HEAD"  # link checks
            self.sent["bytes"] += 0 if self.command == "HEAD" else len(res.body)
        return super()._send(res, extra)


@contextmanager
def demo_registry(handler: type[FarmHandler], prefix: str) -> Iterator[tuple[dict[str, str], Path]]:
    """The farm served by ``handler`` as the only proxy, and the `make demo` registry imported into a
    fresh SQLite file (in a temporary folder named ``prefix``…): the environment of every govcheck run
    and the database. Farm and folder are gone on exit."""
    server = FarmServer(("127.0.0.1", 0), timeout_delay=2.0)
    server.RequestHandlerClass = handler
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = f"http://127.0.0.1:{server.server_address[1]}"
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    database = workdir / "bench.db"
    try:
        base = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env = {
            **base,
            "http_proxy": proxy,
            "https_proxy": proxy,
            "no_proxy": "127.0.0.1,localhost",
            "GOVCHECK_DATABASE_URL": f"sqlite:///{database}",
        }
        env.pop("REDIS_URL", None)
        govcheck("sites", "import", str(REGISTRY), env=env)
        yield env, database
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)


def govcheck(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "govcheck.cli", *args], env=env, cwd=REPO, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"govcheck {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def crawl_all(env: dict[str, str], round_name: str) -> None:
    """The registry crawled as `make demo` crawls it."""
    govcheck("crawl", "--all", "--as-of", AS_OF.isoformat(), "--jobs", "4", "--round", round_name, env=env)


def findings(env: dict[str, str], round_name: str) -> dict[str, list[tuple[str, Any]]]:
    data = json.loads(
        govcheck("report", "--format", "json", "--as-of", AS_OF.isoformat(), "--round", round_name, env=env)
    )
    return {
        site["host"]: sorted((f["code"], f.get("url")) for f in site.get("findings", []))
        for site in data["sites"]
    }


# ------------------------------------------------------------- big-farm crawls, off and on, alternated

# Scrapy's LogStats line: "2026-12-03 15:03:00 [scrapy.extensions.logstats] INFO: Crawled 1 pages …, scraped 2 items …"
LOGSTATS = re.compile(
    r"^(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[scrapy\.extensions\.logstats\] INFO: "
    r"Crawled (?P<pages>\d+) pages .*scraped (?P<items>\d+) items",
    re.MULTILINE,
)
LOGSTATS_SECONDS = 10


def scraped(log_dir: Path, began: float, samples: list[Sample]) -> tuple[int, float]:
    """Items scraped by the last LogStats line of each Scrapy log, and the tree's CPU when it was written."""
    items, at = 0, 0.0
    for log in log_dir.rglob("*.log"):
        lines = list(LOGSTATS.finditer(log.read_text(encoding="utf-8", errors="replace")))
        if lines:
            items += int(lines[-1]["items"])
            at = max(at, datetime.strptime(lines[-1]["at"], "%Y-%m-%d %H:%M:%S").timestamp() - began)
    before = [s for s in samples if s.at <= at]
    return items, before[-1].cpu if before else 0.0


@dataclass(frozen=True)
class Side:
    """One side of a pair: its name in the table, its run folders and progress lines, and how its
    crawl's environment differs (given the environment and the run folder; it may print what it runs)."""

    label: str  # the table's cell
    folder: str  # runN-FOLDER
    heading: str  # "run N, HEADING: …"
    environment: Callable[[dict[str, str], Path], dict[str, str]]


@dataclass
class Result:
    side: Side
    seconds: float
    cpu: float
    responses: int
    items: int  # scraped by the last LogStats line of each process
    items_cpu: float  # the tree's CPU-seconds at that line
    peak_rss: int
    load: float
    sites: int

    @property
    def ms_per_response(self) -> float:
        return 1000 * self.cpu / max(self.responses, 1)

    @property
    def ms_per_item(self) -> float:
        return 1000 * self.items_cpu / self.items if self.items else float("nan")

    @property
    def cpu_per_site(self) -> float:
        return self.cpu / self.sites

    @property
    def responses_per_second(self) -> float:
        return self.responses / self.seconds if self.seconds else 0.0


def measure(farm: Farm, args: argparse.Namespace, workdir: Path, side: Side) -> Result:
    """bench/night.py's crawl of every farm site at once (default politeness, fresh SQLite file), cut
    after --seconds."""
    env, database = prepare(farm, workdir, args.sites)
    env = side.environment(env, workdir)
    farm.reset()
    began = time.time()
    command = crawl_command(args, workdir)
    command[1:1] = ["--set", f"LOGSTATS_INTERVAL={LOGSTATS_SECONDS}"]  # item counts close to the cut
    samples, _tree = run(command, env, workdir, database, args.seconds, profiled=False)
    answered = sum(status is not None for _m, _u, status in farm.log())
    items, items_cpu = scraped(workdir / "logs", began, samples)
    last = samples[-1]
    return Result(
        side,
        last.at,
        last.cpu,
        answered,
        items,
        items_cpu,
        max(s.rss for s in samples),
        statistics.mean(s.load for s in samples),
        args.sites,
    )


# A column of the table: its header and its cell of one run.
Column = tuple[str, Callable[[Result], str]]


@dataclass
class Pairs:
    """The runs of both sides, in the order they ran."""

    sides: tuple[Side, Side]
    results: list[Result] = field(default_factory=list)

    def print_table(self, side_header: str, columns: list[Column]) -> None:
        """One row a run: its pair, side, wall and CPU seconds, responses, items, CPU ms per response,
        then ``columns``, then the load average."""
        headers = ["run", side_header, "wall s", "CPU s", "responses", "items", "CPU ms/response"]
        headers += [header for header, _cell in columns] + ["load"]
        print("| " + " | ".join(headers) + " |")
        print("|" + "---|" * len(headers))
        for index, r in enumerate(self.results):
            cells = [f"{index // 2 + 1}", r.side.label, f"{r.seconds:.0f}", f"{r.cpu:.1f}"]
            cells += [f"{r.responses:,}", f"{r.items:,}", f"{r.ms_per_response:.2f}"]
            cells += [cell(r) for _header, cell in columns] + [f"{r.load:.1f}"]
            print("| " + " | ".join(cells) + " |")

    def ratio(self, figure: str) -> float:
        """The first side's median of ``figure`` ÷ the second side's."""
        first, second = (
            statistics.median(getattr(r, figure) for r in self.results if r.side is side)
            for side in self.sides
        )
        return first / max(second, 1e-9)


def alternate(args: argparse.Namespace, root: Path, sides: tuple[Side, Side]) -> Pairs:
    """One big farm of --sites × --columns × --items in ``root``, and --rounds pairs of runs on it, the
    sides in turn, each in its own folder under ``root``."""
    pairs = Pairs(sides)
    with Farm(root, args.sites, args.columns, args.items) as farm:
        print(f"big farm: {json.dumps(farm.summary)}", flush=True)
        for number in range(args.rounds):
            for side in sides:
                workdir = root / f"run{number}-{side.folder}"
                workdir.mkdir()
                print(
                    f"run {number + 1}, {side.heading}: {args.sites} sites at once, default politeness, "
                    f"cut at {args.seconds:.0f} s",
                    flush=True,
                )
                pairs.results.append(measure(farm, args, workdir, side))
    return pairs
