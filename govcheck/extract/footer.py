"""What a homepage's raw HTML shows about the site's identity (indicators.md a.4) and its links.

``footer_facts`` feeds ``crawls.health["footer"]``; the evaluator's ``footer_missing``,
``bad_link`` and ``interaction_unanswered`` rules read it. Only what a visitor sees counts: body
text and link targets — never ``<meta>`` tags or script attributes, except that a
``dcs.conac.cn``/``bszs.conac.cn`` script, link or image is the 党政机关网站标识 itself (the badge is
injected by that script).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml.etree import ParserError

from govcheck.vocabulary import (
    CHANNEL_TEXT_TERMS,
    CHANNEL_URL_TERMS,
    FOOTER_ITEMS,
    HIDDEN_LINK_FARM_SIZE,
    SITE_CODE_PARAM,
    SITE_CODE_TEXT,
    bad_reason,
    is_gov_host,
)

ICP = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]ICP备\s*\d+号(?:-\d+)?")
POLICE = re.compile(
    r"(?:[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]公网安备\s*\d{14}\s*号"
    r"|公安机关备案号\s*[：:]?\s*\d{10,14}|[\u4e00-\u9fff]公备\s*[：:]?\s*\d{10,14})"
)
POLICE_LINK = re.compile(r"beian\.gov\.cn/portal/registerSystemInfo\?recordcode=(\d{14})", re.I)
CONAC = re.compile(r"(?:dcs|bszs)\.conac\.cn", re.I)
HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|(?:left|top|text-indent)\s*:\s*-\d{3,}px", re.I
)


def _hidden(element: Any) -> bool:
    for node in (element, *element.iterancestors()):
        if HIDDEN_STYLE.search(node.get("style") or "") or node.get("hidden") is not None:
            return True
    return False


def _hidden_root(element: Any) -> Any:
    """The outermost hidden ancestor: links under it form one injected block."""
    root = element
    for node in element.iterancestors():
        if HIDDEN_STYLE.search(node.get("style") or "") or node.get("hidden") is not None:
            root = node
    return root


def footer_facts(html: str, url: str) -> dict[str, Any]:
    """Footer items (the value found, or None), consultation channel links and suspicious links."""
    facts: dict[str, Any] = {item: None for item in FOOTER_ITEMS}
    facts.update({"channels": [], "suspicious_links": []})
    try:
        document = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        facts["parsed"] = False
        return facts
    facts["parsed"] = True
    home_host = (urlsplit(url).hostname or "").lower()
    for element in document.iter("script", "img", "a", "link", "iframe"):
        target = element.get("src") or element.get("href") or ""
        if CONAC.search(target):
            facts["party_gov_mark"] = urljoin(url, target)
            break
    body = document.find("body")
    if body is None:
        return facts
    for tag in body.iter("script", "style", "noscript", "template"):
        tag.text = None  # their text is not visible; the elements (and their src) stay
    text = re.sub(r"\s+", " ", body.text_content())
    anchors = [(a, urljoin(url, a.get("href") or ""), a.text_content().strip()) for a in body.iter("a")]
    hrefs = " ".join(target for _, target, _ in anchors)
    if match := SITE_CODE_TEXT.search(text) or SITE_CODE_PARAM.search(hrefs):
        facts["site_code"] = match.group(1)
    if match := ICP.search(text):
        facts["icp"] = match.group(0)
    if match := POLICE.search(text) or POLICE_LINK.search(hrefs):
        facts["police_record"] = match.group(0)
    hidden_blocks: dict[Any, list[dict[str, str]]] = {}
    for anchor, target, label in anchors:
        parts = urlsplit(target)
        if parts.scheme not in {"http", "https"}:
            continue
        if any(term in label for term in CHANNEL_TEXT_TERMS) or any(
            term in target.lower() for term in CHANNEL_URL_TERMS
        ):
            facts["channels"].append({"text": label, "url": target})
        host = (parts.hostname or "").lower()
        if host == home_host or is_gov_host(host):
            continue
        hidden = _hidden(anchor)
        if reason := bad_reason(target, label):
            facts["suspicious_links"].append(
                {"url": target, "text": label, "reason": reason, "hidden": hidden}
            )
        elif hidden:
            hidden_blocks.setdefault(_hidden_root(anchor), []).append({"url": target, "text": label})
    for links in hidden_blocks.values():
        if len(links) >= HIDDEN_LINK_FARM_SIZE:
            facts["suspicious_links"].extend(
                {**link, "reason": "hidden_link_farm", "hidden": True} for link in links
            )
    return facts
