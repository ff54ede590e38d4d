"""The rule table: every check govcheck applies, with its official source, veto or points, and wording.

A rule is a small class: declarative attributes, and ``check(snapshot)`` returning finding drafts.
Rules never touch the database or Scrapy; the engine loads a :class:`SiteSnapshot` and stores
what the rules return. Every rule names the rule books it belongs to; the engine applies a rule only
when the book in force at the as-of date is one of them. Point values are UNCONFIRMED defaults
(indicators.md a.3) and only matter for the score, which fails a site only when
GOVCHECK_SCORE_VERDICT is on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from govcheck.destinations import INTERNAL_KINDS, POLICY_ERROR
from govcheck.evaluator.categories import Category, period_words
from govcheck.evaluator.inspector import ConcurrentFailures
from govcheck.evaluator.wording import (
    SCOPE_WORDS,
    Columns,
    Counts,
    Facts,
    Grouping,
    Joined,
    Omitted,
    Place,
    Sentences,
    Subject,
    Template,
    quoted,
)
from govcheck.vocabulary import (
    BAD_HOST_TERMS,
    CHANNEL_TEXT_TERMS,
    CHANNEL_URL_TERMS,
    FOOTER_ITEMS,
    bad_reason,
    is_gov_host,
)

RULEBOOK_2019 = "国办秘函〔2019〕19号"
RULEBOOK_2015 = "国办函〔2015〕15号"
RULEBOOK_2019_FROM = dt.date(2019, 4, 18)
BOTH_BOOKS = frozenset({RULEBOOK_2019, RULEBOOK_2015})
GUIDE_2017 = "国办发〔2017〕47号 《政府网站发展指引》"


def rulebook_for(as_of: dt.date) -> str:
    return RULEBOOK_2019 if as_of >= RULEBOOK_2019_FROM else RULEBOOK_2015


@dataclass(slots=True)
class LetterFact:
    """A letter (网民留言) of a column as the crawl stored it."""

    url: str
    title: str | None
    posted: dt.date | None
    posted_text: str | None
    status: str  # replied | done | processing | unknown
    status_text: str | None
    replied: dt.date | None
    replied_text: str | None
    reply_present: bool | None  # None: the letter's own page was not read
    evidence: str | None = None

    def as_evidence(self, days: int | None = None) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "posted": self.posted.isoformat() if self.posted else None,
            "posted_text": self.posted_text,
            "status": self.status_text or self.status,
            "replied": self.replied.isoformat() if self.replied else None,
            "replied_text": self.replied_text,
            "reply_seen": self.reply_present,
            "days": days,
            "text": self.evidence,
        }


@dataclass(slots=True)
class ColumnState:
    """One column as the crawl saw it, with its entries reduced to what the rules need."""

    id: int
    url: str
    name: str
    depth: int
    position: int
    status: str  # ok | blank | unparseable | broken
    reason: str | None
    http_status: int | None
    category: Category
    threshold_days: int | None
    entry_count: int = 0
    dated_count: int = 0
    undated_count: int = 0
    newest: dt.date | None = None
    newest_text: str | None = None
    newest_url: str | None = None
    newest_source: str | None = None
    newest_evidence: str | None = None  # how the newest date was read when not live (entries.date_evidence)
    undated_urls: list[str] = field(default_factory=list)  # the first ones stored, as evidence
    letters: list[LetterFact] = field(default_factory=list)  # a consultation column's letters
    missing_metas: list[str] | None = None  # 网页设计规范 metas the page lacked (None: not read)

    def is_stale(self, as_of: dt.date) -> bool:
        if self.status != "ok" or not self.category.judged or self.threshold_days is None:
            return False
        if self.newest is None:  # 未注明信息发布时间的视为不更新
            # A letters column that says why it shows no letter (reason "explained:…") holds nothing to date.
            return self.dated_count == 0 and self.entry_count > 0
        return (as_of - self.newest).days > self.threshold_days

    def evidence(self, as_of: dt.date) -> dict[str, Any]:
        return {
            "column_url": self.url,
            "http_status": self.http_status,
            "category": self.category.key,
            "threshold_days": self.threshold_days,
            "as_of": as_of.isoformat(),
            "newest": self.newest.isoformat() if self.newest else None,
            "newest_text": self.newest_text,
            "newest_url": self.newest_url,
            "newest_date_source": self.newest_source,
            # Only when the date was not read live (a page read from the store): the others stay as they were.
            **({"newest_date_evidence": self.newest_evidence} if self.newest_evidence else {}),
            "days_since_newest": (as_of - self.newest).days if self.newest else None,
            "entries": self.entry_count,
            "dated_entries": self.dated_count,
            "undated_entries": self.undated_count,
        }


@dataclass(slots=True)
class BrokenLink:
    url: str
    sources: list[str]
    on_homepage: bool
    external: bool
    status: int | None
    error: str | None
    # The round's link-check cache answered it: the site whose crawl fetched it, and when (ISO, UTC).
    checked_by: str | None = None
    checked_at: str | None = None


@dataclass(slots=True)
class LinkTarget:
    """A link seen by the crawl (any outcome), for the content rules."""

    url: str
    source_url: str
    tag: str | None
    on_homepage: bool
    external: bool


@dataclass(slots=True)
class ServicePageState:
    """A service column's page or 办事指南 as the crawl read it (service_pages)."""

    url: str
    column_url: str
    kind: str  # list | guide
    title: str | None
    elements: dict[str, str]  # element class → label as written
    missing: dict[str, str]  # element class → absent | empty
    links: list[dict[str, str]]  # url, text, kind (attachment | online)


@dataclass(slots=True)
class ArticleState:
    """An article page the crawl read for its design-standard metas (article_checks)."""

    url: str
    column_url: str
    http_status: int | None
    missing_metas: list[str] | None  # None: not read

    @property
    def read(self) -> bool:
        return (
            self.missing_metas is not None and self.http_status is not None and 200 <= self.http_status < 300
        )


@dataclass(slots=True)
class ProbeStats:
    """Availability probes of the week before the as-of date, per Asia/Shanghai day."""

    per_day: dict[str, tuple[int, int]]  # day → (probes, failed)
    failures: list[dict[str, Any]]  # a sample of failed probes, as evidence

    @property
    def total(self) -> int:
        return sum(total for total, _ in self.per_day.values())

    @property
    def failed(self) -> int:
        return sum(failed for _, failed in self.per_day.values())


