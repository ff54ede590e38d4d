"""The layering contracts (pyproject.toml, ``[tool.importlinter]``) bite: each one fails the build when
a module breaks it. ``make imports`` runs them on the tree; here a copy of the tree is built in a
temporary folder with one forbidden import added per case."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _mirror(source: Path, target: Path) -> None:
    """Folders as folders, files as links: a case may add or replace a file without touching the repo."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            _mirror(entry, target / entry.name)
        else:
            (target / entry.name).symlink_to(entry)


def _lint(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess[str]:
    """lint-imports on the layout with ``line`` added to ``module`` (a dotted name; created if absent)."""
    package = tmp_path / "govcheck"
    _mirror(ROOT / "govcheck", package)  # govcheck/spiders and govcheck/pipelines: links to the top level
    if module:
        path = tmp_path.joinpath(*module.split(".")).with_suffix(".py")
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        path.unlink(missing_ok=True)
        path.write_text(f"{text}\n{line}\n", encoding="utf-8")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_tree_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(tmp_path, "", "")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("govcheck.spiders.layer_probe", "import govcheck.db.models", "spiders yield items"),
        ("govcheck.spiders.layer_probe", "import govcheck.evaluator.engine", "spiders yield items"),
        ("govcheck.extract.layer_probe", "import scrapy", "extract is pure functions"),
        ("govcheck.extract.layer_probe", "import govcheck.pipelines.storage", "extract is pure functions"),
        ("govcheck.evaluator.layer_probe", "import scrapy.http", "the evaluator never imports Scrapy"),
        ("govcheck.evaluator.layer_probe", "import govcheck.spiders.portal", "the evaluator never imports"),
        ("govcheck.report", "import govcheck.spiders.portal", "reports read evaluations"),
        ("govcheck.recheck", "import govcheck.spiders.sitecrawl", "reports read evaluations"),
        ("govcheck.db.layer_probe", "import govcheck.report", "layers:"),
        ("govcheck.spiders.layer_probe", "import govcheck.pipelines.storage", "layers:"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    result = _lint(tmp_path, module, line)
    assert result.returncode != 0, result.stdout
    broken = [text for text in result.stdout.splitlines() if text.endswith("BROKEN")]
    assert any(text.startswith(contract) for text in broken), result.stdout
