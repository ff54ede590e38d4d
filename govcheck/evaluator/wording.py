"""How findings read, written once per rule: the pieces a rule in rules.py composes.

- :class:`Template`: a sentence with ``{fields}``, filled in for a finding and read back (as a
  pattern) from a published 存在的突出问题 cell.
- A grouping (:class:`Sentences`, :class:`Columns`, :class:`Joined`, :class:`Counts`,
  :class:`Omitted`): how a rule's findings merge into the cell, and where they stand in it.
- :class:`Subject`: what a finding is about when a re-inspection matches it with last round's (the
  column, the link target or scope, the footer item, or the site itself).

summary.py and recheck.py only walk the rule table; none of the wording is typed anywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, TypedDict

from govcheck.evaluator.categories import period_days, period_words

if TYPE_CHECKING:
    from govcheck.evaluator.rules import Draft

QUOTES = "“”\"'‘’「」"
LIST_SEPARATORS = re.compile(r"[、，,]")
SCOPE_WORDS = {"homepage": "首页", "page": "网站页面"}  # where a link finding is, as messages say it
_FIELD = re.compile(r"\{(\w+)\}")
NUMBERS = frozenset({"count", "limit"})  # fields read back as digits; others as text, or as their choices


def quoted(names: Sequence[str]) -> str:
    return "、".join(f"“{name}”" for name in names)


def normalize_name(name: str) -> str:
    """A column name as a published cell may write it (quotes lost, stray punctuation), made comparable."""
    return re.sub(r"\s+", "", name).strip(QUOTES + "、，,；;。 ")


def scope_of(where: str) -> str:
    return "homepage" if where == SCOPE_WORDS["homepage"] else "page"


@dataclass(frozen=True)  # no slots: the pattern is compiled once, on first use
class Template:
    """One sentence of a rule, e.g. ``{names}栏目超{period}未更新``; ``choices`` lists the only words
    a field may hold (``where``: 首页 or 网站页面)."""

    text: str
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def __call__(self, **values: object) -> str:
        return self.text.format(**values)

    def _field(self, name: str) -> str:
        if name in self.choices:
            return "|".join(re.escape(words) for words in sorted(self.choices[name], key=len, reverse=True))
        return r"\d+" if name in NUMBERS else ".+?"

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        parts = _FIELD.split(self.text)  # literal, field, literal, field, …, literal
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>{self._field(part)})"
            for i, part in enumerate(parts)
        )
        return re.compile(f"^{regex}$")

    def read(self, sentence: str) -> dict[str, str] | None:
        """The fields of ``sentence`` when it is this template filled in, else None."""
        match = self.pattern.match(sentence)
        return match.groupdict() if match else None


# ----------------------------------------------------------------------------------- the summary


class Place(IntEnum):
    """Where a rule's sentences stand in the 存在的突出问题 cell, in the order bulletins write them."""

    STALE_COLUMNS = 1
    BLANK_COLUMNS = 2
    SENTENCES = 3
    FOOTER = 4
    LINK_COUNTS = 5


Placed = tuple[Place, str]


def _verbatim(drafts: Sequence[Draft]) -> list[Placed]:
    return [(Place.SENTENCES, draft.message) for draft in drafts]


class Grouping(Protocol):
    """How a rule's findings merge into the cell (``message`` is the rule's message template)."""

    def sentences(self, message: Template, drafts: Sequence[Draft]) -> list[Placed]:
        """The cell's sentences for these findings, each with its place."""
        ...

    def forms(self, message: Template) -> tuple[Template, ...]:
        """The templates of those sentences, for reading a published cell back."""
        ...


@dataclass(frozen=True, slots=True)
class Sentences:
    """Each finding's own message, as it is."""

    def sentences(self, message: Template, drafts: Sequence[Draft]) -> list[Placed]:
        return _verbatim(drafts)

    def forms(self, message: Template) -> tuple[Template, ...]:
        return (message,)


@dataclass(frozen=True, slots=True)
class Columns:
    """One sentence naming the columns in navigation order, or one per update period (shortest first):
    “图片新闻”、“审计动态”栏目超2周未更新；“疫情防控”栏目超1年未更新."""

    place: Place
    by_period: bool = False

    def sentences(self, message: Template, drafts: Sequence[Draft]) -> list[Placed]:
        groups: dict[int | None, list[Draft]] = {}
        others: list[Draft] = []
        for draft in drafts:
            period = draft.threshold_days if self.by_period else None
            if draft.column is None or (self.by_period and period is None):
                others.append(draft)  # not a column finding (a rule that failed): said as it is
            else:
                groups.setdefault(period, []).append(draft)
        placed: list[Placed] = []
        for period in sorted(groups, key=lambda period: period or 0):
            ordered = sorted(groups[period], key=lambda d: d.column.position if d.column else 0)
            names = quoted([d.column.name for d in ordered if d.column])
            if period is None:
                placed.append((self.place, message(names=names)))
            else:
                placed.append((self.place, message(names=names, period=period_words(period))))
        return placed + _verbatim(others)

    def forms(self, message: Template) -> tuple[Template, ...]:
        return (message,)


