"""Fast path vs dateparser on the date strings of the real-page corpus and the site farm (not a test).

Run: .venv/bin/python bench/bench_dates.py [--repeat N]

Collects every date text the extractors read from tests/corpus/real and from every page the test
site farm serves (tests/farm: list rows, homepage rows incl. year-less MM-dd, PubDate metas and
发布时间 labels), normalizes each with govcheck's DateNormalizer and with a dateparser DateDataParser
configured the same way (same reference time: 2026-09-10 for the corpus, the farm's as-of 2024-02-28
for the farm), and prints both rates, their ratio, and every disagreement with the likely reason.
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

CORPUS = REPO / "tests" / "corpus" / "real"
REFERENCE = dt.datetime(2026, 9, 10, 23, 59, 59, tzinfo=SHANGHAI)
FARM_REFERENCE = dt.datetime(2024, 2, 28, 23, 59, 59, tzinfo=SHANGHAI)


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


def farm_dates() -> list[tuple[str, str | None]]:
    """(date text, URL) for every date the extractors find on the farm's HTML pages."""
    from govcheck.middlewares import best_encoding
    from tests.farm.builder import build_all
    from tests.farm.sites_depth import depth_sites

    out: list[tuple[str, str | None]] = []
    hosts = {**build_all(), **depth_sites()}
    for host, site in hosts.items():
        for path, resource in site.pages.items():
            if resource.status != 200 or not resource.content_type.startswith("text/html"):
                continue
            declared = resource.content_type.partition("charset=")[2] or "utf-8"
            html = resource.body.decode(best_encoding(resource.body, declared), errors="replace")
            url = f"http://{host}{path}"
            if path.endswith(("/index.html", "/index.shtml", "/index.htm")) or "index_" in path:
                out += [(e.date_text, e.url) for e in extract_listing(html, url).entries if e.date_text]
                out += [(e.date_text, e.url) for e in homepage_entries(html, url) if e.date_text]
            facts = page_facts(html, url)
            if facts.pub_date_text:
                out.append((facts.pub_date_text, None))
    return out


def _dateparser(base: dt.datetime) -> DateDataParser:
    dp = DateDataParser(
        languages=["zh", "en"],
        settings={
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": base.astimezone(SHANGHAI).replace(tzinfo=None),
            "TIMEZONE": "Asia/Shanghai",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    dp.get_date_data("2024-01-01")  # load the locales outside the timing
    return dp


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

    groups = [
        ("corpus", corpus_dates(), REFERENCE),
        ("farm", farm_dates(), FARM_REFERENCE),
    ]
    fast_time = slow_time = 0.0
    total = 0
    disagreements = []
    for label, samples, reference in groups:
        normalizer = DateNormalizer(reference)
        dp = _dateparser(reference)
        started = time.perf_counter()
        for _ in range(args.repeat):
            fast = [normalizer.normalize(text, url=url).value for text, url in samples]
        spent_fast = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(args.repeat):
            slow = [_dateparser_date(dp, text) for text, _url in samples]
        spent_slow = time.perf_counter() - started
        count = len(samples) * args.repeat
        logger.info(
            "%-6s: %5d strings, fast path %9.0f/s, dateparser %7.0f/s, ratio %6.1fx",
            label,
            len(samples),
            count / spent_fast,
            count / spent_slow,
            spent_slow / spent_fast,
        )
        fast_time, slow_time, total = fast_time + spent_fast, slow_time + spent_slow, total + count
        disagreements += [(label, s, f, d) for s, f, d in zip(samples, fast, slow, strict=True) if f != d]

    logger.info("all   : %d strings", total // args.repeat)
    logger.info("fast path : %10.0f strings/s", total / fast_time)
    logger.info("dateparser: %10.0f strings/s", total / slow_time)
    logger.info("ratio     : %10.1fx", slow_time / fast_time)
    both = [d for d in disagreements if d[2] is not None and d[3] is not None]
    logger.info("disagreements: %d (%d where both parsed)", len(disagreements), len(both))
    for label, (text, url), ours, theirs in disagreements:
        logger.info(
            "  %-6s %-28r fast=%s dateparser=%s  # %s",
            label,
            text,
            ours,
            theirs,
            _why(text, url, ours, theirs),
        )


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
