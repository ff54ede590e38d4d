"""The national night at default politeness: N big-farm sites at once on one node, measured in CPU-seconds.

Run: .venv/bin/python bench/night.py [--sites 100] [--columns 30] [--items 60] [--seconds 540]
     [--processes CORES] [--links all] [--budget 600] [--profile FILE]

The big farm (bench/bigfarm.py, in a process of its own) serves N realistic sites (30 columns × 60 items,
~2 % broken links, generic/TRS/Hanweb in turn); `govcheck crawl --all --jobs N --links all` crawls every
one of them at once in ONE Scrapy process (govcheck/local_crawl.py, govcheck/fleet/local.py) at the
DEFAULT politeness profile (per host: 4 at a time, ≥ 0.25 s apart, AutoThrottle) and the default
600-request budget, into a fresh SQLite file, cut after --seconds (a bounded run; what finished by then
is counted; every process of the tree is killed at the cut). `--processes P` shares the sites over P
Scrapy processes (`govcheck crawl --processes`). Sampled every second over the crawl's process tree only (the farm's own CPU is printed
apart): CPU-seconds from /proc (each process's own utime + stime, its last value kept once it is gone),
summed RSS, sites finished, requests the farm answered, the machine's load average.

Printed: the target's measure, CPU-seconds / wall-seconds / cores over the whole run and over its
steady part (after the first minute), peak RSS; then per site at default politeness (finished sites:
wall time, requests) and CPU per request and per site; then the national-night estimate for 14,000
sites in 10 h on 2-core nodes from those measured figures. Anything not measured directly (a figure
for sites that had not finished at the cut) is labelled as extrapolated.

--profile FILE: the same crawl's Scrapy process run directly under cProfile (pstats written to FILE and
its top costs printed); CPU figures of a profiled run are inflated by the profiler.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pstats
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from bigfarm import DOMAIN  # noqa: E402
from crawl import Farm, _proc_tree  # noqa: E402

GOVCHECK = str(Path(sys.executable).with_name("govcheck"))
AS_OF = "2024-02-28"
ROUND = "night"
CORES = os.cpu_count() or 1
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
NATIONAL_SITES = 14_000
NIGHT_SECONDS = 10 * 3600
CPU_CEILING = 0.8  # issue 12: CPU under 80 % of the node
POLITE_RATE = 3.0  # requests/s of one site alone at default politeness (bench/crawl.py's sample: 3.0-3.4)
RSS_CEILING = 4 * 2**30  # issue 12: RSS under 4 GB
STEADY_AFTER = 60.0  # seconds: start-up and the homepages' ramp are left out of the steady figure


def own_cpu(pid: int) -> tuple[float, int]:
    """(utime + stime in seconds, RSS bytes) of one process itself, children aside; zeros once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0.0, 0
    return (int(fields[11]) + int(fields[12])) / TICKS, rss


@dataclass
class Sample:
    at: float  # seconds since the crawl started
    cpu: float  # CPU-seconds of the tree so far
    rss: int
    finished: int
    load: float


@dataclass
class Tree:
    """CPU-seconds of a process tree, each process's own time kept after it is gone."""

    root: int
    seen: dict[int, float] = field(default_factory=dict)

    def sample(self) -> tuple[float, int]:
        rss = 0
        for pid in _proc_tree(self.root):
            cpu, size = own_cpu(pid)
            self.seen[pid] = max(self.seen.get(pid, 0.0), cpu)
            rss += size
        return sum(self.seen.values()), rss


def finished_sites(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=2) as db:
            return db.execute("SELECT COUNT(*) FROM crawls WHERE status = 'finished'").fetchone()[0]
    except sqlite3.Error:
        return -1


def per_site(database: Path) -> list[tuple[str, float, int, str]]:
    """(host, wall seconds, requests, exhausted) of every finished crawl."""
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT s.host, c.started_at, c.finished_at, c.health FROM crawls c JOIN sites s ON s.id = c.site_id "
            "WHERE c.status = 'finished'"
        ).fetchall()
    out = []
    for host, began, ended, health in rows:
        limits = (json.loads(health) if health else {}).get("limits", {})
        wall = (datetime.fromisoformat(ended) - datetime.fromisoformat(began)).total_seconds()
        out.append((host, wall, int(limits.get("requests", 0)), str(limits.get("exhausted") or "")))
    return out


