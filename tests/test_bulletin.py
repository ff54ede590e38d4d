"""govcheck/bulletin.py: the html report, a bulletin's 附件 through jinja2 templates an office can
override; rendered in headless Chromium when `make browser` installed it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine

from govcheck import report
from govcheck.document import Imprint
from tests.helpers import (
    IMPRINT_ENV,
    Q4,
    Q4_REPORT,
    REPO,
    govcheck_on,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


ARTIFACTS = REPO / "var" / "artifacts"


MEDIA_BOX = re.compile(rb"/MediaBox \[([0-9. ]+)\]")


def test_html_report_is_a_printable_bulletin(rounds: Engine, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = govcheck_on(rounds, *Q4_REPORT, "--format", "html", "-o", str(out), **IMPRINT_ENV)
    assert result.returncode == 0, result.stderr.decode()
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page and 'src="' not in page
    assert '<p class="annex">附件1</p>' in page and "<h1>检查政府网站发现的问题清单（2023-Q4）</h1>" in page
    assert "<span>监测时间点：2023年12月15日</span><span>检查轮次：2023-Q4</span>" in page
    assert '<th class="no">序号</th>' in page and '<td class="no">1</td>' in page
    assert '<th class="result">结果</th>' in page and '<td class="result bad">不合格</td>' in page
    assert '<p class="issuer">随州市政务服务和大数据管理局</p>' in page
    assert '<p class="issued">2024年3月6日</p>' in page
    assert "@page { size: A4 landscape;" in page
    assert "thead { display: table-header-group; }" in page
    assert ".result { white-space: nowrap;" in page
    assert "<td>栏目不更新</td>" in page and "<td>column_stale</td>" in page  # Chinese label and code
    assert page.index("示例不合格网站") < page.index("随州市审计局")  # 不合格 first
    assert "“政府信息公开指南”、“规划信息”栏目超1年未更新" in page
    assert '<a href="http://www.example-bad.com/gone.html">' in page


def test_an_office_overrides_the_templates(rounds: Engine, tmp_path: Path) -> None:
    office = tmp_path / "office"
    office.mkdir()
    (office / "bulletin.css").write_text("body { font-family: serif; } /* office style */", encoding="utf-8")
    template = tmp_path / "ours.html"
    template.write_text(
        '{% extends "govcheck/bulletin.html" %}{% block signature %}<p class="seal">（盖章）{{ imprint.issuer }}</p>{% endblock %}',
        encoding="utf-8",
    )
    result = govcheck_on(
        rounds, *Q4_REPORT, "--format", "html", "--template", str(template),
        GOVCHECK_REPORT_TEMPLATES=str(office), GOVCHECK_ISSUER="<b>某局</b>",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    page = result.stdout.decode()
    assert "/* office style */" in page and "@page" not in page
    assert (
        '<p class="seal">（盖章）&lt;b&gt;某局&lt;/b&gt;</p>' in page
    )  # autoescaped in an office template too
    assert "<h1>检查政府网站发现的问题清单（2023-Q4）</h1>" in page

    broken = tmp_path / "broken.html"
    broken.write_text("{% block x %}", encoding="utf-8")
    for args, message in [
        (("--format", "html", "--template", str(broken)), f"govcheck: {broken}:1: Unexpected end of template."),
        (("--format", "markdown", "--template", str(template)), "govcheck: --template applies to --format html, not markdown"),
        (("--format", "html", "--template", str(tmp_path / "none.html")), f"govcheck: {tmp_path / 'none.html'}: no such template file"),
    ]:  # fmt: skip
        failed = govcheck_on(rounds, *Q4_REPORT, *args)
        assert failed.returncode == 2
        assert failed.stderr.decode().strip().splitlines()[-1].startswith(message), failed.stderr.decode()
    wrong_folder = govcheck_on(
        rounds, *Q4_REPORT, "--format", "html", GOVCHECK_REPORT_TEMPLATES=str(tmp_path / "nope")
    )
    assert wrong_folder.returncode == 2
    assert "templates folder not found" in wrong_folder.stderr.decode()


def test_a_bad_issue_date_is_one_line(rounds: Engine) -> None:
    result = govcheck_on(rounds, *Q4_REPORT, "--format", "html", GOVCHECK_ISSUE_DATE="2024-13-01")
    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        "govcheck: GOVCHECK_ISSUE_DATE: expected YYYY-MM-DD or nothing, got '2024-13-01'"
    )


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed: `make browser` installs it with the CJK fonts (root, apt-get)",
)
def test_html_report_renders_in_headless_chromium(rounds: Engine, tmp_path: Path) -> None:
    """The bulletin as chromium draws it (var/artifacts/report.png) and prints it (report.pdf, A4 landscape)."""
    data = report.build(rounds, Q4, round_name="2023-Q4")
    imprint = Imprint(annex=1, issuer="随州市政务服务和大数据管理局", issued=dt.date(2024, 3, 6))
    page = tmp_path / "report.html"
    page.write_text(report.render(data, report.document(data), "html", imprint=imprint), encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot, printed = ARTIFACTS / "report.png", ARTIFACTS / "report.pdf"
    screenshot.unlink(missing_ok=True)
    printed.unlink(missing_ok=True)
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    shot = subprocess.run(
        [CHROMIUM, *flags, "--window-size=1280,1400", f"--screenshot={screenshot}", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert shot.returncode == 0, shot.stderr
    assert screenshot.stat().st_size > 10_000  # a real rendering, not a blank page
    pdf = subprocess.run(
        [CHROMIUM, *flags, "--no-pdf-header-footer", f"--print-to-pdf={printed}", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert pdf.returncode == 0, pdf.stderr
    boxes = {tuple(round(float(n)) for n in box.split()) for box in MEDIA_BOX.findall(printed.read_bytes())}
    assert boxes == {(0, 0, 842, 595)}  # every page as the @page rule says: A4 landscape, in points
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr
    assert dom.stdout.count("<tr>") >= 10 and "随州市审计局" in dom.stdout
