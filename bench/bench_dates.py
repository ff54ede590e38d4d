"""Fast path vs dateparser on the date strings of the real-page corpus (not a test).

Run: .venv/bin/python bench/bench_dates.py [--repeat N]

Collects every date text the extractors read from ../shared/corpus/real (list rows, homepage rows,
PubDate metas and 发布时间 labels), normalizes each with govcheck's DateNormalizer and with a
dateparser DateDataParser configured the same way, and prints both rates, their ratio, and every
disagreement with the likely reason.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dateparser.date import DateDataParser  # noqa: E402

from govcheck.dates import SHANGHAI, DateNormalizer, year_month_from_url  # noqa: E402
from govcheck.extract import extract_listing, homepage_entries, page_facts  # noqa: E402

logger = logging.getLogger("bench_dates")

CORPUS = REPO.parent / "shared" / "corpus" / "real"
REFERENCE = dt.datetime(2026, 9, 10, 23, 59, 59, tzinfo=SHANGHAI)


def corpus_dates() -> list[tuple[str, str | None]]:
    """(date text, URL of the item) for every date the extractors find in the corpus."""
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    out: list[tuple[str, str | None]] = []
    for item in manifest:
        html = (CORPUS / item["file"]).read_text(encoding="utf-8")
        url = str(item["original_url"]).split()[0]
        if item["page_type"] == "column_list":
            out += [(e.date_text, e.url) for e in extract_listing(html, url).entries if e.date_text]
        elif item["page_type"] == "homepage":
            out += [(e.date_text, e.url) for e in homepage_entries(html, url) if e.date_text]
        facts = page_facts(html, url)
        if facts.pub_date_text:
            out.append((facts.pub_date_text, None))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="passes over the strings for timing")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not CORPUS.is_dir():
        logger.error("corpus not found at %s", CORPUS)
        raise SystemExit(1)

    samples = corpus_dates()
    normalizer = DateNormalizer(REFERENCE)
    base = REFERENCE.astimezone(SHANGHAI).replace(tzinfo=None)
    dp = DateDataParser(
        languages=["zh", "en"],
        settings={
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": base,
            "TIMEZONE": "Asia/Shanghai",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    dp.get_date_data("2024-01-01")  # load the locales outside the timing

    started = time.perf_counter()
    for _ in range(args.repeat):
        fast = [normalizer.normalize(text, url=url).value for text, url in samples]
    fast_rate = len(samples) * args.repeat / (time.perf_counter() - started)

    started = time.perf_counter()
    for _ in range(args.repeat):
        slow = [_dateparser_date(dp, text) for text, _url in samples]
    slow_rate = len(samples) * args.repeat / (time.perf_counter() - started)

    logger.info("%d date strings from %s", len(samples), CORPUS)
    logger.info("fast path : %10.0f strings/s", fast_rate)
    logger.info("dateparser: %10.0f strings/s", slow_rate)
    logger.info("ratio     : %10.1fx", fast_rate / slow_rate)
    disagreements = [(s, f, d) for s, f, d in zip(samples, fast, slow, strict=True) if f != d]
    logger.info("disagreements: %d", len(disagreements))
    for (text, url), ours, theirs in disagreements:
        logger.info("  %-28r fast=%s dateparser=%s  # %s", text, ours, theirs, _why(text, url, ours, theirs))


def _dateparser_date(dp: DateDataParser, text: str) -> dt.date | None:
    found = dp.get_date_data(text.strip()).date_obj
    return found.date() if found is not None else None


def _why(text: str, url: str | None, ours: dt.date | None, theirs: dt.date | None) -> str:
    if theirs is None and "∶" in text:
        return "U+2236 RATIO instead of a colon in the time: dateparser gives up"
    if theirs is None:
        return "dateparser cannot read it (label, brackets or extra text around the date)"
    if ours is None:
        return "fast path rejected it (future or impossible)"
    if url and year_month_from_url(url) and ours.year != theirs.year:
        return f"year-less: the fast path takes the year from the URL folder {year_month_from_url(url)}"
    if ours.year != theirs.year:
        return "year-less: dateparser picks a different year"
    return "different day or month (day/month order?)"


if __name__ == "__main__":
    main()
