"""Site profiles (the design card's per-site spiders, declared instead of coded).

``govcheck/profiles/<host>.json`` holds a ``"crawl"`` object read here (the ``"evaluation"`` object of
the same file belongs to the evaluator)::

    {"crawl": {
        "start_url": "http://www.example.gov.cn/portal/index.html",   # a different start page
        "extra_columns": [{"name": "通知公告", "url": "http://…/tzgg/", "parent_url": null}],
        "ignore_columns": ["http://…/old/", "re:/zt\\\\d+/"],         # URLs, or regexes after "re:"
        "list": {"rows": "ul.news-list > li", "title": "a::attr(title)", "url": "a::attr(href)",
                 "date": "span.date::text"},                          # CSS (or XPath if it starts with /)
        "backend_group": "hanweb-hubei"                                # sites served by one backend
    }}

Read with importlib.resources, so profiles work from an installed package or a Scrapyd egg.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

logger = logging.getLogger(__name__)
PACKAGE = "govcheck.profiles"


class ProfileError(ValueError):
    """A profile file that cannot be used (named with the host and the offending key)."""


@dataclass(frozen=True, slots=True)
class ListRules:
    rows: str
    title: str | None = None
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class CrawlProfile:
    host: str
    start_url: str | None = None
    extra_columns: tuple[dict[str, Any], ...] = ()
    ignore_columns: tuple[str, ...] = ()
    list_rules: ListRules | None = None
    backend_group: str | None = None

    def ignores(self, url: str, name: str | None = None) -> bool:
        for rule in self.ignore_columns:
            if rule.startswith("re:"):
                if re.search(rule[3:], url) or (name and re.search(rule[3:], name)):
                    return True
            elif rule in (url, name):
                return True
        return False


def read_profile(host: str) -> dict[str, Any] | None:
    """The whole profile file of a host (its ``"crawl"`` and ``"evaluation"`` parts), or None."""
    resource = resources.files(PACKAGE) / f"{host.lower()}.json"
    if not resource.is_file():
        return None
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ProfileError(f"profile {host}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ProfileError(f"profile {host}: expected a JSON object")
    return data


def load_profile(host: str) -> CrawlProfile | None:
    """The ``"crawl"`` part of ``govcheck/profiles/<host>.json``, or None when the host has none."""
    data = read_profile(host)
    if data is None:
        return None
    crawl = data.get("crawl") or {}
    if not isinstance(crawl, dict):
        raise ProfileError(f"profile {host}: 'crawl' must be an object")
    extra = crawl.get("extra_columns") or []
    for column in extra:
        if not isinstance(column, dict) or not column.get("url") or not column.get("name"):
            raise ProfileError(f"profile {host}: every extra_columns entry needs 'name' and 'url'")
    rules = crawl.get("list")
    if rules is not None and (not isinstance(rules, dict) or not rules.get("rows")):
        raise ProfileError(f"profile {host}: 'list' needs a 'rows' selector")
    return CrawlProfile(
        host=host.lower(),
        start_url=crawl.get("start_url"),
        extra_columns=tuple(extra),
        ignore_columns=tuple(crawl.get("ignore_columns") or ()),
        list_rules=ListRules(**{k: rules.get(k) for k in ("rows", "title", "url", "date")})
        if rules
        else None,
        backend_group=crawl.get("backend_group"),
    )
