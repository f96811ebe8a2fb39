"""``onestop-upstream-sim``: run one simulated upstream system by hand, for a demo or to try a
gateway configuration against it before the province's real system is reachable."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from gateway.sims import SIMULATORS, Fault, SimServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop-upstream-sim",
        description="Serve a simulated one-stop system (OpenCPS, VNPT iGate, an LGSP, a status "
        "API) on this machine, with its demo dossiers and an optional fault.",
    )
    parser.add_argument("type", choices=sorted(SIMULATORS), help="which system to simulate")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free one)")
    parser.add_argument("--name", default="sim", help="NAME of the [upstream.NAME] section printed")
    parser.add_argument(
        "--fault", choices=[fault.value for fault in Fault], help="misbehave this way on lookups"
    )
    parser.add_argument("--delay", type=float, default=3.0, help="seconds of delay for slow")
    parser.add_argument("--status", type=int, default=503, help="HTTP status for 5xx")
    parser.add_argument("--list", action="store_true", help="print the dossiers and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    sim = SIMULATORS[args.type]()
    if args.list:
        # Die quietly when piped into head, as a Unix tool does; the handler goes back
        # afterwards, since tests call main() inside pytest's own process.
        previous = signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        try:
            for code, status, key in sim.listing():
                print(f"{code}\t{status}\t{key}")
            sys.stdout.flush()
        finally:
            signal.signal(signal.SIGPIPE, previous)
        return 0
    if args.fault:
        sim.faults.set(args.fault, delay=args.delay, status=args.status)
    try:
        server = SimServer(sim, host=args.host, port=args.port)
    except OSError as exc:
        print(
            f"onestop-upstream-sim: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 1
    print(f"simulated {args.type} on {server.url}; in onestop.conf:\n", file=sys.stderr)
    print(server.section_text(args.name), end="")
    print("# its dossiers (code, status, lookup key):")
    for code, status, key in sim.listing():
        print(f"#   {code}  {status}  {key}".rstrip())
    print(flush=True)
    server.serve()
    return 0
