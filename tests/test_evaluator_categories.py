"""govcheck/evaluator/categories.py: which kind of column a name and URL make, and its threshold."""

from __future__ import annotations

import pytest

from govcheck.evaluator.categories import classify


@pytest.mark.parametrize(
    ("name", "url", "expected"),
    [
        ("图片新闻", "http://x.gov.cn/tpxw/", "news"),
        ("审计动态", "http://x.gov.cn/sjdt/", "news"),
        ("动态要闻", "http://x.gov.cn/dtyw/", "news"),
        ("通知公告", "http://x.gov.cn/tzgg/", "notice"),
        ("规划信息", "http://x.gov.cn/ghxx/", "other"),
        ("视频", "http://x.gov.cn/sp/", "other"),
        ("疫情防控", "http://x.gov.cn/yqfk/", "other"),
        ("新闻专题", "http://x.gov.cn/zt/", "other"),  # 专题 is never a 2-week column
        ("往期回顾", "http://x.gov.cn/wqhg/", "archive"),
        ("局长信箱", "http://x.gov.cn/jzxx/", "interaction"),
        ("", "http://x.gov.cn/xwzx/gzdt/", "news"),
        ("", "http://x.gov.cn/zwgk/tzgg/", "notice"),
    ],
)
def test_categories(name: str, url: str, expected: str) -> None:
    assert classify(name, url).key == expected


def test_column_type_meta_wins_only_with_an_official_value() -> None:
    assert classify("工作进展情况", "http://x.gov.cn/a/", "政策文件").key == "notice"
    assert classify("工作进展情况", "http://x.gov.cn/a/", "工作进展情况").key == "news"
