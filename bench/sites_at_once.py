"""Many sites at once on one node: CPU, peak RSS and RSS per open site of `govcheck crawl --all`, and
start-up paid per job vs per site (not a test; nothing here asserts a time).

Run: .venv/bin/python bench/sites_at_once.py [--sites 20 50 100] [--baseline 10]

It serves N generated sites (small department sites, 4 columns each, from the farm's own builder,
tests/farm/builder.py) on loopback through the farm's proxy, in a process of its own, and crawls
them with `govcheck crawl --all --jobs N` (every site at once, in one Scrapy process) at the default
politeness profile, into a fresh SQLite file. Measured, for the crawl's process tree only (the farm
is not counted): wall time, CPU seconds (the process and its children, each reaped), CPU as a share of
the node's cores, peak RSS (the sum over the tree, sampled every 0.2 s) and (peak RSS - start-up
RSS) / N. Start-up: a `scrapy crawl portal` job over an empty queue. Baseline (`--baseline B`):
the first B sites the old way, one `scrapy crawl portal -a site=HOST` process per site, two at a time.

`python bench/sites_at_once.py --serve N` runs the generated farm alone (it prints its proxy URL).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from govcheck.fleet.local import LocalRound  # noqa: E402
from tests.farm.builder import build_site  # noqa: E402
from tests.farm.server import FarmServer  # noqa: E402
from tests.farm.serving import serve as serve_farm  # noqa: E402
from tests.farm.sites import SiteSpec, col  # noqa: E402

AS_OF = "2024-02-28"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CORES = os.cpu_count() or 1
REAL_RATE = 3.4  # requests/s of one real site at default politeness (issue 12: 825 requests in 250 s)


def spec(number: int) -> SiteSpec:
    """A small department site on a shared platform: two sections, four fresh columns."""
    return SiteSpec(
        host=f"d{number:03d}.benchsites.gov.cn",
        code=f"42139{number:05d}",
        name=f"测试县第{number}局",
        org=f"县第{number}局",
        cms="generic",
        menus=(
            (
                "新闻中心",
                (
                    col("工作动态", "xwzx/gzdt", "2024-02-26", n=8, every=4, home=True),
                    col("通知公告", "xwzx/tzgg", "2024-02-20", n=4, every=20, home=True),
                ),
            ),
            (
                "政务公开",
                (
                    col("政策文件", "zwgk/zcwj", "2024-01-16", n=3, every=45),
                    col("财政预决算", "zwgk/czyjs", "2024-02-02", n=3, every=150),
                ),
            ),
        ),
        topics=("乡村振兴", "营商环境", "安全生产"),
        docid_base=70_000 + number * 100,
        icp="鄂ICP备12003457号-1",
        gongan="42132102000101",
        phone=f"0722-{4300000 + number:07d}",
        address="随州市随县厉山镇神农大道1号",
        outlinks=(),
    )


def serve(count: int) -> None:
    """The farm with ``count`` generated sites besides its own, until killed."""
    server = FarmServer(("127.0.0.1", 0), timeout_delay=20.0)
    server.sites.update({s.host: build_site(s) for s in map(spec, range(1, count + 1))})
    serve_farm(server)


def tree(root: int) -> list[int]:
    """``root`` and every process under it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
    return total


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(command: list[str], env: dict[str, str], cwd: Path) -> dict[str, float]:
    """Wall seconds, CPU seconds of the process and its children (each reaped by its parent), and the
    tree's peak RSS in bytes."""
    cpu = cpu_of_children()
    began = time.monotonic()
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, rss(tree(process.pid)))
        time.sleep(0.2)
    wall = time.monotonic() - began
    return {"wall": wall, "cpu": cpu_of_children() - cpu, "rss": peak, "code": process.returncode}