@dataclass(slots=True)
class SiteSnapshot:
    host: str
    as_of: dt.date
    rulebook: str
    settings: dict[str, Any]
    homepage_url: str | None
    homepage_status: str | None
    homepage_attempts: list[dict[str, Any]]
    homepage_newest: dt.date | None
    homepage_newest_text: str | None
    homepage_newest_url: str | None
    columns: list[ColumnState]
    broken_links: list[BrokenLink]
    # The links a rule may read: those whose URL contains one of its ``link_terms`` (the engine reads
    # only these; a hand-built snapshot may hold all), and how many links the crawl stored in all.
    links: list[LinkTarget] = field(default_factory=list)
    homepage_newest_evidence: str | None = None  # how its date was read when not live (entries.date_evidence)
    link_count: int | None = None  # None: len(links)
    refused_links: list[BrokenLink] = field(default_factory=list)  # never fetched (destination policy)
    footer: dict[str, Any] | None = None  # footer_facts() of the homepage, when the crawl stored them
    probes: ProbeStats | None = None
    is_portal: bool = False
    # For telling the inspector's own faults apart (inspector.py): ad hoc site or registered, the
    # reference hosts' answers after a failed homepage, the round's same-time same-way failures.
    in_registry: bool = True
    connectivity: dict[str, Any] | None = None
    concurrent_failures: ConcurrentFailures | None = None
    service_pages: list[ServicePageState] = field(default_factory=list)
    # The homepage duties (extract/duties.py homepage_duties, crawls.health["duties"]), the IPv6 fact
    # (govcheck/ipv6.py, crawls.health["ipv6"]), the registry's 网站标识码, and the dated homepage items
    # of the GOVCHECK_UPDATE_VOLUME_DAYS before the as-of date (newest first; None: not read).
    duties: dict[str, Any] | None = None
    ipv6: dict[str, Any] | None = None
    site_code: str | None = None
    homepage_recent: list[dict[str, Any]] | None = None
    articles: list[ArticleState] = field(default_factory=list)  # the article pages read for their metas

    def __post_init__(self) -> None:
        if self.link_count is None:
            self.link_count = len(self.links)

    def stale_columns(self) -> list[ColumnState]:
        return [c for c in self.columns if c.is_stale(self.as_of)]

    def blank_columns(self) -> list[ColumnState]:
        return [c for c in self.columns if c.status == "blank" and c.category.key != "excluded"]

    def consultation_columns(self) -> list[ColumnState]:
        """The 政务咨询类 columns whose letters were read (never 在线访谈, 调查征集, 网上信访, 纪检举报)."""
        return [c for c in self.columns if c.category.key == "interaction" and c.status == "ok" and c.letters]


@dataclass(slots=True)
class Draft:
    """A finding before it is stored; the engine adds the rule's code and veto."""

    message: str
    evidence: dict[str, Any]
    column: ColumnState | None = None
    url: str | None = None
    source_url: str | None = None
    threshold_days: int | None = None
    newest: dt.date | None = None
    scope: str | None = None
    external: bool | None = None
    item: str | None = None
    urls: list[str] | None = None
    points: float = 0.0


@dataclass(slots=True)
class NotJudged:
    """A check a rule could not make on a site, and why: never a finding (the verdict stands on what
    was checked), but stored with the evaluation so every report says it was not judged."""

    reason: str  # the cause's code (proxied, dns_unavailable …)
    note: str  # the report's words, from the rule's wording
    evidence: dict[str, Any]


COLUMN_SUBJECT = Subject(("column_url", "column_name"))


class Rule:
    code: ClassVar[str]
    title: ClassVar[str]  # the report title of the rule
    source: ClassVar[str]  # where the rule is written
    veto: ClassVar[bool] = False
    points: ClassVar[float] = 0.0  # deduction per finding (UNCONFIRMED defaults)
    cap: ClassVar[float] = 0.0  # most points this indicator can cost
    rulebooks: ClassVar[frozenset[str]] = BOTH_BOOKS  # the books this rule belongs to
    applies_when_unknown: ClassVar[bool] = False
    # Its wording (wording.py), nowhere else: the message of a finding; how findings merge into the
    # bulletin's 存在的突出问题 cell; what a re-inspection matches them by; other ways published cells
    # write them.
    message: ClassVar[Template]
    summary: ClassVar[Grouping] = Sentences()
    subject: ClassVar[Subject] = Subject()  # the site itself
    variants: ClassVar[tuple[Template, ...]] = ()
    # The rule reads ``snapshot.links`` only for URLs containing one of these (in any case): the
    # engine selects those links in SQL instead of reading every link of every crawl.
    link_terms: ClassVar[tuple[str, ...]] = ()

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        raise NotImplementedError

    def not_judged(self, snapshot: SiteSnapshot) -> NotJudged | None:
        """Why this rule could not judge the site, when the cause is the inspector's and not the site's."""
        return None

    def read(self, sentence: str) -> list[Facts] | None:
        """The findings a sentence of a published cell names, or None when it is not this rule's."""
        for form in self.variants + self.summary.forms(self.message):
            if (found := form.read(sentence)) is not None:
                return self.subject.read(found)
        return None


class SiteUnreachable(Rule):
    code = "site_unreachable"
    title = "站点无法访问"
    source = (
        f"{RULEBOOK_2019} 单项否决 1 = {RULEBOOK_2015} (监测1周，每天间隔性访问20次以上，"
        "超过（含）15秒网站仍打不开的次数累计占比超过（含）5%)"
    )
    veto = True
    message = Template("网站检查期间存在多次长时间无法访问的情况")

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        settings = snapshot.settings
        probes = snapshot.probes
        days, per_day = int(settings["GOVCHECK_PROBE_DAYS"]), int(settings["GOVCHECK_PROBES_PER_DAY"])
        if probes is not None and sum(1 for n, _ in probes.per_day.values() if n >= per_day) >= days:
            share = 100.0 * probes.failed / probes.total
            limit = float(settings["GOVCHECK_UNREACHABLE_SHARE"])
            if share >= limit:
                yield Draft(
                    message=self.message(),
                    url=snapshot.homepage_url,
                    evidence={
                        "partial": False,
                        "basis": "probes",
                        "probes": probes.total,
                        "failed": probes.failed,
                        "share_percent": round(share, 2),
                        "limit_percent": limit,
                        "per_day": {day: list(counts) for day, counts in sorted(probes.per_day.items())},
                        "failures": probes.failures,
                    },
                )
            return
        # Not a week of probes: the crawl's own homepage attempts stand in, marked partial.
        if snapshot.homepage_status != "unreachable":
            return
        failed = [
            a for a in snapshot.homepage_attempts if a.get("status") is None or not 200 <= a["status"] < 300
        ]
        yield Draft(
            message=self.message(),
            url=snapshot.homepage_url,
            evidence={
                "partial": True,
                "basis": "crawl homepage attempts",
                "probes": probes.total if probes else 0,
                "attempts": snapshot.homepage_attempts,
                "failed": len(failed),
            },
        )


