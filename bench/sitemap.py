"""Round 2 with and without XML sitemaps (not a test; nothing here asserts a time): the GET requests the
farm answered, the pages read from the store instead, and whether the findings are the same.

Run: .venv/bin/python bench/sitemap.py

Two farms of one run, both served as bench/pagecache.py serves them (every 200 with an ETag and
Last-Modified, as nginx gives static pages, so the page cache keeps them):

- the `make demo` registry (tests/farm/sites.csv, 19 sites), crawled as `make demo` crawls it. Its
  replicas publish no sitemap, so after round 1 each host is given a ``/sitemap.xml`` listing every
  page round 1 stored, with a <lastmod> of 2024-02-26 (before round 1: nothing changed since), as a
  CMS that writes its sitemap would;
- the farm's sitemap site (tests/farm/sites_sitemap.py: robots.txt → index → gzip and plain files),
  crawled with ``scrapy crawl portal``.

Round 1 fills the page cache; then round 2 with sitemaps, and round 2 with GOVCHECK_SITEMAP=false.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from harness import ConditionalFarmHandler, crawl_all, demo_registry, findings  # noqa: E402

from tests.farm.builder import Resource  # noqa: E402
from tests.farm.sites_sitemap import HOST  # noqa: E402
from tests.farm.truth import AS_OF  # noqa: E402

LASTMOD = "2024-02-26"


class SitemapFarmHandler(ConditionalFarmHandler):
    """The conditional farm, a host's missing /sitemap.xml answered from ``sitemaps``; GETs counted."""

    sitemaps: ClassVar[dict[str, bytes]] = {}
    gets: ClassVar[Counter[str]] = Counter()

    def _send(self, res: Resource, extra: tuple[tuple[str, str], ...] = ()) -> int:
        url = urlsplit(self.path)
        if res.status == 404 and url.path == "/sitemap.xml" and url.hostname in self.sitemaps:
            res = Resource(200, "application/xml", self.sitemaps[url.hostname])
        with self.lock:
            self.gets["GET"] += self.command == "GET"
            self.gets["sitemap GET"] += self.command == "GET" and "sitemap" in url.path
        return super()._send(res, extra)


def sitemaps_of(database: Path) -> dict[str, bytes]:
    """Each host's sitemap: every page round 1 stored in the page cache, last modified before it."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT url FROM page_cache").fetchall()
    hosts: dict[str, list[str]] = {}
    for (url,) in rows:
        hosts.setdefault(urlsplit(url).hostname or "", []).append(url)
    return {
        host: (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{url}</loc><lastmod>{LASTMOD}</lastmod></url>" for url in sorted(urls))
            + "</urlset>"
        ).encode()
        for host, urls in hosts.items()
    }


def registry_round(env: dict[str, str], round_name: str) -> dict[str, int]:
    SitemapFarmHandler.gets.clear()
    crawl_all(env, round_name)
    return dict(SitemapFarmHandler.gets)


def site_round(env: dict[str, str], round_name: str) -> dict[str, int]:
    SitemapFarmHandler.gets.clear()
    arguments = [
        "-a",
        f"site=http://{HOST}/",
        "-a",
        f"as_of={AS_OF.isoformat()}",
        "-a",
        f"round={round_name}",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "portal", *arguments],
        env={**env, "SCRAPY_SETTINGS_MODULE": "govcheck.settings", "PYTHONPATH": str(REPO)},
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"crawl of {HOST} failed:\n{result.stderr[-3000:]}")
    return dict(SitemapFarmHandler.gets)


def skipped(database: Path, round_name: str) -> int:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT stats FROM crawls WHERE round = ?", (round_name,)).fetchall()
    return sum(json.loads(stats or "{}").get("govcheck/sitemap/skipped_unchanged", 0) for (stats,) in rows)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    figures: dict[str, dict[str, Any]] = {}
    with demo_registry(SitemapFarmHandler, "govcheck-sitemap-") as (env, database):
        off = {**env, "GOVCHECK_SITEMAP": "false"}
        figures["demo: round 1"] = registry_round(env, "r1")
        SitemapFarmHandler.sitemaps.update(sitemaps_of(database))
        figures["demo: round 2, sitemaps"] = registry_round(env, "r2-sitemap")
        figures["demo: round 2, no sitemaps"] = registry_round(off, "r2-plain")
        same_demo = findings(env, "r2-sitemap") == findings(env, "r2-plain")
        figures["sitemap site: round 1"] = site_round(env, "s1")
        figures["sitemap site: round 2, sitemaps"] = site_round(env, "s2-sitemap")
        figures["sitemap site: round 2, no sitemaps"] = site_round(off, "s2-plain")
        same_site = findings(env, "s2-sitemap") == findings(env, "s2-plain")
        for name, round_name in (
            ("demo: round 2, sitemaps", "r2-sitemap"),
            ("sitemap site: round 2, sitemaps", "s2-sitemap"),
        ):
            figures[name]["read from the store"] = skipped(database, round_name)
    for name, counts in figures.items():
        print(
            f"{name:36} {counts.get('GET', 0):6d} GETs ({counts.get('sitemap GET', 0):3d} of sitemaps)"
            + (
                f"  {counts['read from the store']:4d} pages read from the store"
                if "read from the store" in counts
                else ""
            )
        )
    print(f"findings identical with and without sitemaps: demo {same_demo}, sitemap site {same_site}")
    return 0 if same_demo and same_site else 1


if __name__ == "__main__":
    sys.exit(main())
