"""govcheck vs a plain Scrapy spider vs LinkChecker on the big farm, coverage, repeatability, national night.

Run: .venv/bin/python bench/crawl.py [--sites 20] [--columns 30] [--items 60] [--jobs 2] [--runs 3]
     [--sample-sites 2] [--linkchecker install|if-present|off] [--linkchecker-seconds 60] [--quick]

One farm (bench/bigfarm.py) serves every tool in turn, so all of them see the same sites over loopback:

1. Throughput, politeness off (no delay, no AutoThrottle, 16 requests per host): `govcheck crawl --all
   --jobs J --links all` (each run a fresh SQLite database), the plain Scrapy CrawlSpider of
   bench/plain_spider.py in J processes (the framework's ceiling: every link followed, nothing parsed),
   and LinkChecker 10.6.0 from its own venv under var/bench/ (not a project dependency), once with its
   per-host wait removed and 32 threads, once as shipped; LinkChecker runs are cut after
   --linkchecker-seconds (rates stay comparable). Requests are counted by the farm itself (its
   request log), so every tool is measured the same way: responses/s, GET pages/s (assets aside), CPU %
   of all cores (rusage of the whole process tree), peak RSS of its largest process and of the tree.
2. Coverage against the farm's truth: broken links and stale columns found by govcheck (its report),
   split by scope (homepage, first list page of a column, deeper), and what its budget skipped
   (crawls.health["limits"]); then one more run with no request budget.
3. Repeatability: the findings of the --runs identical govcheck runs compared finding by finding.
4. National night: a sample of --sample-sites sites crawled at DEFAULT politeness gives the per-site
   time and requests; with the politeness-off CPU seconds per site that gives the nodes needed for
   14,000 sites in 10 hours.

--quick: a 2-site farm of 6 columns × 12 items, 2 runs with a 60-request budget, no run without a
budget, a 20-request polite sample, LinkChecker off unless --linkchecker names a mode; under a minute
on an idle machine (tests/test_bench.py runs it). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, select  # noqa: E402

from govcheck.db.models import Crawl, Site  # noqa: E402
from govcheck.settings import CONCURRENT_ITEMS  # noqa: E402

BENCH = Path(__file__).resolve().parent
GOVCHECK = str(Path(sys.executable).with_name("govcheck"))
AS_OF = "2024-02-28"
ROUND = "bench"
LINKCHECKER_VERSION = "10.6.0"
LINKCHECKER_VENV = REPO / "var" / "bench" / "linkchecker"
ASSETS = (".css", ".js", ".png", ".gif", ".jpg", ".ico", ".pdf")
# Politeness off: the throughput comparison measures the crawler, not the courtesy delays.
POLITENESS_OFF = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "false",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
}
NATIONAL_SITES = 14_000
NIGHT_SECONDS = 10 * 3600
CPU_CEILING = 0.8  # share of a node's cores a crawl may use (issue 12's target)


# -------------------------------------------------------------------------------------------- measuring


@dataclass
class Usage:
    """One measured run: wall time, CPU of the whole process tree, memory, and what the farm saw."""

    tool: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float  # largest single process (its VmHWM)
    tree_rss_mb: float  # peak of the tree's summed RSS
    log: list[list[Any]] = field(default_factory=list)  # the farm's request log: [method, url, status]
    stdout: str = ""
    returncode: int = 0
    load: float = 0.0  # the machine's mean 1-minute load average while it ran (other jobs included)

    @property
    def responses(self) -> int:
        return sum(status is not None for _method, _url, status in self.log)

    @property
    def get_pages(self) -> int:
        return sum(
            method == "GET" and status is not None and not urlsplit(url).path.lower().endswith(ASSETS)
            for method, url, status in self.log
        )

    @property
    def pages(self) -> int:
        """Non-asset URLs answered to a GET or a HEAD: pages fetched plus links checked."""
        return sum(
            method in ("GET", "HEAD")
            and status is not None
            and not urlsplit(url).path.lower().endswith(ASSETS)
            for method, url, status in self.log
        )

    def cpu_percent(self) -> float:
        return 100 * self.cpu_seconds / self.seconds / (os.cpu_count() or 1)

    def row(self) -> str:
        return (
            f"{self.tool:<34} {self.seconds:>7.1f} {self.responses:>8,} {self.responses / self.seconds:>8.1f} "
            f"{self.get_pages:>8,} {self.get_pages / self.seconds:>8.1f} {self.pages / self.seconds:>9.1f} "
            f"{self.cpu_seconds:>6.1f} {self.cpu_percent():>5.0f} % "
            f"{self.peak_rss_mb:>6.0f} {self.tree_rss_mb:>6.0f} {self.load:>5.1f}"
        )


HEADER = (
    f"{'tool':<34} {'seconds':>7} {'responses':>8} {'resp/s':>8} {'GET pages':>8} {'GET/s':>8} {'GET+HEAD/s':>9} "
    f"{'CPU-s':>6} {'CPU':>7} "
    f"{'RSS MB':>6} {'tree MB':>6} {'load':>5}"
)


def _proc_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def _memory_kib(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of one process in KiB; zeros once it is gone."""
    hwm = rss = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    except OSError:
        pass
    return hwm, rss


