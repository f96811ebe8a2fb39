"""``onestop-modem-sim``: an emulated GSM modem on a pty, with a citizen's phone to type on.

Point any AT client at the printed path (``onestop-smsd`` with ``[modem] port``, Gammu,
minicom) and type messages as a citizen would.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from hardware.modem_sim._console import PhoneConsole
from hardware.modem_sim._emulator import ModemEmulator
from hardware.modem_sim._profiles import PROFILES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop-modem-sim",
        description="Emulate a GSM modem on a pseudo-terminal and type SMS as a citizen's phone.",
    )
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="generic",
        help="modem model to imitate (default: generic)",
    )
    parser.add_argument(
        "--link",
        default="/tmp/onestop-modem",  # noqa: S108 - a well-known demo path
        help="stable path of the emulated device (default: /tmp/onestop-modem)",
    )
    parser.add_argument(
        "--from", dest="number", default="+84912345678", help="the phone number messages come from"
    )
    parser.add_argument(
        "--send-delay",
        type=float,
        default=0.0,
        help="seconds each AT+CMGS takes (real networks: 2 to 6)",
    )
    parser.add_argument(
        "--capacity",
        type=int,
        default=None,
        help="messages each storage (SM, ME) holds before the network waits",
    )
    parser.add_argument(
        "--no-console", action="store_true", help="only run the modem, until interrupted"
    )
    args = parser.parse_args(argv)
    profile = PROFILES[args.profile]
    capacity = dict.fromkeys(profile.storages, args.capacity) if args.capacity else None
    emulator = ModemEmulator(profile, link=args.link, capacity=capacity)
    emulator.faults.send_delay = args.send_delay
    quiet = args.no_console or not sys.stdin.isatty()
    stop = threading.Event()
    if quiet:
        # Before the path is printed: whoever reads it may stop the emulator at once.
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with emulator:
        print(
            f"modem emulator ({profile.manufacturer} {profile.model}) on {emulator.path}",
            flush=True,
        )
        if quiet:
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
            return 0
        PhoneConsole(emulator, number=args.number, stdin=sys.stdin, stdout=sys.stdout).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
