"""Packaging: an installed govcheck or a Scrapyd egg ships only the ``govcheck`` package.

``scrapyd-deploy`` builds the egg with ``setup.py bdist_egg``; our own setup.py keeps it from
writing one that would put generic top-level packages (``spiders``, ``tests``) into site-packages.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_scrapyd_egg_holds_only_govcheck(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(
        REPO, source, ignore=shutil.ignore_patterns(".venv", "var", ".git", "*.egg-info", "build", "dist")
    )
    subprocess.run(
        [sys.executable, "setup.py", "-q", "bdist_egg", "-d", str(tmp_path / "eggs")],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (egg,) = (tmp_path / "eggs").glob("govcheck-*.egg")
    with zipfile.ZipFile(egg) as archive:
        names = archive.namelist()
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    assert {name.split("/")[0] for name in names} == {"EGG-INFO", "govcheck"}
    # Every module of the source tree is in the egg under its installed name (a package missing
    # from pyproject's explicit list would otherwise only fail on a Scrapyd node).
    installed_as = {
        "govcheck": "govcheck",
        "spiders": "govcheck/spiders",
        "pipelines": "govcheck/pipelines",
        "migrations": "govcheck/migrations",
    }
    expected = {
        f"{installed_as[path.relative_to(REPO).parts[0]]}/{'/'.join(path.relative_to(REPO).parts[1:])}"
        for top in installed_as
        for path in (REPO / top).rglob("*")
        if path.suffix in {".py", ".json", ".mako", ".html", ".css"} and "__pycache__" not in path.parts
    }
    assert expected - set(names) == set()
    assert "settings = govcheck.settings" in entry_points
    assert "govcheck/spiders/portal.py" in names
    assert "govcheck/pipelines/storage.py" in names
    assert any(name.startswith("govcheck/migrations/versions/") and name.endswith(".py") for name in names)
    assert "govcheck/migrations/script.py.mako" in names
    assert {"govcheck/templates/bulletin.html", "govcheck/templates/bulletin.css"} <= set(names)

    # Scrapyd imports the egg as a zip file; the schema must still be created from inside it.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import sqlalchemy as sa; "
        "from govcheck.db.session import open_database; "
        "print(sorted(sa.inspect(open_database(sys.argv[2])).get_table_names()))"
    )
    created = subprocess.run(
        [sys.executable, "-c", probe, str(egg), f"sqlite:///{tmp_path / 'node.db'}"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    assert "'crawls'" in created.stdout and "'alembic_version'" in created.stdout
