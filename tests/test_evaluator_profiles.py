"""govcheck/evaluator/profiles.py: a site profile's evaluation part excludes and recategorises columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import govcheck.profile
from govcheck.evaluator import profiles


def test_profile_overrides_exclude_and_recategorize(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    profile = profiles.parse_profile(
        {
            "crawl": {"list": ".news li"},  # the crawler's part of the same file is ignored here
            "evaluation": {
                "exclude": ["疫情防控"],
                "categories": {"http://example.gov.cn/gzxx/": "news"},
            },
        }
    )
    assert profile.override("疫情防控", "http://example.gov.cn/yqfk/").key == "excluded"
    assert profile.override("工作信息", "http://example.gov.cn/gzxx/").key == "news"
    assert profile.override("规划信息", "http://example.gov.cn/ghxx/") is None
    with pytest.raises(ValueError, match="unknown categories"):
        profiles.parse_profile({"evaluation": {"categories": {"x": "weekly"}}})
    assert profiles.load_profile("no-such-host.gov.cn") == profiles.EvaluationProfile()
    (tmp_path / "example.gov.cn.json").write_text(json.dumps({"evaluation": {"exclude": ["x"]}}))
    monkeypatch.setattr(govcheck.profile.resources, "files", lambda _package: tmp_path)
    assert profiles.load_profile("Example.gov.cn").exclude == frozenset({"x"})
