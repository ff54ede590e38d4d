"""The garbage-collector tuning (govcheck/gc_tuning.py) off and on, side by side on one big farm.

Run: .venv/bin/python bench/gc_tuning.py [--sites 40] [--columns 30] [--items 60] [--seconds 180]
     [--rounds 1] [--thresholds 50000,20,20] [--processes 1]

The big farm (bench/bigfarm.py) serves N realistic sites; the same in-process many-sites crawl as
bench/night.py (`govcheck crawl --all --jobs N --links all`, every site at once in one Scrapy process,
DEFAULT politeness, fresh SQLite file) runs with GOVCHECK_GC_TUNING=false, then =true (with
GOVCHECK_GC_THRESHOLDS), each cut after --seconds; --rounds R repeats the pair (off, on, off, on, …) so
the machine's other load falls on both. Per run: CPU-seconds of the crawl's process tree, responses
the farm answered, items Scrapy scraped (its last LogStats line, with the tree's CPU at that moment),
CPU ms per response and per item, peak RSS. Then the ratios off ÷ on (medians over the rounds).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from crawl import Farm  # noqa: E402
from night import Sample, crawl_command, prepare, run  # noqa: E402

# Scrapy's LogStats line: "2026-12-03 15:03:00 [scrapy.extensions.logstats] INFO: Crawled 1 pages …, scraped 2 items …"
LOGSTATS = re.compile(
    r"^(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[scrapy\.extensions\.logstats\] INFO: "
    r"Crawled (?P<pages>\d+) pages .*scraped (?P<items>\d+) items",
    re.MULTILINE,
)
LOGSTATS_SECONDS = 10


@dataclass
class Result:
    tuned: bool
    seconds: float
    cpu: float
    responses: int
    items: int  # scraped by the last LogStats line of each process
    items_cpu: float  # the tree's CPU-seconds at that line
    peak_rss: int
    load: float

    @property
    def ms_per_response(self) -> float:
        return 1000 * self.cpu / max(self.responses, 1)

    @property
    def ms_per_item(self) -> float:
        return 1000 * self.items_cpu / self.items if self.items else float("nan")


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


def measure(farm: Farm, args: argparse.Namespace, workdir: Path, tuned: bool) -> Result:
    env, database = prepare(farm, workdir, args.sites)
    env |= {"GOVCHECK_GC_TUNING": str(tuned).lower(), "GOVCHECK_GC_THRESHOLDS": args.thresholds}
    farm.reset()
    began = time.time()
    command = crawl_command(args, workdir)
    command[1:1] = ["--set", f"LOGSTATS_INTERVAL={LOGSTATS_SECONDS}"]  # item counts close to the cut
    samples, _tree = run(command, env, workdir, database, args.seconds, profiled=False)
    answered = sum(status is not None for _m, _u, status in farm.log())
    items, items_cpu = scraped(workdir / "logs", began, samples)
    last = samples[-1]
    return Result(
        tuned,
        last.at,
        last.cpu,
        answered,
        items,
        items_cpu,
        max(s.rss for s in samples),
        statistics.mean(s.load for s in samples),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=40, help="sites crawled at once (the farm's size)")
    parser.add_argument("--columns", type=int, default=30)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=180.0, help="cut each crawl after this long")
    parser.add_argument("--rounds", type=int, default=1, help="pairs of runs (off, on)")
    parser.add_argument(
        "--thresholds", default="50000,20,20", help="GOVCHECK_GC_THRESHOLDS of the tuned runs"
    )
    parser.add_argument("--processes", type=int, default=1, help="govcheck crawl --processes")
    args = parser.parse_args(argv)
    args.links = "all"
    root = Path(tempfile.mkdtemp(prefix="govcheck-bench-gc-"))
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; building the farm …",
        flush=True,
    )
    results: list[Result] = []
    with Farm(root, args.sites, args.columns, args.items) as farm:
        print(f"big farm: {json.dumps(farm.summary)}", flush=True)
        for number in range(args.rounds):
            for tuned in (False, True):
                workdir = root / f"run{number}-{'on' if tuned else 'off'}"
                workdir.mkdir()
                print(
                    f"run {number + 1}, GOVCHECK_GC_TUNING={'on, thresholds ' + args.thresholds if tuned else 'off'}: "
                    f"{args.sites} sites at once, default politeness, cut at {args.seconds:.0f} s",
                    flush=True,
                )
                results.append(measure(farm, args, workdir, tuned))
    print(f"\n== Garbage-collector tuning off / on, {args.sites} big-farm sites in one crawl ==")
    print(
        "| run | gc tuning | wall s | CPU s | responses | items | CPU ms/response | CPU ms/item | peak RSS MB | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for index, r in enumerate(results):
        label = f"on ({args.thresholds})" if r.tuned else "off"
        print(
            f"| {index // 2 + 1} | {label} | {r.seconds:.0f} | {r.cpu:.1f} | {r.responses:,} | {r.items:,} | "
            f"{r.ms_per_response:.2f} | {r.ms_per_item:.3f} | {r.peak_rss / 2**20:.0f} | {r.load:.1f} |"
        )
    off = [r for r in results if not r.tuned]
    on = [r for r in results if r.tuned]

    def ratio(measure: str) -> float:
        return statistics.median(getattr(r, measure) for r in off) / max(
            statistics.median(getattr(r, measure) for r in on), 1e-9
        )

    print(
        f"off ÷ on (medians): CPU per response {ratio('ms_per_response'):.2f}×, CPU per item {ratio('ms_per_item'):.2f}×, "
        f"peak RSS {ratio('peak_rss'):.2f}×, responses in the same time {1 / ratio('responses'):.2f}× more with tuning"
    )
    print(f"work folder (logs, databases): {root}")


if __name__ == "__main__":
    main()
