"""SerialThread: a reactor that stops with the thread still started ends the thread, and the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# A child process: the reactor runs once a process.
SCRIPT = textwrap.dedent(
    """
    from twisted.internet import reactor
    from govcheck.serial_thread import SerialThread

    thread = SerialThread("t")
    thread.run(print, "called").addCallback(lambda _: reactor.stop())  # never stopped by its owner
    reactor.run()
    print("exited")
    """
)


def test_a_thread_left_running_is_stopped_with_the_reactor_and_the_process_exits() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["called", "exited"]
    assert "Traceback" not in done.stderr