def prepare(farm: Farm, workdir: Path, count: int) -> tuple[dict[str, str], Path]:
    database = workdir / "night.db"
    path = os.pathsep.join(filter(None, (os.environ.get("PYTHONPATH"), str(REPO))))  # the caller's first
    env = farm.env(GOVCHECK_DATABASE_URL=f"sqlite:///{database}", PYTHONPATH=path)
    registry = workdir / "registry.csv"
    lines = [f"{s['code']},{s['name']},{s['host']}" for s in farm.truth["sites"][:count]]
    registry.write_text("网站标识码,网站名称,首页地址\n" + "\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run(
        [GOVCHECK, "sites", "import", str(registry)], env=env, cwd=workdir, check=True, capture_output=True
    )
    return env, database


def crawl_command(args: argparse.Namespace, workdir: Path) -> list[str]:
    return [
        GOVCHECK, "crawl", "--all", "--jobs", str(args.sites), "--processes", str(args.processes),
        "--as-of", AS_OF, "--round", ROUND,
        "--links", args.links, "--log-dir", str(workdir / "logs"),
    ]  # fmt: skip


def profiled_command(args: argparse.Namespace, workdir: Path, env: dict[str, str]) -> list[str]:
    """The Scrapy process `govcheck crawl` would start, under cProfile (its queue built the same way)."""
    script = (
        "import sys, datetime\n"
        "from pathlib import Path\n"
        "from sqlalchemy import create_engine, select\n"
        "from govcheck.db.models import Site\n"
        "from govcheck.fleet.local import LocalRound\n"
        "from govcheck.fleet.round import task_for_site\n"
        "engine = create_engine(sys.argv[1])\n"
        "with engine.connect() as c:\n"
        "    sites = c.execute(select(Site.host, Site.homepage).order_by(Site.host)).all()\n"
        "tasks = [task_for_site(h, p, as_of=sys.argv[3], round_name=sys.argv[4], links=sys.argv[5], backend=None)"
        " for h, p in sites]\n"
        "print(LocalRound.create(Path(sys.argv[2]), sys.argv[4], tasks).path)\n"
    )
    queue = subprocess.run(
        [sys.executable, "-c", script, env["GOVCHECK_DATABASE_URL"], str(workdir / "queue"), AS_OF, ROUND, args.links],
        env=env, cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return [
        sys.executable, "-m", "cProfile", "-o", str(args.profile), "-m", "scrapy", "crawl", "portal",
        "-a", f"queue={queue}", "-a", f"round={ROUND}", "--logfile", str(workdir / "profiled.log"),
    ]  # fmt: skip


def run(
    command: list[str], env: dict[str, str], workdir: Path, database: Path, seconds: float, *, profiled: bool
) -> tuple[list[Sample], Tree]:
    process = subprocess.Popen(
        command, env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    tree = Tree(process.pid)
    began = time.monotonic()
    samples: list[Sample] = []
    last_print = 0.0
    while True:
        at = time.monotonic() - began
        cpu, rss = tree.sample()
        done = process.poll() is not None
        samples.append(Sample(at, cpu, rss, finished_sites(database), os.getloadavg()[0]))
        if at - last_print >= 60 or done:
            last_print = at
            s = samples[-1]
            print(
                f"  t={at:4.0f} s  CPU {s.cpu:7.1f} s  sites finished {s.finished:3d}  RSS {s.rss / 2**20:5.0f} MB  "
                f"load {s.load:.1f}",
                flush=True,
            )
        if done:
            break
        if at > seconds:
            # A profiled Scrapy process writes its profile as it stops on SIGINT; otherwise nothing
            # after the cut is measured, so nothing may run after it (a graceful stop stores every
            # site): every process of the tree is killed, `govcheck crawl`'s Scrapy child included.
            for pid in _proc_tree(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGINT if profiled else signal.SIGKILL)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            break
        time.sleep(1.0)
    return samples, tree


def fraction(a: Sample, b: Sample) -> float:
    return (b.cpu - a.cpu) / (b.at - a.at) / CORES if b.at > a.at else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100, help="sites crawled at once (the farm's size)")
    parser.add_argument("--columns", type=int, default=30)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=540.0, help="cut the crawl after this long")
    parser.add_argument("--links", choices=("homepage", "all"), default="all", help="govcheck crawl --links")
    parser.add_argument(
        "--processes",
        type=int,
        default=CORES,
        help="govcheck crawl --processes: Scrapy processes sharing the sites (default: one per core, as govcheck crawl)",
    )
    parser.add_argument(
        "--budget",
        type=int,
        default=600,
        help="requests per site assumed when none finished (the default budget)",
    )
    parser.add_argument("--profile", type=Path, help="run the crawl's Scrapy process under cProfile")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="govcheck-bench-night-"))
    print(f"{CORES} cores, load average {os.getloadavg()[0]:.1f} at start; building the farm …", flush=True)
    with Farm(workdir, args.sites, args.columns, args.items) as farm:
        print(f"big farm: {json.dumps(farm.summary)}", flush=True)
        env, database = prepare(farm, workdir, args.sites)
        farm_cpu = Tree(farm._proc.pid)
        farm_before = farm_cpu.sample()[0]
        farm.reset()
        if args.profile:  # what `govcheck crawl` sets for its Scrapy process
            env |= {"SCRAPY_SETTINGS_MODULE": "govcheck.settings", "GOVCHECK_FLEET_SITES": str(args.sites)}
        command = profiled_command(args, workdir, env) if args.profile else crawl_command(args, workdir)
        mode = (
            "one Scrapy process under cProfile (CPU inflated)"
            if args.profile
            else f"`govcheck crawl --all --processes {args.processes}`"
        )
        print(
            f"crawling {args.sites} sites at once, {mode}, default politeness, --links {args.links}, "
            f"cut at {args.seconds:.0f} s:",
            flush=True,
        )
        samples, tree = run(command, env, workdir, database, args.seconds, profiled=bool(args.profile))
        log = farm.log()
        farm_seconds = farm_cpu.sample()[0] - farm_before
    report(args, samples, log, database, farm_seconds, max(tree.seen.values(), default=0.0))
    if args.profile and args.profile.exists():
        print(f"\n== Top costs (cProfile, {args.profile}) ==")
        stats = pstats.Stats(str(args.profile))
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
    print(f"work folder (logs, database): {workdir}")


