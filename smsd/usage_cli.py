"""``onestop-usage-report``: the SMS service's usage figures for the office's six-monthly report.

Reads the anonymous lookup events in the daemon's database (``[smsd] database``) without
changing it; run it with ``sudo`` on the SMS box. Month by month; when lookups came in more
than one way (the SIMs of a pool, Kannel, a short code over SMPP) the table splits them by
transport and SIM too, and ``--csv --by-route`` gives one row per month, transport and SIM.
With ``--fleet URL`` it prints the province's report instead, every kiosk and SMS box
together, from the gateway's fleet page (docs/fleet.md); exit status 3 when the gateway
cannot give it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sqlite3
import sys
from pathlib import Path

from backend_client import BackendError, fetch_usage_report, read_token_file
from dossier import ICT, Language
from onestop.config import ConfigError, load_config
from smsd._store import read_events
from smsd._usage import build_report, render_csv_rows, render_table


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def _six_months_back(today: dt.date) -> dt.date:
    month = today.month - 6
    year = today.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)


def _fleet_report(args: argparse.Namespace) -> int:
    try:
        token = read_token_file(args.token_file) if args.token_file else None
        text = fetch_usage_report(
            args.fleet,
            token=token,
            start=args.start,
            end=args.end,
            lang=str(args.lang),
            csv=args.csv,
        )
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except BackendError as exc:
        print(f"onestop-usage-report: {exc}", file=sys.stderr)
        return 3
    sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    today = dt.datetime.now(ICT).date()
    parser = argparse.ArgumentParser(
        prog="onestop-usage-report",
        description="Usage figures of the SMS lookup service, month by month.",
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file to read")
    parser.add_argument(
        "--from",
        dest="start",
        type=_date,
        default=_six_months_back(today),
        metavar="YYYY-MM-DD",
        help="first day (default: the first day of the month six months ago)",
    )
    parser.add_argument(
        "--to", dest="end", type=_date, default=today, metavar="YYYY-MM-DD", help="last day"
    )
    parser.add_argument(
        "--lang", type=Language, choices=list(Language), default=Language.VI, help="table language"
    )
    parser.add_argument("--csv", action="store_true", help="print CSV for a spreadsheet")
    parser.add_argument(
        "--by-route",
        action="store_true",
        help="CSV: one row per month, transport and SIM (the table splits them by itself)",
    )
    parser.add_argument(
        "--fleet",
        metavar="URL",
        help="the province's report from the gateway's fleet page (every kiosk and SMS box) "
        "instead of this box's own",
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        metavar="FILE",
        help="with --fleet: the token of a client in the gateway's [fleet_gateway] readers",
    )
    args = parser.parse_args(argv)
    if args.fleet:
        return _fleet_report(args)
    try:
        database = load_config(args.config).smsd.database
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not database.exists():
        print(f"no SMS database at {database} ([smsd] database)", file=sys.stderr)
        return 2
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            rows = read_events(db)
    except sqlite3.Error as exc:
        print(f"cannot read {database}: {exc}", file=sys.stderr)
        return 2
    report = build_report(rows, args.start, args.end)
    if args.csv:
        csv.writer(sys.stdout).writerows(render_csv_rows(report, by_route=args.by_route))
    else:
        sys.stdout.write(render_table(report, args.lang))
    return 0
