"""The post-crawl evaluator: official rules applied to the database at an as-of date. No Scrapy here."""

from govcheck.evaluator.engine import EvaluationResult, evaluate

__all__ = ["EvaluationResult", "evaluate"]
