"""One site's findings as the bulletin's 存在的突出问题 cell, each rule's findings merged its own way
(its ``summary`` in the rule table), the sentences joined by ；in the order bulletins write them, e.g.
“图片新闻”、“审计动态”栏目超2周未更新；“疫情防控”、“党史学习教育”栏目超1年未更新
"""

from __future__ import annotations

from collections.abc import Sequence

from govcheck.evaluator.rules import RULES_BY_CODE, Draft
from govcheck.evaluator.wording import Placed


def summarize(findings: Sequence[tuple[str, Draft]]) -> str:
    """The cell for ``(rule code, draft)`` pairs in the order the engine found them."""
    by_code: dict[str, list[Draft]] = {}
    for code, draft in findings:
        by_code.setdefault(code, []).append(draft)
    placed: list[Placed] = []
    for code, drafts in by_code.items():
        rule = RULES_BY_CODE[code]
        placed += rule.summary.sentences(rule.message, drafts)
    return "；".join(sentence for _, sentence in sorted(placed, key=lambda p: p[0]))
