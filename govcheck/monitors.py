"""Crawl health monitors, in Spidermon's way: a declarative table of checks run when a site's crawl
closes, on the facts the writer gathers for ``crawls.health``; the results are stored with the crawl
(``crawls.health["monitors"]``) and shown by ``govcheck status`` and the report's 汇总.

A failed monitor says the crawl itself may be unsound (the inspector saw too little of the site), not
that the site breaks a rule: it never makes a finding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CrawlFacts:
    """What a monitor reads: the crawl row's homepage outcome and its health counters."""

    homepage_status: str | None  # ok | unreachable | blocked | unparseable | None (never fetched)
    columns_found: int  # column pages checked, the homepage's own items not counted
    entries: int  # dated or undated entries seen by this crawl
    pages: int  # pages fetched and stored
    page_errors: int  # of which failed (network error or HTTP error status)

    @classmethod
    def from_health(cls, homepage_status: str | None, health: Mapping[str, Any]) -> CrawlFacts:
        return cls(
            homepage_status=homepage_status,
            columns_found=int(health.get("columns_found") or 0),
            entries=int(health.get("entries") or 0),
            pages=int(health.get("pages") or 0),
            page_errors=int(health.get("failed_pages") or 0),
        )


@dataclass(frozen=True, slots=True)
class Monitor:
    name: str
    label: str  # the 汇总's wording
    setting: str | None  # the GOVCHECK_* threshold, declared in govcheck/config.py
    needs_homepage: bool  # skipped when the homepage failed: that monitor already says it all
    # (facts, threshold) -> (measured value, passed)
    check: Callable[[CrawlFacts, Any], tuple[float | int | str | None, bool]]


def _homepage(facts: CrawlFacts, _threshold: Any) -> tuple[str | None, bool]:
    return facts.homepage_status, facts.homepage_status == "ok"


def _columns(facts: CrawlFacts, minimum: int) -> tuple[int, bool]:
    return facts.columns_found, facts.columns_found >= minimum


def _entries(facts: CrawlFacts, minimum: int) -> tuple[int, bool]:
    return facts.entries, facts.entries >= minimum


def _errors(facts: CrawlFacts, maximum_percent: float) -> tuple[float | None, bool]:
    if not facts.pages:
        return None, True
    share = round(100 * facts.page_errors / facts.pages, 1)
    return share, share <= maximum_percent


MONITORS: tuple[Monitor, ...] = (
    Monitor("homepage_failed", "首页无法打开", None, False, _homepage),
    Monitor("no_columns", "未发现栏目", "GOVCHECK_MONITOR_MIN_COLUMNS", True, _columns),
    Monitor("few_items", "解析条目过少", "GOVCHECK_MONITOR_MIN_ENTRIES", True, _entries),
    Monitor("many_errors", "请求失败比例过高", "GOVCHECK_MONITOR_MAX_ERROR_SHARE", True, _errors),
)


class MonitorSuite:
    """The monitors with their thresholds from the settings (``from_settings``)."""

    def __init__(self, thresholds: Mapping[str, Any]) -> None:
        self.thresholds = dict(thresholds)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> MonitorSuite:
        return cls({m.setting: settings[m.setting] for m in MONITORS if m.setting})

    def run(self, facts: CrawlFacts) -> dict[str, Any]:
        """``{"failed": [names], "results": [{monitor, passed, value, threshold}]}`` (stored as JSON);
        ``passed`` is null for a monitor skipped because the homepage failed."""
        results = []
        for monitor in MONITORS:
            threshold = self.thresholds.get(monitor.setting) if monitor.setting else None
            value: float | int | str | None = None
            passed: bool | None = None
            if facts.homepage_status == "ok" or not monitor.needs_homepage:
                value, passed = monitor.check(facts, threshold)
            results.append(
                {"monitor": monitor.name, "passed": passed, "value": value, "threshold": threshold}
            )
        return {"failed": [r["monitor"] for r in results if r["passed"] is False], "results": results}


def failed_monitors(health: Mapping[str, Any] | None) -> list[str] | None:
    """The names of a stored crawl's failed monitors; None when its monitors never ran."""
    monitors = (health or {}).get("monitors")
    return list(monitors["failed"]) if monitors else None


INCOMPLETE_LABEL = "检查未完成（请求预算用尽）"  # the 汇总's count of sites whose budget cut work
# The page work a budget cut, per wave phase (govcheck.spiders.waves.Phase), in the order of value.
PHASE_LABELS = {
    "discovery": "网站地图",
    "column": "栏目首页",
    "pagination": "栏目翻页",
    "detail": "详情页",
    "other": "留言和办事指南页",
    "article": "文章页抽查",
}


def crawl_coverage(health: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What a stored crawl's budget left out (``crawls.health["limits"]``): the link checks made of
    those found, the pages skipped, and the report's note saying so; None when nothing was left out.
    Like a monitor, it never makes a finding: the verdict stands on what was checked."""
    limits = (health or {}).get("limits") or {}
    checked, total = limits.get("links_checked", 0), limits.get("links_total", 0)
    pages = limits.get("pages_skipped", 0)
    if checked >= total and not pages:
        return None
    notes = []
    if pages:
        by_phase = limits.get("pages_skipped_by_phase") or {}
        kinds = "、".join(
            f"{label}{by_phase[phase]}个" for phase, label in PHASE_LABELS.items() if by_phase.get(phase)
        )
        notes.append(f"页面检查未完成：跳过{pages}个页面" + (f"（{kinds}）" if kinds else ""))
    if undated := limits.get("undated_columns", 0):
        notes.append(f"{undated}个栏目的发布日期所需页面被跳过，更新情况无法判定")
    if checked < total:
        notes.append(f"链接检查未完成：已检查{checked}个/共{total}个")
    return {
        "links_checked": checked,
        "links_total": total,
        "pages_skipped": pages,
        "undated_columns": undated,
        "exhausted": limits.get("exhausted"),
        "note": "；".join(notes),
    }
