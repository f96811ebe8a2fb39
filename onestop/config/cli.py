"""``onestop-config``: a technician's check of the configuration file before restarting units."""

from __future__ import annotations

import argparse
import os
import sys

from onestop.config._config import Config, ConfigError, config_path, dump_config, load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop-config",
        description="Check, show or print an example of the onestop configuration file.",
    )
    parser.add_argument(
        "action",
        choices=("check", "show", "example"),
        help="check: validate the file; show: print the effective values (secrets masked); "
        "example: print every key with its default and help",
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file to read")
    args = parser.parse_args(argv)
    if args.action == "example":
        sys.stdout.write(dump_config(Config(), documented=True))
        return 0
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.action == "show":
        sys.stdout.write(dump_config(config))
    else:
        source = config.path or f"{config_path(args.config, os.environ)} (absent: all defaults)"
        print(f"configuration {source} is valid")
    return 0
