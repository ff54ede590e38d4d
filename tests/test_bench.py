"""bench/: the big farm declares what it serves, and bench/crawl.py's quick mode runs end to end.

Benchmarks print figures; nothing here asserts a time or a rate."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType
from urllib.parse import urlsplit

from tests.helpers import REPO


def _bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_big_farm_serves_what_its_truth_declares() -> None:
    bigfarm = _bench_module("bigfarm")
    sites, truth = bigfarm.build(bigfarm.FarmConfig(sites=4, columns=10, items=20, broken=0.05))
    assert [s["cms"] for s in truth["sites"]] == ["generic", "trs", "hanweb", "generic"]
    for declared in truth["sites"]:
        site = sites[declared["host"]]
        for link in declared["broken"]:
            assert site.get(urlsplit(link["url"]).path, {}).status == 404, link
        for column in declared["columns"]:
            assert site.get(urlsplit(column["url"]).path, {}).status == 200, column
    summary = bigfarm.summary(truth)
    assert summary["broken_list"] and summary["broken_deep"] and summary["stale_columns"]
    # Site 1's menu links a column page that is gone: broken, linked from the homepage, no column.
    missing = [b for b in truth["sites"][1]["broken"] if b["url"].endswith("/")]
    assert [b["scope"] for b in missing] == ["homepage"]
    assert missing[0]["url"] not in {c["url"] for c in truth["sites"][1]["columns"]}
    # The same seed builds the same farm.
    assert bigfarm.build(bigfarm.FarmConfig(sites=4, columns=10, items=20, broken=0.05))[1] == truth


def test_crawl_bench_quick_mode_runs_every_part() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "crawl.py"), "--quick", "--linkchecker", "off"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for part in (
        "== Throughput",
        "plain Scrapy CrawlSpider",
        "== Coverage",
        "== Repeatability",
        "== National night",
    ):
        assert part in out, out
    assert "LinkChecker: not measured" in out
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
