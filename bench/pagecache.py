"""Round 2 with and without the page cache on the `make demo` farm (not a test; nothing here asserts a
time): requests, 304s and bytes the farm sent, and whether the findings are the same.

Run: .venv/bin/python bench/pagecache.py

The demo's replicas send no validators (like many real sites), so the farm is served here by a handler
that gives every 200 an ETag (a hash of its body) and Last-Modified and answers a matching
If-None-Match with a 304, as nginx does for static pages; the replicas themselves are unchanged. The
registry (tests/farm/sites.csv) is crawled as `make demo` crawls it (`govcheck crawl --all --jobs 4`)
into a fresh SQLite file: round 1 fills the cache, then round 2 twice, with the cache and with
GOVCHECK_PAGE_CACHE=false, each from the same round 1. Bytes are the bodies the farm sent; the HEADs
answered 304 are link checks (GOVCHECK_REVALIDATE, on in both).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.farm.builder import Resource  # noqa: E402
from tests.farm.server import FarmHandler, FarmServer  # noqa: E402
from tests.farm.truth import AS_OF  # noqa: E402

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


def govcheck(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "govcheck.cli", *args], env=env, cwd=REPO, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"govcheck {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def crawl_round(env: dict[str, str], round_name: str) -> dict[str, int]:
    ConditionalFarmHandler.sent.clear()
    govcheck("crawl", "--all", "--as-of", AS_OF.isoformat(), "--jobs", "4", "--round", round_name, env=env)
    return dict(ConditionalFarmHandler.sent)


def findings(env: dict[str, str], round_name: str) -> dict[str, list[tuple[str, Any]]]:
    data = json.loads(
        govcheck("report", "--format", "json", "--as-of", AS_OF.isoformat(), "--round", round_name, env=env)
    )
    return {
        site["host"]: sorted((f["code"], f.get("url")) for f in site.get("findings", []))
        for site in data["sites"]
    }


def main() -> int:
    server = FarmServer(("127.0.0.1", 0), timeout_delay=2.0)
    server.RequestHandlerClass = ConditionalFarmHandler
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = f"http://127.0.0.1:{server.server_address[1]}"
    workdir = Path(tempfile.mkdtemp(prefix="govcheck-pagecache-"))
    try:
        base = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env = {
            **base,
            "http_proxy": proxy,
            "https_proxy": proxy,
            "no_proxy": "127.0.0.1,localhost",
            "GOVCHECK_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        }
        env.pop("REDIS_URL", None)
        govcheck("sites", "import", str(REGISTRY), env=env)
        first = crawl_round(env, "r1")
        cached = crawl_round(env, "r2-cached")
        full = crawl_round({**env, "GOVCHECK_PAGE_CACHE": "false"}, "r2-full")
        same = findings(env, "r2-cached") == findings(env, "r2-full")
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
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
