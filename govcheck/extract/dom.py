"""Small DOM helpers shared by the extractors: parsing, text cleaning, URL resolution, node tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

HtmlElement = lxml_html.HtmlElement

# Elements whose text is never page content.
SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "textarea", "select", "option", "head", "title"}
)
# Not web pages (a visitor's mail client, phone, local disk, file servers): never links to check.
SKIP_SCHEMES = (
    "mailto:", "javascript:", "tel:", "data:", "about:", "vbscript:", "sms:",
    "file:", "ftp:", "ftps:", "sftp:", "s3:", "smb:", "gopher:", "ws:", "wss:", "blob:", "chrome:",
)  # fmt: skip

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Server-side includes leave "</html>" mid-page; browsers keep parsing, libxml2 drops the rest.
_CLOSE_ROOT = re.compile(r"</(?:html|body)\s*>", re.I)
_WS = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
_URL_WS = re.compile(r"[\t\n\r]")
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)

# Containers that are page chrome: navigation, header, footer, link farms.
_CHROME_TAGS = frozenset({"nav", "header", "footer"})
_CHROME_TOKEN = re.compile(
    r"nav|menu|foot|header|^head$|^top$|copyright|bottom|friend|yqlj|links?$|banner|breadcrumb|crumb|sitemap",
    re.I,
)
# Class tokens that flag a state rather than a kind of element: ignored in structural signatures.
_STATE_TOKEN = re.compile(
    r"^(?:on|active|cur|curr|current|hover|selected|sel|first|last|odd|even|clearfix|clearflx|clear|"
    r"fn-clear|hide|show|hidden|fl|fr|l|r|left|right|new|hot|top|noline|line|bg|gray|grey)$",
    re.I,
)
# Attributes of client-side template engines (avalon ms-*, Vue v-*/:x, Angular ng-*, Alpine x-*).
_TEMPLATE_ATTR = re.compile(r"^(?:ms-|v-|ng-|x-|:|@|\*ng|data-ng-)")


def clean(text: str | None) -> str:
    """Collapse every run of whitespace (including NBSP and ideographic space) to one space."""
    if not text:
        return ""
    return _WS.sub(" ", text).strip()


@dataclass(slots=True)
class Document:
    """A parsed page: the tree without scripts/styles, plus what the scripts said."""

    url: str
    raw: str
    root: HtmlElement
    base: str
    scripts: list[str] = field(default_factory=list)  # inline script bodies, in order
    script_count: int = 0

    @classmethod
    def parse(cls, text: str, url: str, *, keep_scripts: bool = False) -> Document:
        text = (text or "").replace("\x00", "")
        scripts = [m.group(2) for m in _SCRIPT.finditer(text)]
        root = parse_html(text)
        if not keep_scripts:
            # Script bodies are not page text; their tails are.
            etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
        return cls(
            url=url,
            raw=text,
            root=root,
            base=base_url(root, url),
            scripts=[s for s in scripts if s.strip()],
            script_count=len(scripts),
        )

    @property
    def body(self) -> HtmlElement:
        found = self.root.find("body")
        return found if found is not None else self.root


def parse_html(text: str) -> HtmlElement:
    text = _XML_DECL.sub("", text, count=1)  # lxml refuses str input that declares an encoding
    text = _CLOSE_ROOT.sub("", text)
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True)
    try:
        return lxml_html.document_fromstring(text, parser=parser) if text.strip() else _empty()
    except (etree.ParserError, ValueError):
        return _empty()


def parse_fragment(text: str) -> HtmlElement:
    """An HTML snippet (a Hanweb record) under one <div>."""
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True)
    try:
        return lxml_html.fragment_fromstring(text, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):
        return lxml_html.fragment_fromstring("<div></div>")


def _empty() -> HtmlElement:
    return lxml_html.document_fromstring("<html><body></body></html>")


def base_url(root: HtmlElement, url: str) -> str:
    """The URL relative links resolve against: <base href> if the page sets one."""
    for base in root.iter("base"):
        href = base.get("href")
        if href and href.strip():
            joined = join_url(url, href)
            if joined:
                return joined
    return url


def join_url(base: str, href: str | None) -> str | None:
    """Absolute URL of ``href`` without its fragment; None for scripts, mail, pure fragments."""
    if href is None:
        return None
    href = _URL_WS.sub("", href).strip()  # browsers drop newlines and tabs inside URLs
    if not href or href.startswith("#"):
        return None
    if href.lower().startswith(SKIP_SCHEMES):
        return None
    try:
        absolute = urljoin(base, href)
    except ValueError:
        return None
    absolute = urldefrag(absolute)[0]
    return absolute or None


def same_host(a: str, b: str) -> bool:
    try:
        return (urlsplit(a).hostname or "").lower() == (urlsplit(b).hostname or "").lower()
    except ValueError:
        return False


def tokens(el: HtmlElement) -> list[str]:
    """Class and id tokens, plus role: what authors name a container by."""
    out = (el.get("class") or "").split()
    if el.get("id"):
        out.append(el.get("id") or "")
    if el.get("role"):
        out.append(el.get("role") or "")
    return out


def is_chrome(el: HtmlElement, *, depth: int = 12) -> bool:
    """True if the element sits in navigation, header, footer or a link farm."""
    node: HtmlElement | None = el
    while node is not None and depth > 0:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("body", "html"):
            return False
        if tag in _CHROME_TAGS or any(_CHROME_TOKEN.search(t) for t in tokens(node)):
            return True
        node = node.getparent()
        depth -= 1
    return False


def is_template_controlled(el: HtmlElement) -> bool:
    """True if a client-side template or an inline style decides whether this shows (avalon, Vue…)."""
    node: HtmlElement | None = el
    while node is not None:
        for name in node.attrib:
            if _TEMPLATE_ATTR.match(name):
                return True
        style = (node.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or node.get("hidden") is not None:
            return True
        node = node.getparent()
    return False


def signature_part(el: HtmlElement) -> str:
    classes = sorted(
        t for t in (el.get("class") or "").split() if not _STATE_TOKEN.match(t) and not re.search(r"\d", t)
    )
    return el.tag + ("." + ".".join(classes) if classes else "")


def visible_text(el: HtmlElement) -> str:
    """Cleaned text of an element (scripts are already stripped by Document.parse)."""
    return clean(el.text_content())


def anchor_text(a: HtmlElement) -> str:
    text = visible_text(a)
    if text:
        return text
    for img in a.iter("img"):
        alt = clean(img.get("alt") or img.get("title"))
        if alt:
            return alt
    return ""