def run_measured(
    tool: str, args: list[str], *, env: dict[str, str], cwd: Path, farm: Farm, timeout: float
) -> Usage:
    """Run ``args`` to completion (killed after ``timeout``), with the farm's counters reset first."""
    farm.reset()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            args, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True
        )
        peak = tree = 0
        loads = [os.getloadavg()[0]]
        while process.poll() is None:
            loads.append(os.getloadavg()[0])
            if time.monotonic() - started > timeout:
                os.killpg(process.pid, 9)
                process.wait()
                break
            sizes = [_memory_kib(pid) for pid in _proc_tree(process.pid)]
            peak = max(peak, *(hwm for hwm, _ in sizes), 0)
            tree = max(tree, sum(rss for _, rss in sizes))
            time.sleep(0.25)
        seconds = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode not in (0, None) and not tool.startswith("LinkChecker"):
        sys.stderr.write(f"{tool} exited {process.returncode}:\n{stderr[-3000:]}\n")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Usage(
        tool,
        seconds,
        cpu,
        peak / 1024,
        tree / 1024,
        farm.log(),
        stdout,
        process.returncode,
        statistics.mean(loads),
    )


# ----------------------------------------------------------------------------------------------- the farm


class Farm:
    """bench/bigfarm.py in a subprocess; ``truth`` is what it declares."""

    def __init__(self, workdir: Path, sites: int, columns: int, items: int) -> None:
        self.truth_file = workdir / "truth.json"
        self.args = [
            sys.executable, "-u", str(BENCH / "bigfarm.py"), "--sites", str(sites), "--columns", str(columns),
            "--items", str(items), "--truth", str(self.truth_file),
        ]  # fmt: skip
        self.url = ""
        self.truth: dict[str, Any] = {}

    def __enter__(self) -> Farm:
        self._proc = subprocess.Popen(self.args, cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        self.url = self._proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.__exit__()
            raise SystemExit(f"bench: the big farm did not start ({self.url!r})")
        self.summary = json.loads(self._proc.stdout.readline())
        self.truth = json.loads(self.truth_file.read_text(encoding="utf-8"))
        return self

    def __exit__(self, *_exc: object) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=10)

    def _call(self, path: str, method: str = "GET") -> dict[str, Any]:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(urllib.request.Request(self.url + path, method=method), timeout=60) as answer:
            return json.loads(answer.read())

    def reset(self) -> None:
        self._call("/_farm/reset", "POST")

    def log(self) -> list[list[Any]]:
        return self._call("/_farm/stats")["log"]

    @property
    def hosts(self) -> list[str]:
        return [site["host"] for site in self.truth["sites"]]

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env.pop("SCRAPY_SETTINGS_MODULE", None)
        local = "127.0.0.1,localhost"
        env |= {"http_proxy": self.url, "https_proxy": self.url, "no_proxy": local}
        env |= {"HTTP_PROXY": self.url, "HTTPS_PROXY": self.url, "NO_PROXY": local}
        return env | extra


