"""govcheck's own settings: one table, one loader, one validator.

Precedence everywhere: Scrapy's ``-s KEY=VALUE`` (or the CLI's ``--set KEY=VALUE``) over the
environment over the defaults below. Every key is validated once, at start-up, and a bad value
raises :class:`ConfigError` naming the key.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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


def _non_negative_float(value: str) -> float:
    number = float(value)
    if number < 0:
        raise ValueError(f"must be ≥ 0, got {value!r}")
    return number


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


# Alphabetical; README's settings table is generated from this list by `govcheck settings`.
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "GOVCHECK_ATTACHMENT_MAXSIZE",
        2 * 1024 * 1024,
        _positive(int),
        "Bytes a link check reads of its target: an attachment (not a page) stops at its headers, a page "
        "is cut here and its link left inconclusive (too_large).",
    ),
    Setting(
        "GOVCHECK_AUTO_MIGRATE",
        True,
        _parse_bool,
        "Upgrade the database schema to head when a process opens it.",
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
        "GOVCHECK_CLUSTER_POLITENESS",
        True,
        _parse_bool,
        "With REDIS_URL: limit per-host and per-backend load across all nodes through Redis.",
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
        "Where everything is stored: sqlite:///PATH or postgresql+psycopg2://USER:PASS@HOST/DB.",
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
        "Fleet mode: sites one job crawls at once.",
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
        "GOVCHECK_LINK_CHECK", True, _parse_bool, "Check every link of the homepage and of listing pages."
    ),
    Setting(
        "GOVCHECK_PAGINATE",
        "needed",
        _choice("needed", "always"),
        "'needed': follow a column's pager only when page 1 is unsorted or undated; 'always': up to the limit.",
    ),
    Setting(
        "GOVCHECK_PAGE_LINK_LIMIT",
        2000,
        _positive(int),
        "Most links recorded and checked, and most list entries read, per page; the rest is a limit hit.",
    ),
    Setting(
        "GOVCHECK_POLITENESS",
        "default",
        _choice("default", "strict"),
        "Named politeness profile: 'strict' = 1 request at a time per host, 2 s apart.",
    ),
    Setting(
        "GOVCHECK_PROBES_PER_DAY",
        20,
        _positive(int),
        "site_unreachable: probes a day for that day to count (official: 20 or more).",
    ),
    Setting(
        "GOVCHECK_PROBE_DAYS",
        7,
        _positive(int),
        "site_unreachable: days of probes needed before probes (not crawl attempts) decide (official 7).",
    ),
    Setting(
        "GOVCHECK_RETRY_AFTER_MAX",
        30.0,
        _non_negative_float,
        "Longest Retry-After (seconds) honoured before retrying a 429/503; longer waits give up the retry.",
    ),
    Setting(
        "GOVCHECK_REDIS_PREFIX",
        "govcheck",
        _parse_redis_prefix,
        "First part of every Redis key (govcheck:<round>:…); one Redis may serve several installations.",
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
        "Scrapyd nodes for `govcheck schedule`/`status`: comma-separated URLs, credentials in the userinfo "
        "(http://user:pass@10.0.0.11:6800/).",
    ),
    Setting(
        "GOVCHECK_SITE_PAGE_BUDGET",
        600,
        _positive(int),
        "Most requests one site's crawl may make (homepage attempts, columns, pages, details, link checks "
        "and their GETs, soft-404 fingerprints, retries, redirect hops); skipped work is counted in crawl health.",
    ),
    Setting(
        "GOVCHECK_SITE_TIME_BUDGET",
        900.0,
        _positive(float),
        "Seconds after which a site's crawl stops adding work (requests in flight finish).",
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
    Setting("GOVCHECK_VETO_BLANK_COLUMNS", 5, _positive(int), "空白栏目 veto: blank columns (official ≥ 5)."),
    Setting(
        "GOVCHECK_VETO_KEY_STALE_COLUMNS",
        5,
        _positive(int),
        "Stale 动态要闻 + 通知公告/政策文件 columns (official ≥ 5).",
    ),
    Setting(
        "GOVCHECK_VETO_STALE_COLUMNS",
        10,
        _positive(int),
        "应更新未更新 columns incl. blank ones (official ≥ 10).",
    ),
)
SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


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
            raise ConfigError(f"{key}: unknown setting (known: {', '.join(SETTINGS_BY_NAME)})")
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


def load(overrides: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The CLI's configuration: ``--set KEY=VALUE`` pairs over the environment over defaults."""
    merged: dict[str, Any] = defaults()
    merged.update(environment_overrides(environ))
    for pair in overrides:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ConfigError(f"--set {pair!r}: expected KEY=VALUE")
        merged[key.strip()] = value
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