class HomepageStale(Rule):
    code = "homepage_stale"
    title = "首页不更新"
    source = f"{RULEBOOK_2019} 单项否决 2 (监测2周，首页无信息更新)"
    veto = True
    message = Template("首页监测时间点前{period}内无信息更新")  # the period: GOVCHECK_HOMEPAGE_STALE_DAYS

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        if snapshot.homepage_status != "ok":
            return
        days = int(snapshot.settings["GOVCHECK_HOMEPAGE_STALE_DAYS"])
        newest, text, url, basis, read = (
            snapshot.homepage_newest,
            snapshot.homepage_newest_text,
            snapshot.homepage_newest_url,
            "homepage",
            snapshot.homepage_newest_evidence,
        )
        if newest is None:
            # A navigation-shell homepage: its second-level pages stand in for it.
            second_level = [c for c in snapshot.columns if c.depth == 1 and c.newest is not None]
            if second_level:
                best = max(second_level, key=lambda c: c.newest or dt.date.min)
                newest, text, url, basis, read = (
                    best.newest,
                    best.newest_text,
                    best.newest_url,
                    "second_level_pages",
                    best.newest_evidence,
                )
        if newest is not None and (snapshot.as_of - newest).days <= days:
            return
        yield Draft(
            message=self.message(period=period_words(days)),
            url=snapshot.homepage_url,
            threshold_days=days,
            newest=newest,
            evidence={
                "basis": basis,
                "newest": newest.isoformat() if newest else None,
                "newest_text": text,
                "newest_url": url,
                **({"newest_date_evidence": read} if read else {}),
                "as_of": snapshot.as_of.isoformat(),
            },
        )


class ColumnStale(Rule):
    code = "column_stale"
    title = "栏目不更新"
    source = f"{RULEBOOK_2019} 扣分指标 信息发布 (动态要闻2周、通知公告政策文件6个月、其他1年)"
    points = 3.0
    cap = 30.0
    applies_when_unknown = True
    message = Template("{names}栏目超{period}未更新")
    summary = Columns(Place.STALE_COLUMNS, by_period=True)
    subject = COLUMN_SUBJECT
    variants = (Template("{names}栏目超过{period}未更新"),)

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        for column in snapshot.stale_columns():
            assert column.threshold_days is not None
            yield Draft(
                message=self.message(names=quoted([column.name]), period=period_words(column.threshold_days)),
                column=column,
                url=column.url,
                threshold_days=column.threshold_days,
                newest=column.newest,
                evidence=column.evidence(snapshot.as_of),
                points=self.points,
            )


class ColumnBlank(Rule):
    code = "column_blank"
    title = "空白栏目"
    source = f"{RULEBOOK_2019} 单项否决 3 (空白栏目：自栏目开设之日起就没有提供过任何信息资源)"
    points = 2.0
    cap = 20.0
    applies_when_unknown = True
    message = Template("{names}栏目为空白栏目")
    summary = Columns(Place.BLANK_COLUMNS)
    subject = COLUMN_SUBJECT
    variants = (Template("{names}栏目是空白栏目"), Template("{names}栏目空白栏目"))

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        for column in snapshot.blank_columns():
            yield Draft(
                message=self.message(names=quoted([column.name])),
                column=column,
                url=column.url,
                evidence={**column.evidence(snapshot.as_of), "reason": column.reason},
                points=self.points,
            )


class UndatedEntries(Rule):
    code = "undated_entries"
    title = "信息未注明发布时间"
    source = f"{RULEBOOK_2015} 普查评分表 注 (未注明信息发布时间的视为不更新)"
    applies_when_unknown = True
    message = Template("{names}栏目有{count}条信息未注明发布时间")
    subject = COLUMN_SUBJECT

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        for column in snapshot.columns:
            if column.status == "ok" and column.undated_count:
                yield Draft(
                    message=self.message(names=quoted([column.name]), count=column.undated_count),
                    column=column,
                    url=column.url,
                    urls=column.undated_urls[:50],
                    evidence={**column.evidence(snapshot.as_of), "undated_urls": column.undated_urls[:50]},
                )


class LinkBroken(Rule):
    code = "link_broken"
    title = "链接不可用"
    source = f"{RULEBOOK_2019} 扣分指标 链接可用性 (首页及其他页面不能正常访问的链接)"
    points = 1.0
    cap = 10.0
    applies_when_unknown = True
    message = Template("{where}链接“{url}”无法正常访问", {"where": tuple(SCOPE_WORDS.values())})
    summary = Counts(
        Place.LINK_COUNTS,
        Template("{where}存在{count}个不可用链接", {"where": ("首页", "网站其他页面", "网站页面")}),
        {"homepage": "首页", "page": "网站其他页面"},
    )
    subject = Subject(("url", "scope"))

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        service = service_targets(snapshot)
        for link in snapshot.broken_links:
            if link.url in service:
                continue  # an attachment or online system of a service page: online_system_down says it
            scope = "homepage" if link.on_homepage else "page"
            yield Draft(
                message=self.message(where=SCOPE_WORDS[scope], url=link.url),
                url=link.url,
                source_url=link.sources[0] if link.sources else None,
                scope=scope,
                external=link.external,
                urls=link.sources,
                evidence={
                    "status": link.status,
                    "error": link.error,
                    "sources": link.sources,
                    **(
                        {"checked_by": link.checked_by, "checked_at": link.checked_at}
                        if link.checked_by
                        else {}
                    ),
                },
                points=self.points if link.on_homepage else 0.1,
            )


class VetoBlankColumns(Rule):
    code = "veto_blank_columns"
    title = "空白栏目过多"
    source = f"{RULEBOOK_2019} 单项否决 3 (空白栏目数量超过（含）5个)"
    veto = True
    message = Template("网站空白栏目达{count}个（超过（含）{limit}个）")

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        blank = snapshot.blank_columns()
        limit = int(snapshot.settings["GOVCHECK_VETO_BLANK_COLUMNS"])
        if len(blank) >= limit:
            yield Draft(
                message=self.message(count=len(blank), limit=limit),
                urls=[c.url for c in blank],
                evidence={"count": len(blank), "limit": limit, "columns": [c.name for c in blank]},
            )