# ------------------------------------------------------------------------------------------------- tools


def _sets(settings: dict[str, str]) -> list[str]:
    return [part for key, value in settings.items() for part in ("--set", f"{key}={value}")]


@dataclass
class GovcheckRun:
    usage: Usage
    findings: set[tuple[str, str, str]]  # (host, code, URL)
    report: dict[str, Any]
    limits: dict[str, dict[str, Any]]  # host → crawls.health["limits"]


def govcheck_run(
    farm: Farm,
    workdir: Path,
    name: str,
    *,
    jobs: int,
    settings: dict[str, str],
    timeout: float,
    hosts: list[str],
) -> GovcheckRun:
    """`govcheck crawl` of ``hosts`` into a fresh SQLite database, then its report as JSON."""
    database = workdir / f"{name}.db"
    database.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    env = farm.env(GOVCHECK_DATABASE_URL=url, PYTHONPATH=str(REPO))
    registry = workdir / "registry.csv"
    lines = [f"{s['code']},{s['name']},{s['host']}" for s in farm.truth["sites"] if s["host"] in hosts]
    registry.write_text("网站标识码,网站名称,首页地址\n" + "\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run(
        [GOVCHECK, "sites", "import", str(registry)], env=env, cwd=workdir, check=True, capture_output=True
    )
    command = [
        GOVCHECK, *_sets(settings), "crawl", "--all", "--jobs", str(jobs), "--as-of", AS_OF, "--round", ROUND,
        "--links", "all", "--log-dir", str(workdir / "logs" / name),
    ]  # fmt: skip
    usage = run_measured(f"govcheck ({name})", command, env=env, cwd=workdir, farm=farm, timeout=timeout)
    done = subprocess.run(
        [GOVCHECK, "report", "--format", "json", "--as-of", AS_OF, "--round", ROUND],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout) if done.returncode == 0 else {"sites": []}
    if done.returncode:
        sys.stderr.write(f"govcheck report failed: {done.stderr[-2000:]}\n")
    findings = {
        (site["host"], f["code"], f.get("url") or f.get("column_url") or f.get("message") or "")
        for site in report["sites"]
        for f in site["findings"]
    }
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(Site.host, Crawl.health).join(Crawl, Crawl.site_id == Site.id)).all()
    engine.dispose()
    limits = {host: (health or {}).get("limits", {}) for host, health in rows}
    return GovcheckRun(usage, findings, report, limits)


def plain_scrapy(farm: Farm, workdir: Path, jobs: int, timeout: float) -> Usage:
    """The plain CrawlSpider in ``jobs`` processes, the sites dealt round-robin; outside the project."""
    cwd = workdir / "plain"
    cwd.mkdir(exist_ok=True)  # no scrapy.cfg here: Scrapy's defaults, not govcheck's settings
    settings = {
        **POLITENESS_OFF,
        "ROBOTSTXT_OBEY": "False",
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": "False",
    }
    spider = str(BENCH / "plain_spider.py")
    commands = []
    for k in range(jobs):
        hosts = ",".join(farm.hosts[k::jobs])
        if hosts:
            args = ["-m", "scrapy", "runspider", spider, "-a", f"hosts={hosts}", "--logfile", f"plain{k}.log"]
            commands.append(
                [sys.executable, *args, *(p for s in settings.items() for p in ("-s", "=".join(s)))]
            )
    script = " & ".join(" ".join(map(_quote, c)) for c in commands) + " & wait"
    return run_measured(
        f"plain Scrapy CrawlSpider ×{len(commands)}",
        ["sh", "-c", script],
        env=farm.env(),
        cwd=cwd,
        farm=farm,
        timeout=timeout,
    )


