"""Serving a farm until killed: the loop of ``python -m tests.farm`` and of the benchmarks' farms."""

from __future__ import annotations

from tests.farm.server import FarmServer


def serve(server: FarmServer, *after: str) -> None:
    """Print the proxy URL (a client's first line to read), then ``after``; serve until killed or Ctrl-C."""
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    for line in after:
        print(line, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