@dataclass(frozen=True, slots=True)
class Joined:
    """All findings in one sentence, their ``field`` values joined with 、:
    网站页面底部未标注政府网站标识码、公安机关备案标识."""

    place: Place
    field: str

    def sentences(self, message: Template, drafts: Sequence[Draft]) -> list[Placed]:
        values: list[str] = []
        others: list[Draft] = []
        for draft in drafts:
            found = message.read(draft.message)
            if found is None:
                others.append(draft)
            else:
                values.append(found[self.field])
        joined = [(self.place, message(**{self.field: "、".join(values)}))] if values else []
        return joined + _verbatim(others)

    def forms(self, message: Template) -> tuple[Template, ...]:
        return (message,)


@dataclass(frozen=True, slots=True)
class Counts:
    """The findings counted per scope, homepage first: 首页存在2个不可用链接；网站其他页面存在5个不可用链接."""

    place: Place
    sentence: Template  # with {where} and {count}
    where: Mapping[str, str]  # scope → words, in the order the sentences stand

    def sentences(self, message: Template, drafts: Sequence[Draft]) -> list[Placed]:
        counts = {scope: sum(1 for d in drafts if d.scope == scope) for scope in self.where}
        placed = [
            (self.place, self.sentence(where=words, count=counts[scope]))
            for scope, words in self.where.items()
            if counts[scope]
        ]
        return placed + _verbatim([d for d in drafts if d.scope not in self.where])

    def forms(self, message: Template) -> tuple[Template, ...]:
        return (self.sentence,)


@dataclass(frozen=True, slots=True)
class Omitted:
    """Left out of the cell: the evidence sheet lists them."""

    def sentences(self, message: Template, drafts: Sequence[Draft]) -> list[Placed]:
        return []

    def forms(self, message: Template) -> tuple[Template, ...]:
        return ()


# ----------------------------------------------------------------------------------- the recheck


class Facts(TypedDict, total=False):
    """A finding reduced to what names it across rounds (fields a rule's subject does not name: absent)."""

    column_url: str | None
    column_name: str | None
    url: str | None
    item: str | None
    scope: str | None
    threshold_days: int | None


class StoredFinding(Protocol):
    """The attributes of a stored finding (the Finding model) a subject reads."""

    column_url: str | None
    column_name: str | None
    url: str | None
    item: str | None
    scope: str | None
    threshold_days: int | None


@dataclass(frozen=True, slots=True)
class Subject:
    """What a rule's findings are about, for matching them with the previous round's: the stored
    finding's ``fields`` (none: the site itself), and how a published sentence's fields name them."""

    fields: tuple[str, ...] = ()
    item_words: Mapping[str, str] = field(default_factory=dict)  # item → words, as messages say it
    # words → scope, as messages say where, for a rule whose places are not a link's (首页/网站页面)
    scope_words: Mapping[str, str] = field(default_factory=dict)

    def of(self, finding: StoredFinding) -> Facts:
        """A stored finding's subject."""
        facts = Facts(threshold_days=finding.threshold_days)
        for name in self.fields:
            facts[name] = getattr(finding, name)  # type: ignore[literal-required]
        return facts

    def read(self, found: Mapping[str, str]) -> list[Facts]:
        """The findings a published sentence names, from its template fields."""
        base = Facts()
        if "scope" in self.fields and "where" in found:
            base["scope"] = self.scope_words.get(found["where"]) or scope_of(found["where"])
        if "column_name" in self.fields and "names" in found:
            period = found.get("period")
            days = period_days(period.strip(QUOTES)) if period else None
            names = [normalize_name(name) for name in LIST_SEPARATORS.split(found["names"])]
            return [{**base, "column_name": name, "threshold_days": days} for name in names if name]
        if "item" in self.fields and "items" in found:
            items = {words: item for item, words in self.item_words.items()}
            words = [w.strip() for w in LIST_SEPARATORS.split(found["items"])]
            return [{**base, "item": items.get(w) or w} for w in words]
        return [base]
