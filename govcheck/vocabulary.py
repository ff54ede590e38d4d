"""Words the crawl and the evaluator must agree on: the parsing layer (``govcheck.extract``) and the
spiders find or write them, the rules (``govcheck.evaluator``) judge by them. Each side imports this
module and it imports neither, so neither depends on the other.

The bad-link lists are deliberately conservative: a term is listed only when it practically never
names legitimate government content, because a ``bad_link`` finding is a veto (indicators.md a.2,
严重问题 3 “发布或链接反动、暴力、色情等内容”; gambling and piracy fall under its “等” by
interpretation, UNCONFIRMED).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Link text or page title terms: gambling (博彩), pornography (色情), piracy (盗版).
BAD_TEXT_TERMS: tuple[str, ...] = (
    "博彩",
    "赌场",
    "赌博网",
    "娱乐城",
    "百家乐",
    "六合彩",
    "时时彩",
    "真人娱乐",
    "真人视讯",
    "澳门葡京",
    "威尼斯人",
    "太阳城",
    "网上赌",
    "色情",
    "成人电影",
    "成人视频",
    "黄色网站",
    "av电影",
    "一夜情",
    "约炮",
    "盗版",
    "破解版下载",
    "传奇私服",
)

# Substrings of a target URL's host that name such content.
BAD_HOST_TERMS: tuple[str, ...] = (
    "casino",
    "baccarat",
    "bet365",
    "betting",
    "gambling",
    "roulette",
    "pornhub",
    "xvideos",
    "xnxx",
    "porn",
    "hentai",
)

# A hidden block holding this many off-site, non-government links is a link farm (暗链) even without
# a keyword.
HIDDEN_LINK_FARM_SIZE = 5

# What makes a link a consultation channel (咨询建言渠道, indicators.md §b.4): its text …
CHANNEL_TEXT_TERMS: tuple[str, ...] = (
    "咨询",
    "信箱",
    "12345",
    "留言",
    "问政",
    "建言",
    "互动交流",
    "政民互动",
    "民意征集",
)
# … or its URL (common CMS paths of letter systems; 12345 hotline platforms).
CHANNEL_URL_TERMS: tuple[str, ...] = (
    "12345",
    "/hdjl",
    "/zxts",
    "/ldxx",
    "/jzxx",
    "/szxx",
    "mailbox",
    "liuyan",
)

# The identity items a homepage footer must show (indicators.md a.4), as keys of the footer facts.
FOOTER_ITEMS: tuple[str, ...] = ("party_gov_mark", "site_code", "icp", "police_record")

# A 政府网站标识码 (indicators.md a.4): ``bm`` and 8 digits, or 10 digits. As a registry cell holds it,
# after its label in a page's text, or as a ``site_code`` attribute or URL parameter (badge links).
_SITE_CODE = r"(bm\d{8}|\d{10})"
SITE_CODE = re.compile(rf"^{_SITE_CODE}$")
SITE_CODE_TEXT = re.compile(rf"标识码\s*[：:]?\s*{_SITE_CODE}(?!\d)", re.I)
SITE_CODE_PARAM = re.compile(rf"site_?code\s*=\s*['\"]?{_SITE_CODE}(?!\d)", re.I)

# The words of a link back to the homepage: never a column, and the first crumb of a breadcrumb.
HOME_WORDS = frozenset({"首页", "网站首页", "主页", "返回首页", "home", "Home", "HOME"})

GOV_SUFFIXES: tuple[str, ...] = (".gov.cn", ".政务", ".xn--zfr164b")

# Reasons a crawl failure was the inspector's own, not the site's: the probe spider writes the first
# into a probe's error, the evaluator judges both as `unknown` (govcheck/evaluator/inspector.py).
INSPECTOR_NETWORK = "inspector_network"  # the inspector's network or proxy was down, not the site
ADDRESS_NOT_FOUND = "address_not_found"  # an unregistered host that does not resolve: check the address
# A page the site's robots.txt forbids: not read (a column stored unparseable with it), never judged.
ROBOTS_TXT = "robots_txt"

# Why a site is 无法判定, as a bulletin's 结果 cell says it (the JSON keeps the code).
UNKNOWN_REASON_WORDS = {
    "blocked": "首页拒绝检查访问",
    "unparseable": "首页内容无法解析",
    "homepage_too_large": "首页超出抓取大小限制",
    "homepage_too_slow": "首页传输超时",
    "unreachable_during_crawl": "检查期间首页未能打开，监测数据正常",
    INSPECTOR_NETWORK: "检查方网络故障，需重新检查",
    ADDRESS_NOT_FOUND: "网址无法解析，请核对地址",
    ROBOTS_TXT: "网站robots.txt禁止抓取栏目，未检查",
    "no_recent_crawl": "近期未检查",
}


def is_gov_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host.endswith(suffix) or host == suffix[1:] for suffix in GOV_SUFFIXES)


def bad_reason(url: str, text: str = "") -> str | None:
    """Why a link target or text names gambling/porn/pirate content, or None."""
    host = (urlsplit(url).hostname or "").lower()
    if is_gov_host(host):
        return None
    for term in BAD_HOST_TERMS:
        if term in host:
            return f"host:{term}"
    lowered = text.lower()
    for term in BAD_TEXT_TERMS:
        if term in lowered:
            return f"text:{term}"
    return None


# Columns whose pages hold services (办事服务, 办事指南, 表格下载 …): the crawl reads their guides and
# their attachments and online-system links; the online_system_down rule judges links found there.
SERVICE_COLUMN_TERMS: tuple[str, ...] = (
    "办事",
    "服务",
    "指南",
    "在线办理",
    "网上办理",
    "表格下载",
    "下载中心",
)
# … but not the 政府信息公开指南 (a disclosure guide, not a service).
NOT_SERVICE_COLUMN_TERMS: tuple[str, ...] = ("信息公开",)


def is_service_column(name: str | None) -> bool:
    name = name or ""
    return any(term in name for term in SERVICE_COLUMN_TERMS) and not any(
        term in name for term in NOT_SERVICE_COLUMN_TERMS
    )
