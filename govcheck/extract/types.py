"""Plain results of the parsing layer: no Scrapy, no database, so every extractor is testable on a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# "page": a pure page (机构职能, 联系我们): an article body and no list; recorded, never judged for updates.
ListingStatus = Literal["ok", "blank", "unparseable", "page"]


@dataclass(slots=True)
class ListingEntry:
    """One row of a column's list, as seen on the page (dates are normalized later, in a pipeline)."""

    title: str
    url: str  # absolute
    date_text: str | None  # the date exactly as printed in the row, None if the row shows none


@dataclass(slots=True)
class ListingPage:
    """What one column page holds."""

    status: ListingStatus
    entries: list[ListingEntry] = field(default_factory=list)
    extractor: str = ""  # which layer read it: "trs", "trs_fujian", "hanweb", "kaipuyun", "generic"
    # why blank/unparseable: "placeholder:暂无信息", "empty_list", "js_shell", "js_list", "no_list_area"
    reason: str | None = None
    total_records: int | None = None  # declared by the page (recordCount, totalRecord)
    page_count: int | None = None  # declared or derived page count
    next_page_urls: list[str] = field(default_factory=list)  # absolute URLs of further list pages


@dataclass(slots=True)
class ColumnLink:
    """A candidate column found on a page."""

    name: str
    url: str  # absolute
    source: str  # "nav", "more", "block", "tile", "dropdown", "sitemap", "xxgk", "linkout"
    parent_url: str | None = None


@dataclass(slots=True)
class PageFacts:
    """Site- and column-level facts any page carries (design-standard meta tags, breadcrumb, title)."""

    title: str | None = None
    site_name: str | None = None  # meta SiteName
    site_code: str | None = None  # meta SiteIDCode, else the footer's 网站标识码
    column_name: str | None = None  # meta ColumnName
    column_type: str | None = None  # meta ColumnType
    pub_date_text: str | None = None  # meta PubDate, else 发布时间/发布日期/成文日期 text
    # crumbs after 当前位置, last plain-text crumb included
    breadcrumb: list[str] = field(default_factory=list)
    # when the CMS generated the page (meta others "页面生成时间 …"): the year of year-less dates on it
    generated_text: str | None = None


ServiceLinkKind = Literal["attachment", "online"]


@dataclass(slots=True)
class ServiceLink:
    """A link of a service page that a visitor uses to get something done: a form or file to download
    (``attachment``) or an online application/query system (``online``)."""

    url: str  # absolute
    text: str  # the link text as seen (or its title, or the file name)
    kind: ServiceLinkKind


@dataclass(slots=True)
class GuideFacts:
    """What one 办事指南 page shows of the key element classes (indicators.md a.2 服务不实用)."""

    title: str
    # element class → the label as the page writes it (办理依据 for 设定依据 …)
    found: dict[str, str] = field(default_factory=dict)
    # element class → "absent" (no label) or "empty" (a label with nothing after it)
    missing: dict[str, str] = field(default_factory=dict)
