"""One site's findings as the bulletin's 存在的突出问题 cell.

Each column in “”, names joined by 、, groups joined by ；, groups ordered 2周 → 6个月 → 1年 →
空白 → others, columns in the site's navigation order, e.g.
“图片新闻”、“审计动态”栏目超2周未更新；“疫情防控”、“党史学习教育”栏目超1年未更新
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from govcheck.evaluator.categories import period_words

if TYPE_CHECKING:
    from govcheck.evaluator.rules import Draft

# Findings the summary leaves to the evidence sheet (link_broken is folded into counts below).
LEFT_TO_EVIDENCE = {"internal_link"}
FOOTER_PREFIX = "网站页面底部未标注"


def _names(drafts: Sequence[Draft]) -> str:
    ordered = sorted(drafts, key=lambda d: d.column.position if d.column else 0)
    return "、".join(f"“{d.column.name}”" for d in ordered if d.column)


def summarize(findings: Sequence[tuple[str, Draft]]) -> str:
    stale: dict[int, list[Draft]] = {}
    blank: list[Draft] = []
    footer: list[str] = []
    others: list[str] = []
    homepage_links = page_links = 0
    for code, draft in findings:
        if code == "column_stale" and draft.threshold_days is not None:
            stale.setdefault(draft.threshold_days, []).append(draft)
        elif code == "column_blank":
            blank.append(draft)
        elif code == "footer_missing":
            footer.append(draft.message.removeprefix(FOOTER_PREFIX))
        elif code == "link_broken":
            if draft.scope == "homepage":
                homepage_links += 1
            else:
                page_links += 1
        elif code not in LEFT_TO_EVIDENCE:
            others.append(draft.message)
    groups = [f"{_names(stale[days])}栏目超{period_words(days)}未更新" for days in sorted(stale)]
    if blank:
        groups.append(f"{_names(blank)}栏目为空白栏目")
    groups.extend(others)
    if footer:  # one sentence for all missing footer items, as bulletins write it
        groups.append(FOOTER_PREFIX + "、".join(footer))
    if homepage_links:
        groups.append(f"首页存在{homepage_links}个不可用链接")
    if page_links:
        groups.append(f"网站其他页面存在{page_links}个不可用链接")
    return "；".join(groups)
