"""``python -m tests.farm [--port 0] [--timeout-delay S] [--epoch YYYY-MM-DD]``: print the proxy URL on one line, serve until killed."""

from __future__ import annotations

import argparse
from datetime import date

from tests.farm.server import FarmServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.farm", description="govcheck test site farm (HTTP proxy)"
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument(
        "--timeout-delay", type=float, default=20.0, help="seconds the timing-out host stalls before its 504"
    )
    parser.add_argument(
        "--epoch", type=date.fromisoformat, help="serve the replicas as of this older date (epochs.py)"
    )
    args = parser.parse_args(argv)
    server = FarmServer(("127.0.0.1", args.port), args.timeout_delay, args.epoch)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
