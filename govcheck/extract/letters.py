"""Read letters (网民留言, 来信) from consultation columns: 领导信箱, 书记/市长/县长/局长信箱, 政务咨询, 网络问政,
12345 留言, 民意征集 answers.

Pure functions of (html, url), recognising general shapes rather than one CMS's markup:

- a table, or any row structure, under **header cells** naming its columns (标题 | 留言时间 | 状态 | 回复时间 …):
  the header decides what each cell of the rows below means;
- a list whose rows carry **labels** (``留言时间：2024-01-05``, ``回复时间：…``) or a **status word**
  (已回复/已办结/处理中 …) beside a link;
- a letter's own **detail page**, read by its labels (来信内容/回复内容/回复单位/回复时间), whatever element
  holds the value: the label's tail, its next sibling (``<th>``→``<td>``, ``<dt>``→``<dd>``) or the block
  after the label's block.

A page without letters is either *explained* (a sentence saying why no letter is shown: 来信人要求不公开,
本期无来信 …), *empty* (a letters table with no row, or a 暂无信件 placeholder), or not a letters page.
Dates stay as printed; the spider normalises them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from govcheck.dates import find_date_text
from govcheck.extract.dom import Document, HtmlElement, anchor_text, clean, is_chrome, join_url, visible_text
from govcheck.extract.listing import static_pager

LetterStatus = Literal["replied", "done", "processing", "unknown"]
LetterPageKind = Literal["letters", "empty", "explained", "none"]
Field = Literal["title", "posted", "status", "replied", "unit", "content", "reply"]

# Column names of consultation columns (a letters column that shows nothing is blank unless it says why).
LETTER_COLUMN = re.compile(r"信箱|咨询|留言|问政|12345|民意|来信|诉求|网上信访|纪检|举报|互动交流|政民互动")

# Labels, longest first within a field; a label is followed by ：/:, a space or the end of its cell.
LABELS: dict[Field, tuple[str, ...]] = {
    "title": ("来信标题", "信件标题", "留言标题", "咨询标题", "问题标题", "标题", "主题"),
    "posted": (
        "来信时间", "来信日期", "留言时间", "留言日期", "写信时间", "提问时间", "咨询时间", "发信时间",
        "提交时间", "投诉时间", "诉求时间", "受理时间",
    ),
    "status": ("办理状态", "处理状态", "回复状态", "信件状态", "办理情况", "状态"),
    "replied": ("回复时间", "答复时间", "回复日期", "答复日期", "办结时间", "办结日期", "反馈时间"),
    "unit": ("回复单位", "答复单位", "回复部门", "答复部门", "办理单位", "承办单位", "处理单位", "受理单位"),
    "content": ("来信内容", "留言内容", "信件内容", "咨询内容", "问题内容", "反映内容", "诉求内容"),
    "reply": ("回复内容", "答复内容", "回复意见", "答复意见", "办理结果", "处理结果", "回复", "答复"),
}  # fmt: skip
_ALL_LABELS = sorted(
    ((label, f) for f, labels in LABELS.items() for label in labels), key=lambda x: -len(x[0])
)
FIELD_OF_LABEL: dict[str, Field] = dict(_ALL_LABELS)
_LABEL_ALT = "|".join(re.escape(label) for label, _ in _ALL_LABELS)
LABEL_AT_START = re.compile(rf"^\s*[【\[(（]?\s*({_LABEL_ALT})\s*[】\])）]?\s*(?:[：:]|\s|$)")
LABEL_ANYWHERE = re.compile(rf"[【\[]?({_LABEL_ALT})[】\]]?\s*[：:]")
# A header cell: a label alone (时间/日期 alone is the posting date; 编号 and 序号 are ignored).
HEADER_EXTRA: dict[str, Field] = {
    "时间": "posted",
    "日期": "posted",
    "发布时间": "posted",
    "提交日期": "posted",
}
IGNORED_HEADERS = re.compile(r"^(?:序号|编号|信件编号|留言编号|类型|类别|来信人|留言人|姓名|浏览|点击|人气)")

# Status vocabulary: the negative words first (未回复 holds 回复).
STATUS_WORDS: tuple[tuple[LetterStatus, tuple[str, ...]], ...] = (
    ("processing", (
        "未回复", "未答复", "未办结", "待回复", "待答复", "待处理", "待办理", "处理中", "办理中", "受理中",
        "正在办理", "正在处理", "转办中", "已转办", "已受理",
    )),
    ("replied", ("已回复", "已答复", "已反馈", "已回应")),
    ("done", ("已办结", "已处理", "已完成", "已解决", "办结", "已结案")),
)  # fmt: skip
_STATUS_ALT = "|".join(re.escape(w) for _, words in STATUS_WORDS for w in words)
STATUS_ANYWHERE = re.compile(_STATUS_ALT)

# Sentences that say why a letters column shows no letter (an explanation, not a placeholder).
EXPLANATION = re.compile(
    r"(?:来信人|写信人|留言人|当事人|本人)[^。]{0,12}(?:不(?:予|愿)?公开|要求保密|未同意公开)"
    r"|(?:涉及|含有)(?:个人)?隐私[^。]{0,12}不(?:予)?公开|(?:依|按|根据)[^。]{0,10}意愿[^。]{0,10}不(?:予)?公开"
    r"|(?:本期|本月|本季度|近期|目前|暂)[^。]{0,6}(?:无|没有|未收到)[^。]{0,4}(?:网民|群众)?(?:来信|留言|咨询)"
    r"|(?:来信|留言|咨询)[^。]{0,20}(?:统一|均)[^。]{0,8}(?:转至|转办|由)[^。]{0,20}(?:平台|热线|办理)"
)
# A placeholder of a letters list (暂无信件 …): no letters, no reason given.
LETTER_PLACEHOLDER = re.compile(r"暂无(?:相关)?(?:信件|留言|来信|咨询|回复)|没有(?:相关)?(?:信件|留言|来信)")
# A page whose text names none of these has no letters header (status or reply-date cells).
HEADER_HINT = re.compile("|".join(re.escape(label) for label in (*LABELS["status"], *LABELS["replied"])))
SEARCH_WORDS = re.compile(r"查询|搜索|检索|search", re.I)
SEARCH_FIELDS = re.compile(r"编号|查询码|关键字|关键词|标题|keyword|searchword|code|title", re.I)
MAX_LABEL_CELL = 12  # characters of a header cell
MAX_EVIDENCE = 300  # characters of a row's or page's text kept as evidence
MAX_REPLY = 500  # characters of a reply kept


@dataclass(slots=True)
class Letter:
    """One letter as a list row or its detail page shows it; dates exactly as printed."""

    url: str
    title: str
    posted_text: str | None = None
    status_text: str | None = None
    status: LetterStatus = "unknown"
    replied_text: str | None = None
    unit: str | None = None
    reply: str | None = None  # the reply's text as seen; None when none was seen
    evidence: str = ""  # the row's (or page's) text as seen


@dataclass(slots=True)
class LetterSearch:
    """A letters search form, to be sent as it stands (its fields at their defaults): some columns show
    their letters only as the answer to it."""

    url: str  # the form's action, absolute
    method: str  # GET | POST
    fields: list[tuple[str, str]]


@dataclass(slots=True)
class LetterPage:
    """What a page of a consultation column shows."""

    kind: LetterPageKind
    letters: list[Letter] = field(default_factory=list)
    shape: str = ""  # header | labels | status: how the letters were recognised
    explanation: str | None = None  # the sentence that says why no letter is shown
    next_page_urls: list[str] = field(default_factory=list)
    search: LetterSearch | None = None  # the page's letters search form


@dataclass(slots=True)
class LetterDetail:
    """What a letter's own page says, by its labels (None: the label is not on the page)."""

    title: str | None = None
    posted_text: str | None = None
    status_text: str | None = None
    status: LetterStatus = "unknown"
    replied_text: str | None = None
    unit: str | None = None
    content: str | None = None
    reply: str | None = None
    evidence: str = ""

    @property
    def is_letter(self) -> bool:
        return self.posted_text is not None and (self.content is not None or self.reply is not None)


