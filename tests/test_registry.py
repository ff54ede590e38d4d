"""The site registry: bulletin headers, encodings, bad rows, re-imports."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from govcheck import registry
from govcheck.cli import main
from govcheck.db.models import Site
from govcheck.db.session import open_database, session_factory
from govcheck.registry import RegistryError, read_sites
from tests.farm.truth import SITES

SUIZHOU_CSV = "网站标识码,网站名称,首页地址,是否为门户网\n4213000045,随州市审计局,sjj.suizhou.gov.cn,否\n4213210015,随县人民政府,http://www.zgsuixian.gov.cn/index.html,是\n"


def test_chinese_headers_hosts_and_urls(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(SUIZHOU_CSV, encoding="utf-8-sig")
    rows, errors = read_sites(path)
    assert errors == []
    assert [(r.site_code, r.host, r.homepage, r.is_portal) for r in rows] == [
        ("4213000045", "sjj.suizhou.gov.cn", "sjj.suizhou.gov.cn", False),
        ("4213210015", "www.zgsuixian.gov.cn", "http://www.zgsuixian.gov.cn/index.html", True),
    ]


def test_gb18030_and_english_aliases(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_bytes(
        "site_code,name,homepage,region,org\n4213000012,随州市交通运输局,jtj.suizhou.gov.cn,随州市,随州市交通运输局\n".encode(
            "gb18030"
        )
    )
    rows, errors = read_sites(path)
    assert errors == [] and rows[0].name == "随州市交通运输局" and rows[0].region == "随州市"


def test_xlsx_with_bulletin_headers(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["网站标识码", "单位名称", "网址", "所属地区", "主办单位"])
    sheet.append(["4213000039", "随州市司法局", "sfj.suizhou.gov.cn", "随州市", "随州市司法局"])
    path = tmp_path / "sites.xlsx"
    workbook.save(path)
    rows, errors = read_sites(path)
    assert errors == [] and rows[0].host == "sfj.suizhou.gov.cn" and rows[0].org == "随州市司法局"


def test_a_file_without_a_homepage_column_is_rejected_whole(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("网站标识码,网站名称\n4213000045,随州市审计局\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="no 首页地址"):
        read_sites(path)


def test_import_reports_the_bad_row_keeps_the_good_ones_and_reimports_without_duplicates(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(
        SUIZHOU_CSV
        + "42130000XX,坏行,jtj.suizhou.gov.cn,否\n4213000040,随州市应急管理局,yjglj.suizhou.gov.cn,否\n",
        encoding="utf-8",
    )
    settings = ["--set", f"GOVCHECK_DATABASE_URL={database_url}"]
    assert main([*settings, "sites", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "line 4: 网站标识码 '42130000XX' is not 10 digits" in err
    assert "3 sites added, 0 updated, 1 rows rejected" in err

    path.write_text(SUIZHOU_CSV.replace("随州市审计局", "随州市审计局（新）"), encoding="utf-8")
    assert main([*settings, "sites", "import", str(path)]) == 0
    assert "0 sites added, 2 updated, 0 rows rejected" in capsys.readouterr().err
    engine = open_database(database_url)
    with session_factory(engine)() as session:
        sites = session.scalars(select(Site).order_by(Site.site_code)).all()
    engine.dispose()
    assert [(s.site_code, s.name) for s in sites] == [
        ("4213000040", "随州市应急管理局"),
        ("4213000045", "随州市审计局（新）"),
        ("4213210015", "随县人民政府"),
    ]
    assert main([*settings, "sites", "list"]) == 0
    assert "sjj.suizhou.gov.cn" in capsys.readouterr().out


# -- file formats and bad files ------------------------------------------------------------------

UNICODE_TEXT = (
    "网站标识码\t网站名称\t首页地址\t是否为门户网\r\n4213000045\t随州市审计局\tsjj.suizhou.gov.cn\t否\r\n"
)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_excel_unicode_text_utf16_tab_separated_imports(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "sites.txt"
    path.write_bytes(("\ufeff" + UNICODE_TEXT).encode(codec))  # Excel writes utf-16-le
    rows, errors = read_sites(path)
    assert errors == [] and [(r.site_code, r.name, r.host) for r in rows] == [
        ("4213000045", "随州市审计局", "sjj.suizhou.gov.cn")
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "sites.csv",
            "网站标识码,首页地址\n".encode() + b"\xff\xfe\xfd,x.gov.cn\n",
            "not UTF-8 or GB18030 text",
        ),
        ("sites.csv", b"\xef\xbb\xbfsite_code,homepage\n\xff,x.gov.cn\n", "not UTF-8 text"),
        ("sites.xlsx", b"site_code,homepage\n", "not an Excel workbook (not a zip file)"),
        ("sites.xls", b"\xd0\xcf\x11\xe0", "expected a .csv, .txt (tab-separated) or .xlsx file"),
    ],
)
def test_unreadable_files_are_one_registry_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RegistryError, match=re.escape(message)) as refused:
        read_sites(path)
    assert "\n" not in str(refused.value)


def _zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_zip_without_a_workbook_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"a zip file without an Excel workbook \(no xl/workbook.xml"):
        read_sites(_zip(tmp_path / "sites.xlsx", {"word/document.xml": b"<w/>"}))


def _workbook(path: Path, rows: list[list[str]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def _replace_part(path: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    return _zip(path, {**parts, name: data})


def test_a_workbook_that_unzips_beyond_the_bound_is_refused_before_parsing(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "sites.xlsx", [["首页地址"], ["sjj.suizhou.gov.cn"]])
    big = b"<x>" + b"A" * (registry.MAX_FILE_BYTES + 1) + b"</x>"
    _replace_part(path, "xl/sharedStrings.xml", big)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(RegistryError, match=r"unzips to .* bytes, more than a registry"):
        read_sites(path)


def test_a_damaged_workbook_part_is_a_registry_error(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "sites.xlsx", [["首页地址"], ["sjj.suizhou.gov.cn"]])
    _replace_part(path, "xl/workbook.xml", b"<workbook><sheets>")
    with pytest.raises(RegistryError, match="a damaged Excel workbook"):
        read_sites(path)


def test_rows_and_columns_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One cell in the grid's last row and column: openpyxl would pad a million rows of 16,384
    # cells before it; the registry reads 200 columns and stops at the row bound.
    path = _workbook(tmp_path / "sites.xlsx", [["首页地址"], ["sjj.suizhou.gov.cn"]])
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    corner = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    sheet = sheet.replace(b'ref="A1:A2"', b'ref="A1:XFD1048576"').replace(b"</sheetData>", corner)
    _replace_part(path, "xl/worksheets/sheet1.xml", sheet)
    monkeypatch.setattr(registry, "MAX_ROWS", 50)
    with pytest.raises(RegistryError, match="more than 50 rows"):
        read_sites(path)


def test_import_of_a_bad_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sites.csv"
    path.write_bytes(b"\xff\xff\xff")
    code = main(
        ["--set", f"GOVCHECK_DATABASE_URL=sqlite:///{tmp_path / 'g.db'}", "sites", "import", str(path)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert [line for line in err.splitlines() if line.startswith("govcheck:")] == [
        f"govcheck: {path}: not UTF-8 or GB18030 text (byte 0xff at offset 0); save it as CSV UTF-8 "
        "or as an Excel workbook (.xlsx)"
    ]
    assert "Traceback" not in err


def test_did_you_mean_reads_the_registry(database_url: str) -> None:
    engine = open_database(database_url, migrate=True)
    with session_factory(engine)() as session:
        for host in ("sjj.suizhou.gov.cn", "jtj.suizhou.gov.cn"):
            session.add(Site(host=host, homepage=f"http://{host}/", name=SITES[host].name))
        session.add(
            Site(host="adhoc.example.gov.cn", homepage="http://adhoc.example.gov.cn/", in_registry=False)
        )
        session.commit()
        assert registry.unregistered_warning(session, "sjj.suizhou.gov.cn") is None
        typo = registry.unregistered_warning(session, "http://SJJJ.suizhou.gov.cn/index.html")
        assert typo is not None and typo.startswith(
            "sjjj.suizhou.gov.cn is not in the registry; did you mean sjj.suizhou.gov.cn (随州市审计局)"
        )
        # An earlier ad hoc crawl does not register a host, and is never suggested.
        adhoc = registry.unregistered_warning(session, "adhoc.example.gov.cn")
        assert adhoc is not None and "no registered host is close to it." in adhoc
        assert [s.host for s in registry.similar_sites(session, "随州市审计")] == ["sjj.suizhou.gov.cn"]
    engine.dispose()
