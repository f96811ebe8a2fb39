"""``onestop-fleet``: the fleet page's passwords and database, for the province's technician.

onestop-fleet hash-password          prints the value for [fleet_gateway] login.NAME
onestop-fleet migrate [--config F]   brings the fleet database to this release's schema
                                     (the gateway also does it at start)
"""

from __future__ import annotations

import argparse
import getpass
import sys

from gateway.fleet._auth import hash_password
from gateway.fleet._errors import FleetError
from onestop.config import ConfigError, load_config

MIN_PASSWORD = 10


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password for the fleet page: ")
    if getpass.getpass("The same password again: ") != first:
        print("the two passwords differ", file=sys.stderr)
        return None
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop-fleet", description="The fleet page's passwords and database."
    )
    actions = parser.add_subparsers(dest="action", required=True)
    hashing = actions.add_parser(
        "hash-password", help="print the hash of a password for [fleet_gateway] login.NAME"
    )
    hashing.add_argument(
        "--stdin", action="store_true", help="read the password from standard input"
    )
    migrate = actions.add_parser("migrate", help="upgrade the fleet database's schema")
    migrate.add_argument("--config", metavar="FILE", help="configuration file to read")
    args = parser.parse_args(argv)
    if args.action == "hash-password":
        password = _read_password(args.stdin)
        if password is None:
            return 2
        if len(password) < MIN_PASSWORD:
            print(f"a password needs at least {MIN_PASSWORD} characters", file=sys.stderr)
            return 2
        print(hash_password(password))
        return 0
    from gateway.fleet._store import FleetStore

    try:
        section = load_config(args.config).fleet_gateway
        password = None
        if section.database_password_file is not None:
            password = section.database_password_file.read_text(encoding="utf-8").strip()
        store = FleetStore(section.database, password=password)
        try:
            revision = store.upgrade()
        finally:
            store.close()
    except (ConfigError, FleetError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"the fleet database is at schema revision {revision}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
