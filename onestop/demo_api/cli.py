"""``onestop-demo-api``: run the reference status API on the bundled demo data or a file."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from onestop.demo_api._data import DemoDataError, bundled_records, load_records
from onestop.demo_api._server import DemoStatusServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop-demo-api",
        description="Serve the onestop status API contract from demo dossiers.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (0: any)")
    parser.add_argument("--data", type=Path, help="JSON file of status records to serve")
    parser.add_argument("--token", help="require this bearer token")
    parser.add_argument("--token-file", type=Path, help="require the bearer token in this file")
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=0,
        metavar="N",
        help="answer 429 above N requests per minute from one address (0: no limit)",
    )
    parser.add_argument("--list", action="store_true", help="print the dossier codes and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    try:
        records = load_records(args.data) if args.data else bundled_records()
        token = args.token
        if args.token_file:
            token = args.token_file.read_text(encoding="utf-8").strip()
    except (DemoDataError, OSError) as exc:
        print(f"onestop-demo-api: {exc}", file=sys.stderr)
        return 2
    if args.list:
        # Die quietly when piped into head, as a Unix tool does; the handler goes back
        # afterwards, since tests call main() inside pytest's own process.
        previous = signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        try:
            for record in records:
                print(f"{record.dossier.code}\t{record.dossier.status}\t{record.dossier.procedure}")
            sys.stdout.flush()
        finally:
            signal.signal(signal.SIGPIPE, previous)
        return 0
    try:
        server = DemoStatusServer(
            records, host=args.host, port=args.port, token=token, rate_limit=args.rate_limit
        )
    except OSError as exc:
        print(f"onestop-demo-api: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(
        f"demo status API on {server.url} with {len(records)} dossiers "
        f"(list them: onestop-demo-api --list)",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