def mb(value: float) -> str:
    return f"{value / 2**20:,.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[20, 50, 100])
    parser.add_argument(
        "--baseline", type=int, default=10, help="sites crawled one process per site (0: skip)"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return 0
    farm = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(max(args.sites))],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert farm.stdout is not None
    proxy = farm.stdout.readline().strip()
    work = Path(tempfile.mkdtemp(prefix="sites-at-once-"))
    try:
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env |= {"http_proxy": proxy, "https_proxy": proxy, "no_proxy": "127.0.0.1,localhost"}
        env |= {"SCRAPY_SETTINGS_MODULE": "govcheck.settings", "PYTHONPATH": str(REPO)}
        print(f"{CORES} cores, load average {os.getloadavg()[0]:.1f}; default politeness; farm {proxy}")
        startup = start_up(env, work)
        print(
            f"start-up of one job (empty queue): {startup['wall']:.1f} s wall, {startup['cpu']:.2f} CPU s, "
            f"{mb(startup['rss'])} RSS"
        )
        print(
            "| sites at once | exit | crawls finished | pages | requests | wall s | CPU s | CPU s/site "
            "| CPU ms/request | CPU % of node | peak RSS | RSS per site over start-up | RSS per added site |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        previous: tuple[int, float] | None = None
        for count in args.sites:
            result = crawl_all(count, env, work)
            finished, pages, requests = stored(work / f"all-{count}.db")
            added = (result["rss"] - previous[1]) / (count - previous[0]) if previous else None
            previous = (count, result["rss"])
            print(
                f"| {count} | {result['code']} | {finished} | {pages} | {requests} | {result['wall']:.0f} | "
                f"{result['cpu']:.1f} | {result['cpu'] / count:.2f} | "
                f"{1000 * (result['cpu'] - startup['cpu']) / max(requests, 1):.1f} | "
                f"{100 * result['cpu'] / result['wall'] / CORES:.0f} % | {mb(result['rss'])} | "
                f"{mb((result['rss'] - startup['rss']) / count)} | {mb(added) if added else '–'} |",
                flush=True,
            )
        # CPU, not politeness, at real sizes: issue 12 measured one real site at default politeness at
        # 3.4 requests/s; this node's share for `count` such sites at once, at the CPU per request above.
        per_request = (result["cpu"] - startup["cpu"]) / max(requests, 1)
        print(
            f"\nestimate: {count} real sites at once at {REAL_RATE} requests/s each need "
            f"{100 * count * REAL_RATE * per_request / CORES:.0f} % of this node's {CORES} cores "
            f"({1000 * per_request:.1f} CPU ms per request, start-up excluded)"
        )
        if args.baseline:
            old = one_process_per_site(args.baseline, env, work)
            new = crawl_all(args.baseline, env, work)
            print(
                f"\n{args.baseline} sites, one process per site (2 at a time): {old['wall']:.0f} s wall, "
                f"{old['cpu']:.1f} CPU s ({old['cpu'] / args.baseline:.2f} per site); one process for all: "
                f"{new['wall']:.0f} s wall, {new['cpu']:.1f} CPU s ({new['cpu'] / args.baseline:.2f} per site)"
            )
    finally:
        farm.terminate()
        farm.wait()
        shutil.rmtree(work)
    return 0


def start_up(env: dict[str, str], work: Path) -> dict[str, float]:
    queue = LocalRound.create(work / "empty-queue", AS_OF, [])
    command = [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"queue={queue.path}"]
    return measured([*command, "--logfile", str(work / "startup.log")], env, work)


def stored(path: Path) -> tuple[int, int, int]:
    """Finished crawls, stored pages and requests made (crawls.health) in a run's database."""
    with sqlite3.connect(path) as db:
        finished, requests = db.execute(
            "SELECT COUNT(*), SUM(json_extract(health, '$.limits.requests')) FROM crawls WHERE status = 'finished'"
        ).fetchone()
        pages = db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
    return int(finished), int(pages), int(requests or 0)


def database(env: dict[str, str], work: Path, name: str, count: int) -> dict[str, str]:
    """A fresh SQLite file whose registry holds the first ``count`` generated sites."""
    path = work / f"{name}.db"
    path.unlink(missing_ok=True)
    env = {**env, "GOVCHECK_DATABASE_URL": f"sqlite:///{path}"}
    registry = work / f"{name}.csv"
    registry.write_text(
        "网站标识码,网站名称,首页地址\n"
        + "".join(f"{s.code},{s.name},{s.host}\n" for s in map(spec, range(1, count + 1))),
        encoding="utf-8",
    )
    govcheck = [sys.executable, "-m", "govcheck.cli"]
    subprocess.run(
        [*govcheck, "sites", "import", str(registry)], env=env, cwd=work, check=True, capture_output=True
    )
    return env


def crawl_all(count: int, env: dict[str, str], work: Path) -> dict[str, float]:
    env = database(env, work, f"all-{count}", count)
    command = [sys.executable, "-m", "govcheck.cli", "crawl", "--all", "--as-of", AS_OF, "--jobs", str(count)]
    return measured([*command, "--log-dir", str(work / "logs")], env, work)


def one_process_per_site(count: int, env: dict[str, str], work: Path) -> dict[str, float]:
    env = database(env, work, f"each-{count}", count)
    hosts = [spec(n).host for n in range(1, count + 1)]
    script = (
        "import subprocess, sys\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "def crawl(host):\n"
        "    subprocess.run([sys.executable, '-m', 'scrapy', 'crawl', 'portal', '-a', f'site={host}',\n"
        f"                    '-a', 'as_of={AS_OF}', '--logfile', f'{work}/{{host}}.log'], check=False)\n"
        "with ThreadPoolExecutor(2) as pool:\n"
        "    list(pool.map(crawl, sys.argv[1:]))\n"
    )
    return measured([sys.executable, "-c", script, *hosts], env, work)


if __name__ == "__main__":
    sys.exit(main())