def is_letters_column(name: str | None) -> bool:
    """A column whose business is letters (its name says 信箱/咨询/留言/12345 …)."""
    return bool(LETTER_COLUMN.search(name or ""))


def status_of(text: str | None) -> tuple[LetterStatus, str | None]:
    """The status a text states (已回复 → replied, 已办结 → done, 处理中 → processing) and the word seen."""
    if not text:
        return "unknown", None
    for status, words in STATUS_WORDS:
        for word in words:
            if word in text:
                return status, word
    return "unknown", None


def extract_letters(html: str, url: str) -> LetterPage:
    """The letters of a consultation list page, its further pages, and why it shows none."""
    doc = Document.parse(html, url)
    text = visible_text(doc.body)
    search = _search_form(doc)
    # Each reader walks the tree only when the page's text holds the words it looks for (most pages
    # of a site are no letters page, and every column page is asked).
    header = _header(doc) if HEADER_HINT.search(text) else None
    for shape, letters in (
        ("header", _header_rows(doc, header) if header else []),
        (
            "labels",
            _labelled_rows(doc) if STATUS_ANYWHERE.search(text) or LABEL_ANYWHERE.search(text) else [],
        ),
    ):
        if letters:
            next_urls, _, _ = static_pager(doc)
            return LetterPage("letters", letters, shape, None, next_urls, search)
    if EXPLANATION.search(text) and (explanation := _explanation(doc)):
        return LetterPage("explained", explanation=explanation, search=search)
    if header is not None or LETTER_PLACEHOLDER.search(text):
        return LetterPage("empty", search=search)
    return LetterPage("none", search=search)


