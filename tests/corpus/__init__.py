"""The real-page corpus: a copy of ../shared/corpus/real kept in the repository (tests/corpus/real,
its manifest and README included, as htmldate ships its test pages), so a bare clone runs every
corpus test; its manifest, and test parameters.

Tests built on it skip with a clear reason when the folder is missing.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from govcheck.dates import SHANGHAI

CORPUS = Path(__file__).resolve().parent / "real"
MISSING_REASON = f"real-page corpus not found at {CORPUS} (copied from ../shared/corpus/real)"
# The pingtan snapshot's "today" (manifest: snapshot_taken_on_or_after); used for every corpus page.
REFERENCE = dt.datetime(2026, 9, 10, 23, 59, 59, tzinfo=SHANGHAI)

requires_corpus = pytest.mark.skipif(not (CORPUS / "manifest.json").is_file(), reason=MISSING_REASON)


@cache
def manifest() -> list[dict[str, Any]]:
    path = CORPUS / "manifest.json"
    if not path.is_file():
        return []
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def entry(file: str) -> dict[str, Any]:
    for item in manifest():
        if item["file"] == file:
            return item
    pytest.skip(f"{file} is not in the corpus manifest")


def read(file: str) -> str:
    path = CORPUS / file
    if not path.is_file():
        pytest.skip(f"{file}: {MISSING_REASON}")
    return path.read_text(encoding="utf-8")


def original_url(item: dict[str, Any]) -> str:
    """The page's URL: the manifest appends notes after it ("https://…/  (inferred: …)")."""
    return str(item["original_url"]).split()[0]


def params(page_type: str) -> list[Any]:
    """One pytest.param per manifest entry of a page type, or one skipped param if there is no corpus."""
    found = [pytest.param(item, id=item["file"]) for item in manifest() if item["page_type"] == page_type]
    return found or [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason=MISSING_REASON))]
