"""Names that become file paths and keys: a site's host and a round's name, each checked by one rule.

A host names a log file (``var/logs/<round>/<host>.log``), a Redis key and a crawl; a round names a
log directory, Redis keys and Scrapyd job ids. Anything but a plain name is refused, so ``../../x``
or ``x.gov.cn';DROP…`` never reaches a path, a key or a crawl. :func:`split_site` is the one reader of
a site as a registry cell, ``-a site=`` or a probe list writes it, so all three agree on its host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

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
    if not is_host_name(host):
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


@dataclass(frozen=True, slots=True)
class SiteURL:
    """A site as a registry row, ``-a site=`` or a probe list writes it: a bare host (``host[:port]``)
    or a URL. The one place a site's host is normalised, so a registry host, a crawl's key and a
    probe's host always agree."""

    host: str  # lower case, no trailing dot ("" when the value has none)
    port: int | None
    scheme: str | None  # as given, lower case; None for a bare host
    path: str  # path and query, "/" at least

    @property
    def netloc(self) -> str:
        return netloc_of(self.host, self.port)

    @property
    def bare(self) -> bool:
        """A host (and port) alone: no scheme, no path."""
        return self.scheme is None and self.path == "/"

    def url(self, scheme: str | None = None) -> str:
        """The URL with ``scheme``, else its own, else http."""
        return f"{scheme or self.scheme or 'http'}://{self.netloc}{self.path}"


def split_site(value: str) -> SiteURL:
    """``value`` split into host, port, scheme and path; a BadName for a port that is not one. Whether
    the host is acceptable is the caller's rule (the registry's is :func:`is_host_name`)."""
    text = value.strip()
    given = "://" in text
    parts = urlsplit(text if given else f"//{text}")
    try:
        port = parts.port
    except ValueError as exc:
        raise BadName(f"{value!r} has no valid port ({exc})") from exc
    return SiteURL(
        host=(parts.hostname or "").lower().rstrip("."),
        port=port,
        scheme=(parts.scheme.lower() or None) if given else None,
        path=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
    )


def is_host_name(host: str) -> bool:
    """The registry's rule for a normalised host (never an IP address)."""
    return HOST.fullmatch(host) is not None


def netloc_of(host: str, port: int | None) -> str:
    """``host[:port]`` as a URL writes it (an IPv6 address in brackets)."""
    bracketed = f"[{host}]" if ":" in host else host
    return f"{bracketed}:{port}" if port else bracketed
