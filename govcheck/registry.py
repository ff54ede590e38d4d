"""The site registry: import the lists bulletins and 全国政府网站信息报送系统 exports use.

CSV (UTF-8 with or without BOM, or GB18030, detected) or XLSX, with the Chinese headers of real
bulletins or their English aliases. A bad row is reported with its line number and reason; the
good rows are still imported. Sites match on 网站标识码, then on host, so re-importing updates.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from govcheck.db.models import Site

HEADERS: dict[str, str] = {
    "网站标识码": "site_code",
    "site_code": "site_code",
    "网站名称": "name",
    "单位名称": "name",
    "name": "name",
    "首页地址": "homepage",
    "网址": "homepage",
    "网站地址": "homepage",
    "homepage": "homepage",
    "是否为门户网": "is_portal",
    "是否门户网站": "is_portal",
    "is_portal": "is_portal",
    "地区": "region",
    "所属地区": "region",
    "region": "region",
    "主办单位": "org",
    "org": "org",
    "后端分组": "backend",
    "后端": "backend",
    "backend": "backend",
}
SITE_CODE = re.compile(r"^(bm\d{8}|\d{10})$")
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9\u4e00-\u9fff-]{1,63}\.)+[a-z\u4e00-\u9fff]{2,63}$")
YES = {"是", "y", "yes", "true", "1"}
NO = {"否", "n", "no", "false", "0", ""}


class RegistryError(ValueError):
    """The file as a whole cannot be read (no usable header, unknown format)."""


@dataclass(frozen=True, slots=True)
class SiteRow:
    line: int
    host: str
    homepage: str
    site_code: str | None
    name: str | None
    is_portal: bool
    region: str | None
    org: str | None
    backend: str | None = None  # backend group, for cluster-wide politeness


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every row, header included."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        for number, row in enumerate(workbook.active.iter_rows(values_only=True), start=1):
            yield number, ["" if cell is None else str(cell).strip() for cell in row]
        workbook.close()
        return
    if path.suffix.lower() not in {".csv", ".txt"}:
        raise RegistryError(f"{path}: expected a .csv or .xlsx file")
    reader = csv.reader(io.StringIO(_decode(path.read_bytes())))
    for row in reader:
        yield reader.line_num, [cell.strip() for cell in row]


def normalize_homepage(value: str) -> tuple[str, str]:
    """(host, homepage URL) from a bulletin's 首页地址: a bare host, a URL, or a host with a path."""
    text = value.strip()
    parts = urlsplit(text if "://" in text else f"//{text}")
    host = (parts.hostname or "").lower().rstrip(".")
    if not HOST.match(host):
        raise ValueError(f"首页地址 {value!r} is not a host name or URL")
    try:
        port = f":{parts.port}" if parts.port else ""  # a site on another port is crawled on that port
    except ValueError as exc:
        raise ValueError(f"首页地址 {value!r} has no valid port ({exc})") from exc
    if "://" not in text and parts.path in {"", "/"}:
        return host, host + port  # a bare host: the spider tries https, then http
    scheme = parts.scheme or "http"
    return host, f"{scheme}://{host}{port}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


def read_sites(path: Path) -> tuple[list[SiteRow], list[RowError]]:
    rows: list[SiteRow] = []
    errors: list[RowError] = []
    columns: dict[int, str] | None = None
    seen_codes: dict[str, int] = {}
    seen_hosts: dict[str, int] = {}
    for line, cells in _records(path):
        if not any(cells):
            continue
        if columns is None:
            columns = {i: HEADERS[c] for i, c in enumerate(cells) if c in HEADERS}
            if "homepage" not in columns.values():
                raise RegistryError(
                    f"{path}: line {line}: no 首页地址/网址/homepage column in header {cells}"
                )
            continue
        values = {field: cells[i] if i < len(cells) else "" for i, field in columns.items()}
        try:
            row = _row(line, values)
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        if row.site_code and row.site_code in seen_codes:
            errors.append(
                RowError(line, f"网站标识码 {row.site_code} repeats line {seen_codes[row.site_code]}")
            )
            continue
        if row.host in seen_hosts:
            errors.append(RowError(line, f"host {row.host} repeats line {seen_hosts[row.host]}"))
            continue
        if row.site_code:
            seen_codes[row.site_code] = line
        seen_hosts[row.host] = line
        rows.append(row)
    if columns is None:
        raise RegistryError(f"{path}: the file is empty")
    return rows, errors


def _row(line: int, values: dict[str, str]) -> SiteRow:
    if not values.get("homepage"):
        raise ValueError("首页地址 is empty")
    host, homepage = normalize_homepage(values["homepage"])
    code = values.get("site_code") or None
    if code and not SITE_CODE.match(code):
        raise ValueError(f"网站标识码 {code!r} is not 10 digits or bm + 8 digits")
    portal = (values.get("is_portal") or "").strip().lower()
    if portal not in YES | NO:
        raise ValueError(f"是否为门户网 {values['is_portal']!r} is not 是/否")
    return SiteRow(
        line=line,
        host=host,
        homepage=homepage,
        site_code=code,
        name=values.get("name") or None,
        is_portal=portal in YES,
        region=values.get("region") or None,
        org=values.get("org") or None,
        backend=values.get("backend") or None,
    )


def upsert_sites(session: Session, rows: list[SiteRow]) -> tuple[int, int, list[RowError]]:
    """(created, updated, conflicts); a row matches a site by 网站标识码, then by host."""
    created = updated = 0
    conflicts: list[RowError] = []
    for row in rows:
        site = None
        if row.site_code:
            site = session.scalar(select(Site).where(Site.site_code == row.site_code))
        by_host = session.scalar(select(Site).where(Site.host == row.host))
        if site is None:
            site = by_host
        elif by_host is not None and by_host.id != site.id:
            conflicts.append(
                RowError(row.line, f"host {row.host} already belongs to another site (id {by_host.id})")
            )
            continue
        if site is None:
            site = Site(host=row.host, homepage=row.homepage)
            session.add(site)
            created += 1
        else:
            updated += 1
        site.host, site.homepage, site.in_registry = row.host, row.homepage, True
        site.site_code = row.site_code or site.site_code
        site.name = row.name or site.name
        site.is_portal = row.is_portal
        site.region = row.region or site.region
        site.org = row.org or site.org
        site.backend = row.backend or site.backend
        session.flush()
    return created, updated, conflicts
