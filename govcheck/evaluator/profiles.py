"""Per-site evaluation overrides from the site profile ``govcheck/profiles/<host>.json``.

The profile file is shared with the crawler (which keeps its selectors elsewhere in it); the
evaluator reads only its top-level ``"evaluation"`` object::

    {"evaluation": {"exclude": ["往届专题", "http://x.gov.cn/lszl/"],
                    "categories": {"工作信息": "news", "http://x.gov.cn/ghjh/": "other"}}}

Keys match a column's URL or its name. ``exclude`` takes a column out of staleness and blank counts
(the way archival columns are); ``categories`` forces one of news / notice / other / interaction /
archive.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from govcheck.evaluator.categories import CATEGORIES, Category, CategoryKey
from govcheck.profile import read_profile

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EvaluationProfile:
    exclude: frozenset[str] = frozenset()
    categories: dict[str, CategoryKey] = field(default_factory=dict)

    def override(self, name: str | None, url: str) -> Category | None:
        if url in self.exclude or (name and name in self.exclude):
            return CATEGORIES["excluded"]
        key = self.categories.get(url) or (self.categories.get(name) if name else None)
        return CATEGORIES[key] if key else None


def parse_profile(data: dict[str, object]) -> EvaluationProfile:
    section = data.get("evaluation") or {}
    if not isinstance(section, dict):
        raise ValueError("'evaluation' must be an object")
    exclude = section.get("exclude") or []
    categories = section.get("categories") or {}
    if not isinstance(exclude, list) or not isinstance(categories, dict):
        raise ValueError("'exclude' must be a list and 'categories' an object")
    unknown = {v for v in categories.values() if v not in CATEGORIES}
    if unknown:
        raise ValueError(f"unknown categories {sorted(unknown)} (known: {', '.join(CATEGORIES)})")
    return EvaluationProfile(frozenset(map(str, exclude)), {str(k): v for k, v in categories.items()})


def load_profile(host: str) -> EvaluationProfile:
    """The host's profile, or an empty one; a broken profile is logged and ignored, never fatal."""
    try:
        data = read_profile(host)
        return parse_profile(data) if data is not None else EvaluationProfile()
    except (ValueError, TypeError) as exc:
        logger.error("Ignoring the evaluation part of the profile of %s: %s", host, exc)
        return EvaluationProfile()
