"""Column categories (栏目分类) and their update periods, after indicators.md §b.

First match wins: the design standard's ``ColumnType`` meta (only its official values), then the
title keywords, then the URL's pinyin segments; a column matching nothing is a 365-day column.
专题 columns are 365-day columns, never 14-day ones (历史性工作专题栏目除外 keeps them out of 动态要闻).
Only archival columns (历史, 回顾, 往期, 存档, 归档) are excluded from staleness by their title;
a site profile (profiles.py) can exclude or re-classify any column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

CategoryKey = Literal["news", "notice", "other", "interaction", "survey", "archive", "excluded"]


@dataclass(frozen=True, slots=True)
class Category:
    key: CategoryKey
    label: str  # as a bulletin would name the class
    judged: bool  # whether staleness applies


CATEGORIES: dict[CategoryKey, Category] = {
    "news": Category("news", "动态、要闻类", True),
    "notice": Category("notice", "通知公告、政策文件类", True),
    "other": Category("other", "其他应更新栏目", True),
    # Letter lists are dated lists: a 网络问政 column whose newest letter is old is stale; its replies are
    # judged by interaction_unanswered and consult_reply_timeliness.
    "interaction": Category("interaction", "政务咨询类", True),
    # 调查征集 and 在线访谈 are judged by survey_inactive (none held in a year), not by staleness.
    "survey": Category("survey", "调查征集、在线访谈类", False),
    "archive": Category("archive", "历史归档", False),
    "excluded": Category("excluded", "站点配置排除", False),  # by the site profile
}

# 《政府网站网页设计规范》 ColumnType values and the class each implies.
COLUMN_TYPES: dict[str, CategoryKey] = {
    "工作动态": "news",
    "政策文件": "notice",
    "咨询投诉": "interaction",
    **{
        value: "other"
        for value in (
            "首页",
            "概况信息",
            "机构职能",
            "负责人信息",
            "信息公开指南",
            "信息公开目录",
            "信息公开年报",
            "依申请公开",
            "数据发布",
            "数据开放",
            "政策解读",
            "回应关切",
            "办事服务",
        )
    },
    "征集调查": "survey",
    "在线访谈": "survey",
}

ARCHIVE_TERMS = ("历史", "回顾", "往期", "存档", "归档")
TOPIC_TERMS = ("专题",)
INTERACTION_TERMS = (
    "咨询",
    "留言",
    "信箱",
    "12345",
    "问政",
    "民意",
    "互动交流",
    "政民互动",
)
SURVEY_TERMS = ("在线访谈", "访谈", "调查征集", "征集调查", "意见征集", "民意调查", "网上调查")
INTERACTION_EXCLUDED = (
    "在线访谈",
    "访谈",
    "调查征集",
    "意见征集",
    "征集调查",
    "网上信访",
    "信访",
    "纪检",
    "举报",
)
NEWS_TERMS = (
    "要闻",
    "动态",
    "新闻",
    "资讯",
    "快讯",
    "工作进展",
    "工作信息",
    "政务信息",
    "媒体关注",
    "媒体聚焦",
    "今日",
)
NOTICE_TERMS = (
    "通知公告",
    "公示公告",
    "公告公示",
    "通知",
    "公告",
    "公示",
    "政策文件",
    "政策法规",
    "法规文件",
    "规范性文件",
    "政府文件",
    "部门文件",
    "本级文件",
    "文件发布",
    "政府令",
)
NEWS_PINYIN = re.compile(r"^(xwdt|zwdt|gzdt|bmdt|qxdt|xzdt|jcdt|ywdt|tpxw|yw|xw)$")
NOTICE_PINYIN = re.compile(r"^(tzgg|gsgg|zcwj|gfxwj|zfwj|wjfb|zcfg)$")
TOPIC_PINYIN = re.compile(r"^(zt|ztzl)$")


def classify(name: str | None, url: str, column_type: str | None = None) -> Category:
    title = name or ""
    if any(term in title for term in ARCHIVE_TERMS):
        return CATEGORIES["archive"]
    segments = [s.lower() for s in urlsplit(url).path.split("/") if s and "." not in s]
    if any(term in title for term in TOPIC_TERMS) or any(TOPIC_PINYIN.match(s) for s in segments):
        return CATEGORIES["other"]
    if column_type and column_type.strip() in COLUMN_TYPES:
        return CATEGORIES[COLUMN_TYPES[column_type.strip()]]
    if any(term in title for term in SURVEY_TERMS):
        return CATEGORIES["survey"]
    if any(term in title for term in INTERACTION_TERMS) and not any(t in title for t in INTERACTION_EXCLUDED):
        return CATEGORIES["interaction"]
    if any(term in title for term in NEWS_TERMS):
        return CATEGORIES["news"]
    if any(term in title for term in NOTICE_TERMS):
        return CATEGORIES["notice"]
    if title:
        return CATEGORIES["other"]
    # No usable title: the URL's pinyin segment, innermost first.
    for segment in reversed(segments):
        if NEWS_PINYIN.match(segment):
            return CATEGORIES["news"]
        if NOTICE_PINYIN.match(segment):
            return CATEGORIES["notice"]
    return CATEGORIES["other"]


def threshold_days(category: Category, settings: dict[str, object]) -> int | None:
    key = {
        "news": "GOVCHECK_THRESHOLD_NEWS_DAYS",
        "notice": "GOVCHECK_THRESHOLD_NOTICE_DAYS",
        "other": "GOVCHECK_THRESHOLD_OTHER_DAYS",
        "interaction": "GOVCHECK_THRESHOLD_INTERACTION_DAYS",
    }
    setting = key.get(category.key)
    return int(settings[setting]) if setting else None  # type: ignore[call-overload]


PERIODS = {14: "2周", 30: "1个月", 60: "2个月", 90: "3个月", 180: "6个月", 183: "6个月", 365: "1年"}
PERIOD_SYNONYMS = {"两周": 14, "半年": 180, "一年": 365}  # also seen in published cells
DAYS = re.compile(r"(\d+)天")


def period_words(days: int) -> str:
    """14 → 2周, 180 → 6个月, 365 → 1年, as bulletins write them; any other period in 天."""
    return PERIODS.get(days, f"{days}天")


def period_days(words: str) -> int | None:
    """The inverse of :func:`period_words` (6个月 → 180, the shorter), synonyms included; None if unknown."""
    if known := [d for d, w in PERIODS.items() if w == words]:
        return min(known)
    if words in PERIOD_SYNONYMS:
        return PERIOD_SYNONYMS[words]
    match = DAYS.fullmatch(words)
    return int(match.group(1)) if match else None
