"""``onestop-provision kiosk|smsd|gateway|all ...``: turn a fresh Debian or Raspberry Pi OS
machine (or a staging tree for an image) into a lobby kiosk, an SMS box, a status gateway, or
several of them, in one command. ``onestop-provision kannel`` (on its own) adds Kannel in
front of the SMS daemon, configured from the unit's ``[kannel]``, ``[smpp]`` and
``[modem.NAME]`` sections.

Exit status: 0 done (or nothing to do), 1 refused or a step failed, 2 usage.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from onestop.config import ConfigError, load_config
from provision._assets import Role
from provision._errors import ProvisionError
from provision._kannel import kannel_plan, kannel_to_do
from provision._plan import Options, check_system, os_release, plan, still_to_do
from provision._root import Root
from provision._steps import Run, Step

ROLES = {
    "kiosk": {Role.KIOSK},
    "smsd": {Role.SMSD},
    "gateway": {Role.GATEWAY},
    "all": set(Role),
    "kannel": set(),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="onestop-provision",
        description="Install the onestop kiosk, SMS daemon and/or status gateway on this "
        "machine: a virtual "
        "environment in /opt/onestop, system users, systemd units, udev rules and an example "
        "configuration. Safe to run again: it changes only what is missing or outdated, and "
        "never replaces an edited configuration.",
    )
    parser.add_argument(
        "role",
        choices=ROLES,
        nargs="+",
        help="what this machine is for; several at once, such as: smsd gateway",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("/"),
        metavar="DIR",
        help="install into this staging tree (an image being built, a test) instead of this "
        "machine: users go into DIR/etc/passwd and DIR/etc/group, units are enabled with "
        "systemctl --root, and nothing on this machine is touched",
    )
    parser.add_argument("--dry-run", action="store_true", help="only print what would be done")
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="kannel: the unit's configuration to write Kannel's from "
        "(default: /etc/onestop/onestop.conf under --root)",
    )
    parser.add_argument(
        "--config-from",
        type=Path,
        metavar="FILE",
        help="install FILE (checked first) as /etc/onestop/onestop.conf instead of the "
        "example, if no configuration exists yet",
    )
    parser.add_argument(
        "--source",
        type=Path,
        metavar="PATH",
        help="the checkout or wheel to install into /opt/onestop (default: the checkout this "
        "command runs from)",
    )
    parser.add_argument(
        "--python",
        default="/usr/bin/python3",
        metavar="PATH",
        help="the Python that the virtual environment is made from (default: %(default)s)",
    )
    parser.add_argument(
        "--pip-option",
        action="append",
        default=[],
        metavar="OPTION",
        help="an option for pip install, repeatable; for an offline site: "
        "--pip-option=--no-index --pip-option=--find-links=/media/usb/wheels",
    )
    return parser.parse_args(argv)


def options_from(args: argparse.Namespace) -> Options:
    options = Options(
        roles=frozenset().union(*(ROLES[role] for role in args.role)),
        root=args.root,
        config_from=args.config_from,
        python=args.python,
        pip_options=tuple(args.pip_option),
    )
    if args.source is not None:
        options = dataclasses.replace(options, source=args.source.resolve())
    return options


def provision(
    options: Options, *, dry_run: bool, out: list[str], steps: list[Step] | None = None
) -> bool:
    """Run (or, with ``dry_run``, only examine) every step; lines for the technician go to
    ``out``. Whether anything changed (or would change)."""
    run = Run(Root(options.root))
    changed = False
    for step in plan(options) if steps is None else steps:
        if not step.pending(run):
            out.append(f"  ok     {step.describe()}")
            note = step.kept(run)
            if note:
                out.append(f"         {note}")
            continue
        changed = True
        if dry_run:
            run.would_change = True
            out.append(f"  would  {step.describe()}")
            continue
        out.append(f"  done   {step.describe()}")
        out.extend(f"         {line}" for line in step.apply(run))
    return changed


def provision_kannel(args: argparse.Namespace) -> int:
    config_path = args.config or args.root / "etc/onestop/onestop.conf"
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        print(f"onestop-provision: {exc}", file=sys.stderr)
        return 1
    options = Options(roles=frozenset(), root=args.root)
    lines: list[str] = []
    print(f"{'Checking' if args.dry_run else 'Provisioning'} Kannel from {config_path}")
    try:
        steps = kannel_plan(config, staged=options.staged)
        provision(options, dry_run=args.dry_run, out=lines, steps=steps)
    except ProvisionError as exc:
        print("\n".join(lines))
        print(f"onestop-provision: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    print("\nStill to do:")
    for number, item in enumerate(kannel_to_do(config), start=1):
        print(f"  {number}. {item}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if "kannel" in args.role:
        if len(args.role) > 1:
            print("onestop-provision: kannel is provisioned on its own", file=sys.stderr)
            return 2
        return provision_kannel(args)
    options = options_from(args)
    where = f"into the staging tree {options.root}" if options.staged else "on this machine"
    lines: list[str] = []
    try:
        if options.staged and not options.root.is_dir():
            raise ProvisionError(f"--root {options.root}: no such directory")
        if options.config_from is not None and not options.config_from.is_file():
            raise ProvisionError(f"--config-from {options.config_from}: no such file")
        check_system(options, dry_run=args.dry_run, euid=os.geteuid(), release=os_release())
        roles = " and ".join(args.role)
        print(f"{'Checking' if args.dry_run else 'Provisioning'} {roles} {where}")
        changed = provision(options, dry_run=args.dry_run, out=lines)
    except ProvisionError as exc:
        print("\n".join(lines))
        print(f"onestop-provision: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    if not changed:
        print("Everything was already in place; nothing changed.")
    elif args.dry_run:
        print("Dry run: nothing was changed.")
    print("\nStill to do:")
    for number, item in enumerate(still_to_do(options), start=1):
        print(f"  {number}. {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
