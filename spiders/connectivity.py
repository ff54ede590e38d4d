"""The inspector's own connectivity: when a homepage failed every attempt, the crawl fetches a few
always-up reference hosts through the same downloader (same proxy, same network) and stores what they
answered with the crawl, so the evaluator can tell a dead site from a dead inspector."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from govcheck.dates import SHANGHAI


class ReferenceCheck:
    """One site's check of the reference URLs (GOVCHECK_REFERENCE_HOSTS): asked once, answered once."""

    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = list(urls)
        self.results: dict[str, dict[str, Any]] = {}
        self.started_at: str | None = None

    def start(self) -> list[str]:
        """The URLs to fetch now (none when the check is off or already asked)."""
        if not self.urls or self.started_at is not None:
            return []
        self.started_at = dt.datetime.now(SHANGHAI).isoformat(timespec="seconds")
        return list(self.urls)

    def record(self, url: str, status: int | None, error: str | None) -> bool:
        """Note one reference's answer; True once every reference has answered."""
        self.results[url] = {"url": url, "status": status, "error": error, "ok": error is None}
        return len(self.results) == len(self.urls)

    def facts(self) -> dict[str, Any]:
        """What crawls.health["connectivity"] keeps: when, each reference's answer, how many answered."""
        results = [self.results[url] for url in self.urls if url in self.results]
        return {
            "checked_at": self.started_at,
            "references": results,
            "reachable": sum(1 for r in results if r["ok"]),
        }
