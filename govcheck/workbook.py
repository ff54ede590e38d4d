"""The xlsx report: a workbook an office can print and a province can add up.

Sheets: 汇总 (the figures as numbers with number formats, the dates as dates), then one sheet per
table (附件 first), each with the 附件 number above a merged title row, a filled and bordered header
that is frozen, filtered and repeated on every printed page, 序号, A4 landscape fitted to the width.

Every string cell is typed as text (openpyxl would store ``=…`` as a formula) and marked with Excel's
quote prefix when it starts like a formula, so a scraped ``=cmd|' /C calc'!A0`` stays text even when
someone edits the cell; characters XML cannot hold are dropped and a cell is cut at Excel's limit.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from govcheck.document import Document, Imprint, Table, plain, tone, web_url

CELL_LIMIT = 32_767  # characters Excel keeps in one cell
LINK_LIMIT = 2_000  # Excel refuses to follow longer hyperlinks
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
COUNT_FORMAT = '0"家"'
RATE_FORMAT = "0.0%"

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
HEADER_FONT = Font(name="黑体", bold=True, size=11)
TITLE_FONT = Font(name="方正小标宋简体", bold=True, size=16)
ANNEX_FONT = Font(name="黑体", size=12)
BODY_FONT = Font(name="仿宋", size=11)
LINK_FONT = Font(name="仿宋", size=11, color="0563C1", underline="single")
BAD_FONT = Font(name="仿宋", size=11, bold=True, color="B30000")
HEADER_ROW = 3  # 附件N, the title, then the header


def put(cell: Cell, value: Any) -> None:
    """Write one value: numbers and dates typed, everything else as inert text."""
    if isinstance(value, bool) or value is None:
        value = "" if value is None else ("是" if value else "否")
    if isinstance(value, int | float):
        cell.value = value
        return
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
        return
    text = plain(value)
    if len(text) > CELL_LIMIT:
        text = text[: CELL_LIMIT - 1] + "…"
    cell.value = text
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def _width(value: Any) -> float:
    text = value.isoformat() if isinstance(value, dt.date) else plain(value)
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text[:200])  # CJK characters are two columns wide


def _print_setup(sheet: Worksheet, last_column: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.print_area = f"A1:{get_column_letter(last_column)}{max(sheet.max_row, HEADER_ROW)}"


def _heading(sheet: Worksheet, imprint: Imprint, title: str, columns: int) -> None:
    put(sheet.cell(1, 1), f"附件{imprint.annex}")
    sheet.cell(1, 1).font = ANNEX_FONT
    put(sheet.cell(2, 1), title)
    sheet.cell(2, 1).font = TITLE_FONT
    sheet.cell(2, 1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)
    sheet.row_dimensions[2].height = 36


def _table_sheet(book: Workbook, doc: Document, table: Table, imprint: Imprint) -> None:
    sheet = book.create_sheet(table.name)
    headers = ("序号", *table.headers)
    title = doc.title if table is doc.tables[0] else f"{doc.title}：{table.name}"
    _heading(sheet, imprint, title, len(headers))
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(HEADER_ROW, column)
        put(cell, header)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    result = None if table.result_column is None else table.result_column + 2
    for number, row in enumerate(table.rows, start=1):
        at = HEADER_ROW + number
        put(sheet.cell(at, 1), number)
        sheet.cell(at, 1).alignment = Alignment(horizontal="center", vertical="top")
        for index, value in enumerate(row):
            cell = sheet.cell(at, index + 2)
            put(cell, value)
            cell.font = BODY_FONT
            cell.alignment = Alignment(wrap_text=cell.column != result, vertical="top")
            url = web_url(value) if index in table.link_columns else None
            if url and len(url) <= LINK_LIMIT:
                cell.hyperlink = url
                cell.font = LINK_FONT
            if cell.column == result and tone(value) == "bad":
                cell.font = BAD_FONT
        for cell in sheet[at]:
            cell.border = BORDER
    for column, header in enumerate(headers, start=1):
        values = [header, *(r[column - 2] for r in table.rows)] if column > 1 else [header, len(table.rows)]
        longest = max(_width(v) for v in values)
        # 结果 is never wrapped, so its column fits it (up to a point); the others wrap at 50.
        wanted = min(40, longest + 2) if column == result else min(50, max(8, longest * 1.1))
        sheet.column_dimensions[get_column_letter(column)].width = wanted
    last = get_column_letter(len(headers))
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(len(table.rows), 1)}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    _print_setup(sheet, len(headers))


def _summary_sheet(book: Workbook, doc: Document, imprint: Imprint) -> None:
    sheet = book.active
    sheet.title = "汇总"
    _heading(sheet, imprint, doc.title, 2)
    for column, header in enumerate(("项目", "数值"), start=1):
        cell = sheet.cell(HEADER_ROW, column)
        put(cell, header)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
    # Counts and rates stay numbers (a province adds up its cities' workbooks); the format shows 家/%.
    rows: list[tuple[str, Any, str | None]] = [
        (f.label, f.value, RATE_FORMAT if f.rate else COUNT_FORMAT) for f in doc.figures
    ]
    rows += [(f"抓取健康：{f.label}", f.value, COUNT_FORMAT) for f in doc.health]
    rows += [(label, text, None) for label, text in doc.notes]
    rows += [(label, value, None) for label, value in doc.period]
    rows += [("印发单位", imprint.issuer, None), ("印发日期", imprint.issued, None)]
    for at, (label, value, number_format) in enumerate(rows, start=HEADER_ROW + 1):
        put(sheet.cell(at, 1), label)
        put(sheet.cell(at, 2), value)
        if number_format and value is not None:
            sheet.cell(at, 2).number_format = number_format
        for cell in sheet[at]:
            cell.border, cell.font = BORDER, BODY_FONT
    for letter, width in (("A", 16), ("B", 40)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    _print_setup(sheet, 2)


def render_xlsx(doc: Document, imprint: Imprint) -> bytes:
    """A summary sheet, then one sheet per table (附件 first)."""
    book = Workbook()
    _summary_sheet(book, doc, imprint)
    for table in doc.tables:
        _table_sheet(book, doc, table, imprint)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
