"""Round 2 with and without the page cache on the `make demo` farm (not a test; nothing here asserts a
time): requests, 304s and bytes the farm sent, and whether the findings are the same.

Run: .venv/bin/python bench/pagecache.py

The demo's replicas send no validators (like many real sites), so the farm is served here by a handler
(bench/harness.py's ConditionalFarmHandler) that gives every 200 an ETag (a hash of its body) and Last-Modified and answers a matching
If-None-Match with a 304, as nginx does for static pages; the replicas themselves are unchanged. The
registry (tests/farm/sites.csv) is crawled as `make demo` crawls it (`govcheck crawl --all --jobs 4`)
into a fresh SQLite file: round 1 fills the cache, then round 2 twice, with the cache and with
GOVCHECK_PAGE_CACHE=false, each from the same round 1. Bytes are the bodies the farm sent; the HEADs
answered 304 are link checks (GOVCHECK_REVALIDATE, on in both).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ConditionalFarmHandler, crawl_all, demo_registry, findings


def crawl_round(env: dict[str, str], round_name: str) -> dict[str, int]:
    ConditionalFarmHandler.sent.clear()
    crawl_all(env, round_name)
    return dict(ConditionalFarmHandler.sent)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    with demo_registry(ConditionalFarmHandler, "govcheck-pagecache-") as (env, _database):
        first = crawl_round(env, "r1")
        cached = crawl_round(env, "r2-cached")
        full = crawl_round({**env, "GOVCHECK_PAGE_CACHE": "false"}, "r2-full")
        same = findings(env, "r2-cached") == findings(env, "r2-full")
    for name, figures in (
        ("round 1", first),
        ("round 2, page cache", cached),
        ("round 2, no page cache", full),
    ):
        print(
            f"{name:24} {figures['responses']:6d} responses  304s: {figures['304 GET']:5d} GET (pages) "
            f"{figures['304 HEAD']:5d} HEAD (link checks)  {figures['bytes']:10d} body bytes sent"
        )
    saved = 1 - cached["bytes"] / full["bytes"] if full["bytes"] else 0.0
    print(f"round 2 body bytes saved by the page cache: {saved:.0%}; findings identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
