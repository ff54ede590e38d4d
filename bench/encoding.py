"""The encoding detector (govcheck.middlewares.best_encoding) per page of the real-page corpus (not a test).

Run: .venv/bin/python bench/encoding.py [--repeat N]

Each page of tests/corpus/real is offered as served (UTF-8 bytes, declared UTF-8), as GBK bytes
declared UTF-8 (the mislabelled case the middleware corrects) and as UTF-8 bytes declared GB2312
(a page that does not fit GBK is skipped in that form). Prints, per form, the pages, the decision
counts and the microseconds per page (best of N runs), and the total.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from govcheck.middlewares import best_encoding  # noqa: E402

CORPUS = REPO / "tests" / "corpus" / "real"


def forms() -> dict[str, list[tuple[bytes, str]]]:
    """(body, declared encoding) per way of serving the corpus pages."""
    out: dict[str, list[tuple[bytes, str]]] = collections.defaultdict(list)
    for path in sorted(CORPUS.glob("*.html")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        out["utf-8 declared utf-8"].append((text.encode("utf-8"), "utf-8"))
        out["utf-8 declared gb2312"].append((text.encode("utf-8"), "gb2312"))
        try:
            out["gbk declared utf-8"].append((text.encode("gbk"), "utf-8"))
        except UnicodeEncodeError:
            continue
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    total_pages, total_seconds = 0, 0.0
    print(f"{'form':<24} pages  decisions                         µs/page (best of {args.repeat})")
    for name, pages in forms().items():
        best = float("inf")
        decisions: collections.Counter[str] = collections.Counter()
        for _ in range(args.repeat):
            decisions.clear()
            started = time.perf_counter()
            for body, declared in pages:
                decisions[best_encoding(body, declared)] += 1
            best = min(best, time.perf_counter() - started)
        total_pages += len(pages)
        total_seconds += best
        shown = ", ".join(f"{k} {v}" for k, v in sorted(decisions.items()))
        print(f"{name:<24} {len(pages):>5}  {shown:<33} {best / len(pages) * 1e6:>8.0f}")
    print(f"{'all':<24} {total_pages:>5}  {'':<33} {total_seconds / total_pages * 1e6:>8.0f}")


if __name__ == "__main__":
    main()
