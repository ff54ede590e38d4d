"""Bad registry files: each one, made here in tmp_path, is refused by `govcheck sites import` with one
line and exit status 2, within a bounded memory (peak RSS under 300 MB), and a good UTF-16 file (Excel's
"Unicode text") imports whole."""

from __future__ import annotations

import os
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from govcheck.db.models import Site
from govcheck.db.session import open_database, session_factory
from tests.faults.measure import Measured, run_measured
from tests.faults.record import FaultReport
from tests.helpers import REPO

PEAK_RSS_MB = 300
BOMB_CELL = 1536 * 1024 * 1024  # one 1.5 GB cell
CHUNK = 16 * 1024 * 1024


def _workbook(path: Path) -> Path:
    workbook = Workbook()
    workbook.active.append(["网站标识码", "网站名称", "首页地址"])
    workbook.active.append(["4213000045", "随州市审计局", "sjj.suizhou.gov.cn"])
    workbook.save(path)
    return path


def _rewrite(path: Path, name: str, write: Callable[[zipfile.ZipFile], None]) -> Path:
    """The workbook at ``path`` with its part ``name`` written by ``write`` (streamed, never in memory)."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist() if info.filename != name}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
        write(archive)
    return path


def _stream_sheet(size: int) -> Callable[[zipfile.ZipFile], None]:
    def write(archive: zipfile.ZipFile) -> None:
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            sheet.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>')
            block = b"A" * CHUNK
            for start in range(0, size, CHUNK):
                sheet.write(block[: min(CHUNK, size - start)])
            sheet.write(b"</t></is></c></row></sheetData></worksheet>")

    return write


def csv_neither_utf8_nor_gb18030(tmp_path: Path) -> Path:
    path = tmp_path / "sites.csv"
    path.write_bytes("网站标识码,首页地址\n".encode() + b"4213000045,\xff\xfe\x80.gov.cn\n")
    return path


def xlsx_not_a_zip(tmp_path: Path) -> Path:
    path = tmp_path / "sites.xlsx"
    path.write_text("网站标识码,首页地址\n4213000045,sjj.suizhou.gov.cn\n", encoding="utf-8")
    return path


def zip_without_a_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "sites.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return path


def xlsx_bomb_one_huge_cell(tmp_path: Path) -> Path:
    path = _rewrite(_workbook(tmp_path / "sites.xlsx"), "xl/worksheets/sheet1.xml", _stream_sheet(BOMB_CELL))
    assert path.stat().st_size < 2 * 1024 * 1024
    return path


def xlsx_lying_sizes(tmp_path: Path) -> Path:
    """A 200 MB sheet whose zip headers claim 1 KB: the bound on declared sizes holds because zipfile
    never inflates a part beyond its declared size."""
    path = _rewrite(
        _workbook(tmp_path / "sites.xlsx"), "xl/worksheets/sheet1.xml", _stream_sheet(200 * 1024 * 1024)
    )
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        directory = archive.start_dir
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, info.header_offset + 22, 1024)  # local header: uncompressed size
    entry = data.index(b"PK\x01\x02", directory)
    while data[entry + 46 : entry + 46 + len(info.filename)] != info.filename.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 1024)  # central directory: uncompressed size
    path.write_bytes(bytes(data))
    return path


def xlsx_whole_grid(tmp_path: Path) -> Path:
    """A tiny sheet declaring 16,384 × 1,048,576 cells with one in the last corner."""
    path = _workbook(tmp_path / "sites.xlsx")
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    corner = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    sheet = sheet.replace(b'ref="A1:C2"', b'ref="A1:XFD1048576"').replace(b"</sheetData>", corner)
    return _rewrite(
        path, "xl/worksheets/sheet1.xml", lambda archive: archive.writestr("xl/worksheets/sheet1.xml", sheet)
    )


def xlsx_billion_laughs(tmp_path: Path) -> Path:
    entities = '<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is></c></row></sheetData></worksheet>'
    ).encode()
    path = _workbook(tmp_path / "sites.xlsx")
    return _rewrite(
        path, "xl/worksheets/sheet1.xml", lambda archive: archive.writestr("xl/worksheets/sheet1.xml", sheet)
    )


def csv_oversize(tmp_path: Path) -> Path:
    path = tmp_path / "sites.csv"
    with path.open("wb") as out:
        out.write("网站标识码,首页地址\n".encode())
        row = b"4213000045,sjj.suizhou.gov.cn\n"
        out.write(row * (25 * 1024 * 1024 // len(row)))
    return path


BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "registry: CSV neither UTF-8 nor GB18030": (csv_neither_utf8_nor_gb18030, "not UTF-8 or GB18030 text"),
    "registry: .xlsx that is not a zip": (xlsx_not_a_zip, "not an Excel workbook (not a zip file)"),
    "registry: zip without a workbook": (zip_without_a_workbook, "a zip file without an Excel workbook"),
    "registry: xlsx bomb, one 1.5 GB cell": (xlsx_bomb_one_huge_cell, "unzips to"),
    "registry: xlsx lying about its sizes": (xlsx_lying_sizes, "a damaged Excel workbook"),
    "registry: xlsx declaring the whole grid": (xlsx_whole_grid, "more than 100,000 rows"),
    "registry: xlsx billion laughs": (xlsx_billion_laughs, "a damaged Excel workbook"),
    "registry: 25 MB CSV": (csv_oversize, "more than a registry's"),
}


def import_sites(path: Path, tmp_path: Path) -> Measured:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GOVCHECK_")},
        "GOVCHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'govcheck.db'}",
        "PYTHONPATH": str(REPO),
    }
    return run_measured(
        [sys.executable, "-m", "govcheck.cli", "sites", "import", str(path)],
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


@pytest.mark.parametrize("fault", list(BAD_FILES))
def test_a_bad_registry_file_is_one_line_and_exit_2(
    fault: str, tmp_path: Path, fault_report: FaultReport
) -> None:
    make, message = BAD_FILES[fault]
    path = make(tmp_path)
    result = import_sites(path, tmp_path)
    errors = [line for line in result.stderr.splitlines() if line.startswith("govcheck:")]
    survived = (
        result.returncode == 2
        and len(errors) == 1
        and message in errors[0]
        and "Traceback" not in result.stderr
        and result.peak_rss_mb < PEAK_RSS_MB
    )
    fault_report.record(
        fault,
        survived=survived,
        seconds=result.seconds,
        peak_rss_mb=result.peak_rss_mb,
        rows_expected=0,
        rows_stored=0,
        note=f"exit {result.returncode}, {path.stat().st_size / 1024:.0f} KB file",
    )
    assert result.returncode == 2, result.stderr[-3000:]
    assert len(errors) == 1 and message in errors[0], result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert result.peak_rss_mb < PEAK_RSS_MB


def test_excel_unicode_text_imports_whole(tmp_path: Path, fault_report: FaultReport) -> None:
    path = tmp_path / "sites.txt"
    rows = ["网站标识码\t网站名称\t首页地址\t是否为门户网", "4213000045\t随州市审计局\tsjj.suizhou.gov.cn\t否",
            "4213210015\t随县人民政府\thttp://www.zgsuixian.gov.cn/index.html\t是"]  # fmt: skip
    path.write_bytes("\ufeff".encode("utf-16-le") + "\r\n".join(rows).encode("utf-16-le") + b"\r\x00\n\x00")
    result = import_sites(path, tmp_path)
    engine = open_database(f"sqlite:///{tmp_path / 'govcheck.db'}")
    with session_factory(engine)() as session:
        stored = session.scalar(select(func.count()).select_from(Site))
    engine.dispose()
    fault_report.record(
        "registry: Excel Unicode text (UTF-16, tabs)",
        survived=result.returncode == 0 and stored == 2,
        seconds=result.seconds,
        peak_rss_mb=result.peak_rss_mb,
        rows_expected=2,
        rows_stored=stored,
        note="control: imports",
    )
    assert result.returncode == 0 and stored == 2, result.stderr[-3000:]
