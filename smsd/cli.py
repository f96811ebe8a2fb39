"""``onestop-smsd [--config FILE] [--demo]``: the SMS auto-reply daemon.

Exit codes: 0 stopped cleanly, 1 the transport cannot be used (a dead modem, every modem of a
pool dead: systemd restarts the daemon), 2 the configuration, the database or [kannel]
listen's port is not usable.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import signal
import sqlite3
import sys

from onestop.config import ConfigError, load_config
from smsd._daemon import SmsDaemon
from smsd._logging import setup_logging

EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop-smsd",
        description="Answer SMS dossier lookups on a GSM modem, a pool of modems, Kannel or "
        "a telco's SMPP link ([smsd] transport).",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: $ONESTOP_CONFIG or /etc/onestop/onestop.conf)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run on an emulated modem and the demo status API, with a phone "
        "console to type messages on",
    )
    parser.add_argument("--verbose", action="store_true", help="log every message handled")
    args = parser.parse_args(argv)
    if args.demo:
        setup_logging(logging.INFO if args.verbose else logging.WARNING)
        from smsd._demo import run_demo

        return run_demo()
    setup_logging(logging.DEBUG if args.verbose else logging.INFO)
    try:
        config = load_config(args.config)
        for warning in config.warnings:
            logging.getLogger(__name__).warning("%s", warning)
        daemon = SmsDaemon(config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    except sqlite3.Error as exc:
        print(f"cannot open the database: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:  # the database's folder, or [kannel] listen's port
        print(f"cannot start: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    signal.signal(signal.SIGTERM, lambda *_: daemon.request_stop())
    signal.signal(signal.SIGINT, lambda *_: daemon.request_stop())
    signal.signal(signal.SIGHUP, lambda *_: daemon.request_reload())
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    return daemon.run()


if __name__ == "__main__":
    sys.exit(main())
