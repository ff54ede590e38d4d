"""Which backend group serves a host, for every node of a cluster: the backend map in Redis.

    <prefix>:backends    hash   host -> backend group

Cluster politeness (govcheck.fleet.politeness) charges a request to its host and to the host's backend
group (a 集约化 platform serving hundreds of sites from one server). A job knows the groups of its own
sites, but its link checks also go to other sites of the same platforms, all at once when a site's
checks are released: their group must be known too, or the platform sees more than its limit. So
``govcheck enqueue``/``schedule`` write the registry's map here (the sites table's backend column,
else a site profile's ``backend_group``), and every crawl adds its own sites' groups where the
registry has none (a one-site crawl's ``-a backend=``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis import Redis

MISS_TTL = 5.0  # seconds before a host of no known group is asked for again (a crawl may add it)


def backends_key(prefix: str) -> str:
    return f"{prefix}:backends"


def publish_backends(server: Redis, prefix: str, groups: Mapping[str, str]) -> int:
    """Write the registry's groups (they replace what crawls added); the number of hosts written."""
    if not groups:
        return 0
    server.hset(backends_key(prefix), mapping=dict(groups))
    return len(groups)


class BackendMap:
    """One job's view of the map: each host's group read once (a host of none again after
    :data:`MISS_TTL`), the job's own sites' groups added once. Redis errors reach the caller."""

    def __init__(self, server: Redis, prefix: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.server = server
        self.key = backends_key(prefix)
        self.clock = clock
        self.known: dict[str, str] = {}
        self.missing: dict[str, float] = {}  # host -> when the map last had no group for it

    def local(self, host: str) -> tuple[bool, str | None]:
        """``(True, group)`` when this view answers for ``host`` without asking Redis, else ``(False, None)``:
        the caller then knows whether a success says anything about Redis."""
        if host in self.known:
            return True, self.known[host]
        asked = self.missing.get(host)
        return (True, None) if asked is not None and self.clock() - asked < MISS_TTL else (False, None)

    def group(self, host: str) -> str | None:
        """The backend group of ``host`` in the map, if any."""
        answered, group = self.local(host)
        if answered:
            return group
        value = self.server.hget(self.key, host)
        if value is None:
            self.missing[host] = self.clock()
            return None
        self.known[host] = group = value.decode() if isinstance(value, bytes) else str(value)
        return group

    def add(self, host: str, group: str) -> bool:
        """Add one of the job's own hosts with its group, unless the map has one (the registry's wins)."""
        if host not in self.known:
            self.server.hsetnx(self.key, host, group)
            self.known[host] = group
        return True
