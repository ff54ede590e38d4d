"""The post-crawl evaluator: official rules applied to the database at an as-of date. No Scrapy here.

``evaluate`` is imported lazily so that the pure data modules (``terms``) can be used by the
parsing layer without loading the database stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govcheck.evaluator.engine import EvaluationResult, evaluate

__all__ = ["EvaluationResult", "evaluate"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from govcheck.evaluator import engine

        return getattr(engine, name)
    raise AttributeError(name)
