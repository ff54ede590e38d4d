"""`govcheck crawl`'s progress: plain lines off a terminal, a live rich display on one."""

from __future__ import annotations

import io
import re
from pathlib import Path

from govcheck.progress import PlainProgress, RichProgress, SiteOutcome, crawl_progress

DURATION = r"(\d+h)?(\d+m)?\d+s"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def outcomes() -> list[SiteOutcome]:
    log = Path("var/logs/2024-02-28")
    return [
        SiteOutcome("sjj.suizhou.gov.cn", 0, 42.0, log / "sjj.log", "pass", 18, 6),
        SiteOutcome("www.suizhou.gov.cn", 0, 61.0, log / "www.log", "fail", 23, 10),
        SiteOutcome(
            "slow.suizhou.gov.cn",
            0,
            70.0,
            log / "slow.log",
            "fail",
            0,
            1,
            failed_monitors=("homepage_failed",),
        ),
        SiteOutcome("bad.suizhou.gov.cn", 1, 3.0, log / "bad.log"),
    ]


def test_plain_lines_one_per_finished_site_then_a_summary() -> None:
    stream = io.StringIO()
    progress = crawl_progress(4, stream)
    assert isinstance(progress, PlainProgress)
    for outcome in outcomes():
        progress.started(outcome.host)
        progress.finished(outcome)
    progress.close()
    lines = stream.getvalue().splitlines()
    patterns = [
        rf"\[1/4, {DURATION} elapsed, ETA {DURATION}\] sjj\.suizhou\.gov\.cn: 合格 \(pass\), 18 pages, 6 findings in 42s",
        r"\[2/4, .*\] www\.suizhou\.gov\.cn: 不合格 \(fail\), 23 pages, 10 findings in 1m01s",
        r"\[3/4, .*\] slow\.suizhou\.gov\.cn: 不合格 \(fail\), 0 pages, 1 findings, health: homepage_failed in 1m10s",
        r"\[4/4, [^,]*elapsed\] bad\.suizhou\.gov\.cn: FAILED \(exit 1, see var/logs/2024-02-28/bad\.log\)",
        rf"Crawled 4 of 4 site\(s\) in {DURATION}: 1 合格 \(pass\), 2 不合格 \(fail\); 41 pages, 17 findings; "
        r"1 crawl\(s\) with failed health monitors",
        r"1 crawl\(s\) failed: bad\.suizhou\.gov\.cn",
    ]
    assert len(lines) == len(patterns)
    for line, pattern in zip(lines, patterns, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)


def test_a_terminal_gets_the_live_display_and_the_same_results() -> None:
    stream = Terminal()
    progress = crawl_progress(4, stream)
    assert isinstance(progress, RichProgress)
    for outcome in outcomes():
        progress.started(outcome.host)
    assert len(progress.running) == 4  # one spinner line per running site
    for outcome in outcomes():
        progress.finished(outcome)
    assert not progress.running
    progress.close()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())  # without the terminal's escapes
    assert "sjj.suizhou.gov.cn: 合格 (pass), 18 pages, 6 findings in 42s" in text
    assert "bad.suizhou.gov.cn: FAILED (exit 1, see var/logs/2024-02-28/bad.log)" in text
    assert "Crawled 4 of 4 site(s) in " in text and "1 crawl(s) failed: bad.suizhou.gov.cn" in text


def test_a_crawl_that_stored_nothing_says_so() -> None:
    outcome = SiteOutcome("x.gov.cn", 0, 5.0, Path("var/logs/r/x.gov.cn.log"))
    assert outcome.describe() == "crawled, nothing found in the database (see var/logs/r/x.gov.cn.log) in 5s"
