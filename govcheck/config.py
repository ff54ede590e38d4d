"""govcheck's own settings: one table, one loader, one validator.

Precedence everywhere: Scrapy's ``-s KEY=VALUE`` (or the CLI's ``--set KEY=VALUE``) over the
environment over the defaults below. Every key is validated once, at start-up, and a bad value
raises :class:`ConfigError` naming the key. Each setting is documented once, in its row:
``govcheck settings`` lists them with their current values; ``--format markdown`` is README's table.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from govcheck import destinations
from govcheck.masking import masked

LINK_SCOPES = ("homepage", "all", "none")  # which pages' links a crawl checks (-a links=…)


class ConfigError(ValueError):
    """A setting or a spider argument has a value govcheck cannot use."""


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {value!r}")


def _parse_database_url(value: str) -> str:
    scheme = urlsplit(value).scheme
    if scheme == "postgresql":
        # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which govcheck does not ship.
        raise ValueError(
            "write postgresql+psycopg2://… (a bare postgresql:// means psycopg 3 in SQLAlchemy 2.1)"
        )
    if scheme not in {"sqlite", "postgresql+psycopg2"}:
        raise ValueError(f"unsupported database scheme {scheme!r}; use sqlite:/// or postgresql+psycopg2://")
    return value


def _parse_redis_prefix(value: str) -> str:
    if not value or any(c.isspace() or c in "*?[]{}" for c in value):
        raise ValueError(f"expected a key prefix without spaces or glob characters, got {value!r}")
    return value


def parse_redis_url(value: str) -> str:
    """REDIS_URL as redis-py takes it; anything else is an error naming the key."""
    if urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(
            f"REDIS_URL: expected redis://HOST:PORT/DB, rediss://… or unix://PATH, got {value!r}"
        )
    return value


def _checked(parse: Callable[[str], Any]) -> Callable[[str], str]:
    """A setting kept as its text (Scrapy settings hold text) once ``parse`` accepts it."""

    def check(value: str) -> str:
        parse(value)
        return value

    return check


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {value!r}")
        return value

    return parse


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        number = kind(value)
        if number <= 0:
            raise ValueError(f"must be positive, got {value!r}")
        return number

    return parse


def _iso_date_or_empty(value: str) -> str:
    if value.strip():
        try:
            dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"expected YYYY-MM-DD or nothing, got {value!r}") from None
    return value.strip()


def _non_negative_float(value: str) -> float:
    number = float(value)
    if number < 0:
        raise ValueError(f"must be ≥ 0, got {value!r}")
    return number


def _parse_reference_hosts(value: str) -> str:
    """Comma-separated hosts or http(s) URLs; empty switches the connectivity check off."""
    for part in filter(None, (p.strip() for p in value.split(","))):
        target = urlsplit(part if "://" in part else f"http://{part}")
        if target.scheme not in {"http", "https"} or not target.hostname or "." not in target.hostname:
            raise ValueError(f"expected hosts or http(s) URLs, comma-separated, got {part!r}")
    return value


def reference_urls(value: str) -> list[str]:
    """GOVCHECK_REFERENCE_HOSTS as URLs (a bare host is fetched over http, as its homepage answers)."""
    parts = filter(None, (p.strip() for p in value.split(",")))
    return [part if "://" in part else f"http://{part}/" for part in parts]


def _parse_object_path(value: str) -> str:
    """A dotted import path of an object (``package.module.Name``), imported when a crawl starts."""
    if not re.fullmatch(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+", value):
        raise ValueError(f"expected a dotted import path such as govcheck.ipv6.SystemNetwork, got {value!r}")
    return value


def parse_gc_thresholds(value: str) -> tuple[int, int, int]:
    """GOVCHECK_GC_THRESHOLDS: three positive integers, comma-separated, as ``gc.set_threshold`` takes them."""
    try:
        numbers = tuple(int(part) for part in value.split(","))
    except ValueError:
        numbers = ()
    if len(numbers) != 3 or min(numbers) <= 0:
        raise ValueError(f"expected three positive integers such as 50000,20,20, got {value!r}")
    return numbers  # type: ignore[return-value]


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(f"must be ≥ 0, got {value!r}")
    return number


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[str], Any]
    doc: str


# Alphabetical by words, a group's enabling flag first (Scrapy's default_settings rule); README's
# settings table is `govcheck settings --format markdown` of this list (tests/test_config.py checks it).
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "GOVCHECK_ALLOWED_NETWORKS",
        "",
        _checked(destinations.parse_networks),
        "Comma-separated CIDR blocks the destination policy lets crawls reach although they are private "
        "or loopback (an office's intranet sites, a test's 127.0.0.0/8); empty: none.",
    ),
    Setting(
        "GOVCHECK_ALLOWED_PORTS",
        "80,443,8080,8443",
        _checked(destinations.parse_ports),
        "Comma-separated ports the destination policy lets any request use; others are refused.",
    ),
    Setting(
        "GOVCHECK_ANNUAL_REPORT_CHECK",
        False,
        _parse_bool,
        "annual_report_missing: judge whether the homepage links the previous year's 政府网站工作年度报表 "
        "after 31 January (国办函〔2018〕12号); off by default: the 2019 checklist's scoring of it is UNCONFIRMED.",
    ),
    Setting(
        "GOVCHECK_ARTICLE_META_CHECK",
        False,
        _parse_bool,
        "meta_tags_missing on article pages: read the 网页设计规范 metas (ArticleTitle, PubDate, ContentSource and "
        "the site's and column's) of a sample of article pages (GOVCHECK_ARTICLE_META_PAGES) and report the "
        "missing ones; off by default: the 2019 checklist's scoring of the metas is UNCONFIRMED.",
    ),
    Setting(
        "GOVCHECK_ARTICLE_META_PAGES",
        5,
        _non_negative_int,
        "Article pages fetched per site for their metas when GOVCHECK_ARTICLE_META_CHECK is on: the newest "
        "entry of each of the first N columns (navigation order) that list any, after the staleness work "
        "and before the link checks; an entry page already read for its date is not fetched again.",
    ),
    Setting(
        "GOVCHECK_ATTACHMENT_MAXSIZE",
        2 * 1024 * 1024,
        _positive(int),
        "Bytes a link check reads of its target (2 MiB): an attachment (not a page) stops at its headers, "
        "its status being enough; a page is cut here and its link left inconclusive (too_large).",
    ),
    Setting(
        "GOVCHECK_AUTO_MIGRATE",
        True,
        _parse_bool,
        "Upgrade the database schema to head when a process opens it.",
    ),
    Setting(
        "GOVCHECK_CLUSTER_POLITENESS",
        True,
        _parse_bool,
        "With REDIS_URL: limit per-host and per-backend load across all nodes through Redis.",
    ),
    Setting(
        "GOVCHECK_CLUSTER_BACKEND_CONCURRENCY",
        6,
        _positive(int),
        "With REDIS_URL: requests in flight at once to one backend group (a 集约化 platform, one server) "
        "across every node.",
    ),
    Setting(
        "GOVCHECK_CLUSTER_HOST_CONCURRENCY",
        2,
        _positive(int),
        "With REDIS_URL: requests in flight at once to one host across every node.",
    ),
    Setting(
        "GOVCHECK_CLUSTER_HOST_INTERVAL",
        0.25,
        _non_negative_float,
        "With REDIS_URL: seconds between two request starts to one host across every node.",
    ),
    Setting(
        "GOVCHECK_COLUMN_PAGE_LIMIT",
        3,
        _positive(int),
        "Most list pages read per column: more than page 1 only when it is unsorted or undated "
        "(or always, with GOVCHECK_PAGINATE=always for full-history crawls).",
    ),
    Setting(
        "GOVCHECK_DATABASE_URL",
        "sqlite:///./var/govcheck.db",
        _parse_database_url,
        "Where everything is stored: sqlite:///PATH (relative to the current directory) or, in "
        "production, postgresql+psycopg2://USER:PASS@HOST/DB (SQLAlchemy 2.1's bare postgresql:// means "
        "psycopg 3, which govcheck does not ship).",
    ),
    Setting(
        "GOVCHECK_DETAIL_PAGE_LIMIT",
        20,
        _non_negative_int,
        "Detail pages fetched per column to date entries whose row and URL carry no date (0 = none).",
    ),
    Setting(
        "GOVCHECK_DISCOVERY_DEPTH",
        2,
        _positive(int),
        "Column levels to discover: 1 = homepage only, 2 = also channel pages' side menus.",
    ),
    Setting(
        "GOVCHECK_EVALUATE_ON_CLOSE",
        True,
        _parse_bool,
        "Evaluate a site at its crawl's as_of when the crawl ends.",
    ),
    Setting(
        "GOVCHECK_FLEET_IDLE_CLOSE",
        60.0,
        _non_negative_float,
        "Fleet mode: seconds the round's site queue stays empty (and no site is running) before the job closes.",
    ),
    Setting(
        "GOVCHECK_FLEET_LEASE",
        120.0,
        _positive(float),
        "Fleet mode: seconds a worker's hold on a site lasts without a heartbeat; a dead worker's sites "
        "go back to the queue after this.",
    ),
    Setting(
        "GOVCHECK_FLEET_SITES",
        4,
        _positive(int),
        "Sites one job crawls at once (fleet mode; `govcheck crawl` sets it from --jobs).",
    ),
    Setting(
        "GOVCHECK_GC_TUNING",
        True,
        _parse_bool,
        "Crawls: at engine start freeze the start-up objects out of Python's garbage collector (`gc.freeze()`) "
        "and raise its thresholds to GOVCHECK_GC_THRESHOLDS (govcheck/gc_tuning.py); with many big sites "
        "open the default thresholds spend much of the CPU walking a ~1 GB heap (bench/README.md).",
    ),
    Setting(
        "GOVCHECK_GC_THRESHOLDS",
        "50000,20,20",
        _checked(parse_gc_thresholds),
        "`gc.set_threshold` for crawls when GOVCHECK_GC_TUNING is on: allocations before a young "
        "collection, then young collections per middle one and middle per old one (Python's default: 700,10,10).",
    ),
    Setting(
        "GOVCHECK_HOMEPAGE_ATTEMPTS",
        3,
        _positive(int),
        "Homepage attempts before a site is judged unreachable.",
    ),
    Setting(
        "GOVCHECK_HOMEPAGE_RETRY_DELAY",
        10.0,
        _non_negative_float,
        "Seconds between homepage attempts (the official probe spreads them out).",
    ),
    Setting(
        "GOVCHECK_HOMEPAGE_STALE_DAYS", 14, _positive(int), "首页不更新: days without a dated homepage item."
    ),
    Setting(
        "GOVCHECK_INSPECTOR_FAILURE_MIN_SITES",
        5,
        _positive(int),
        "Inspector's own network: sites whose homepages were tried within the window needed before their "
        "share of same-way failures counts.",
    ),
    Setting(
        "GOVCHECK_INSPECTOR_FAILURE_SHARE",
        80.0,
        _positive(float),
        "Inspector's own network: percent of a round's sites tried within the window whose homepages failed "
        "the same way (same error) that makes them unknown (inspector_network), not unreachable.",
    ),
    Setting(
        "GOVCHECK_INSPECTOR_FAILURE_WINDOW",
        600.0,
        _positive(float),
        "Inspector's own network: seconds around a site's failed homepage attempts within which other "
        "sites' attempts count as 'at the same time'.",
    ),
    Setting(
        "GOVCHECK_IPV6_CHECK",
        True,
        _parse_bool,
        "ipv6_unsupported: check an answered homepage for an AAAA record and a GET over IPv6 (unknown when "
        "the runner has no working IPv6, goes through a proxy, or DNS does not answer).",
    ),
    Setting(
        "GOVCHECK_IPV6_NETWORK",
        "govcheck.ipv6.SystemNetwork",
        _parse_object_path,
        "Import path of the IPv6 check's resolver and connector (built with the settings and user agent).",
    ),
    Setting("GOVCHECK_IPV6_TIMEOUT", 15.0, _positive(float), "Seconds an IPv6 connect or answer may take."),
    Setting(
        "GOVCHECK_ISSUE_DATE",
        "",
        _iso_date_or_empty,
        "Date (YYYY-MM-DD) printed under the xlsx/html/markdown bulletin; empty: the day the report is made.",
    ),
    Setting(
        "GOVCHECK_ISSUER",
        "",
        str,
        "Issuing organ printed under the bulletin (e.g. 随州市政务服务和大数据管理局); empty: none.",
    ),
    Setting(
        "GOVCHECK_LETTER_DETAIL_LIMIT",
        30,
        _non_negative_int,
        "Letters' own pages read per consultation column, to see whether and when a letter was answered "
        "when its list row does not show the reply (0 = none; the rest are judged on their list rows).",
    ),
    Setting(
        "GOVCHECK_LETTER_WINDOW_DAYS",
        365,
        _positive(int),
        "interaction_unanswered: letters posted this many days before the as-of date are judged "
        "(official: 监测时间点前1年内); the crawl reads letter pages and list pages back to it.",
    ),
    Setting(
        "GOVCHECK_LINK_CACHE",
        True,
        _parse_bool,
        "Check a link target outside the site once per round for every site and node: later checks take "
        "the first answer, with its evidence (in Redis with REDIS_URL, else in the database). Only a "
        "status the target gave is shared; a failure to reach it never is.",
    ),
    Setting(
        "GOVCHECK_LINK_CHECK", True, _parse_bool, "Check every link of the homepage and of listing pages."
    ),
    Setting(
        "GOVCHECK_LINK_CACHE_TTL",
        86400.0,
        _positive(float),
        "Seconds a round's cached link-check answer holds; a round running longer checks the target again.",
    ),
    Setting(
        "GOVCHECK_MAX_CRAWL_AGE_DAYS",
        7,
        _non_negative_int,
        "A site whose newest finished crawl is more days than this before the as-of date is judged "
        "unknown (no_recent_crawl), never on old data.",
    ),
    Setting(
        "GOVCHECK_MONITOR_MAX_ERROR_SHARE",
        20.0,
        _non_negative_float,
        "Crawl health monitor many_errors: most failed requests (network errors, HTTP ≥ 400) in percent "
        "of a crawl's pages before the crawl is flagged.",
    ),
    Setting(
        "GOVCHECK_MONITOR_MIN_COLUMNS",
        1,
        _non_negative_int,
        "Crawl health monitor no_columns: fewest column pages a crawl must check (the homepage not counted).",
    ),
    Setting(
        "GOVCHECK_MONITOR_MIN_ENTRIES",
        10,
        _non_negative_int,
        "Crawl health monitor few_items: fewest entries (list items) a crawl must parse.",
    ),
    Setting(
        "GOVCHECK_PAGE_CACHE",
        True,
        _parse_bool,
        "Between rounds: a page (homepage, column, list, detail, letter, guide, 网站地图) is requested with "
        "the ETag/Last-Modified of its previous full answer, always asked, never served unasked; a 304 "
        "hands the crawl the stored body, so it reads what a full fetch would. Saves bytes, not requests.",
    ),
    Setting(
        "GOVCHECK_PAGE_CACHE_MAXSIZE",
        1024 * 1024,
        _positive(int),
        "Largest page body (bytes, uncompressed) GOVCHECK_PAGE_CACHE keeps in the database (compressed); "
        "a bigger page is fetched whole every round.",
    ),
    Setting(
        "GOVCHECK_PAGE_LINK_LIMIT",
        2000,
        _positive(int),
        "Most links recorded and checked, and most list entries read, per page; the rest is a limit hit.",
    ),
    Setting(
        "GOVCHECK_PAGINATE",
        "needed",
        _choice("needed", "always"),
        "'needed': follow a column's pager only when page 1 is unsorted or undated; 'always': up to the limit.",
    ),
    Setting(
        "GOVCHECK_POLITENESS",
        "default",
        _choice("default", "strict"),
        "Named politeness profile (govcheck/politeness.py): 'strict' = 1 request at a time per host, 2 s apart.",
    ),
    Setting(
        "GOVCHECK_PROBE_DAYS",
        7,
        _positive(int),
        "site_unreachable: days of probes needed before probes (not crawl attempts) decide (official 7).",
    ),
    Setting(
        "GOVCHECK_PROBES_PER_DAY",
        20,
        _positive(int),
        "site_unreachable: probes a day for that day to count (official: 20 or more).",
    ),
    Setting(
        "GOVCHECK_REDIS_PREFIX",
        "govcheck",
        _parse_redis_prefix,
        "First part of every Redis key (`govcheck:<round>:…`); one Redis may serve several installations.",
    ),
    Setting(
        "GOVCHECK_REFERENCE_HOSTS",
        "www.gov.cn,www.baidu.com",
        _parse_reference_hosts,
        "Always-up hosts (or URLs) a crawl fetches, through the same proxy and network, when a homepage "
        "failed every attempt: none answering makes the site unknown (inspector_network). Empty: off.",
    ),
    Setting(
        "GOVCHECK_REPLY_DAYS",
        90,
        _positive(int),
        "interaction_unanswered: a letter unanswered, or answered, more than this many days after it was "
        "posted fails the site (official: 超过3个月未回应有效留言).",
    ),
    Setting(
        "GOVCHECK_REPLY_UPDATE_DAYS",
        60,
        _positive(int),
        "consult_reply_timeliness: a consultation column with no reply published this many days before "
        "the as-of date loses points (国管局 2019 自查: 监测时间点前2个月内未更新留言答复).",
    ),
    Setting(
        "GOVCHECK_REPORT_TEMPLATES",
        "",
        str,
        "Folder of an office's html report templates (bulletin.html, bulletin.css), searched before the "
        "packaged ones; empty: the packaged ones.",
    ),
    Setting(
        "GOVCHECK_RETRY_AFTER_MAX",
        30.0,
        _non_negative_float,
        "Longest Retry-After (seconds) honoured before retrying a 429/503; longer waits give up the retry.",
    ),
    Setting(
        "GOVCHECK_REVALIDATE",
        True,
        _parse_bool,
        "Between rounds: a link check sends the ETag/Last-Modified of the site's previous check of the "
        "target; a 304 keeps that check's outcome and evidence (no GET, no not-found fingerprint). "
        "Pages: GOVCHECK_PAGE_CACHE.",
    ),
    Setting(
        "GOVCHECK_SCORE_VERDICT",
        False,
        _parse_bool,
        "Fail a site whose score is below 60 (off: the point values are UNCONFIRMED).",
    ),
    Setting(
        "GOVCHECK_SCRAPYD_NODES",
        "",
        str,
        "Scrapyd nodes for `govcheck schedule`/`status`: comma-separated URLs, credentials in the userinfo, "
        "a node's job slots in `?slots=N` (http://user:pass@10.0.0.11:6800/?slots=4).",
    ),
    Setting(
        "GOVCHECK_SERVICE_GUIDE_LIMIT",
        20,
        _non_negative_int,
        "办事指南 pages read per service column (办事/服务/指南) to check their key elements (0 = none).",
    ),
    Setting(
        "GOVCHECK_SITE_PAGE_BUDGET",
        600,
        _positive(int),
        "Most requests one site's crawl may make (homepage attempts, columns, pages, details, link checks "
        "and their GETs, soft-404 fingerprints, retries, redirect hops; robots.txt aside). Link checks "
        "come last, in a stable order (the homepage's first), each with its GET reserved; skipped work "
        'is counted in crawl health (`crawls.health["limits"]`: `links_checked` of `links_total`, '
        "`pages_skipped`) and noted in reports.",
    ),
    Setting(
        "GOVCHECK_SITE_TIME_BUDGET",
        900.0,
        _positive(float),
        "Seconds after which a site's crawl stops adding work (requests in flight finish).",
    ),
    Setting(
        "GOVCHECK_SITEMAP",
        True,
        _parse_bool,
        "Read the site's XML sitemaps (robots.txt's Sitemap: lines, else /sitemap.xml) before its first wave of detail, letter or 办事指南 pages; "
        "between rounds a detail, letter or 办事指南 page whose <lastmod> is older than the page cache's "
        "stored full answer is not requested: the stored page is read instead (never a live check).",
    ),
    Setting(
        "GOVCHECK_SITEMAP_MAX_FILES",
        3,
        _positive(int),
        "Most XML sitemap files read per site, sitemap index files and the files they name included.",
    ),
    Setting(
        "GOVCHECK_SITEMAP_MAXSIZE",
        10 * 1024 * 1024,
        _positive(int),
        "Largest XML sitemap read (bytes, after gunzip); a bigger one is left unread.",
    ),
    Setting(
        "GOVCHECK_SOFT404_CHECK",
        True,
        _parse_bool,
        "Detect soft-404 pages (a host's not-found fingerprint, 页面不存在 texts) when checking links.",
    ),
    Setting(
        "GOVCHECK_SPOOL_DIR", "./var/spool", str, "Where items are kept when the database cannot be written."
    ),
    Setting(
        "GOVCHECK_STORE_BATCH_SIZE", 500, _positive(int), "Items buffered before one database transaction."
    ),
    Setting(
        "GOVCHECK_STORE_MAX_PENDING_BATCHES",
        4,
        _positive(int),
        "Database writes queued behind a slow database (they run on a thread of their own) before the "
        "crawl waits for them.",
    ),
    Setting(
        "GOVCHECK_SURVEY_DAYS",
        365,
        _positive(int),
        "survey_inactive: a 调查征集 or 在线访谈 column with no item this many days before the as-of date "
        "loses points (Lonsun 2015 default: none held in 1 year).",
    ),
    Setting(
        "GOVCHECK_THRESHOLD_INTERACTION_DAYS",
        365,
        _positive(int),
        "政务咨询类 columns (letter lists): days since the newest letter before the column is stale "
        "(UNCONFIRMED: the checklist names no period; bulletins call such a 网络问政 column 更新不及时).",
    ),
    Setting("GOVCHECK_THRESHOLD_NEWS_DAYS", 14, _positive(int), "动态、要闻类 columns: days before stale."),
    Setting(
        "GOVCHECK_THRESHOLD_NOTICE_DAYS",
        180,
        _positive(int),
        "通知公告、政策文件类 columns: days before stale.",
    ),
    Setting("GOVCHECK_THRESHOLD_OTHER_DAYS", 365, _positive(int), "Every other column: days before stale."),
    Setting(
        "GOVCHECK_UNREACHABLE_SHARE",
        5.0,
        _positive(float),
        "site_unreachable: failed probes in percent of all probes that fail the site (official ≥ 5).",
    ),
    Setting(
        "GOVCHECK_UPDATE_VOLUME_CHECK",
        False,
        _parse_bool,
        "homepage_update_volume: judge the number of dated homepage items (a 2015 考察点 with 龙讯's defaults; "
        "the 2019 checklist's scoring of it is UNCONFIRMED, so off by default).",
    ),
    Setting(
        "GOVCHECK_UPDATE_VOLUME_DAYS",
        14,
        _positive(int),
        "homepage_update_volume: days before the as-of date whose dated homepage items count (2 weeks).",
    ),
    Setting(
        "GOVCHECK_UPDATE_VOLUME_MIN_ITEMS",
        10,
        _positive(int),
        "homepage_update_volume: fewer dated homepage items than this within the days is a finding.",
    ),
    Setting("GOVCHECK_VETO_BLANK_COLUMNS", 5, _positive(int), "空白栏目 veto: blank columns (official ≥ 5)."),
    Setting(
        "GOVCHECK_VETO_GUIDE_ITEMS",
        0,
        _non_negative_int,
        "服务不实用 veto: 办事指南 pages each missing GOVCHECK_VETO_GUIDE_MISSING key element classes that "
        "fail the site (UNCONFIRMED recollection: 5); 0 = off, each guide is still reported.",
    ),
    Setting(
        "GOVCHECK_VETO_GUIDE_MISSING",
        4,
        _positive(int),
        "服务不实用 veto: key element classes a 办事指南 must miss to count towards GOVCHECK_VETO_GUIDE_ITEMS "
        "(UNCONFIRMED recollection: 4).",
    ),
    Setting(
        "GOVCHECK_VETO_KEY_STALE_COLUMNS",
        5,
        _positive(int),
        "Veto: stale 动态要闻 + 通知公告/政策文件 columns (official ≥ 5).",
    ),
    Setting(
        "GOVCHECK_VETO_STALE_COLUMNS",
        10,
        _positive(int),
        "Veto: 应更新未更新 columns incl. blank ones (official ≥ 10).",
    ),
)
SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
# Read by scrapy-redis under its own name, so not a GOVCHECK_* key; checked and documented here.
REDIS_URL_SETTING = Setting(
    "REDIS_URL",
    None,
    parse_redis_url,
    "Unset: one machine, Scrapy's own scheduler. Set: scrapy-redis scheduler and dupefilter, fleet "
    "rounds and cluster politeness (README: Running on a cluster).",
)


def markdown_table() -> str:
    """Every setting with its default and meaning as a markdown table: README's settings table."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for setting in (*SETTINGS, REDIS_URL_SETTING):
        rows.append(
            f"| `{setting.name}` | {_markdown_default(setting.default)} | {_markdown_text(setting.doc)} |"
        )
    return "\n".join(rows) + "\n"


