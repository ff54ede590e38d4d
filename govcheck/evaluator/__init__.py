"""The post-crawl evaluator: official rules applied to the database at an as-of date. No Scrapy here."""

from __future__ import annotations

from govcheck.evaluator.engine import EvaluationResult, evaluate

__all__ = ["EvaluationResult", "evaluate"]
