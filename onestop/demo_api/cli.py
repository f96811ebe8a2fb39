"""``onestop-demo-api``: the status gateway on the bundled demo dossiers or a file.

A thin alias of ``onestop-gateway --demo`` that keeps the demo API's flags: a single bearer
token instead of a clients file, and one rate limit for every caller.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from gateway import DemoStatusServer, GatewayError
from gateway.upstreams.demo import DemoDataError, DemoRecord, bundled_records, load_records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop-demo-api",
        description="Serve the onestop status API contract from demo dossiers "
        "(the status gateway with one demo upstream).",
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
        return _list(records)
    try:
        server = DemoStatusServer(
            records, host=args.host, port=args.port, token=token, rate_limit=args.rate_limit
        )
    except GatewayError as exc:
        print(f"onestop-demo-api: {exc}", file=sys.stderr)
        return 1
    print(
        f"demo status API on {server.url} with {len(records)} dossiers "
        f"(list them: onestop-demo-api --list)",
        file=sys.stderr,
        flush=True,
    )
    server.serve()
    return 0


def _list(records: list[DemoRecord]) -> int:
    """Print the codes; a reader that stops early (``| head``) ends the listing quietly."""
    try:
        for record in records:
            print(f"{record.dossier.code}\t{record.dossier.status}\t{record.dossier.procedure}")
        sys.stdout.flush()
    except BrokenPipeError:
        # What Python's documentation advises: no traceback, and no second error at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
