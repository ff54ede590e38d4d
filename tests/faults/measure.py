"""Run a command as a user would and measure it: wall time and the peak RSS of that one process."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float
    timed_out: bool


def run_measured(
    args: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    timeout: float = 300,
    file_size_limit: int | None = None,
    started_process: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> Measured:
    """Run ``args`` to completion (killed after ``timeout`` s) and report its own peak RSS.

    The peak is the child's own high-water mark (``VmHWM`` in /proc, read until it exits): the
    rusage ``ru_maxrss`` of a forked child also counts the pages it shared with this (large) test
    process before ``exec``. Output goes to files so no pipe can fill up and block it.
    ``file_size_limit`` (bytes) is the child's RLIMIT_FSIZE: a full disk without root (Python ignores
    SIGXFSZ, so a write past it fails with EFBIG). ``started_process`` gets the child as soon as it
    runs (to kill it, or to pull a service from under it, while this call measures); it must never
    wait for the child (``poll()`` would reap it before ``wait4`` can): ``returncode`` is set here
    once the child has ended.
    """

    def limit_file_size() -> None:
        assert file_size_limit is not None
        # Soft limit only: a test may lift it mid-run (prlimit), as freeing disk space would.
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, resource.RLIM_INFINITY))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            preexec_fn=limit_file_size if file_size_limit is not None else None,
        )
        if started_process is not None:
            started_process(process)
        timed_out = False
        peak_kib = 0
        while True:
            peak_kib = max(peak_kib, _high_water_kib(process.pid))
            pid, status, _usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                timed_out = True
                process.send_signal(signal.SIGKILL)
                pid, status, _usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Measured(
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            seconds=seconds,
            peak_rss_mb=peak_kib / 1024,
            timed_out=timed_out,
        )


def _high_water_kib(pid: int) -> int:
    """The process's peak resident set so far (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