class VetoStaleKeyColumns(Rule):
    code = "veto_stale_key_columns"
    title = "动态要闻、通知公告政策文件类栏目不更新"
    source = (
        f"{RULEBOOK_2019} 单项否决 3 (2周内动态要闻类栏目及6个月内通知公告、政策文件类一级栏目累计超过（含）5个未更新；"
        f"{RULEBOOK_2015} 无“一级”限制)"
    )
    veto = True
    message = Template("动态要闻类、通知公告政策文件类栏目累计{count}个未按要求更新（超过（含）{limit}个）")

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        top_level_only = snapshot.rulebook == RULEBOOK_2019
        key = [
            c
            for c in snapshot.stale_columns()
            if c.category.key == "news"
            or (c.category.key == "notice" and (c.depth <= 1 or not top_level_only))
        ]
        limit = int(snapshot.settings["GOVCHECK_VETO_KEY_STALE_COLUMNS"])
        if len(key) >= limit:
            yield Draft(
                message=self.message(count=len(key), limit=limit),
                urls=[c.url for c in key],
                evidence={
                    "count": len(key),
                    "limit": limit,
                    "columns": [c.name for c in key],
                    "top_level_only": top_level_only,
                },
            )


class VetoStaleColumns(Rule):
    code = "veto_stale_columns"
    title = "应更新但长期未更新栏目过多"
    source = f"{RULEBOOK_2019} 单项否决 3 (应更新但长期未更新的栏目数量超过（含）10个)"
    veto = True
    message = Template("应更新但长期未更新栏目达{count}个（超过（含）{limit}个）")

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        columns = snapshot.stale_columns() + snapshot.blank_columns()
        limit = int(snapshot.settings["GOVCHECK_VETO_STALE_COLUMNS"])
        if len(columns) >= limit:
            yield Draft(
                message=self.message(count=len(columns), limit=limit),
                urls=[c.url for c in columns],
                evidence={"count": len(columns), "limit": limit, "columns": [c.name for c in columns]},
            )


class BadLink(Rule):
    code = "bad_link"
    title = "链接不良内容"
    source = (
        f"{RULEBOOK_2019} 单项否决 4 严重问题 (发布或链接反动、暴力、色情等内容；页面被挂马、内容被篡改)；"
        f"{RULEBOOK_2015} 严重错误"
    )
    veto = True
    hidden_words = "（含隐藏链接）"
    link_terms = BAD_HOST_TERMS  # bad_reason() of a URL alone reads its host only
    message = Template(
        "{where}存在{count}个指向不良网站的链接{hidden}",
        {"where": tuple(SCOPE_WORDS.values()), "hidden": ("", hidden_words)},
    )
    subject = Subject(("scope",))

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        found: dict[str, dict[str, dict[str, Any]]] = {"homepage": {}, "page": {}}
        for link in (snapshot.footer or {}).get("suspicious_links", []):
            found["homepage"].setdefault(link["url"], {**link, "source": snapshot.homepage_url})
        for target in snapshot.links:
            if reason := bad_reason(target.url):
                scope = "homepage" if target.on_homepage else "page"
                found[scope].setdefault(
                    target.url,
                    {"url": target.url, "reason": reason, "tag": target.tag, "source": target.source_url},
                )
        for scope, links in found.items():
            if not links:
                continue
            hidden = any(link.get("hidden") for link in links.values())
            yield Draft(
                message=self.message(
                    where=SCOPE_WORDS[scope], count=len(links), hidden=self.hidden_words if hidden else ""
                ),
                url=next(iter(links)),
                scope=scope,
                external=True,
                urls=list(links),
                evidence={"links": list(links.values())},
            )


class InternalLink(Rule):
    """Links into a private network (loopback, RFC 1918, the 169.254.169.254 metadata service, an
    intranet name): the destination policy never fetches them, so they are neither broken nor fine.
    A public page pointing there is what a hacked page or a leaked intranet address looks like: the
    links are listed for whoever reviews ``bad_link``, without a veto or a deduction (most are an
    editor's mistake, and a false veto is worse than a missed one)."""

    code = "internal_link"
    title = "链接指向内部网络地址（待复核）"
    source = f"{RULEBOOK_2019} 单项否决 4 严重问题 (页面被挂马、内容被篡改) 的复核线索；不否决、不扣分"
    applies_when_unknown = True
    message = Template(
        "{where}存在{count}个指向内部网络地址的链接（未访问，待复核）", {"where": tuple(SCOPE_WORDS.values())}
    )
    summary = Omitted()  # left to the evidence sheet

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        found: dict[str, list[BrokenLink]] = {"homepage": [], "page": []}
        for link in snapshot.refused_links:
            if (link.error or "").removeprefix(POLICY_ERROR) in INTERNAL_KINDS:
                found["homepage" if link.on_homepage else "page"].append(link)
        for scope, links in found.items():
            if not links:
                continue
            yield Draft(
                message=self.message(where=SCOPE_WORDS[scope], count=len(links)),
                url=links[0].url,
                source_url=links[0].sources[0] if links[0].sources else None,
                scope=scope,
                urls=[link.url for link in links],
                evidence={
                    "outcome": "refused (policy)",
                    "links": [
                        {"url": link.url, "refused": link.error, "sources": link.sources} for link in links
                    ],
                },
            )