def replay_scrapy(
    farm: Farm, workdir: Path, jobs: int, log: list[list[Any]], timeout: float, *, tuned: bool = False
) -> Usage:
    """bench/replay_spider.py: plain Scrapy making exactly the requests of a govcheck run (``log``, the
    farm's), the hosts dealt round-robin over ``jobs`` processes; politeness off, outside the project.
    ``tuned``: with govcheck's own CONCURRENT_ITEMS, so that Scrapy setting is no part of the ratio."""
    cwd = workdir / ("replay-tuned" if tuned else "replay")
    cwd.mkdir(exist_ok=True)
    settings = {
        **POLITENESS_OFF,
        "ROBOTSTXT_OBEY": "False",
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": "False",
        **({"CONCURRENT_ITEMS": str(CONCURRENT_ITEMS)} if tuned else {}),
    }
    hosts = sorted({urlsplit(url).hostname or "" for _m, url, _s in log})
    commands = []
    for k in range(jobs):
        mine = set(hosts[k::jobs])
        requests = [[method, url] for method, url, _s in log if urlsplit(url).hostname in mine]
        if requests:
            (cwd / f"requests{k}.json").write_text(json.dumps(requests), encoding="utf-8")
            args = [
                "-m",
                "scrapy",
                "runspider",
                str(BENCH / "replay_spider.py"),
                "-a",
                f"requests=requests{k}.json",
            ]
            args += [
                "--logfile",
                f"replay{k}.log",
                *(p for s in settings.items() for p in ("-s", "=".join(s))),
            ]
            commands.append([sys.executable, *args])
    script = " & ".join(" ".join(map(_quote, c)) for c in commands) + " & wait"
    return run_measured(
        f"plain Scrapy, govcheck's requests{', CONCURRENT_ITEMS ' + str(CONCURRENT_ITEMS) if tuned else ''} ×{len(commands)}",
        ["sh", "-c", script],
        env=farm.env(),
        cwd=cwd,
        farm=farm,
        timeout=timeout,
    )


def _quote(part: str) -> str:
    return "'" + part.replace("'", "'\\''") + "'"