def report(
    args: argparse.Namespace,
    samples: list[Sample],
    log: list[list[object]],
    database: Path,
    farm_cpu: float,
    busiest: float,
) -> None:
    first, last = samples[0], samples[-1]
    steady = next((s for s in samples if s.at >= STEADY_AFTER), first)
    peak = max(s.rss for s in samples)
    loads = [s.load for s in samples]
    answered = sum(status is not None for _m, _u, status in log)
    sites = per_site(database)
    whole, steady_share = fraction(first, last), fraction(steady, last)
    print(
        f"\n== {args.sites} sites at once on one {CORES}-core node, default politeness, "
        f"{1 if args.profile else args.processes} Scrapy process(es) =="
    )
    print(
        f"  crawl ran {last.at:.0f} s ({'cut' if last.at > args.seconds else 'ended'}); load average "
        f"{min(loads):.1f}–{max(loads):.1f} (mean {statistics.mean(loads):.1f}) over the run, other jobs included"
    )
    print(
        f"  CPU of the crawl's process tree: {last.cpu:.1f} CPU-s in {last.at:.0f} wall-s = {100 * whole:.0f} % "
        f"of {CORES} cores; steady part (t ≥ {STEADY_AFTER:.0f} s): {last.cpu - steady.cpu:.1f} CPU-s in "
        f"{last.at - steady.at:.0f} s = {100 * steady_share:.0f} %"
    )
    print(
        f"  busiest process: {busiest:.1f} CPU-s = {100 * busiest / last.at:.0f} % of ONE core over the run "
        "(a Scrapy process is one Python thread: near 100 % it is CPU-bound, and sites wait on it, not on politeness)"
    )
    print(f"  the farm's own CPU meanwhile (not counted above): {farm_cpu:.1f} CPU-s")
    print(f"  peak RSS of the tree: {peak / 2**20:.0f} MB")
    print(
        f"  sites finished: {len(sites)} of {args.sites}; requests the farm answered: {answered:,} "
        f"({answered / last.at:.1f}/s, {answered / last.at / args.sites:.2f}/s per site)"
    )
    cpu_ms = 1000 * last.cpu / max(answered, 1)
    print(f"  CPU per request (all CPU ÷ all requests, start-up included): {cpu_ms:.2f} ms")
    hosts = {f"s{i:03d}.{DOMAIN}" for i in range(args.sites)}  # the farm's sites, not what they link to
    per_host = Counter(
        host
        for _m, url, status in log
        if status is not None and (host := urlsplit(str(url)).hostname) in hosts
    )
    so_far = statistics.median(per_host.values()) if per_host else 0
    rate = so_far / last.at
    # Issue 12's target in its own words: ≥ 100 sites open at once, CPU under 80 %, RSS under 4 GB. The
    # CPU figure only counts when the sites were not starved for it: no Scrapy process near 100 % of its
    # one core, and the sites fast enough that the national night fits in 2 nodes at this many sites a
    # node (a run whose other jobs held the cores once read 68 % "under" at 0.51 requests/s per site).
    # A lone site's pace (~3 requests/s) is printed, not required: 100 sites at that pace need more than
    # 80 % of a 2-core node at today's CPU per request.
    cpu_ok, rss_ok, unbound = steady_share < CPU_CEILING, peak < RSS_CEILING, busiest / last.at < 0.8
    night_rate = args.budget * NATIONAL_SITES / (2 * args.sites * NIGHT_SECONDS)
    fed = rate >= night_rate
    met = cpu_ok and rss_ok and unbound and fed and args.sites >= 100
    print(
        f"  target ≥ 100 sites at once with CPU < {CPU_CEILING:.0%} and RSS < 4 GB: {args.sites} sites open, "
        f"CPU {100 * steady_share:.0f} % steady ({'under' if cpu_ok else 'OVER'}), RSS {peak / 2**30:.2f} GB "
        f"({'under' if rss_ok else 'OVER'}), busiest process {'not ' if unbound else ''}CPU-bound, sites at "
        f"{rate:.2f} requests/s each ({'' if fed else 'NOT '}≥ {night_rate:.2f}/s, what a 2-node night needs): "
        f"{'met' if met else 'NOT met'}"
    )
    print(
        f"  pace: {rate / POLITE_RATE:.0%} of a lone site's ~{POLITE_RATE}/s at default politeness; at that pace "
        f"the {args.sites} sites would need {100 * POLITE_RATE * args.sites * cpu_ms / 1000 / CORES:.0f} % of "
        "the node's cores"
    )
    print(f"  requests per site so far: median {so_far:.0f} ({rate:.2f}/s per site)")
    if sites:
        walls = sorted(w for _h, w, _r, _e in sites)
        requests = sorted(r for _h, _w, r, _e in sites)
        wall, made = statistics.median(walls), statistics.median(requests)
        exhausted = sum(bool(e) for *_x, e in sites)
        print(
            f"  per finished site: wall median {wall:.0f} s (min {walls[0]:.0f}, max {walls[-1]:.0f}), requests "
            f"median {made:.0f} (max {requests[-1]}), budget reached on {exhausted} of {len(sites)}"
        )
    elif rate:
        made = float(args.budget)
        wall = made / rate
        print(
            f"  no site finished before the cut: per-site wall EXTRAPOLATED as the {made:.0f}-request budget at "
            f"the measured {rate:.2f} requests/s per site = {wall:.0f} s"
        )
    else:
        print("  no request answered: no per-site figures, no estimate")
        return
    measured = len(sites) == args.sites and last.at <= args.seconds
    cpu_site = last.cpu / args.sites if measured else cpu_ms / 1000 * made
    label = (
        "measured (every site finished)" if measured else "EXTRAPOLATED (CPU per request × requests per site)"
    )
    print(f"  CPU per site: {cpu_site:.2f} CPU-s, {label}")

    print(
        f"\n== National night: {NATIONAL_SITES:,} sites in {NIGHT_SECONDS // 3600} h on {CORES}-core nodes =="
    )
    at_once = args.sites
    print(
        f"  from: {wall:.0f} s per site at default politeness ({'median of the finished' if sites else 'extrapolated'}), "
        f"{at_once} sites at once per node, {cpu_site:.2f} CPU-s per site"
    )
    polite_nodes = NATIONAL_SITES * wall / (at_once * NIGHT_SECONDS)
    node_cpu = at_once * cpu_site / wall / CORES  # a node's CPU share with at_once sites always open
    cpu_nodes = NATIONAL_SITES * cpu_site / (NIGHT_SECONDS * CORES * CPU_CEILING)
    nodes = max(1, int(-(-max(polite_nodes, cpu_nodes) // 1)))
    per_node = NATIONAL_SITES * cpu_site / (nodes * NIGHT_SECONDS * CORES)
    print(
        f"  politeness bound: {polite_nodes:.2f} nodes ({at_once} sites at once, each {wall:.0f} s); "
        f"that node at {100 * node_cpu:.0f} % CPU"
    )
    print(f"  CPU bound (at {CPU_CEILING:.0%} of the cores): {cpu_nodes:.2f} nodes")
    print(
        f"  nodes needed: {nodes} (target ≤ 2: {'met' if nodes <= 2 else 'NOT met'}); each node's CPU over the "
        f"night: {100 * per_node:.0f} % of its {CORES} cores"
    )


if __name__ == "__main__":
    main()