class InteractionUnanswered(Rule):
    """互动回应差, both halves of the 2019 text.

    1. No consultation channel at all: judged only on portals whose homepage facts were stored, because
       a department site's channel is usually the portal's 12345/领导信箱 (集约化), which its own pages
       need not link.
    2. Letters: in a 政务咨询类 column (never 在线访谈, 调查征集, 网上信访, 纪检举报: their categories differ),
       a letter posted within GOVCHECK_LETTER_WINDOW_DAYS before the as-of date and still unanswered
       more than GOVCHECK_REPLY_DAYS after it was posted, or answered after more than that; and letters
       marked done whose own page shows no reply (无法查看结果). A letter whose page was not read and whose
       list row says nothing is not judged: a false veto is worse than a missed one.
    """

    code = "interaction_unanswered"
    title = "互动回应差"
    source = (
        f"{RULEBOOK_2019} 单项否决 5 (未提供网上有效咨询建言渠道；监测时间点前1年内，政务咨询类栏目（在线访谈、"
        "调查征集、网上信访、纪检举报类栏目除外）存在超过3个月未回应有效留言的现象)；"
        f"{RULEBOOK_2015} 单项否决 (互动回应差)"
    )
    veto = True
    message = Template("网站未提供网上有效咨询建言渠道")
    unanswered = Template("{names}栏目存在超过{period}未回应有效留言的现象")
    unseen = Template("政务咨询类栏目{names}无法查看结果")
    variants = (unanswered, unseen, Template("政务咨询类栏目无法查看结果"))
    # Per letters column (one fixed and another not are told apart in 复查); no channel at all is its own.
    subject = Subject(("column_url", "column_name", "item"))
    link_terms = CHANNEL_URL_TERMS

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        yield from self._no_channel(snapshot)
        for column in snapshot.consultation_columns():
            yield from self._letters(snapshot, column)

    def _no_channel(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        footer = snapshot.footer
        if not snapshot.is_portal or not footer or not footer.get("parsed"):
            return
        columns = [c.url for c in snapshot.columns if c.category.key == "interaction"]
        linked = [t.url for t in snapshot.links if any(term in t.url.lower() for term in CHANNEL_URL_TERMS)]
        named = [c.url for c in snapshot.columns if any(term in c.name for term in CHANNEL_TEXT_TERMS)]
        if columns or linked or named or footer.get("channels"):
            return
        yield Draft(
            message=self.message(),
            url=snapshot.homepage_url,
            item="no_channel",
            evidence={
                "basis": "no interaction column, and no homepage link naming 咨询/信箱/12345/留言",
                "letters": "none: the site shows no consultation column whose letters could be read",
                "columns_checked": len(snapshot.columns),
                "links_checked": snapshot.link_count,
            },
        )

    def _letters(self, snapshot: SiteSnapshot, column: ColumnState) -> Iterator[Draft]:
        as_of, settings = snapshot.as_of, snapshot.settings
        limit, window = int(settings["GOVCHECK_REPLY_DAYS"]), int(settings["GOVCHECK_LETTER_WINDOW_DAYS"])
        late: list[dict[str, Any]] = []
        unseen: list[dict[str, Any]] = []
        for letter in column.letters:
            if letter.posted is None or letter.posted > as_of or (as_of - letter.posted).days > window:
                continue
            if letter.replied is not None and letter.replied <= as_of:
                days = (letter.replied - letter.posted).days
                if days > limit:
                    late.append(letter.as_evidence(days))
            elif letter.replied is not None:  # answered after the as-of date: unanswered at it
                if (days := (as_of - letter.posted).days) > limit:
                    late.append(letter.as_evidence(days))
            elif letter.status in ("replied", "done"):
                if letter.reply_present is False:  # its page was read: no reply on it
                    unseen.append(letter.as_evidence())
            elif letter.status == "processing" or letter.reply_present is False:
                days = (as_of - letter.posted).days
                if days > limit and not letter.reply_present:
                    late.append(letter.as_evidence(days))
        base = {
            "column_url": column.url,
            "as_of": as_of.isoformat(),
            "reply_days": limit,
            "window_days": window,
            "letters_read": len(column.letters),
        }
        if late:
            yield Draft(
                message=self.unanswered(names=quoted([column.name]), period=period_words(limit)),
                column=column,
                url=column.url,
                threshold_days=limit,
                evidence={**base, "letters": late},
            )
        if unseen:
            yield Draft(
                message=self.unseen(names=quoted([column.name])),
                column=column,
                url=column.url,
                evidence={
                    **base,
                    "basis": "marked done, and no reply on the letter's own page",
                    "letters": unseen,
                },
            )


class ConsultReplyTimeliness(Rule):
    """A 政务咨询类 column with letters but no reply published in the two months before the as-of date.
    Not judged when some letter is answered on a date the crawl could not read."""

    code = "consult_reply_timeliness"
    title = "政务咨询答复不及时"
    source = (
        f"{RULEBOOK_2019} 扣分指标 互动交流 (在监测时间点前2个月内未更新留言答复，扣3分；国管局 2019 自查)"
    )
    rulebooks = frozenset({RULEBOOK_2019})
    points = 3.0
    cap = 3.0
    applies_when_unknown = True
    message = Template("{names}栏目监测时间点前{period}内未更新留言答复")
    summary = Columns(Place.SENTENCES, by_period=True)
    subject = COLUMN_SUBJECT

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        as_of, days = snapshot.as_of, int(snapshot.settings["GOVCHECK_REPLY_UPDATE_DAYS"])
        for column in snapshot.consultation_columns():
            letters = [x for x in column.letters if x.posted is None or x.posted <= as_of]
            if not letters:
                continue
            replies = [x.replied for x in letters if x.replied is not None and x.replied <= as_of]
            newest = max(replies, default=None)
            if newest is not None and (as_of - newest).days <= days:
                continue
            if any(
                x.replied is None and x.status in ("replied", "done") and x.reply_present for x in letters
            ):
                continue  # answered on a date the crawl could not read: unknown, not late
            yield Draft(
                message=self.message(names=quoted([column.name]), period=period_words(days)),
                column=column,
                url=column.url,
                threshold_days=days,
                newest=newest,
                evidence={
                    "column_url": column.url,
                    "as_of": as_of.isoformat(),
                    "newest_reply": newest.isoformat() if newest else None,
                    "days_since_newest_reply": (as_of - newest).days if newest else None,
                    "letters_read": len(letters),
                },
                points=self.points,
            )


class SurveyInactive(Rule):
    """调查征集 / 在线访谈 columns with none held in GOVCHECK_SURVEY_DAYS before the as-of date. A blank one
    is a blank column; one whose items are all undated is not judged."""

    code = "survey_inactive"
    title = "调查征集、在线访谈长期未开展"
    source = (
        f"{RULEBOOK_2015} 普查评分表 互动回应 (调查征集、在线访谈：1年内未开展扣5分，龙讯 2015 默认值)；"
        f"{RULEBOOK_2019} 分值 UNCONFIRMED"
    )
    points = 5.0
    cap = 5.0
    applies_when_unknown = True
    message = Template("{names}栏目自{since}以来一直未更新")
    subject = COLUMN_SUBJECT

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        days = int(snapshot.settings["GOVCHECK_SURVEY_DAYS"])
        for column in snapshot.columns:
            if column.category.key != "survey" or column.status != "ok" or column.newest is None:
                continue
            if (snapshot.as_of - column.newest).days <= days:
                continue
            yield Draft(
                message=self.message(
                    names=quoted([column.name]), since=f"{column.newest.year}年{column.newest.month}月"
                ),
                column=column,
                url=column.url,
                threshold_days=days,
                newest=column.newest,
                evidence={**column.evidence(snapshot.as_of), "last_held": column.newest.isoformat()},
                points=self.points,
            )


FOOTER_WORDS = {
    "party_gov_mark": "党政机关网站标识",
    "site_code": "政府网站标识码",
    "icp": "ICP备案编号",
    "police_record": "公安机关备案标识",
}


class FooterMissing(Rule):
    code = "footer_missing"
    title = "网站标识不全"
    source = f"{GUIDE_2017} 网站标识；{RULEBOOK_2019} 功能设计 (网站域名名称及网站标识)"
    points = 1.0
    cap = 4.0
    applies_when_unknown = True
    message = Template("网站页面底部未标注{items}")
    summary = Joined(Place.FOOTER, "items")  # one sentence for all missing items, as bulletins write it
    subject = Subject(("item",), FOOTER_WORDS)

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        footer = snapshot.footer
        if snapshot.homepage_status != "ok" or not footer or not footer.get("parsed"):
            return  # no homepage read (unparseable, a limit hit) or no facts stored: nothing to judge
        for item in FOOTER_ITEMS:
            if footer.get(item):
                continue
            yield Draft(
                message=self.message(items=FOOTER_WORDS[item]),
                url=snapshot.homepage_url,
                item=item,
                evidence={
                    "homepage_url": snapshot.homepage_url,
                    "found": {k: footer.get(k) for k in FOOTER_ITEMS},
                },
                points=self.points,
            )


class DomainNotGov(Rule):
    code = "domain_not_gov"
    title = "网站域名不规范"
    source = f"{GUIDE_2017} 域名 (应使用以“.gov.cn”为后缀的英文域名和“.政务”为后缀的中文域名)"
    points = 2.0
    cap = 2.0
    applies_when_unknown = True
    message = Template("网站使用非“.gov.cn”域名")

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        final = urlsplit(snapshot.homepage_url or "").hostname or ""
        hosts = [h for h in dict.fromkeys([snapshot.host, final]) if h]
        wrong = [h for h in hosts if not is_gov_host(h)]
        if wrong:
            yield Draft(
                message=self.message(),
                url=snapshot.homepage_url,
                urls=wrong,
                evidence={"hosts": hosts, "not_gov": wrong},
                points=self.points,
            )


SERVICE_ACTIONS = {"attachment": "下载", "online": "访问"}


def service_targets(snapshot: SiteSnapshot) -> dict[str, tuple[BrokenLink, ServicePageState, dict[str, str]]]:
    """The broken targets linked from a service column's page or 办事指南, each with the first page (in
    the order stored) and link naming it: reported once, as ``online_system_down``, not ``link_broken``."""
    broken = {link.url: link for link in snapshot.broken_links}
    found: dict[str, tuple[BrokenLink, ServicePageState, dict[str, str]]] = {}
    for page in snapshot.service_pages:
        for link in page.links:
            if (target := broken.get(link["url"])) is not None and target.url not in found:
                found[target.url] = (target, page, link)
    return found


class OnlineSystemDown(Rule):
    """An attachment (办事表格, 文件附件) or an online application/query system linked from a service
    column's page or one of its 办事指南 that cannot be downloaded or opened: one finding per target,
    judged by the link check (broken only: 404/410, soft-404, DNS failure, refused or dropped
    connection, timeout; a 5xx or a firewall stays inconclusive and is not reported). The target is
    not a ``link_broken`` finding too: one broken link, one finding, the more specific."""

    code = "online_system_down"
    title = "在线系统或附件无法访问"
    source = (
        f"{RULEBOOK_2015} 普查评分表 办事服务 考察点 (在线申报和查询系统能否正常访问；"
        "所需的办事表格、文件附件等资料能否正常下载)；2019 年后通报沿用 (海南 2023Q3)"
    )
    points = 1.0  # UNCONFIRMED (indicators.md a.3)
    cap = 5.0
    applies_when_unknown = True
    message = Template(
        "{names}栏目中“{text}”无法正常{action}", {"action": tuple(dict.fromkeys(SERVICE_ACTIONS.values()))}
    )
    subject = Subject(("url",))

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        columns = {c.url: c for c in snapshot.columns}
        for target, page, link in service_targets(snapshot).values():
            column = columns.get(page.column_url)
            yield Draft(
                message=self.message(
                    names=quoted([column.name if column else page.column_url]),
                    text=link["text"],
                    action=SERVICE_ACTIONS[link["kind"]],
                ),
                column=column,
                url=target.url,
                source_url=page.url,
                external=target.external,
                urls=target.sources,
                evidence={
                    "kind": link["kind"],
                    "text": link["text"],
                    "found_on": page.url,
                    "found_on_kind": page.kind,
                    "column_url": page.column_url,
                    "http_status": target.status,
                    "error": target.error,
                    "sources": target.sources,
                    "on_homepage": target.on_homepage,
                },
                points=self.points,
            )


def incomplete_guides(snapshot: SiteSnapshot, at_least: int = 1) -> list[ServicePageState]:
    """The 办事指南 missing at least ``at_least`` key element classes, in the order they were stored."""
    return [p for p in snapshot.service_pages if p.kind == "guide" and len(p.missing) >= at_least]


class ServiceGuideIncomplete(Rule):
    """A 办事指南 that does not show every key element class (事项名称、设定依据、申请条件、办理材料、
    办理地点、办理时间、联系电话、办理流程: 开普云's list [C2]; the official list is cut off in every
    copy read). One finding per guide; the veto is ``service_impractical``."""

    code = "service_guide_incomplete"
    title = "办事指南要素缺失"
    source = (
        f"{RULEBOOK_2019} 单项否决 6 服务不实用 (办事指南重点要素类别（包括事项名称、设定依据、申请条件、"
        "办理材料、…）缺失)；要素表见开普云 [C2]"
    )
    points = 0.5  # UNCONFIRMED
    cap = 5.0
    applies_when_unknown = True
    message = Template("办事指南“{title}”重点要素缺失：{items}")
    summary = Counts(
        Place.SENTENCES,
        Template("{where}有{count}个办事指南重点要素缺失", {"where": ("网站",)}),
        {"page": "网站"},
    )
    subject = Subject(("url",))

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        columns = {c.url: c for c in snapshot.columns}
        for guide in incomplete_guides(snapshot):
            column = columns.get(guide.column_url)
            yield Draft(
                message=self.message(title=guide.title or guide.url, items="、".join(guide.missing)),
                column=column,
                url=guide.url,
                scope="page",
                evidence={
                    "guide_url": guide.url,
                    "title": guide.title,
                    "column_url": guide.column_url,
                    "found": guide.elements,
                    "missing": guide.missing,
                    "absent": [e for e, why in guide.missing.items() if why == "absent"],
                    "empty": [e for e, why in guide.missing.items() if why == "empty"],
                },
                points=self.points,
            )


class ServiceImpractical(Rule):
    """The 服务不实用 veto at the threshold the rule book names. Its numbers (≥ 5 items each missing
    ≥ 4 classes) are UNCONFIRMED recollection, so the veto is off unless GOVCHECK_VETO_GUIDE_ITEMS is set."""

    code = "service_impractical"
    title = "服务不实用"
    source = (
        f"{RULEBOOK_2019} 单项否决 6 (办事指南重点要素类别…缺失；阈值“≥5个事项各缺失≥4类”UNCONFIRMED，"
        "GOVCHECK_VETO_GUIDE_ITEMS/GOVCHECK_VETO_GUIDE_MISSING)"
    )
    veto = True
    message = Template("办事指南重点要素缺失{missing}类及以上的事项达{count}个（超过（含）{limit}个）")

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        limit = int(snapshot.settings["GOVCHECK_VETO_GUIDE_ITEMS"])
        missing = int(snapshot.settings["GOVCHECK_VETO_GUIDE_MISSING"])
        if limit <= 0:
            return  # off: the threshold is UNCONFIRMED
        guides = incomplete_guides(snapshot, missing)
        if len(guides) >= limit:
            yield Draft(
                message=self.message(missing=missing, count=len(guides), limit=limit),
                urls=[g.url for g in guides],
                evidence={
                    "count": len(guides),
                    "limit": limit,
                    "missing_at_least": missing,
                    "guides": [{"url": g.url, "title": g.title, "missing": list(g.missing)} for g in guides],
                },
            )


ANNUAL_REPORT_FROM = dt.date(2018, 2, 1)  # 国办函〔2018〕12号: the 2017 report was the first, due 31 Jan 2018
ANNUAL_REPORT_DUE = (1, 31)  # month, day: "于每年1月31日前在本网站首页显著位置发布"


def _homepage_duties(snapshot: SiteSnapshot) -> dict[str, Any] | None:
    """The homepage duties when the homepage was read and its facts stored, else None (nothing to judge)."""
    duties = snapshot.duties
    if snapshot.homepage_status != "ok" or not duties or not duties.get("parsed"):
        return None
    return duties


class JiucuoEntryMissing(Rule):
    """The 找错 entry must lead to the national service with the site's own code: an entry with another
    site's code sends visitors' reports to that site. An entry whose code cannot be read (a widget
    placeholder) is not judged."""

    code = "jiucuo_entry_missing"
    title = "“我为政府网站找错”入口缺失或有误"
    source = (
        f"{RULEBOOK_2019} 扣分指标 功能设计 (“我为政府网站找错”入口；国管局2019年第二季度自查表引)；"
        "入口链接 https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=<网站标识码>；分值 UNCONFIRMED"
    )
    rulebooks = frozenset({RULEBOOK_2019})  # in force from 2019-04-18: the 2015 table does not list it
    points = 1.0
    cap = 1.0
    applies_when_unknown = True
    message = Template("首页未设置“我为政府网站找错”入口")
    wrong_code = Template("首页“我为政府网站找错”入口的网站标识码{found}与本网站标识码{expected}不符")
    variants = (wrong_code,)

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        duties = _homepage_duties(snapshot)
        if duties is None:
            return
        expected = (
            snapshot.site_code or duties.get("meta_site_code") or (snapshot.footer or {}).get("site_code")
        )
        entries = duties.get("jiucuo", [])
        visible = [e for e in entries if not e.get("hidden")]
        evidence = {"homepage_url": snapshot.homepage_url, "expected_site_code": expected, "entries": entries}
        if not visible:
            reason = "hidden" if entries else "missing"
            yield Draft(
                message=self.message(),
                url=snapshot.homepage_url,
                item=reason,
                evidence={**evidence, "reason": reason},
                points=self.points,
            )
            return
        codes = [e["site_code"] for e in visible if e.get("site_code")]
        if not expected or not codes or any(code.lower() == expected.lower() for code in codes):
            return
        yield Draft(
            message=self.wrong_code(found="、".join(dict.fromkeys(codes)), expected=expected),
            url=snapshot.homepage_url,
            item="wrong_code",
            evidence={**evidence, "reason": "wrong_code", "found_site_codes": codes},
            points=self.points,
        )


class AnnualReportMissing(Rule):
    """From 1 February, the homepage links the previous year's 政府网站工作年度报表. A link naming no year
    (a banner to the reports' column) is given the benefit of the doubt; the evidence lists it."""

    code = "annual_report_missing"
    title = "政府网站工作年度报表未在首页发布"
    source = (
        "国办函〔2018〕12号 《关于做好政府网站年度报表发布工作的通知》 (于每年1月31日前在本网站首页显著位置发布)；"
        "自2018年2月1日起判定；分值 UNCONFIRMED；GOVCHECK_ANNUAL_REPORT_CHECK 开启时判定"
    )
    points = 1.0
    cap = 1.0
    applies_when_unknown = True
    message = Template("未在首页显著位置发布{year}年度政府网站工作年度报表")

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        duties = _homepage_duties(snapshot)
        if duties is None or not snapshot.settings.get("GOVCHECK_ANNUAL_REPORT_CHECK"):
            return
        as_of = snapshot.as_of
        month, day = ANNUAL_REPORT_DUE
        if as_of < ANNUAL_REPORT_FROM or as_of <= dt.date(as_of.year, month, day):
            return  # still in time (on 31 January too)
        year = as_of.year - 1
        links = duties.get("annual_reports", [])
        if any(link.get("year") in {year, None} for link in links):
            return
        yield Draft(
            message=self.message(year=year),
            url=snapshot.homepage_url,
            item=str(year),
            evidence={
                "homepage_url": snapshot.homepage_url,
                "year_due": year,
                "due": dt.date(as_of.year, month, day).isoformat(),
                "as_of": as_of.isoformat(),
                "links_found": links,
            },
            points=self.points,
        )


class HomepageUpdateVolume(Rule):
    code = "homepage_update_volume"
    title = "首页栏目信息更新量不足"
    source = (
        f"{RULEBOOK_2015} 普查评分表 考察点 (首页栏目信息更新数量)；龙讯 默认：2周内少于10条扣5分 (C2)；"
        f"{RULEBOOK_2019} 分值 UNCONFIRMED；GOVCHECK_UPDATE_VOLUME_CHECK 开启时判定"
    )
    points = 5.0
    cap = 5.0
    applies_when_unknown = True
    message = Template("首页栏目{period}内信息更新总量不足{limit}条")

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        settings = snapshot.settings
        if (
            not settings.get("GOVCHECK_UPDATE_VOLUME_CHECK")
            or snapshot.homepage_status != "ok"
            or snapshot.homepage_recent is None
        ):
            return
        days, limit = (
            int(settings["GOVCHECK_UPDATE_VOLUME_DAYS"]),
            int(settings["GOVCHECK_UPDATE_VOLUME_MIN_ITEMS"]),
        )
        count = len(snapshot.homepage_recent)
        if count >= limit:
            return
        yield Draft(
            message=self.message(period=period_words(days), limit=limit),
            url=snapshot.homepage_url,
            threshold_days=days,
            evidence={
                "count": count,
                "limit": limit,
                "days": days,
                "since": (snapshot.as_of - dt.timedelta(days=days)).isoformat(),
                "as_of": snapshot.as_of.isoformat(),
                "items": snapshot.homepage_recent,
            },
            points=self.points,
        )


# Why the IPv6 check is unknown (govcheck/ipv6.py, crawls.health["ipv6"]["reason"]), as reports say it.
IPV6_UNKNOWN_WORDS = {
    "proxied": "检查方经代理访问网站",
    "runner_without_ipv6": "检查方无IPv6线路",
    "runner_ipv6_unreachable": "检查方IPv6网络不通",
    "dns_unavailable": "检查方域名解析无应答",
    "check_failed": "IPv6检查出错",
    "check_off": "未开启IPv6检查",
    "not_checked": "本次抓取未做IPv6检查",
}


class Ipv6Unsupported(Rule):
    """Only a runner with working IPv6 of its own judges: an unknown result (no route, a proxy, no DNS)
    is no finding but a check not made (``not_judged``), so reports say IPv6 was not judged and why."""

    code = "ipv6_unsupported"
    title = "网站未支持IPv6访问"
    source = (
        f"{RULEBOOK_2019} 扣分指标 功能设计 (完成IPv6改造；国管局2019年第二季度自查表引)；分值 UNCONFIRMED"
    )
    rulebooks = frozenset({RULEBOOK_2019})  # in force from 2019-04-18
    points = 1.0
    cap = 1.0
    applies_when_unknown = True
    message = Template("网站未支持IPv6访问")
    unknown = Template("IPv6访问未判定（{why}）", {"why": tuple(IPV6_UNKNOWN_WORDS.values())})

    def not_judged(self, snapshot: SiteSnapshot) -> NotJudged | None:
        fact = snapshot.ipv6
        if snapshot.homepage_status != "ok" or (fact and fact.get("result") != "unknown"):
            return None  # judged, or no homepage to judge (the verdict says so)
        reason = (fact or {}).get("reason") or "not_checked"
        return NotJudged(reason, self.unknown(why=IPV6_UNKNOWN_WORDS.get(reason, reason)), dict(fact or {}))

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        fact = snapshot.ipv6
        if snapshot.homepage_status != "ok" or not fact or fact.get("result") != "unsupported":
            return
        yield Draft(
            message=self.message(),
            url=snapshot.homepage_url,
            item=fact.get("reason"),
            evidence=dict(fact),
            points=self.points,
        )


META_WHERE = {"homepage": "首页", "page": "栏目页面", "article": "文章页面"}


class MetaTagsMissing(Rule):
    """A review item without points: the 2019 scoring of the design standard's metas is UNCONFIRMED.
    One finding per missing tag and page level; column pages are counted together, and so are the
    sampled article pages (GOVCHECK_ARTICLE_META_CHECK: off by default, as the crawl reads them only then)."""

    code = "meta_tags_missing"
    title = "网页元数据标签缺失（待复核）"
    source = (
        f"{GUIDE_2017} 附件 《政府网站网页设计规范》 (网页元数据：SiteName、SiteDomain、SiteIDCode、ColumnName、"
        "ColumnType；文章页 ArticleTitle、PubDate、ContentSource …)；不扣分；文章页 GOVCHECK_ARTICLE_META_CHECK 开启时判定"
    )
    applies_when_unknown = True
    message = Template("{where}未按网页设计规范设置{items}元数据标签", {"where": tuple(META_WHERE.values())})
    subject = Subject(("item", "scope"), scope_words={words: scope for scope, words in META_WHERE.items()})

    def check(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        duties = _homepage_duties(snapshot)
        if duties is not None:
            for tag in duties.get("missing_metas", []):
                yield Draft(
                    message=self.message(where=META_WHERE["homepage"], items=tag),
                    url=snapshot.homepage_url,
                    scope="homepage",
                    item=tag,
                    evidence={"homepage_url": snapshot.homepage_url, "tag": tag},
                )
        lacking: dict[str, list[ColumnState]] = {}
        for column in snapshot.columns:
            if column.status in {"ok", "blank"}:
                for tag in column.missing_metas or []:
                    lacking.setdefault(tag, []).append(column)
        for tag, columns in lacking.items():
            yield Draft(
                message=self.message(where=META_WHERE["page"], items=tag),
                url=columns[0].url,
                scope="page",
                item=tag,
                urls=[c.url for c in columns],
                evidence={"tag": tag, "pages": len(columns), "columns": [c.name for c in columns[:50]]},
            )
        if snapshot.settings.get("GOVCHECK_ARTICLE_META_CHECK"):
            yield from self._articles(snapshot)

    def _articles(self, snapshot: SiteSnapshot) -> Iterator[Draft]:
        """The sampled article pages that answered, per tag they lack; each with the column listing it."""
        names = {c.url: c.name for c in snapshot.columns}
        read = [a for a in snapshot.articles if a.read]
        lacking: dict[str, list[ArticleState]] = {}
        for article in read:
            for tag in article.missing_metas or []:
                lacking.setdefault(tag, []).append(article)
        for tag, articles in lacking.items():
            yield Draft(
                message=self.message(where=META_WHERE["article"], items=tag),
                url=articles[0].url,
                scope="article",
                item=tag,
                urls=[a.url for a in articles],
                evidence={
                    "tag": tag,
                    "pages": len(articles),
                    "pages_read": len(read),
                    "articles": [
                        {
                            "url": a.url,
                            "column_url": a.column_url,
                            "column": names.get(a.column_url),
                            "http_status": a.http_status,
                        }
                        for a in articles[:50]
                    ],
                },
            )


# The one table of rules, in report order.
RULES: tuple[Rule, ...] = (
    SiteUnreachable(),
    HomepageStale(),
    BadLink(),
    InternalLink(),
    InteractionUnanswered(),
    ConsultReplyTimeliness(),
    SurveyInactive(),
    ServiceImpractical(),
    VetoStaleKeyColumns(),
    VetoStaleColumns(),
    VetoBlankColumns(),
    ColumnStale(),
    ColumnBlank(),
    UndatedEntries(),
    LinkBroken(),
    OnlineSystemDown(),
    ServiceGuideIncomplete(),
    FooterMissing(),
    DomainNotGov(),
    JiucuoEntryMissing(),
    AnnualReportMissing(),
    HomepageUpdateVolume(),
    Ipv6Unsupported(),
    MetaTagsMissing(),
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
