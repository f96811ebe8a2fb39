"""``onestop-smsc-sim``: a telco's SMSC on 127.0.0.1 (SMPP 3.4), with a citizen's phone to type on.

Point ``onestop-smsd`` at it (``[smsd] transport = smpp``, ``[smpp] host = 127.0.0.1`` and the
printed port, system_id and password) and type messages as a citizen texting the short code.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from smsd.smsc_sim._server import SmscSimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop-smsc-sim",
        description="Simulate a telco's SMSC (SMPP 3.4) and type SMS to the short code.",
    )
    parser.add_argument("--port", type=int, default=2775, help="TCP port (default 2775)")
    parser.add_argument("--system-id", default="onestop", help="system_id binds must give")
    parser.add_argument("--password", default="secret", help="password binds must give")
    parser.add_argument("--short-code", default="8077", help="the number citizens text")
    parser.add_argument(
        "--from", dest="number", default="+84912345678", help="the phone number messages come from"
    )
    args = parser.parse_args(argv)
    smsc = SmscSimulator(
        system_id=args.system_id,
        password=args.password,
        short_code=args.short_code,
        port=args.port,
    )

    def heard(kind: str, _text: str) -> None:
        if kind == "submit":
            for reply in smsc.replies[printed[0] :]:
                print(f"\n<< SMS from {reply.source} to {reply.destination}:\n{reply.text}\n")
                printed[0] += 1
            sys.stdout.flush()

    printed = [0]
    smsc.add_listener(heard)
    stop = threading.Event()
    # Before the port is printed: whoever reads it may stop us at once.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with smsc:
        print(
            f"SMSC simulator on 127.0.0.1:{smsc.port} (system_id {smsc.system_id}, "
            f"short code {smsc.short_code})",
            flush=True,
        )
        if not sys.stdin.isatty():
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
            return 0
        print(f"Type a message and press Enter to text it from {args.number}; Ctrl-D leaves.")
        with contextlib.suppress(KeyboardInterrupt):
            for line in sys.stdin:
                if line.strip():
                    smsc.deliver(args.number, line.rstrip("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