def letter_detail(html: str, url: str) -> LetterDetail:
    """A letter's own page, read by its labels."""
    doc = Document.parse(html, url)
    values = labelled_values(doc.body)
    status, word = status_of(values.get("status"))
    if status == "unknown" and values.get("reply"):
        status = "replied"
    title = values.get("title")
    if title is None:
        heading = next((h for tag in ("h1", "h2", "h3") for h in doc.body.iter(tag) if visible_text(h)), None)
        title = visible_text(heading) if heading is not None else None
    return LetterDetail(
        title=title,
        posted_text=find_date_text(values.get("posted") or ""),
        status_text=word or values.get("status"),
        status=status,
        replied_text=find_date_text(values.get("replied") or ""),
        unit=values.get("unit"),
        content=values.get("content"),
        reply=(values.get("reply") or "")[:MAX_REPLY] or None,
        evidence=" | ".join(f"{k}：{v[:80]}" for k, v in values.items())[:MAX_EVIDENCE],
    )


# ------------------------------------------------------------------------------ labelled values


def labelled_values(scope: HtmlElement) -> dict[Field, str]:
    """Each field's value under its label in ``scope``: the innermost element starting with a label
    gives it (the text after the label, else its tail, its next sibling, or the block after its
    block); a value runs up to the next label."""
    found: dict[Field, tuple[int, str]] = {}
    for el in scope.iter():
        if not isinstance(el.tag, str) or is_chrome(el, depth=4):
            continue
        text = visible_text(el)
        match = LABEL_AT_START.match(text)
        if match is None:
            continue
        depth = sum(1 for _ in el.iterancestors())
        pairs = [(FIELD_OF_LABEL[match.group(1)], _cut(text[match.end() :]) or _value_after(el, text))]
        # Further labels inside the same text (回复单位：x 回复时间：y in one paragraph).
        for later in LABEL_ANYWHERE.finditer(text, match.end()):
            pairs.append((FIELD_OF_LABEL[later.group(1)], _cut(text[later.end() :])))
        for kind, value in pairs:
            if value and (kind not in found or depth > found[kind][0]):
                found[kind] = (depth, value)
    return {kind: value for kind, (_, value) in found.items()}


def _cut(text: str) -> str:
    """A value up to the next label (a cell holding 回复单位：x 回复时间：y gives x for 回复单位)."""
    match = LABEL_ANYWHERE.search(text)
    return clean(text[: match.start()] if match else text).strip("：: ")


def _value_after(el: HtmlElement, own: str) -> str:
    """The value of a label that stands alone: its tail, its next sibling, or after its block."""
    node: HtmlElement | None = el
    for _ in range(3):
        if node is None:
            return ""
        tail = clean(node.tail)
        if tail:
            return _cut(tail)
        sibling = node.getnext()
        while sibling is not None and not isinstance(sibling.tag, str):
            sibling = sibling.getnext()
        if sibling is not None:
            text = visible_text(sibling)
            return "" if LABEL_AT_START.match(text) else _cut(text)
        parent = node.getparent()
        if parent is None or visible_text(parent) != own:
            return ""
        node = parent
    return ""


# ------------------------------------------------------------------------------ header rows


def _header_field(text: str) -> Field | None:
    text = text.strip("：: ")
    if not text or len(text) > MAX_LABEL_CELL:
        return None
    if text in HEADER_EXTRA:
        return HEADER_EXTRA[text]
    match = LABEL_AT_START.match(text)
    if match and match.end() >= len(text.rstrip("：: ")):
        return FIELD_OF_LABEL[match.group(1)]
    return None


