"""Listing extraction (govcheck.extract.extract_listing) per column-list page of the real-page corpus (not a test).

Run: .venv/bin/python bench/listing.py [--repeat N]

For each column-list page of tests/corpus/real, prints the best of N runs of the extractor beside
the best of N plain lxml parses of the same page, and their ratio: the extractor's own cost over the
parse it cannot avoid. The target is under 100 ms per page on this machine, printed as a count of
pages over it (a figure, never an assertion: the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import lxml.html  # noqa: E402

from govcheck.extract import extract_listing  # noqa: E402
from tests.corpus import manifest, original_url  # noqa: E402
from tests.corpus import read as read_page  # noqa: E402

TARGET_SECONDS = 0.1


def best_of(repeat: int, call: Callable[[], object]) -> float:
    call()  # warm caches (regexes, lxml)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pages = [item for item in manifest() if item["page_type"] == "column_list"]
    if not pages:
        sys.exit("bench/listing.py: no column-list pages in tests/corpus/real")
    print(f"{'page':<56} {'extract ms':>10} {'parse ms':>9} {'ratio':>6}")
    total_extract = total_parse = 0.0
    over_target = 0
    for item in pages:
        html, url = read_page(item["file"]), original_url(item)
        extract = best_of(args.repeat, lambda html=html, url=url: extract_listing(html, url))
        parse = best_of(args.repeat, lambda html=html: lxml.html.fromstring(html))
        total_extract, total_parse = total_extract + extract, total_parse + parse
        over_target += extract >= TARGET_SECONDS
        print(f"{item['file'][:56]:<56} {extract * 1e3:>10.1f} {parse * 1e3:>9.1f} {extract / parse:>6.1f}")
    print(
        f"{len(pages)} pages: extraction {total_extract / len(pages) * 1e3:.1f} ms per page, "
        f"{total_extract / total_parse:.1f}× the parse alone; {over_target} over {TARGET_SECONDS * 1e3:.0f} ms"
    )


if __name__ == "__main__":
    main()
