"""What the rules see, read set-based: one query per kind of fact for a batch of sites, never one
query per site nor a Python pass over every entry or link.

For a batch of sites: the crawl each is judged on (a window function picks the newest finished
attempt), the column checks of those crawls, per column the entry counts and the newest dated entry
(window functions over the entries the list showed at that crawl), the first undated entries, the
broken and refused link targets with their source pages, the links whose URL contains a term some
rule reads (``Rule.link_terms``, matched case-insensitively in SQL: a superset that the rule then
checks exactly), the probes of the window and, once per round, the homepage attempts of the round.
Every query works on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, any_, func, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from govcheck.dates import SHANGHAI
from govcheck.db.attempts import FINISHED, no_newer_finished
from govcheck.db.models import (
    ArticleCheck,
    Column,
    ColumnCheck,
    Crawl,
    Entry,
    Letter,
    Link,
    LinkCheck,
    Probe,
    ServicePage,
    Site,
)
from govcheck.evaluator.categories import classify, threshold_days
from govcheck.evaluator.inspector import ConcurrentFailures, concurrent_failures
from govcheck.evaluator.profiles import load_profile
from govcheck.evaluator.rules import (
    RULES,
    ArticleState,
    BrokenLink,
    ColumnState,
    LetterFact,
    LinkTarget,
    ProbeStats,
    ServicePageState,
    SiteSnapshot,
    rulebook_for,
)
from govcheck.vocabulary import INSPECTOR_NETWORK

PROBE_FAILURE_SAMPLE = 20
UNDATED_URLS_KEPT = 50  # the undated entries a finding lists as evidence
# The only characters whose Python lower case holds ASCII (İ → i̇, K → k): a URL holding one may
# match an ASCII term in Python though not in SQL, so such URLs are always read (tests check the list).
LOWER_TO_ASCII = ("\u0130", "\u212a")


RULE_LINK_TERMS = tuple(sorted({term.lower() for rule in RULES for term in rule.link_terms}))


def url_contains_any(terms: Sequence[str], *, postgres: bool) -> ColumnElement[bool]:
    """True for a link whose target URL contains one of the lower-case ASCII ``terms`` in any case,
    or a character whose lower case is ASCII (a superset of the URLs where Python's
    ``term in url.lower()`` holds). One LIKE ANY over lower() on PostgreSQL, the fastest of its
    forms (ILIKE and ~* fold K to k and cost several times more); SQLite's LIKE ignores ASCII case."""
    patterns = [f"%{term}%" for term in terms]
    if postgres:
        # COLLATE "C": lower() of ASCII only, much cheaper than a locale's, and all the SQL side needs.
        ascii_match = func.lower(Link.target_url.collate("C")).like(any_(postgresql.array(patterns)))
    else:
        ascii_match = or_(*(Link.target_url.like(pattern) for pattern in patterns))
    return or_(ascii_match, *(Link.target_url.like(f"%{char}%") for char in LOWER_TO_ASCII))


@dataclass(slots=True)
class Judged:
    """A site of the batch and the crawl it is judged on (``snapshot`` None: the crawl is too old)."""

    site: Site
    crawl: Crawl
    snapshot: SiteSnapshot | None = None


@dataclass(slots=True)
class _Facts:
    columns: dict[int, ColumnState] = field(default_factory=dict)
    homepage: ColumnState | None = None
    broken: list[BrokenLink] = field(default_factory=list)
    refused: list[BrokenLink] = field(default_factory=list)
    links: list[LinkTarget] = field(default_factory=list)
    link_count: int = 0
    service_pages: list[ServicePageState] = field(default_factory=list)
    homepage_recent: list[dict[str, Any]] = field(default_factory=list)
    articles: list[ArticleState] = field(default_factory=list)


