"""The inspector's own faults, told apart from the site's: a typo host, a dead own network.

Decided from what the crawl stored (never by looking again): the registry flag, the reference hosts'
answers a crawl fetched after its homepage failed (``crawls.health["connectivity"]``), and how many of
the round's sites failed their homepage the same way at the same time. Each makes the site `unknown`
with a reason, never the ``site_unreachable`` veto.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govcheck.vocabulary import ADDRESS_NOT_FOUND, INSPECTOR_NETWORK

if TYPE_CHECKING:
    from govcheck.evaluator.rules import SiteSnapshot


@dataclass(frozen=True, slots=True)
class ConcurrentFailures:
    """The round's sites whose homepage was tried around this site's failure, and how many of them
    failed the same way (this site included in both)."""

    same_way: int
    tried: int


def failure_mode(attempts: list[dict[str, Any]]) -> str | None:
    """How the homepage failed on its last attempt: the error name, else the HTTP status."""
    if not attempts:
        return None
    last = attempts[-1]
    return last.get("error") or (str(last["status"]) if last.get("status") is not None else None)


def _times(attempts: list[dict[str, Any]]) -> list[dt.datetime]:
    times = []
    for attempt in attempts:
        try:
            times.append(dt.datetime.fromisoformat(attempt["at"]))
        except (KeyError, TypeError, ValueError):
            continue
    return times


def concurrent_failures(
    attempts: list[dict[str, Any]],
    others: Iterable[tuple[str | None, list[dict[str, Any]]]],
    window: float,
) -> ConcurrentFailures | None:
    """Count the round's crawls (``others``: homepage status and attempts, this site's own crawl
    among them) tried within ``window`` seconds of this site's attempts, and those that ended
    unreachable with the same failure mode."""
    mode, times = failure_mode(attempts), _times(attempts)
    if mode is None or not times:
        return None
    margin = dt.timedelta(seconds=window)
    start, end = min(times) - margin, max(times) + margin
    same_way = tried = 0
    for status, other in others:
        if not any(start <= at <= end for at in _times(other)):
            continue
        tried += 1
        same_way += status == "unreachable" and failure_mode(other) == mode
    return ConcurrentFailures(same_way, tried)


def inspector_fault(snapshot: SiteSnapshot) -> str | None:
    """Why an unreachable homepage is the inspector's fault (an unknown reason), or None."""
    if snapshot.homepage_status != "unreachable":
        return None
    connectivity = snapshot.connectivity or {}
    if connectivity.get("references") and not connectivity.get("reachable"):
        return INSPECTOR_NETWORK
    crowd = snapshot.concurrent_failures
    settings = snapshot.settings
    if (
        crowd is not None
        and crowd.tried >= int(settings["GOVCHECK_INSPECTOR_FAILURE_MIN_SITES"])
        and 100.0 * crowd.same_way / crowd.tried >= float(settings["GOVCHECK_INSPECTOR_FAILURE_SHARE"])
    ):
        return INSPECTOR_NETWORK
    errors = {attempt.get("error") for attempt in snapshot.homepage_attempts}
    if not snapshot.in_registry and errors == {"dns_error"}:
        return ADDRESS_NOT_FOUND
    return None
