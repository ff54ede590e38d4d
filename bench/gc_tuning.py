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
import os
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness import Side, alternate  # noqa: E402


def tuning(args: argparse.Namespace, tuned: bool) -> Side:
    """GOVCHECK_GC_TUNING off, or on with --thresholds."""
    label = f"on ({args.thresholds})" if tuned else "off"
    settings = {"GOVCHECK_GC_TUNING": str(tuned).lower(), "GOVCHECK_GC_THRESHOLDS": args.thresholds}
    return Side(
        label,
        "on" if tuned else "off",
        f"GOVCHECK_GC_TUNING={'on, thresholds ' + args.thresholds if tuned else 'off'}",
        lambda env, _workdir: env | settings,
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
    pairs = alternate(args, root, (tuning(args, False), tuning(args, True)))
    print(f"\n== Garbage-collector tuning off / on, {args.sites} big-farm sites in one crawl ==")
    pairs.print_table(
        "gc tuning",
        [
            ("CPU ms/item", lambda r: f"{r.ms_per_item:.3f}"),
            ("peak RSS MB", lambda r: f"{r.peak_rss / 2**20:.0f}"),
        ],
    )
    ratio = pairs.ratio
    print(
        f"off ÷ on (medians): CPU per response {ratio('ms_per_response'):.2f}×, CPU per item {ratio('ms_per_item'):.2f}×, "
        f"peak RSS {ratio('peak_rss'):.2f}×, responses in the same time {1 / ratio('responses'):.2f}× more with tuning"
    )
    print(f"work folder (logs, databases): {root}")


if __name__ == "__main__":
    main()
