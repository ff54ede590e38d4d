"""``python -m tests.farm [--port 8899] [--timeout-delay S] [--epoch YYYY-MM-DD] [--exports]``: print the proxy
URL on one line (then, with ``--exports``, the shell lines that route a client through it), serve until killed."""

from __future__ import annotations

import argparse
from datetime import date

from tests.farm.server import FarmServer
from tests.farm.serving import serve

DEFAULT_PORT = 8899  # fixed, so the README's Usage section can name it (`make farm`)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.farm", description="govcheck test site farm (HTTP proxy)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0: any free port)",
    )
    parser.add_argument(
        "--timeout-delay", type=float, default=20.0, help="seconds the timing-out host stalls before its 504"
    )
    parser.add_argument(
        "--epoch", type=date.fromisoformat, help="serve the replicas as of this older date (epochs.py)"
    )
    parser.add_argument(
        "--exports",
        action="store_true",
        help="also print the export lines that route a shell through the farm",
    )
    args = parser.parse_args(argv)
    try:
        server = FarmServer(("127.0.0.1", args.port), args.timeout_delay, args.epoch)
    except OSError as exc:
        parser.exit(1, f"python -m tests.farm: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}\n")
    url = f"http://127.0.0.1:{server.server_address[1]}"
    exports = (
        "# The sample sites are served until Ctrl-C. In the shell where you run govcheck:\n"
        f"export http_proxy={url} https_proxy={url} no_proxy=127.0.0.1,localhost",
    )
    serve(server, *(exports if args.exports else ()))


if __name__ == "__main__":
    main()
