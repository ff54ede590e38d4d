"""Names that become file paths and keys: a site's host and a round's name, each checked by one rule.

A host names a log file (``var/logs/<round>/<host>.log``), a Redis key and a crawl; a round names a
log directory, Redis keys and Scrapyd job ids. Anything but a plain name is refused, so ``../../x``
or ``x.gov.cn';DROP…`` never reaches a path, a key or a crawl.
"""

from __future__ import annotations

import re

# The registry's rule: dotted labels of letters, digits, hyphens or CJK and a non-numeric last label
# (so never an IP address), 253 characters at most.
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9\u4e00-\u9fff-]{1,63}\.)+[a-z\u4e00-\u9fff]{2,63}$")
# Letters of any script, digits, '.', '_', '-', '+', a letter or digit first (never '.', '..' or an
# option): no path separator, space, ':' or the '%'/glob characters scrapy-redis formats keys with.
ROUND = re.compile(r"^[^\W_][\w.+-]{0,99}$")


class BadName(ValueError):
    """A host or round name that cannot be used as a path or a key."""


def check_host(value: str) -> str:
    """The host name ``value`` (lower-cased, without a trailing dot) if the registry would accept it."""
    host = value.strip().lower().rstrip(".")
    if not HOST.fullmatch(host):
        raise BadName(f"host {value!r}: expected a domain name such as sjj.suizhou.gov.cn")
    return host


def check_round(value: str) -> str:
    """A round name usable as a directory, a Redis key part and a Scrapyd job id."""
    if not ROUND.fullmatch(value):
        raise BadName(
            "round: expected a name without spaces, '/', ':', '%' or glob characters (letters, digits, "
            f"'.', '_', '-', '+'; a letter or digit first, at most 100), got {value!r}"
        )
    return value