def _cells(row: HtmlElement) -> list[HtmlElement]:
    return [c for c in row if isinstance(c.tag, str) and c.tag not in ("script", "style", "br")]


def _header(doc: Document) -> tuple[HtmlElement, dict[int, Field]] | None:
    """The first element whose children are header cells naming a letters table: a posting date and a
    status or reply date, among cells that are all labels (or ignored ones such as 序号)."""
    for el in doc.body.iter():
        if not isinstance(el.tag, str) or is_chrome(el, depth=6):
            continue
        cells = _cells(el)
        if len(cells) < 3:
            continue
        columns: dict[int, Field] = {}
        for index, cell in enumerate(cells):
            text = visible_text(cell)
            kind = _header_field(text)
            if kind is None and not IGNORED_HEADERS.match(text):
                break
            if kind is not None:
                columns[index] = kind
        else:
            kinds = set(columns.values())
            if "posted" in kinds and kinds & {"status", "replied"}:
                return el, columns
    return None


def _rows_after(header: HtmlElement) -> list[HtmlElement]:
    """The rows under a header: the following siblings of its kind (``<tr>`` after ``<tr>``), else the
    children of the container after it (a ``<div class="th">`` over a ``<ul>`` of rows)."""
    siblings = [s for s in header.itersiblings() if s.tag == header.tag]
    if siblings:
        return siblings
    node: HtmlElement | None = header
    for _ in range(3):  # the header may sit in a <thead>, the rows in the <tbody> after it
        if node is None:
            break
        following = node.getnext()
        while following is not None and not isinstance(following.tag, str):
            following = following.getnext()
        if following is not None:
            rows = [r for r in following.iter() if r is not following and len(_cells(r)) >= 2]
            top = [r for r in rows if r.getparent() is following or r.getparent().getparent() is following]
            return top
        node = node.getparent()
    return []


def _header_rows(doc: Document, found: tuple[HtmlElement, dict[int, Field]]) -> list[Letter]:
    header, columns = found
    letters: list[Letter] = []
    seen: set[str] = set()
    for row in _rows_after(header):
        cells = _cells(row)
        if len(cells) < len(columns):
            continue
        values: dict[Field, str] = {
            kind: visible_text(cells[i]) for i, kind in columns.items() if i < len(cells)
        }
        link = _row_link(cells[next((i for i, k in columns.items() if k == "title"), 0)]) or _row_link(row)
        if link is None:
            continue
        href, text = link
        target = join_url(doc.base, href)
        if not target or target in seen:
            continue
        seen.add(target)
        letters.append(_letter(target, values.get("title") or text, values, visible_text(row)))
    return letters


def _row_link(el: HtmlElement) -> tuple[str, str] | None:
    for a in el.iter("a"):
        text = anchor_text(a)
        if a.get("href") and text:
            return a.get("href") or "", text
    return None


# ------------------------------------------------------------------------------ labelled list rows


