"""Run the farm in a subprocess for the duration of a with-block (Scrapy's MockServer pattern)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]


class FarmProcess:
    """``with FarmProcess() as farm:`` starts ``python -m tests.farm``; ``farm.url`` is the proxy URL."""

    def __init__(
        self, *, port: int = 0, timeout_delay: float | None = None, epoch: date | None = None
    ) -> None:
        self._args = [sys.executable, "-u", "-m", "tests.farm", "--port", str(port)]
        if timeout_delay is not None:
            self._args += ["--timeout-delay", str(timeout_delay)]
        if epoch is not None:
            self._args += ["--epoch", epoch.isoformat()]
        self._proc: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> FarmProcess:
        self._proc = subprocess.Popen(self._args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self._stop()
            raise RuntimeError(f"the farm did not start (first line: {line!r})")
        self.url = line
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        assert parts.hostname and parts.port
        return parts.hostname, parts.port

    def proxy_env(self) -> dict[str, str]:
        """Environment that routes a child process (scrapy, make demo) through the farm."""
        local = "127.0.0.1,localhost"
        env = {"http_proxy": self.url, "https_proxy": self.url, "no_proxy": local}
        return env | {k.upper(): v for k, v in env.items()}

    def _stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout:
            self._proc.stdout.close()
        self._proc = None
