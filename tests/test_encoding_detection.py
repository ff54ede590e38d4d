"""The encoding detector's decisions on the real-page corpus and on the characters it scores.

Scoring works on whole strings with codec and regex operations (no per-character Python loop):
these cases pin the decisions the per-character version made.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from govcheck.middlewares import best_encoding

CORPUS = Path(__file__).parent / "corpus" / "real"
PAGES = sorted(CORPUS.glob("*.html"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name[:40])
def test_corpus_page_in_every_labelling(page: Path) -> None:
    text = page.read_bytes().decode("utf-8", errors="replace")
    assert best_encoding(text.encode("utf-8"), "utf-8") == "utf-8"
    assert best_encoding(text.encode("utf-8"), "gb2312") == "utf-8"
    try:
        gbk = text.encode("gbk")
    except UnicodeEncodeError:
        return  # holds characters GBK lacks: served as UTF-8 only
    assert best_encoding(gbk, "utf-8") == "gb18030"
    assert best_encoding(gbk, "gbk") == "gbk"


@pytest.mark.parametrize(
    ("text", "declared", "expected"),
    [
        # Level-2 hanzi and GBK-only characters are not everyday Chinese: a declared GBK stands.
        ("鬲鬯鬻麂麇麈麋麒鏖鏊" * 20, "gbk", "gbk"),
        # Characters GBK lacks (emoji, Korean) in GB18030 bytes: GBK cannot decode them.
        ("😀한국어" * 30 + "通知公告", "gbk", "gb18030"),
        # Latin-1 read of UTF-8 bytes is mojibake: UTF-8 wins.
        ("关于开展安全生产大检查工作的通知" * 5, "latin-1", "utf-8"),
    ],
)
def test_decisions_on_rare_and_foreign_characters(text: str, declared: str, expected: str) -> None:
    body = text.encode("gb18030" if declared == "gbk" else "utf-8")
    assert best_encoding(body, declared) == expected


def test_only_the_first_sample_of_wide_characters_counts() -> None:
    # 4,000 GBK-only characters first, then everyday Chinese: the sample ends before the latter.
    text = "鬲" * 4000 + "通知公告" * 2000
    assert best_encoding(text.encode("gb18030"), "gbk") == "gbk"