def _markdown_default(default: Any) -> str:
    if default is None:
        return "unset"
    if default == "":
        return "empty"
    shown = str(default).lower() if isinstance(default, bool) else masked(default)
    return f"`{shown}`"


def _markdown_text(text: str) -> str:
    """A doc string as table-cell text: ``|`` escaped, ``<`` outside code spans kept from reading as HTML."""
    parts = text.replace("|", "\\|").split("`")
    return "`".join(part if i % 2 else part.replace("<", "&lt;") for i, part in enumerate(parts))


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


def environment_overrides(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The GOVCHECK_* keys (and REDIS_URL) set in the environment, as raw strings."""
    environ = os.environ if environ is None else environ
    found = {k: v for k, v in environ.items() if k.startswith("GOVCHECK_")}
    if "REDIS_URL" in environ:
        found["REDIS_URL"] = environ["REDIS_URL"]
    return found


def validate(values: Mapping[str, Any]) -> dict[str, Any]:
    """Parse and check every GOVCHECK_* key of ``values``; unknown GOVCHECK_* keys are errors too."""
    clean: dict[str, Any] = {}
    for key, raw in values.items():
        if not key.startswith("GOVCHECK_"):
            continue
        setting = SETTINGS_BY_NAME.get(key)
        if setting is None:
            raise ConfigError(
                f"{key}: unknown setting{_did_you_mean(key, SETTINGS_BY_NAME, '`govcheck settings` lists them')}"
            )
        if isinstance(raw, str):
            try:
                clean[key] = setting.parse(raw)
            except ValueError as exc:
                raise ConfigError(f"{key}: {exc}") from exc
        elif raw is None or (
            not isinstance(raw, type(setting.default))
            and not (isinstance(setting.default, float) and isinstance(raw, int))
        ):
            raise ConfigError(f"{key}: expected {type(setting.default).__name__}, got {raw!r}")
        else:
            clean[key] = raw
    return clean


def _did_you_mean(key: str, known: Iterable[str], otherwise: str) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    return f"; did you mean {close[0]}?" if close else f" ({otherwise})"


def scrapy_setting_names() -> frozenset[str]:
    """The settings a crawl reads besides GOVCHECK_*: Scrapy's, scrapy-redis' and govcheck.settings'.

    Imported on demand: this module is loaded by the evaluator too, which never imports Scrapy.
    """
    import scrapy_redis.defaults
    from scrapy.settings import default_settings

    from govcheck import settings as project_settings

    modules = (default_settings, scrapy_redis.defaults, project_settings)
    return (
        frozenset(name for module in modules for name in dir(module) if name.isupper())
        | SCRAPY_REDIS_SETTINGS
    )


# scrapy-redis reads these without declaring defaults for them.
SCRAPY_REDIS_SETTINGS = frozenset(
    {
        "REDIS_HOST",
        "REDIS_PORT",
        "REDIS_URL",
        "REDIS_START_URLS_KEY",
        "REDIS_START_URLS_AS_SET",
        "REDIS_START_URLS_AS_ZSET",
        "REDIS_ITEMS_KEY",
        "REDIS_ITEMS_SERIALIZER",
        "SCHEDULER_FLUSH_ON_START",
        "SCHEDULER_IDLE_BEFORE_CLOSE",
        "DUPEFILTER_DEBUG",
    }
)


def check_scrapy_setting(key: str, value: str) -> None:
    """A crawl setting given as ``--set KEY=VALUE``: a name Scrapy knows and, where Scrapy's default
    is a bool or a number, a value Scrapy can read as one."""
    from scrapy.settings import BaseSettings, default_settings

    known = scrapy_setting_names()
    if key not in known:
        hint = _did_you_mean(key, [*SETTINGS_BY_NAME, *known], "neither a GOVCHECK_* nor a Scrapy setting")
        raise ConfigError(f"{key}: unknown setting{hint}")
    default = getattr(default_settings, key, None)
    try:
        if isinstance(default, bool):
            BaseSettings({key: value}).getbool(key)
        elif isinstance(default, int | float):  # Scrapy reads some int defaults as floats
            BaseSettings({key: value}).getfloat(key)
    except ValueError as exc:
        kind = "true/false" if isinstance(default, bool) else "a number"
        raise ConfigError(f"{key}: expected {kind}, got {value!r}") from exc


def scrapy_overrides(overrides: Iterable[str]) -> dict[str, str]:
    """The Scrapy (non-GOVCHECK_*) settings among ``--set KEY=VALUE`` pairs, for the crawls' ``-s``."""
    pairs = (pair.partition("=") for pair in overrides)
    return {
        key.strip(): value
        for key, _, value in pairs
        if not key.strip().startswith("GOVCHECK_") and key.strip() != "REDIS_URL"
    }


def load(overrides: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The CLI's configuration: ``--set KEY=VALUE`` pairs over the environment over defaults.

    Scrapy settings among the pairs are checked by name (and bool/number values by type); the CLI
    passes them on to the crawls it starts (:func:`scrapy_overrides`).
    """
    merged: dict[str, Any] = defaults()
    merged.update(environment_overrides(environ))
    for pair in overrides:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {pair!r}: expected KEY=VALUE")
        if not key.startswith("GOVCHECK_") and key != "REDIS_URL":
            check_scrapy_setting(key, value)
        merged[key] = value
    redis_url = merged.pop("REDIS_URL", None)
    clean = {**merged, **validate(merged)}
    if redis_url:
        clean["REDIS_URL"] = parse_redis_url(redis_url)
    return clean


def parse_as_of(value: str | None, *, name: str = "as_of") -> dt.date | None:
    """A calendar date YYYY-MM-DD (as spider arguments and CLI flags give it), or None."""
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ConfigError(f"{name}: expected YYYY-MM-DD, got {value!r}") from exc


def today_in_shanghai() -> dt.date:
    from govcheck.dates import SHANGHAI

    return dt.datetime.now(SHANGHAI).date()
