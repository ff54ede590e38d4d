"""A site's page work, held and released in waves ordered by value, so that a budget always cuts the
same, least important pages whatever order answers arrive in.

A handler never makes a page request itself: it holds it here (:meth:`PageQueue.hold`) with its place
in the order, ``(phase, rank, URL)``. When none of the site's work is in flight
(:class:`govcheck.spiders.handlers.SiteHandlers` decides, the same moment the link checks' waves go),
the held requests of the most valuable phase go out in their order (:meth:`PageQueue.release`), each
charged to the budget then; those the budget (or their per-column quota) leaves out are counted, and
what stands for them when they are not fetched (a column's ``unparseable``/``budget`` item, a letter as
its list row showed it) comes back instead, and for those the budget left out, what that cut means
(``if_cut``: a column left with no dated entry is restated ``unparseable``/``budget``). Lower phases wait, held and never dropped, until the
phases above have drained: a column page found on a channel page goes before any page 2. Link checks
come after every phase (govcheck.spiders.links)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from govcheck.statkeys import SKIPPED_PAGES_PREFIX

if TYPE_CHECKING:
    from scrapy import Request

    from govcheck.spiders.sitecrawl import SiteBudget, SiteStats

BUDGET = "budget"  # the reason of a column whose list page the budget left out (judged unknown)


class Phase(IntEnum):
    """The value order of page work (the homepage, never held, comes first)."""

    DISCOVERY = 1  # the 网站地图: columns the homepage does not lead to
    COLUMN = 2  # each column's first list page (its channel page's sub-columns come in a later wave)
    PAGINATION = 3  # further list pages, asked only when page 1 cannot answer; a letters search form
    SITEMAP = 4  # the site's XML sitemaps, read only when pages they can spare wait (spiders/sitemaps.py)
    DETAIL = 5  # an undated entry's own page, for its date
    OTHER = 6  # letters' and 办事指南 pages
    ARTICLE = 7  # the article sample (govcheck.spiders.articles), chosen once the phases above drained


Place = tuple[Phase, tuple[int, ...], str]


@dataclass(slots=True)
class HeldPage:
    """A page request waiting for its wave. ``quota``: (key, limit), at most ``limit`` pages of one key
    (a column's detail pages) go, the first in the order; ``skipped_stat``: counted for each one not
    fetched; ``fallback``: the items that stand for it then; ``if_cut``: the items that follow when the
    budget (not its quota) left it out."""

    place: Place
    request: Request
    quota: tuple[str, int] | None = None
    skipped_stat: str | None = None
    fallback: Callable[[], Iterable[Any]] | None = None
    if_cut: Callable[[], Iterable[Any]] | None = None


class PageQueue:
    """One site's held page work."""

    def __init__(self, stats: SiteStats, budget: SiteBudget) -> None:
        self.stats = stats
        self.budget = budget
        self.held: dict[tuple[str, str, bytes], HeldPage] = {}
        self.quota_used: dict[str, int] = {}

    def __bool__(self) -> bool:
        return bool(self.held)

    def holds(self, url: str) -> bool:
        """Whether a GET of ``url`` still waits for its wave."""
        return ("GET", url, b"") in self.held

    def hold(self, page: HeldPage) -> None:
        """Hold a page request; the same request asked again keeps its first place in the order
        (whichever page answered first), so its meta never depends on the order answers arrive in."""
        request = page.request
        key = (request.method, request.url, request.body)
        if key not in self.held or page.place < self.held[key].place:
            self.held[key] = page

    def next_phase(self) -> Phase:
        """The phase the next wave releases (some page must be held)."""
        return min(page.place[0] for page in self.held.values())

    def held_from(self, phase: Phase) -> int:
        """How many pages of ``phase`` and later phases are held."""
        return sum(1 for page in self.held.values() if page.place[0] >= phase)

    def release(self) -> tuple[list[Request], list[Any]]:
        """The next wave: the held requests of the most valuable phase, in their order, as far as their
        quotas and the budget reach (each charged here); and the items that stand for the ones left out."""
        phase = self.next_phase()
        wave = sorted((p for p in self.held.values() if p.place[0] == phase), key=lambda p: p.place)
        self.held = {key: page for key, page in self.held.items() if page.place[0] != phase}
        requests: list[Request] = []
        standing: list[Any] = []
        for page in wave:
            used = self.quota_used.get(page.quota[0], 0) if page.quota else 0
            if page.quota and used >= page.quota[1]:
                standing.extend(self._not_fetched(page))
            elif self.budget.spend(page.request.url):
                if page.quota:
                    self.quota_used[page.quota[0]] = used + 1
                requests.append(page.request)
            else:
                self.stats.inc_value(f"{SKIPPED_PAGES_PREFIX}{phase.name.lower()}")
                standing.extend(self._not_fetched(page))
                standing.extend(page.if_cut() if page.if_cut else ())
        return requests, standing

    def skip_held(self) -> None:
        """The site's crawl ends with pages still held (cut short): counted as skipped, never silently
        lost (no callback is left to store what would stand for them)."""
        for page in self.held.values():
            self.stats.inc_value("govcheck/budget/skipped_pages")
            self.stats.inc_value(f"{SKIPPED_PAGES_PREFIX}{page.place[0].name.lower()}")
        self.held.clear()

    def clear(self) -> None:
        self.held.clear()
        self.quota_used.clear()

    def _not_fetched(self, page: HeldPage) -> Iterable[Any]:
        if page.skipped_stat:
            self.stats.inc_value(page.skipped_stat)
        return page.fallback() if page.fallback else ()
