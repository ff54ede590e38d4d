"""``make demo``: the main job end to end on the embedded default.

Starts the bundled sample sites (the farm) on loopback, imports them as a registry, crawls them all
into a fresh SQLite file (var/demo.db) as of the 随州 bulletin's check date, and prints the bulletin
table. Everything goes through the real commands: ``govcheck sites import``, ``govcheck crawl``,
``govcheck report``. ``--dir PATH`` puts the database elsewhere than var/ (the test of the printed
table runs the demo in a temporary folder).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from tests.farm.process import ROOT, FarmProcess
from tests.farm.truth import AS_OF

WORKDIR = ROOT / "var"
# The farm's registry, 是否为门户网 included (truth.registry_csv; the README's Usage imports it too).
REGISTRY = ROOT / "tests" / "farm" / "sites.csv"


def govcheck(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "govcheck.cli", *args], env=env, cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.farm.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=WORKDIR, help="folder of demo.db (default: var/)")
    workdir: Path = parser.parse_args(argv).dir.resolve()
    workdir.mkdir(exist_ok=True)
    for stale in workdir.glob("demo.db*"):
        stale.unlink()
    database = workdir / "demo.db"
    with FarmProcess() as farm:
        env = {**os.environ, **farm.proxy_env(), "GOVCHECK_DATABASE_URL": f"sqlite:///{database}"}
        print(f"Sample sites served by the farm at {farm.url}; database {database}", file=sys.stderr)
        govcheck("sites", "import", str(REGISTRY.relative_to(ROOT)), env=env)
        govcheck("crawl", "--all", "--as-of", AS_OF.isoformat(), "--jobs", "4", env=env)
        govcheck("report", "--format", "markdown", "--as-of", AS_OF.isoformat(), env=env)
    shown = database.relative_to(ROOT) if database.is_relative_to(ROOT) else database
    print(
        f"\nThe JSON report with evidence: GOVCHECK_DATABASE_URL=sqlite:///{shown} "
        f".venv/bin/govcheck report --format json --as-of {AS_OF}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