def _labelled_rows(doc: Document) -> list[Letter]:
    """Rows holding one link and, beside it (not in its title: 我市已完成… is news), a status word or a
    posting/reply label; the innermost such elements, siblings of one kind (a list of ``<li>``, ``<dl>``,
    ``<div>``) that are at least half of their list."""
    candidates: list[HtmlElement] = []
    for el in doc.body.iter("li", "tr", "dl", "div", "p", "section"):
        if _link_count(el) != 1 or is_chrome(el, depth=8):
            continue
        rest = _beside_link(el)
        if len(rest) > 400 or not (STATUS_ANYWHERE.search(rest) or LABEL_ANYWHERE.search(rest)):
            continue
        candidates.append(el)
    inner = [
        el for el in candidates if not any(other is not el and _inside(other, el) for other in candidates)
    ]
    groups: dict[int, list[HtmlElement]] = {}
    for el in inner:
        parent = el.getparent()
        groups.setdefault(id(parent), []).append(el)
    rows = max(groups.values(), key=len, default=[])
    parent = rows[0].getparent() if rows else None
    if parent is not None and 2 * len(rows) < sum(1 for c in parent if c.tag == rows[0].tag):
        return []  # a few rows of a longer list: words in a news list, not a letters list
    letters: list[Letter] = []
    seen: set[str] = set()
    for row in rows:
        link = _row_link(row)
        assert link is not None
        target = join_url(doc.base, link[0])
        if not target or target in seen:
            continue
        seen.add(target)
        values = labelled_values(row)
        text = visible_text(row)
        if "posted" not in values:
            dates = [d for d in re.findall(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}", text)]
            if dates:
                values["posted"] = dates[0]
            if len(dates) > 1 and "replied" not in values:
                values["replied"] = dates[1]
        if "status" not in values and (word := STATUS_ANYWHERE.search(_beside_link(row))):
            values["status"] = word.group(0)
        letters.append(_letter(target, values.get("title") or link[1], values, text))
    return letters


def _link_count(el: HtmlElement) -> int:
    """0, 1, or 2 for two or more: the links of an element, counted no further than needed."""
    count = 0
    for a in el.iter("a"):
        if a.get("href") and anchor_text(a):
            count += 1
            if count == 2:
                break
    return count


def _beside_link(row: HtmlElement) -> str:
    """A row's text without its link's."""
    text = visible_text(row)
    for a in row.iter("a"):
        if title := anchor_text(a):
            return text.replace(title, " ", 1).strip()
    return text


def _inside(inner: HtmlElement, outer: HtmlElement) -> bool:
    return any(ancestor is outer for ancestor in inner.iterancestors())


def _letter(url: str, title: str, values: dict[Field, str], row_text: str) -> Letter:
    status, word = status_of(values.get("status"))
    replied_text = find_date_text(values.get("replied") or "")
    if status == "unknown" and replied_text:
        status = "replied"
    return Letter(
        url=url,
        title=clean(title),
        posted_text=find_date_text(values.get("posted") or ""),
        status_text=word or values.get("status") or None,
        status=status,
        replied_text=replied_text,
        unit=values.get("unit") or None,
        reply=(values.get("reply") or "")[:MAX_REPLY] or None,
        evidence=row_text[:MAX_EVIDENCE],
    )


# ------------------------------------------------------------------------------ the rest of the page


def _search_form(doc: Document) -> LetterSearch | None:
    """The first form in the page content that searches letters (a 编号/关键字/标题 field, a 查询 button)."""
    for form in doc.body.iter("form"):
        if is_chrome(form, depth=6):
            continue
        names = " ".join(
            f"{i.get('name') or ''} {i.get('placeholder') or ''} {i.get('id') or ''}"
            for i in form.iter("input")
        )
        if not (
            SEARCH_FIELDS.search(names) and SEARCH_WORDS.search(visible_text(form) + names + _buttons(form))
        ):
            continue
        action = join_url(doc.base, form.get("action")) or doc.url
        method = "POST" if (form.get("method") or "").lower() == "post" else "GET"
        return LetterSearch(action, method, _form_fields(form))
    return None


def _form_fields(form: HtmlElement) -> list[tuple[str, str]]:
    """What a browser sends for a form nobody filled in: named inputs at their values (checked boxes
    only), each select's selected (else first) option."""
    fields: list[tuple[str, str]] = []
    for el in form.iter("input", "select"):
        name = el.get("name")
        if not name:
            continue
        if el.tag == "select":
            options = list(el.iter("option"))
            chosen = next(
                (o for o in options if o.get("selected") is not None), options[0] if options else None
            )
            value = chosen.get("value") if chosen is not None else ""
            if value is None and chosen is not None:  # an option without a value sends its text
                value = chosen.text_content()
            fields.append((name, (value or "").strip()))
            continue
        kind = (el.get("type") or "text").lower()
        if kind in ("submit", "button", "image", "reset", "file"):
            continue
        if kind in ("checkbox", "radio") and el.get("checked") is None:
            continue
        fields.append((name, el.get("value") or ""))
    return fields


def _buttons(form: HtmlElement) -> str:
    return " ".join(
        i.get("value") or ""
        for i in form.iter("input")
        if (i.get("type") or "").lower() in ("submit", "button")
    )


def _explanation(doc: Document) -> str | None:
    """The shortest block of page content that says why no letter is shown."""
    found: str | None = None
    for el in doc.body.iter():
        if not isinstance(el.tag, str) or is_chrome(el, depth=8):
            continue
        text = visible_text(el)
        if (
            len(text) <= MAX_EVIDENCE
            and EXPLANATION.search(text)
            and (found is None or len(text) < len(found))
        ):
            found = text
    return found
