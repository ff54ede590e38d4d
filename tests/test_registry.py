"""The site registry: bulletin headers, encodings, bad rows, re-imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from govcheck.cli import main
from govcheck.db.models import Site
from govcheck.db.session import open_database, session_factory
from govcheck.registry import RegistryError, read_sites

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
