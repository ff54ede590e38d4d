"""Service pages: what a 办事指南 shows of the key element classes, and which links of a service page
are attachments to download or online systems to open.

A guide writes its elements as labels in whatever markup its CMS uses: table cells (``<th>设定依据</th>
<td>…</td>``), definition lists (``<dt>``/``<dd>``), headings followed by text, or ``label：value`` lines;
each class has its usual synonyms (办理依据/法律依据 for 设定依据, 申请材料 for 办理材料, 咨询电话 for
联系电话 …). A label followed by nothing is reported as ``empty``, a class with no label as ``absent``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from govcheck.extract.dom import (
    SKIP_TAGS,
    Document,
    HtmlElement,
    anchor_text,
    clean,
    is_chrome,
    join_url,
    visible_text,
)
from govcheck.extract.page import breadcrumb
from govcheck.extract.types import GuideFacts, ServiceLink, ServiceLinkKind

# The key element classes (开普云's list of the 2019 服务不实用 item, indicators.md a.2), in the
# order guides print them, each with the labels that name it (the first is the class's own name).
GUIDE_ELEMENTS: dict[str, tuple[str, ...]] = {
    "事项名称": ("事项名称", "服务事项名称", "办理事项", "服务事项", "项目名称", "审批事项名称", "事项全称"),
    "设定依据": (
        "设定依据",
        "办理依据",
        "法律依据",
        "实施依据",
        "法定依据",
        "政策依据",
        "受理依据",
        "审批依据",
    ),
    "申请条件": ("申请条件", "受理条件", "办理条件", "申报条件", "准入条件", "受理标准"),
    "办理材料": (
        "办理材料",
        "申请材料",
        "申报材料",
        "所需材料",
        "提交材料",
        "办事材料",
        "材料目录",
        "申请资料",
    ),
    "办理地点": (
        "办理地点",
        "受理地点",
        "办理地址",
        "受理地址",
        "办公地点",
        "办理窗口",
        "受理窗口",
        "窗口地址",
    ),
    "办理时间": ("办理时间", "受理时间", "办公时间", "工作时间", "窗口办公时间"),
    "联系电话": ("联系电话", "咨询电话", "咨询方式", "联系方式", "咨询途径"),
    "办理流程": (
        "办理流程",
        "办事流程",
        "办理程序",
        "审批流程",
        "办理步骤",
        "受理流程",
        "服务流程",
        "流程图",
    ),
}
GUIDE_TITLE = re.compile(r"办事指南|服务指南|事项指南|办理指南")
MIN_ELEMENTS_FOR_GUIDE = 3  # a page labelling this many classes is a guide whatever its title says
MIN_ELEMENTS_WHEN_NAMED = 2  # a page named 办事指南 labelling fewer is a list or landing page of guides

MAX_LABEL = 16  # characters of a label once its numbering and colon are gone
_NUMBERING = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十\d]{1,3}[、.．])\s*"
)
_BRACKETS = re.compile(r"^[【\[〔［]\s*|\s*[】\]〕］]$")
_COLON = re.compile(r"[:：]")
# A value that says nothing: a label followed by one of these is an empty element.
_NOTHING = re.compile(r"^[\s\-—–_/／.。:：]*$|^(?:暂无|待定|待补充|空)$")
_LABEL_TAGS = frozenset(
    {"th", "td", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "label", "span", "em"}
)
_BLOCK_TAGS = frozenset({"p", "li", "div", "td", "dd", "section"})

ATTACHMENT_EXTENSIONS = frozenset(
    {"doc", "docx", "xls", "xlsx", "pdf", "zip", "rar", "7z", "wps", "et", "ofd", "ceb", "txt", "csv"}
)
_ONLINE_TEXT = re.compile(
    r"(?:在线|网上)(?:办理|申报|申请|查询|预约|办事|缴费)|立即办理|我要办理|办理入口|在线服务入口"
    r"|(?:申报|查询|办事|审批|服务|预约)系统|查询库|查询平台|申报平台|办事大厅"
)
_DOWNLOAD_TEXT = re.compile(r"下载|表格|附件")


def _label_class(text: str) -> tuple[str, str] | None:
    """(element class, label as written) when ``text`` is one of the labels, else None."""
    label = _BRACKETS.sub("", _NUMBERING.sub("", clean(text))).rstrip("：: ")
    if not label or len(label) > MAX_LABEL:
        return None
    for element, names in GUIDE_ELEMENTS.items():
        for name in names:
            # 申请材料目录, 设定依据及文号: the label may run on a little, never into another word's start.
            if label == name or (label.startswith(name) and len(label) - len(name) <= 4):
                return element, label
    return None


def _has_content(el: HtmlElement | None) -> bool:
    if el is None:
        return False
    if any(a.get("href") for a in el.iter("a")) or any(True for _ in el.iter("img", "table")):
        return True
    return not _NOTHING.match(visible_text(el))


def _value_after(el: HtmlElement) -> bool:
    """Whether something follows a label element: its next sibling (a cell, a <dd>, a paragraph), or
    text of its own after the label in the block holding it."""
    sibling = el.getnext()
    while sibling is not None and (
        not isinstance(sibling.tag, str) or sibling.tag in SKIP_TAGS or sibling.tag == "br"
    ):
        sibling = sibling.getnext()
    if clean(el.tail) and not _NOTHING.match(clean(el.tail)):
        return True
    if sibling is not None:
        return _has_content(sibling)
    parent = el.getparent()
    if parent is not None and parent.tag in _BLOCK_TAGS | {"th"} and el.tag not in ("td", "th", "dt"):
        # <p><strong>设定依据：</strong></p><p>《…》</p>: the label's block is followed by the value.
        return _value_after(parent)
    return False


def guide_facts(html: str, url: str) -> GuideFacts | None:
    """The key elements a 办事指南 page shows, or None when the page is no guide (its title, heading or
    breadcrumb says 办事指南/服务指南, or it labels at least three element classes)."""
    doc = Document.parse(html, url)
    found: dict[str, str] = {}
    empty: dict[str, str] = {}
    for el in doc.body.iter():
        if not isinstance(el.tag, str) or el.tag in SKIP_TAGS or is_chrome(el):
            continue
        hit = _element_label(el)
        if hit is None:
            continue
        (element, label), has_value = hit
        if element in found:
            continue
        if has_value:
            found[element] = label
            empty.pop(element, None)
        else:
            empty.setdefault(element, label)
    title = _title(doc)
    named = GUIDE_TITLE.search(title) or any(GUIDE_TITLE.search(c) for c in breadcrumb(doc))
    if len(found) + len(empty) < (MIN_ELEMENTS_WHEN_NAMED if named else MIN_ELEMENTS_FOR_GUIDE):
        return None
    if "事项名称" not in found and "事项名称" not in empty:
        # The guide's heading names the matter (个体工商户登记办事指南): that is its 事项名称.
        name = GUIDE_TITLE.sub("", title).strip(" -_—（）()")
        if name:
            found["事项名称"] = "标题"
    missing = {
        element: "empty" if element in empty else "absent"
        for element in GUIDE_ELEMENTS
        if element not in found
    }
    return GuideFacts(title=title, found={e: found[e] for e in GUIDE_ELEMENTS if e in found}, missing=missing)


def _element_label(el: HtmlElement) -> tuple[tuple[str, str], bool] | None:
    """The label ``el`` carries and whether a value follows it: a short label element (a cell, a
    heading, bold text), or a block whose text starts ``label：value``."""
    own = clean(el.text)
    text = visible_text(el)
    if el.tag in _LABEL_TAGS and len(text) <= MAX_LABEL + 6:
        found = _label_class(text)
        if found is not None:
            return found, _value_after(el)
    if el.tag in _BLOCK_TAGS and own:
        colon = _COLON.search(own)
        if colon is not None:
            found = _label_class(own[: colon.start()])
            if found is not None:
                value = clean(own[colon.end() :]) or "".join(
                    visible_text(c) + clean(c.tail) for c in el if isinstance(c.tag, str)
                )
                return found, not _NOTHING.match(value)
    return None


def _title(doc: Document) -> str:
    for tag in ("h1", "h2"):
        for heading in doc.body.iter(tag):
            if not is_chrome(heading) and (text := visible_text(heading)):
                return text
    title = doc.root.find(".//title")
    return clean(title.text_content()) if title is not None else ""


def service_links(html: str, url: str) -> list[ServiceLink]:
    """The attachments (forms, files) and online-system links of a service page's content, outside the
    page chrome, first occurrence of each URL."""
    doc = Document.parse(html, url)
    seen: set[str] = set()
    out: list[ServiceLink] = []
    for a in doc.body.iter("a"):
        target = join_url(doc.base, a.get("href"))
        if target is None or target in seen or is_chrome(a):
            continue
        text = anchor_text(a) or clean(a.get("title"))
        kind = _link_kind(target, text)
        if kind is None:
            continue
        seen.add(target)
        out.append(ServiceLink(url=target, text=text or _file_name(target), kind=kind))
    return out


def _file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _link_kind(url: str, text: str) -> ServiceLinkKind | None:
    name = _file_name(url).lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension in ATTACHMENT_EXTENSIONS:
        return "attachment"
    if _ONLINE_TEXT.search(text):
        return "online"
    if _DOWNLOAD_TEXT.search(text) and ("download" in url.lower() or "attach" in url.lower()):
        return "attachment"  # a download script (/download.jsp?id=…) behind a 下载 link
    return None
