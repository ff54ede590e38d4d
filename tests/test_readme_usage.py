"""The README's Usage section, run as written: its ▶ usage blocks in order, in one bash session, against
the sample site farm and a fresh SQLite database; the output shown after each block must appear.

The unmarked block of the section (the farm's proxy exports) is what the test's environment does
itself, pointing at the session's farm; the database is a temporary file instead of ./var/govcheck.db.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.farm.process import FarmProcess
from tests.farm.truth import registry_csv

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(1200)
BLOCK = re.compile(
    r"<!-- ▶ usage:(?P<name>[\w-]+) -->\n```sh\n(?P<script>.*?)\n```\n(?:\n```text\n(?P<shown>.*?)\n```\n)?",
    re.S,
)
MARK = "::readme-usage-block::"


@dataclass(frozen=True)
class Block:
    name: str
    script: str
    shown: list[str]  # lines the README shows as the block's output


def usage_blocks() -> list[Block]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Usage\n") : text.index("\n## ", text.index("## Usage\n") + 1)]
    return [Block(m["name"], m["script"], (m["shown"] or "").splitlines()) for m in BLOCK.finditer(section)]


def shown_line(line: str) -> re.Pattern[str]:
    """A line as the README shows it: literal, except that … stands for anything."""
    return re.compile(".*".join(re.escape(part) for part in line.split("…")))


def test_the_farm_registry_is_the_truth() -> None:
    """tests/farm/sites.csv (what make demo and the Usage section import) cannot drift from the farm."""
    assert (REPO / "tests" / "farm" / "sites.csv").read_text(encoding="utf-8") == registry_csv()


def test_the_usage_section_works_as_written(farm: FarmProcess, tmp_path: Path) -> None:
    blocks = usage_blocks()
    assert [b.name for b in blocks] == ["sites", "crawl", "report", "round", "duties"]
    script = "\n".join(f"echo {MARK}{b.name}\n{b.script}" for b in blocks)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy") and not k.startswith("GOVCHECK_") and k != "REDIS_URL"
    }
    env |= farm.proxy_env() | {"GOVCHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'govcheck.db'}"}
    (REPO / "var" / "2024-Q1.xlsx").unlink(missing_ok=True)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f"exec 2>&1\n{script}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        timeout=1100,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]

    outputs = dict(
        part.split("\n", 1) for part in result.stdout.split(MARK)[1:]
    )  # block name -> what it printed
    for block in blocks:
        printed = [line.rstrip() for line in outputs[block.name].splitlines()]
        for line in block.shown:
            if line.strip() == "…":
                continue
            pattern = shown_line(line)
            assert any(pattern.fullmatch(p) for p in printed), (
                f"block {block.name}: no output line like {line!r}\n" + "\n".join(printed[-60:])
            )

    book = load_workbook(REPO / "var" / "2024-Q1.xlsx")
    cells = {cell for row in book["附件"].iter_rows(values_only=True) for cell in row}
    assert "sjj.suizhou.gov.cn" in cells and "www.suizhou.gov.cn" not in cells  # the round's one site