def linkchecker_ready(mode: str) -> Path | None:
    """LinkChecker's venv (var/bench/linkchecker), installed on demand with ``mode`` install."""
    python = LINKCHECKER_VENV / "bin" / "python"
    if python.exists():
        return python
    if mode != "install":
        return None
    print(f"installing LinkChecker {LINKCHECKER_VERSION} into {LINKCHECKER_VENV} (not a project dependency)")
    subprocess.run([sys.executable, "-m", "venv", str(LINKCHECKER_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", f"linkchecker=={LINKCHECKER_VERSION}"], check=True
    )
    return python


# Runs LinkChecker with its per-host wait (Aggregate.wait_for_host: 0.1–0.6 s between two requests to
# one host unless the server sends a "LinkChecker" header) removed; everything else as shipped.
UNTHROTTLED = textwrap.dedent(
    """
    import sys
    from linkcheck.director import aggregator
    from linkcheck.command.linkchecker import linkchecker
    aggregator.Aggregate.wait_for_host = lambda self, host: None
    sys.argv[0] = "linkchecker"
    sys.exit(linkchecker())
    """
)


def linkchecker(farm: Farm, workdir: Path, python: Path, *, throttled: bool, seconds: float) -> Usage:
    # LinkChecker drops root privileges to nobody: its files must be world-readable, output goes to stdout.
    folder = Path(tempfile.mkdtemp(prefix="govcheck-bench-lc-"))
    folder.chmod(0o755)
    rc = folder / "linkcheckerrc"
    rc.write_text(f"[checking]\nmaxrunseconds={int(seconds)}\n" + ("" if throttled else "threads=32\n"))
    rc.chmod(0o644)
    args = ["-f", str(rc), "-r", "-1", "-o", "csv", "--no-status", *(f"http://{h}/" for h in farm.hosts)]
    if throttled:
        command = [str(python.with_name("linkchecker")), *args]
        tool = "LinkChecker as shipped"
    else:
        command = [str(python), "-c", UNTHROTTLED, *args]
        tool = "LinkChecker, throttle removed"
    env = farm.env(HOME=str(folder))
    usage = run_measured(tool, command, env=env, cwd=folder, farm=farm, timeout=seconds + 5)
    shutil.rmtree(folder, ignore_errors=True)
    return usage


# -------------------------------------------------------------------------------------------- reporting


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "n/a"


def broken_truth(truth: dict[str, Any], scopes: tuple[str, ...]) -> set[tuple[str, str]]:
    return {(s["host"], b["url"]) for s in truth["sites"] for b in s["broken"] if b["scope"] in scopes}


def stale_truth(truth: dict[str, Any]) -> set[tuple[str, str]]:
    return {(s["host"], c["url"]) for s in truth["sites"] for c in s["columns"] if c["stale"]}


def coverage(run: GovcheckRun, truth: dict[str, Any]) -> list[str]:
    broken = {(h, u) for h, code, u in run.findings if code == "link_broken"}
    stale = {(h, u) for h, code, u in run.findings if code == "column_stale"}
    lines = []
    for label, scopes in (
        ("homepage", ("homepage",)),
        ("homepage + first list pages", ("homepage", "list")),
        ("all (deep pages too)", ("homepage", "list", "deep")),
    ):
        want = broken_truth(truth, scopes)
        lines.append(
            f"  broken links, {label}: {len(want & broken)} of {len(want)} ({_pct(want & broken, want)})"
        )
    cms = {site["host"]: site["cms"] for site in truth["sites"]}
    missed = Counter(cms[host] for host, _url in broken_truth(truth, ("homepage", "list")) - broken)
    lines.append(f"  missed on homepage + first list pages, by CMS family: {dict(missed) or 'none'}")
    extra = broken - broken_truth(truth, ("homepage", "list", "deep"))
    lines.append(
        f"  link_broken findings not in the truth: {len(extra)}"
        + (f" (first: {sorted(extra)[0]})" if extra else "")
    )
    want = stale_truth(truth)
    lines.append(
        f"  stale columns: {len(want & stale)} of {len(want)} ({_pct(want & stale, want)}); not in the truth: {len(stale - want)}"
    )
    out = [(h, lim) for h, lim in run.limits.items() if lim.get("exhausted")]
    skipped = sum(lim.get("skipped", 0) for _, lim in out)
    made = [lim.get("requests", 0) for lim in run.limits.values()]
    lines.append(
        f"  budget: ran out on {len(out)} of {len(run.limits)} sites ({Counter(lim['exhausted'] for _, lim in out)}), "
        f"{skipped} requests skipped; requests per site median {statistics.median(made) if made else 0:.0f}, max {max(made, default=0)}"
    )
    notes = sum("未完成" in (site.get("summary") or "") for site in run.report["sites"])
    lines.append(f"  sites whose report notes unfinished link checks (链接检查未完成): {notes}")
    return lines


def _pct(part: set[Any], whole: set[Any]) -> str:
    return f"{100 * len(part) / len(whole):.0f} %" if whole else "n/a"


def repeatability(runs: list[GovcheckRun]) -> list[str]:
    counts = ", ".join(str(len(r.findings)) for r in runs)
    common = set.intersection(*(r.findings for r in runs))
    lines = [f"  findings per run: {counts}; in every run: {len(common)}"]
    for k, run in enumerate(runs, 1):
        for finding in sorted(run.findings - common):
            lines.append(f"  only in some runs (here run {k}): {' '.join(finding)}")
    if all(r.findings == runs[0].findings for r in runs):
        lines.append("  identical findings in every run")
    return lines


def national_night(sample: GovcheckRun, sites: int, cpu_per_site: float, fleet_slots: int) -> list[str]:
    usage = sample.usage
    requests = [lim.get("requests", 0) for lim in sample.limits.values()]
    site_seconds = usage.seconds  # the sample's sites run side by side (one each per job)
    per_site_requests = statistics.median(requests) if requests else 0
    cores = os.cpu_count() or 1
    lines = [
        f"  sample: {sites} site(s) at default politeness in {usage.seconds:.0f} s, {usage.responses} responses "
        f"({usage.responses / usage.seconds:.2f}/s), median {per_site_requests:.0f} requests per site "
        f"(budget-limited on {sum(bool(lim.get('exhausted')) for lim in sample.limits.values())})",
        f"  CPU per site at default politeness (the sample): {cpu_per_site:.1f} CPU-s",
    ]
    cpu_nodes = NATIONAL_SITES * cpu_per_site / (NIGHT_SECONDS * cores * CPU_CEILING)
    lines.append(
        f"  CPU alone: {cpu_nodes:.2f} → {max(1, -(-cpu_nodes // 1)):.0f} {cores}-core node(s) at {CPU_CEILING:.0%} CPU"
    )
    for label, at_once in (
        (f"fleet default, GOVCHECK_FLEET_SITES × 2 slots = {fleet_slots}", fleet_slots),
        (
            "100 sites at once (ASSUMES each site's time and CPU stay as in the sample; measured: bench/night.py)",
            100,
        ),
    ):
        nodes = NATIONAL_SITES * site_seconds / (at_once * NIGHT_SECONDS)
        needed = max(nodes, cpu_nodes)
        lines.append(
            f"  {label}: {site_seconds:.0f} s per site → {nodes:.2f} node(s) by politeness; "
            f"nodes needed {max(1, -(-needed // 1)):.0f}"
        )
    need = NATIONAL_SITES * site_seconds / (2 * NIGHT_SECONDS)
    lines.append(
        f"  sites at once per node for 2 nodes: {need:.0f} (CPU then {need * cpu_per_site / site_seconds / cores:.0%} of the cores)"
    )
    return lines


# ------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--columns", type=int, default=30)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument(
        "--jobs", type=int, default=2, help="govcheck crawl --jobs, and plain Scrapy processes"
    )
    parser.add_argument("--runs", type=int, default=3, help="identical govcheck runs (politeness off)")
    parser.add_argument("--sample-sites", type=int, default=2, help="sites crawled at default politeness")
    parser.add_argument(
        "--linkchecker",
        choices=("install", "if-present", "off"),
        help="LinkChecker runs: install its venv when missing (the default), only if present, or none "
        "(the default with --quick)",
    )
    parser.add_argument(
        "--linkchecker-seconds", type=float, default=60.0, help="each LinkChecker run's cut-off"
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="cut-off of any one run (seconds)")
    parser.add_argument("--budget", type=int, default=600, help="GOVCHECK_SITE_PAGE_BUDGET of the timed runs")
    parser.add_argument("--no-budget-run", action="store_true", help="skip the run without a request budget")
    parser.add_argument("--quick", action="store_true", help="a 2-site smoke run (tests/test_bench.py)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sites, args.columns, args.items, args.sample_sites, args.runs = 2, 6, 12, 1, min(args.runs, 2)
        args.linkchecker_seconds, args.budget, args.no_budget_run = 5.0, 60, True
    args.linkchecker = args.linkchecker or ("off" if args.quick else "install")
    python = linkchecker_ready(args.linkchecker) if args.linkchecker != "off" else None
    workdir = Path(tempfile.mkdtemp(prefix="govcheck-bench-crawl-"))
    started = time.monotonic()
    try:
        with Farm(workdir, args.sites, args.columns, args.items) as farm:
            print(f"big farm: {json.dumps(farm.summary)}", flush=True)
            report(args, farm, workdir, python)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"bench/crawl.py done in {time.monotonic() - started:.0f} s")


def report(args: argparse.Namespace, farm: Farm, workdir: Path, python: Path | None) -> None:
    off = {**POLITENESS_OFF, "GOVCHECK_SITE_PAGE_BUDGET": str(args.budget)}
    runs = []
    for k in range(1, args.runs + 1):
        run = govcheck_run(
            farm, workdir, f"run{k}", jobs=args.jobs, settings=off, timeout=args.timeout, hosts=farm.hosts
        )
        print(f"govcheck run {k}: {run.usage.seconds:.1f} s, {len(run.findings)} findings", flush=True)
        runs.append(run)
    median = sorted(runs, key=lambda r: r.usage.get_pages / r.usage.seconds)[len(runs) // 2]
    replay = replay_scrapy(farm, workdir, args.jobs, median.usage.log, args.timeout)
    tuned = replay_scrapy(farm, workdir, args.jobs, median.usage.log, args.timeout, tuned=True)
    others = [replay, tuned, plain_scrapy(farm, workdir, args.jobs, args.timeout)]
    if python is not None:
        for throttled in (False, True):
            others.append(
                linkchecker(farm, workdir, python, throttled=throttled, seconds=args.linkchecker_seconds)
            )
    print(
        f"\n== Throughput, politeness off, {farm.summary['sites']} sites, {args.jobs} jobs ({os.cpu_count()} cores) =="
    )
    print(HEADER)
    for run in runs:
        print(run.usage.row())
    for usage in others:
        print(usage.row())
    gov = median.usage
    print(f"ratios (govcheck median run {gov.tool} ÷ other, measured side by side in this run):")
    for same in (replay, tuned):
        print(
            f"  SAME REQUESTS, vs {same.tool} ({same.responses:,} of govcheck's {gov.responses:,} requests "
            f"replayed): responses/s {ratio(gov.responses / gov.seconds, same.responses / same.seconds)}, "
            f"pages GET+HEAD/s {ratio(gov.pages / gov.seconds, same.pages / same.seconds)}, "
            f"CPU-s per response {ratio(gov.cpu_seconds / max(gov.responses, 1), same.cpu_seconds / max(same.responses, 1))}"
        )
    for usage in others[2:]:
        print(
            f"  vs {usage.tool}: responses/s {ratio(gov.responses / gov.seconds, usage.responses / usage.seconds)}, "
            f"pages GET+HEAD/s {ratio(gov.pages / gov.seconds, usage.pages / usage.seconds)}, "
            f"pages-only GET pages/s {ratio(gov.get_pages / gov.seconds, usage.get_pages / usage.seconds)}, "
            f"CPU-s per response {ratio(gov.cpu_seconds / max(gov.responses, 1), usage.cpu_seconds / max(usage.responses, 1))}, "
            f"CPU % {ratio(gov.cpu_percent(), usage.cpu_percent())}, RSS {ratio(gov.peak_rss_mb, usage.peak_rss_mb)}"
        )
    if python is None:
        print("  LinkChecker: not measured (--linkchecker off, or not installed in --quick)")
    for usage in others[2:]:
        broken = broken_truth(farm.truth, ("homepage", "list", "deep"))
        requested = {(urlsplit(u).hostname, u) for _m, u, status in usage.log if status == 404}
        print(f"  {usage.tool}: requested {len(requested & broken)} of {len(broken)} broken links (farm log)")

    print(f"\n== Coverage against the farm's truth (budget {args.budget} requests per site, median run) ==")
    print("\n".join(coverage(median, farm.truth)))
    if not args.no_budget_run:
        unbounded = govcheck_run(
            farm, workdir, "nobudget", jobs=args.jobs, settings={**POLITENESS_OFF, "GOVCHECK_SITE_PAGE_BUDGET": "1000000"},
            timeout=args.timeout, hosts=farm.hosts,
        )  # fmt: skip
        print(
            f"-- without a request budget ({unbounded.usage.seconds:.0f} s, {unbounded.usage.responses} responses):"
        )
        print("\n".join(coverage(unbounded, farm.truth)))

    print(f"\n== Repeatability: {len(runs)} identical runs, finding by finding ==")
    print("\n".join(repeatability(runs)))

    print(
        f"\n== National night: {NATIONAL_SITES:,} sites in {NIGHT_SECONDS // 3600} h, default politeness =="
    )
    sample_hosts = farm.hosts[: args.sample_sites]
    polite = {} if not args.quick else {"GOVCHECK_SITE_PAGE_BUDGET": "20"}
    sample = govcheck_run(
        farm,
        workdir,
        "polite",
        jobs=len(sample_hosts),
        settings=polite,
        timeout=args.timeout,
        hosts=sample_hosts,
    )
    # CPU per site at default politeness: the sample's own (the same work as a night's crawl of a site).
    cpu_per_site = sample.usage.cpu_seconds / len(sample_hosts)
    print(f"  CPU per site, politeness off (median run): {gov.cpu_seconds / len(farm.hosts):.1f} CPU-s")
    from govcheck import config

    fleet_slots = config.defaults()["GOVCHECK_FLEET_SITES"] * 2
    print("\n".join(national_night(sample, len(sample_hosts), cpu_per_site, fleet_slots)))


if __name__ == "__main__":
    main()
