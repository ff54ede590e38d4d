"""The html report: a bulletin's 附件 rendered through jinja2 templates an office can override.

The packaged templates live in ``govcheck/templates/`` (``bulletin.html`` with its ``bulletin.css``).
An office puts its own ``bulletin.html`` or ``bulletin.css`` in a folder named by
GOVCHECK_REPORT_TEMPLATES, or gives one file with ``--template PATH``; either may
``{% extends "govcheck/bulletin.html" %}`` and replace blocks only. Autoescaping is always on and a
cell is linked only when it holds an http(s) URL (the ``web_url`` filter), so scraped text stays text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2

from govcheck.document import Document, Imprint, chinese_date, plain, tone, web_url

TEMPLATE = "bulletin.html"


class TemplateProblem(ValueError):
    """An office template that cannot be found or rendered; the message names it."""


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else plain(value)


def environment(folders: list[Path]) -> jinja2.Environment:
    """Templates from ``folders`` first, then the packaged ones (also as ``govcheck/NAME``)."""
    package = jinja2.PackageLoader("govcheck", "templates")
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                *(jinja2.FileSystemLoader(f) for f in folders),
                package,
                jinja2.PrefixLoader({"govcheck": package}),
            ]
        ),
        autoescape=True,  # for every template, whatever its name: scraped text must never become markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(text=_text, web_url=web_url, tone=tone, chinese_date=chinese_date)
    return env


def render_html(
    doc: Document, imprint: Imprint, *, template: Path | None = None, templates: Path | None = None
) -> str:
    """One self-contained page (inline CSS, no scripts, no external resources) ready to print."""
    folders = [p for p in (template.parent if template else None, templates) if p is not None]
    for folder in folders:
        if not folder.is_dir():
            raise TemplateProblem(f"{folder}: templates folder not found")
    name = template.name if template else TEMPLATE
    try:
        return environment(folders).get_template(name).render(doc=doc, imprint=imprint)
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(
            f"template {exc.name} not found (looked in {', '.join(map(str, folders))} and govcheck/templates)"
        ) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise TemplateProblem(f"template {name}: {exc}") from exc
