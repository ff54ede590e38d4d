"""The site registry: import the lists bulletins and 全国政府网站信息报送系统 exports use.

CSV (UTF-8 with or without BOM, or GB18030, detected) or XLSX, with the Chinese headers of real
bulletins or their English aliases. A bad row is reported with its line number and reason; the
good rows are still imported. Sites match on 网站标识码, then on host, so re-importing updates.
"""

from __future__ import annotations

import csv
import difflib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from govcheck.db.models import Site
from govcheck.names import BadName, is_host_name, split_site
from govcheck.vocabulary import SITE_CODE

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


# Bounds on a registry file, checked before it is parsed: a province lists a few thousand sites, and
# a hostile file (a 1.5 MB xlsx holding one 1.5 GB cell) must cost neither memory nor time.
MAX_FILE_BYTES = 20 * 1024 * 1024  # a CSV/text file, and an xlsx's parts once unzipped
MAX_ROWS = 100_000
MAX_COLUMNS = 200  # cells read per row; headers sit in the first few columns
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
WORKBOOK_PARTS = ("xl/workbook.xml", "[Content_Types].xml")
# (BOM, codec): Excel's "Unicode text" export is UTF-16LE with a BOM and tab-separated.
BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, or GB18030; anything else is a RegistryError."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            candidates = [codec]
            data = data[len(bom) :]
            break
    else:
        candidates = ["utf-8", "gb18030"]
    for codec in candidates:
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            failure = exc
    raise RegistryError(
        f"{path}: not {' or '.join(c.upper() for c in candidates)} text (byte 0x{data[failure.start]:02x} "
        f"at offset {failure.start}); save it as CSV UTF-8 or as an Excel workbook (.xlsx)"
    )


def _text_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise RegistryError(f"{path}: {size:,} bytes, more than a registry's {MAX_FILE_BYTES:,}")
    try:
        text = _decode(path, path.read_bytes())
    except OSError as exc:
        raise RegistryError(f"{path}: cannot be read ({exc.strerror})") from None
    end = text.find("\n")
    header = text if end < 0 else text[:end]
    lines = io.StringIO(text)
    del text  # the StringIO holds its own copy
    reader = csv.reader(lines, delimiter="\t" if header.count("\t") > header.count(",") else ",")
    try:
        for row in reader:
            yield reader.line_num, [cell.strip() for cell in row]
    except csv.Error as exc:
        raise RegistryError(f"{path}: line {reader.line_num + 1}: {exc}") from None


def _check_workbook(path: Path) -> None:
    """Refuse what is not a workbook, or would unzip beyond the bounds, before openpyxl reads a byte."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile:
        raise RegistryError(
            f"{path}: not an Excel workbook (not a zip file); save it as .xlsx or CSV"
        ) from None
    names = {part.filename for part in parts}
    missing = [name for name in WORKBOOK_PARTS if name not in names]
    if missing:
        raise RegistryError(f"{path}: a zip file without an Excel workbook (no {', '.join(missing)})")
    unzipped = sum(part.file_size for part in parts)  # zipfile never inflates a part beyond this
    if unzipped > MAX_FILE_BYTES:
        raise RegistryError(
            f"{path}: unzips to {unzipped:,} bytes, more than a registry's {MAX_FILE_BYTES:,}; "
            "save the site list alone"
        )


def _workbook_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _check_workbook(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = workbook.active.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            for number, row in enumerate(rows, start=1):
                if number > MAX_ROWS:
                    raise RegistryError(f"{path}: more than {MAX_ROWS:,} rows")
                yield number, ["" if cell is None else str(cell)[:MAX_CELL_CHARS].strip() for cell in row]
        finally:
            workbook.close()
    except RegistryError:
        raise
    # A damaged part surfaces as any of these, from zipfile, the XML parser or openpyxl itself.
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        SyntaxError,
        OSError,
    ) as exc:
        raise RegistryError(f"{path}: a damaged Excel workbook ({_one_line(exc)})") from None


def _one_line(error: BaseException) -> str:
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= 200 else text[:199] + "…"


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every row, header included."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _workbook_records(path)
    if suffix in {".csv", ".txt", ".tsv"}:
        return _text_records(path)
    raise RegistryError(f"{path}: expected a .csv, .txt (tab-separated) or .xlsx file")


def normalize_homepage(value: str) -> tuple[str, str]:
    """(host, homepage URL) from a bulletin's 首页地址: a bare host, a URL, or a host with a path."""
    try:
        site = split_site(value)
    except BadName as exc:
        raise ValueError(f"首页地址 {exc}") from exc
    if not is_host_name(site.host):
        raise ValueError(f"首页地址 {value!r} is not a host name or URL")
    if site.bare:
        return site.host, site.netloc  # a bare host: the spider tries https, then http
    return site.host, site.url()  # a site on another port is crawled on that port


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
                    f"{path}: line {line}: no 首页地址/网址/homepage column in header "
                    f"{[cell[:40] for cell in cells[:12]]}"
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


def similar_sites(session: Session, typed: str, limit: int = 3) -> list[Site]:
    """Registered sites whose host (or name, for a typed name) is close to ``typed``: "did you mean"."""
    sites = session.scalars(select(Site).where(Site.in_registry.is_(True))).all()
    by_key = {site.host: site for site in sites} | {site.name: site for site in sites if site.name}
    matches = difflib.get_close_matches(typed.lower(), list(by_key), n=limit * 2, cutoff=0.6)
    found: dict[int, Site] = {}
    for key in matches:
        found.setdefault(by_key[key].id, by_key[key])
    return list(found.values())[:limit]


def unregistered_warning(session: Session, site: str) -> str | None:
    """One line for crawling a host (or URL) the registry does not list (a typo is the usual cause)."""
    try:
        host = split_site(site).host or site.lower()
    except BadName:
        host = site.lower()
    if session.scalar(select(Site.in_registry).where(Site.host == host)):
        return None
    similar = similar_sites(session, host)
    hint = (
        "did you mean " + " or ".join(f"{s.host} ({s.name})" if s.name else s.host for s in similar) + "?"
        if similar
        else "no registered host is close to it."
    )
    return (
        f"{host} is not in the registry; {hint} It is crawled ad hoc, and if its name does not resolve "
        "it is reported unknown (address_not_found: check the address), not unreachable."
    )
