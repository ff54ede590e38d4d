"""A JSON-lines spool for items the database could not take, and its replay.

Line 1 holds the crawl context and the key of the crawl attempt, then one item per line, then (when
the crawl ended) its finish. Replaying goes through the same idempotent writer as a live crawl, into
that attempt (the one the crawl had begun in the database before it failed, or a new one), so a spool
can be replayed twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args, get_type_hints

from sqlalchemy import Engine

from govcheck.context import CrawlContext
from govcheck.db.kinds import flattened
from govcheck.db.writer import CrawlWriter
from govcheck.items import CrawlItem
from govcheck.monitors import MonitorSuite


def _date_fields(cls: type[Any]) -> dict[str, Callable[[str], Any]]:
    """The item's date and datetime fields, each with how its JSON text is read back."""
    parsers: dict[str, Callable[[str], Any]] = {}
    for name, hint in get_type_hints(cls).items():
        types = get_args(hint) or (hint,)
        if dt.datetime in types:
            parsers[name] = dt.datetime.fromisoformat
        elif dt.date in types:
            parsers[name] = dt.date.fromisoformat
    return parsers


# Every item kind the crawl yields, by name, with its date fields: read from the one union in items.py.
ITEM_TYPES: dict[str, tuple[type[Any], dict[str, Callable[[str], Any]]]] = {
    cls.__name__: (cls, _date_fields(cls)) for cls in get_args(CrawlItem)
}
REPLAY_BATCH = 500

logger = logging.getLogger(__name__)


def _json_default(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__}")


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=_json_default))


class Spool:
    """One crawl attempt's items as JSON lines. Each write is whole or nothing: a write the disk
    refuses is cut back, so a later retry (once there is room) appends to a file of whole lines."""

    def __init__(self, directory: Path, context: CrawlContext, attempt_key: str) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{context.host}-{stamp}.jsonl"
        self._file = self.path.open("ab", buffering=0)
        try:
            self._write([{"context": dataclasses.asdict(context), "attempt_key": attempt_key}])
        except OSError:
            self._file.close()
            self.path.unlink(missing_ok=True)
            raise

    def _write(self, records: list[dict[str, Any]]) -> None:
        data = "".join(
            json.dumps(record, ensure_ascii=False, default=_json_default) + "\n" for record in records
        ).encode("utf-8")
        start = self._file.tell()
        try:
            view = memoryview(data)
            while view:
                written = self._file.write(view)
                view = view[written or 0 :]
        except OSError:
            os.ftruncate(self._file.fileno(), start)
            self._file.seek(start)
            raise

    def add(self, items: list[CrawlItem]) -> None:
        self._write(
            [{"type": type(item).__name__, "item": dataclasses.asdict(item)} for item in flattened(items)]
        )

    def close(self, status: str, stats: dict[str, Any]) -> None:
        self._write([{"finish": {"status": status, "stats": stats}}])
        self._file.close()


def _item(record: dict[str, Any]) -> CrawlItem:
    cls, dates = ITEM_TYPES[record["type"]]
    values = dict(record["item"])
    for name, parse in dates.items():
        if values.get(name):
            values[name] = parse(values[name])
    return cls(**values)  # type: ignore[no-any-return]


def _records(path: Path) -> list[dict[str, Any]]:
    """The spool's records. A last line cut short (the disk filled up, or the crawl was killed, in
    the middle of a write) is left out with a warning: every complete line before it still loads."""
    text = path.read_text(encoding="utf-8", errors="replace")
    raw = [line for line in text.split("\n") if line.strip()]
    records = []
    for number, line in enumerate(raw, start=1):
        try:
            records.append(json.loads(line))
        except ValueError as exc:
            if number < len(raw) or text.endswith("\n"):
                raise ValueError(f"{path}: line {number} is not a spool record ({exc})") from None
            logger.warning("%s: the last line was cut short (a write interrupted); it is left out", path)
    return records


def replay(engine: Engine, path: Path, monitors: MonitorSuite | None = None) -> int:
    """Load one spool file (running the crawl health ``monitors`` on a finished crawl, as its close
    would have); returns how many items it held."""
    lines = _records(path)
    if not lines or "context" not in lines[0]:
        raise ValueError(f"{path}: not a govcheck spool (no context line)")
    raw = lines[0]["context"]
    context = CrawlContext(
        host=raw["host"],
        homepage=raw["homepage"],
        round=raw["round"],
        as_of=dt.date.fromisoformat(raw["as_of"]),
        reference_at=dt.datetime.fromisoformat(raw["reference_at"]),
    )
    # A spool from before attempts had keys: one derived from its name keeps its replays idempotent.
    key = lines[0].get("attempt_key") or uuid.uuid5(uuid.NAMESPACE_URL, path.name).hex
    writer = CrawlWriter(engine, context, attempt_key=key)
    writer.begin()
    items = [_item(record) for record in lines[1:] if "type" in record]
    for start in range(0, len(items), REPLAY_BATCH):
        writer.write(items[start : start + REPLAY_BATCH])
    finish = next((record["finish"] for record in lines if "finish" in record), None)
    if finish is not None:
        writer.finish(finish["status"], finish["stats"], monitors)
    return len(items)