class SnapshotReader:
    """Reads the snapshots of batches of sites at one as-of date; keeps what is the same for every
    batch (the round's homepage attempts) for the next batch."""

    def __init__(self, as_of: dt.date, settings: dict[str, Any], round_name: str = "") -> None:
        self.as_of, self.settings, self.round_name = as_of, settings, round_name
        self.max_age = int(settings["GOVCHECK_MAX_CRAWL_AGE_DAYS"])
        self._round_attempts: dict[str, list[tuple[str | None, list[dict[str, Any]]]]] = {}

    def read(self, session: Session, site_ids: Sequence[int]) -> list[Judged]:
        """The sites among ``site_ids`` that have a crawl to judge, in ``site_ids`` order."""
        crawls = self._latest_crawls(session, site_ids)
        sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(list(crawls))))}
        judged = [Judged(sites[i], crawls[i]) for i in site_ids if i in crawls and i in sites]
        recent = [j for j in judged if (self.as_of - j.crawl.as_of).days <= self.max_age]
        if not recent:
            return judged
        facts = {j.crawl.id: _Facts() for j in recent}
        self._columns(session, recent, facts)
        self._entries(session, facts)
        self._letters(session, facts)
        self._checked_links(session, facts)
        self._rule_links(session, facts)
        self._service_pages(session, facts)
        self._articles(session, facts)
        self._homepage_recent(session, facts)
        probes = self._probes(session, [j.site.id for j in recent])
        for j in recent:
            f, health = facts[j.crawl.id], j.crawl.health or {}
            j.snapshot = SiteSnapshot(
                host=j.site.host,
                as_of=self.as_of,
                rulebook=rulebook_for(self.as_of),
                settings=self.settings,
                homepage_url=j.crawl.homepage_url,
                homepage_status=j.crawl.homepage_status,
                homepage_attempts=health.get("homepage_attempts", []),
                homepage_newest=f.homepage.newest if f.homepage else None,
                homepage_newest_text=f.homepage.newest_text if f.homepage else None,
                homepage_newest_url=f.homepage.newest_url if f.homepage else None,
                homepage_newest_evidence=f.homepage.newest_evidence if f.homepage else None,
                columns=list(f.columns.values()),
                broken_links=f.broken,
                refused_links=f.refused,
                links=f.links,
                link_count=f.link_count,
                footer=health.get("footer"),
                probes=probes.get(j.site.id),
                is_portal=j.site.is_portal,
                in_registry=j.site.in_registry,
                connectivity=health.get("connectivity"),
                concurrent_failures=self._concurrent_failures(session, j.crawl),
                service_pages=f.service_pages,
                duties=health.get("duties"),
                ipv6=health.get("ipv6"),
                site_code=j.site.site_code,
                homepage_recent=f.homepage_recent if f.homepage else None,
                articles=f.articles,
            )
        return judged

    def _latest_crawls(self, session: Session, site_ids: Sequence[int]) -> dict[int, Crawl]:
        """Per site, the newest finished crawl whose as_of is on or before the as-of date (within the
        round, if named): of each round its newest finished attempt, so an unfinished re-crawl
        changes nothing."""
        newest_first = func.row_number().over(
            partition_by=Crawl.site_id,
            order_by=(Crawl.as_of.desc(), Crawl.finished_at.desc(), Crawl.id.desc()),
        )
        ranked = select(Crawl.id, newest_first.label("rank")).where(
            Crawl.site_id.in_(list(site_ids)),
            Crawl.status == FINISHED,
            Crawl.as_of <= self.as_of,
            no_newer_finished(Crawl, as_of=self.as_of),
        )
        if self.round_name:
            ranked = ranked.where(Crawl.round == self.round_name)
        chosen = ranked.subquery()
        crawls = session.scalars(
            select(Crawl).join(chosen, chosen.c.id == Crawl.id).where(chosen.c.rank == 1)
        )
        return {crawl.site_id: crawl for crawl in crawls}

    def _columns(self, session: Session, judged: list[Judged], facts: dict[int, _Facts]) -> None:
        profiles = {j.crawl.id: load_profile(j.site.host) for j in judged}
        rows = session.execute(
            select(
                ColumnCheck.crawl_id,
                Column.id,
                Column.url,
                Column.name,
                Column.depth,
                Column.position,
                Column.column_type,
                Column.is_homepage,
                ColumnCheck.status,
                ColumnCheck.reason,
                ColumnCheck.http_status,
                ColumnCheck.missing_metas,
            )
            .join(ColumnCheck, ColumnCheck.column_id == Column.id)
            .where(Column.site_id.in_([j.site.id for j in judged]), ColumnCheck.crawl_id.in_(list(facts)))
            .order_by(ColumnCheck.crawl_id, Column.position, Column.id)
        )
        for (
            crawl_id,
            column_id,
            url,
            name,
            depth,
            position,
            column_type,
            is_homepage,
            status,
            reason,
            http,
            missing_metas,
        ) in rows:
            category = profiles[crawl_id].override(name, url) or classify(name, url, column_type)
            state = ColumnState(
                id=column_id,
                url=url,
                name=name or url,
                depth=depth,
                position=position,
                status=status,
                reason=reason,
                http_status=http,
                category=category,
                threshold_days=threshold_days(category, self.settings),
                missing_metas=missing_metas,
            )
            if is_homepage:
                facts[crawl_id].homepage = state
            else:
                facts[crawl_id].columns[column_id] = state

    def _entries(self, session: Session, facts: dict[int, _Facts]) -> None:
        """Per column: how many entries, how many dated, the newest dated one (the first stored of
        equally new ones) and the first undated ones. An entry counts when the list showed it at
        this crawl (seen by it or an earlier one, and still seen by it or a later one: a newer entry
        a later crawl no longer finds was taken down) and is not dated after the as-of date."""
        states = {
            s.id: s
            for f in facts.values()
            for s in [*f.columns.values(), *([f.homepage] if f.homepage else [])]
        }
        by_column = {"partition_by": Entry.column_id}
        ranked = (
            select(
                Entry.column_id,
                Entry.url,
                Entry.published,
                Entry.date_text,
                Entry.date_source,
                Entry.date_evidence,
                func.count().over(**by_column).label("entries"),
                func.count(Entry.published).over(**by_column).label("dated"),
                func.row_number()
                .over(**by_column, order_by=(Entry.published.desc().nulls_last(), Entry.id))
                .label("rank"),
            )
            .join(ColumnCheck, ColumnCheck.column_id == Entry.column_id)
            .where(
                *self._shown(list(states), list(facts)),
                or_(Entry.published.is_(None), Entry.published <= self.as_of),
            )
            .subquery()
        )
        for column_id, url, published, text, source, evidence, entries, dated, _ in session.execute(
            select(ranked).where(ranked.c.rank == 1)
        ):
            state = states[column_id]
            state.entry_count, state.dated_count, state.undated_count = entries, dated, entries - dated
            if published is not None:
                state.newest, state.newest_text, state.newest_url = published, text, url
                state.newest_source, state.newest_evidence = source, evidence
        undated = [column_id for column_id, state in states.items() if state.undated_count]
        if not undated:
            return
        first = (
            select(
                Entry.column_id,
                Entry.url,
                func.row_number().over(**by_column, order_by=Entry.id).label("rank"),
            )
            .join(ColumnCheck, ColumnCheck.column_id == Entry.column_id)
            .where(*self._shown(undated, list(facts)), Entry.published.is_(None))
            .subquery()
        )
        for column_id, url in session.execute(
            select(first.c.column_id, first.c.url)
            .where(first.c.rank <= UNDATED_URLS_KEPT)
            .order_by(first.c.column_id, first.c.rank)
        ):
            states[column_id].undated_urls.append(url)

    def _letters(self, session: Session, facts: dict[int, _Facts]) -> None:
        """The letters of consultation columns the lists showed at these crawls (as entries are
        chosen), posted within twice the judged year (older ones judge nothing), oldest first."""
        states = {
            s.id: s for f in facts.values() for s in f.columns.values() if s.category.key == "interaction"
        }
        if not states:
            return
        since = self.as_of - dt.timedelta(days=2 * int(self.settings["GOVCHECK_LETTER_WINDOW_DAYS"]))
        rows = session.execute(
            select(
                Letter.column_id,
                Letter.url,
                Letter.title,
                Letter.posted,
                Letter.posted_text,
                Letter.status,
                Letter.status_text,
                Letter.replied,
                Letter.replied_text,
                Letter.reply_present,
                Letter.evidence,
            )
            .join(ColumnCheck, ColumnCheck.column_id == Letter.column_id)
            .where(
                Letter.column_id.in_(list(states)),
                ColumnCheck.crawl_id.in_(list(facts)),
                Letter.first_seen_crawl_id <= ColumnCheck.crawl_id,
                Letter.last_seen_crawl_id >= ColumnCheck.crawl_id,
                or_(Letter.posted.is_(None), Letter.posted >= since),
            )
            .order_by(Letter.column_id, Letter.posted, Letter.id)
        )
        for column_id, *letter in rows:
            states[column_id].letters.append(LetterFact(*letter))

    def _homepage_recent(self, session: Session, facts: dict[int, _Facts]) -> None:
        """Per homepage: its dated items of the GOVCHECK_UPDATE_VOLUME_DAYS up to the as-of date (the
        2 weeks of homepage_update_volume), newest first, as the homepage showed them at this crawl."""
        homepages = {f.homepage.id: f for f in facts.values() if f.homepage}
        if not homepages:
            return
        since = self.as_of - dt.timedelta(days=int(self.settings["GOVCHECK_UPDATE_VOLUME_DAYS"]))
        rows = session.execute(
            select(
                Entry.column_id, Entry.url, Entry.title, Entry.published, Entry.date_text, Entry.date_evidence
            )
            .join(ColumnCheck, ColumnCheck.column_id == Entry.column_id)
            .where(
                *self._shown(list(homepages), list(facts)),
                Entry.published >= since,
                Entry.published <= self.as_of,
            )
            .order_by(Entry.column_id, Entry.published.desc(), Entry.id)
        )
        for column_id, url, title, published, text, evidence in rows:
            homepages[column_id].homepage_recent.append(
                {
                    "url": url,
                    "title": title,
                    "published": published.isoformat(),
                    "date_text": text,
                    **({"date_evidence": evidence} if evidence else {}),
                }
            )

    @staticmethod
    def _shown(column_ids: list[int], crawl_ids: list[int]) -> tuple[ColumnElement[bool], ...]:
        """The entries of these columns that the lists showed at these crawls (joined to ColumnCheck);
        both id lists, so that each table is read through its index, never as a whole."""
        return (
            Entry.column_id.in_(column_ids),
            ColumnCheck.crawl_id.in_(crawl_ids),
            Entry.first_seen_crawl_id <= ColumnCheck.crawl_id,
            Entry.last_seen_crawl_id >= ColumnCheck.crawl_id,
        )

    def _checked_links(self, session: Session, facts: dict[int, _Facts]) -> None:
        """The link targets whose check was broken or refused, with every source page."""
        rows = session.execute(
            select(
                Link.crawl_id,
                LinkCheck.outcome,
                Link.target_url,
                Link.source_url,
                Link.on_homepage,
                Link.external,
                LinkCheck.status,
                LinkCheck.error,
                LinkCheck.checked_by,
                LinkCheck.checked_at,
            )
            .join(LinkCheck, (LinkCheck.crawl_id == Link.crawl_id) & (LinkCheck.url == Link.target_url))
            .where(
                Link.crawl_id.in_(list(facts)),
                LinkCheck.crawl_id.in_(list(facts)),
                LinkCheck.outcome.in_(("broken", "refused")),
            )
            # Not the order links were stored in (the order pages answered): the homepage's first,
            # then by page and target, so a finding's first source is the same in every run.
            .order_by(Link.crawl_id, Link.on_homepage.desc(), Link.source_url, Link.target_url)
        )
        found: dict[tuple[int, str], dict[str, BrokenLink]] = {}
        for crawl_id, outcome, target, source, on_homepage, external, status, error, by, at in rows:
            links = found.setdefault((crawl_id, outcome), {})
            checked_at = at.replace(tzinfo=at.tzinfo or dt.UTC).isoformat() if at else None
            link = links.setdefault(
                target, BrokenLink(target, [], False, external, status, error, by, checked_at)
            )
            if source not in link.sources:
                link.sources.append(source)
            link.on_homepage = link.on_homepage or on_homepage
        for (crawl_id, outcome), links in found.items():
            getattr(facts[crawl_id], outcome).extend(links.values())

    def _rule_links(self, session: Session, facts: dict[int, _Facts]) -> None:
        """The links some rule may read (``Rule.link_terms``), and how many links each crawl stored."""
        crawl_ids = list(facts)
        postgres = session.get_bind().dialect.name == "postgresql"
        rows = session.execute(
            select(Link.crawl_id, Link.target_url, Link.source_url, Link.tag, Link.on_homepage, Link.external)
            .where(Link.crawl_id.in_(crawl_ids), url_contains_any(RULE_LINK_TERMS, postgres=postgres))
            .order_by(Link.id)
        )
        for crawl_id, *link in rows:
            facts[crawl_id].links.append(LinkTarget(*link))
        counts = session.execute(
            select(Link.crawl_id, func.count()).where(Link.crawl_id.in_(crawl_ids)).group_by(Link.crawl_id)
        )
        for crawl_id, count in counts:
            facts[crawl_id].link_count = count

    def _service_pages(self, session: Session, facts: dict[int, _Facts]) -> None:
        """The service columns' pages and 办事指南 each crawl read (their links' outcomes are among the
        checked links)."""
        rows = session.execute(
            select(
                ServicePage.crawl_id,
                ServicePage.url,
                ServicePage.column_url,
                ServicePage.kind,
                ServicePage.title,
                ServicePage.elements,
                ServicePage.missing,
                ServicePage.links,
            )
            .where(ServicePage.crawl_id.in_(list(facts)))
            .order_by(ServicePage.id)
        )
        for crawl_id, *page in rows:
            facts[crawl_id].service_pages.append(ServicePageState(*page))

    def _articles(self, session: Session, facts: dict[int, _Facts]) -> None:
        """The article pages each crawl read for their design-standard metas, by URL (the order they
        answered in varies from crawl to crawl)."""
        rows = session.execute(
            select(
                ArticleCheck.crawl_id,
                ArticleCheck.url,
                ArticleCheck.column_url,
                ArticleCheck.http_status,
                ArticleCheck.missing_metas,
            )
            .where(ArticleCheck.crawl_id.in_(list(facts)))
            .order_by(ArticleCheck.crawl_id, ArticleCheck.url)
        )
        for crawl_id, *article in rows:
            facts[crawl_id].articles.append(ArticleState(*article))

    def _probes(self, session: Session, site_ids: list[int]) -> dict[int, ProbeStats]:
        """Per site, the probes of the GOVCHECK_PROBE_DAYS Asia/Shanghai days ending with the as-of day."""
        days = int(self.settings["GOVCHECK_PROBE_DAYS"])
        # In UTC: SQLite keeps the wall time of an aware datetime and drops its offset; probes are UTC.
        end = dt.datetime.combine(self.as_of + dt.timedelta(days=1), dt.time(), SHANGHAI).astimezone(dt.UTC)
        start = end - dt.timedelta(days=days)
        rows = session.execute(
            select(Probe.site_id, Probe.probed_at, Probe.ok, Probe.status, Probe.error, Probe.url)
            .where(Probe.site_id.in_(site_ids), Probe.probed_at >= start, Probe.probed_at < end)
            .order_by(Probe.site_id, Probe.probed_at, Probe.id)
        )
        stats: dict[int, ProbeStats] = {}
        for site_id, probed_at, ok, status, error, url in rows:
            if error and error.startswith(INSPECTOR_NETWORK):
                continue  # the probe run's own network was down (no reference host answered): no probe
            if probed_at.tzinfo is None:  # SQLite returns naive UTC
                probed_at = probed_at.replace(tzinfo=dt.UTC)
            site = stats.setdefault(site_id, ProbeStats({}, []))
            day = probed_at.astimezone(SHANGHAI).date().isoformat()
            total, failed = site.per_day.get(day, (0, 0))
            site.per_day[day] = (total + 1, failed + (not ok))
            if not ok and len(site.failures) < PROBE_FAILURE_SAMPLE:
                site.failures.append(
                    {"at": probed_at.isoformat(), "url": url, "status": status, "error": error}
                )
        return stats

    def _concurrent_failures(self, session: Session, crawl: Crawl) -> ConcurrentFailures | None:
        """For an unreachable homepage only: the round's homepage attempts around the same time."""
        if crawl.homepage_status != "unreachable":
            return None
        if crawl.round not in self._round_attempts:
            others = session.execute(
                select(Crawl.homepage_status, Crawl.health).where(
                    Crawl.round == crawl.round, Crawl.status == FINISHED, Crawl.homepage_status.is_not(None)
                )
            )
            self._round_attempts[crawl.round] = [
                (status, (health or {}).get("homepage_attempts", [])) for status, health in others
            ]
        return concurrent_failures(
            (crawl.health or {}).get("homepage_attempts", []),
            self._round_attempts[crawl.round],
            float(self.settings["GOVCHECK_INSPECTOR_FAILURE_WINDOW"]),
        )
