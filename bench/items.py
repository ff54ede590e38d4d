"""One item per page's links (PageLinksItem) against one item per link, side by side on one big farm;
with --baseline 7024c0a, one item per list page's entries (PageEntriesItem) against one per entry.

Run: .venv/bin/python bench/items.py [--baseline REVISION] [--sites 20] [--columns 30] [--items 60]
     [--seconds 180] [--rounds 1] [--compare-sites 3]

The code of the git revision --baseline (default: the last one yielding one item per link, ~2,600
items a site) is unpacked from git into a temporary folder and put first on PYTHONPATH; this
checkout's code is the other side.
Both crawl the same big-farm sites (bench/bigfarm.py) as bench/night.py does (`govcheck crawl --all
--jobs N --links all`, every site at once in one Scrapy process, DEFAULT politeness, fresh SQLite
file), cut after --seconds; --rounds R repeats the pair (baseline, branch, baseline, …) so the
machine's other load falls on both. Per run: CPU-seconds of the crawl's process tree, responses the
farm answered, items Scrapy scraped (its last LogStats line), CPU ms per response, CPU-seconds per
site, responses/s; then the ratios baseline ÷ branch (medians over the rounds).

Then the stored rows: --compare-sites small sites (5 columns × 12 items) crawled to the end by both
codes, each into its own SQLite file, and their tables compared row by row (ids, crawl numbers and
times left out; a host's not-found probe has a random path; which site fetched a shared link target
first is a race between the sites). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from crawl import Farm  # noqa: E402
from harness import Side, alternate  # noqa: E402
from night import crawl_command, prepare, run  # noqa: E402

# The last revision whose spider yields one item per link (main before PageLinksItem).
ONE_ITEM_PER_LINK = "8ab5f324b116746c6406f000b01b0e054ba666e6"
# What each table's rows are compared on: the item's own values, their column by its URL.
STORED = {
    "links": "SELECT source_url, target_url, tag, on_homepage, external FROM links",
    # checked_by left out: which site's crawl fetches a target shared by several first is a race
    # between the sites (the round's link-check cache), whatever the code.
    "link_checks": "SELECT url, outcome, status, error, method FROM link_checks",
    "entries": "SELECT c.url, e.url, e.title, e.published, e.date_text, e.date_source, e.date_error "
    "FROM entries e JOIN columns c ON c.id = e.column_id",
    "columns": "SELECT url, name, parent_url, depth, position, source, column_type, is_homepage FROM columns",
    "column_checks": "SELECT c.url, k.status, k.reason, k.http_status, k.entry_count, k.extractor "
    "FROM column_checks k JOIN columns c ON c.id = k.column_id",
    "pages": "SELECT url, kind, status, error, encoding FROM pages WHERE url NOT LIKE '%/govcheck-%'",
}


def unpack(revision: str, into: Path) -> Path:
    """The revision's tree (symlinks kept: govcheck/spiders → spiders) in ``into``."""
    archive = into / "baseline.tar"
    subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", "-o", str(archive), revision], check=True
    )
    tree = into / "baseline"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="tar")
    return tree


def with_code(env: dict[str, str], code: Path | None) -> dict[str, str]:
    """The crawl's environment, running ``code`` (a source tree) instead of this checkout's."""
    if code is None:
        return env
    return env | {"PYTHONPATH": os.pathsep.join((str(code), env.get("PYTHONPATH", "")))}


def which_code(env: dict[str, str], workdir: Path) -> str:
    """Where the crawl (run in ``workdir``) imports govcheck from, and which carrier items it has."""
    carriers = ("PageLinksItem", "PageEntriesItem")
    probe = f"import govcheck.items as i; print(i.__file__, [n for n in {carriers!r} if hasattr(i, n)])"
    return subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=workdir, capture_output=True, text=True, check=True
    ).stdout.strip()


def code_side(label: str, code: Path | None) -> Side:
    """The crawls of one code: ``code`` (a source tree), or this checkout's with None."""

    def environment(env: dict[str, str], workdir: Path) -> dict[str, str]:
        env = with_code(env, code)
        print(f"  code: {which_code(env, workdir)}", flush=True)
        return env

    return Side(label, label, label, environment)


def stored(database: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(database) as db:
        return {table: sorted(db.execute(query).fetchall(), key=repr) for table, query in STORED.items()}


def compare(args: argparse.Namespace, root: Path, baseline: Path) -> None:
    """Small sites crawled to the end by both codes: their stored tables, row by row."""
    small = argparse.Namespace(**{**vars(args), "sites": args.compare_sites})
    tables = {}
    (root / "compare-farm").mkdir()
    with Farm(root / "compare-farm", args.compare_sites, 5, 12) as farm:
        for label, code in (("baseline", baseline), ("branch", None)):
            workdir = root / f"compare-{label}"
            workdir.mkdir()
            env, database = prepare(farm, workdir, small.sites)
            print(f"  {label} code: {which_code(with_code(env, code), workdir)}", flush=True)
            farm.reset()
            run(crawl_command(small, workdir), with_code(env, code), workdir, database, 1800, profiled=False)
            tables[label] = stored(database)
    print(f"\n== Stored rows, {args.compare_sites} small sites crawled to the end by both codes ==")
    print("| table | baseline rows | branch rows | identical |")
    print("|---|---|---|---|")
    for table in STORED:
        before, after = tables["baseline"][table], tables["branch"][table]
        print(f"| {table} | {len(before):,} | {len(after):,} | {'yes' if before == after else 'NO'} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--baseline", default=ONE_ITEM_PER_LINK, help="git revision of the one-item-per-link code"
    )
    parser.add_argument("--sites", type=int, default=20, help="sites crawled at once (the farm's size)")
    parser.add_argument("--columns", type=int, default=30)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=180.0, help="cut each crawl after this long")
    parser.add_argument("--rounds", type=int, default=1, help="pairs of runs (baseline, branch)")
    parser.add_argument(
        "--compare-sites", type=int, default=3, help="small sites crawled to the end by both (0: skip)"
    )
    args = parser.parse_args(argv)
    args.links, args.processes = "all", 1
    root = Path(tempfile.mkdtemp(prefix="govcheck-bench-items-"))
    baseline = unpack(args.baseline, root)
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; baseline {args.baseline} "
        f"in {baseline}; building the farm …",
        flush=True,
    )
    pairs = alternate(args, root, (code_side("baseline", baseline), code_side("branch", None)))
    print(f"\n== Baseline ({args.baseline[:10]}) / this checkout, {args.sites} sites ==")
    pairs.print_table(
        "code",
        [
            ("CPU s/site", lambda r: f"{r.cpu_per_site:.2f}"),
            ("responses/s", lambda r: f"{r.responses_per_second:.1f}"),
        ],
    )
    ratio = pairs.ratio
    print(
        f"baseline ÷ branch (medians): CPU per response {ratio('ms_per_response'):.2f}×, items "
        f"{ratio('items'):.2f}×; branch ÷ baseline: responses/s {1 / ratio('responses_per_second'):.2f}×"
    )
    if args.compare_sites:
        compare(args, root, baseline)
    print(f"work folder (logs, databases): {root}")


if __name__ == "__main__":
    main()
