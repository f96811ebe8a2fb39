"""``onestop-kiosk [--config FILE] [--demo] [--windowed] [--size WxH]``: run the lobby kiosk.

Kivy reads its settings from the environment and from ``KIVY_HOME`` at import time, and by
default parses the program's own command line and writes ``~/.kivy``. So this module sets
``KIVY_NO_ARGS`` and points ``KIVY_HOME`` into the kiosk's state directory, then configures the
window, and only then imports Kivy.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from onestop.config import Config, ConfigError, load_config
from onestop.links import lookup_page

logger = logging.getLogger(__name__)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT such as 1024x600, got {text!r}"
        ) from None
    if not (320 <= width <= 8192 and 240 <= height <= 8192):
        raise argparse.ArgumentTypeError(f"size {text} is out of range")
    return width, height


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="onestop-kiosk", description="Run the dossier status lookup kiosk."
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file to read")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="serve the bundled demo dossiers in-process and play sample receipts to the camera",
    )
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    parser.add_argument("--size", type=_size, metavar="WxH", help="window size, such as 1024x600")
    parser.add_argument(
        "--list-prompts",
        action="store_true",
        help="print the prompts an office can record for reading results aloud (NAME.wav: text)",
    )
    parser.add_argument(
        "--hash-pin",
        action="store_true",
        help="read a technician PIN and print the value for [kiosk] diagnostics_pin_hash",
    )
    return parser.parse_args(argv)


def prepare_kivy(
    state_dir: Path, *, fullscreen: bool, size: tuple[int, int] | None, lockdown: bool
) -> None:
    """Environment and window settings; must run before anything imports Kivy."""
    kivy_home = state_dir / "kivy"
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_HOME"] = str(kivy_home)
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_LOG_MODE"] = "PYTHON"  # one logging set-up, to stderr for journald
    from kivy.config import Config as KivyConfig

    KivyConfig.set("kivy", "exit_on_escape", "0")
    KivyConfig.set("kivy", "keyboard_mode", "system")
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")
    KivyConfig.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    KivyConfig.set("graphics", "show_cursor", "0" if lockdown else "1")
    if size is not None:
        KivyConfig.set("graphics", "width", str(size[0]))
        KivyConfig.set("graphics", "height", str(size[1]))
    if not fullscreen:
        KivyConfig.set("graphics", "position", "custom")
        KivyConfig.set("graphics", "left", "0")
        KivyConfig.set("graphics", "top", "0")


def build_parts(config: Config, *, demo: bool) -> tuple[Any, list[Any]]:
    """The app's injected parts and what must be closed at exit (imports Kivy-free modules)."""
    from backend_client import LastKnownStore, StatusClient, fleet_reporter
    from kiosk._app import KioskParts
    from kiosk._fleet import KioskVitals
    from onestop.fleet import Role

    closers: list[Any] = []
    camera = None
    if demo:
        from kiosk._demo import demo_camera, start_demo_api

        server = start_demo_api()
        closers.append(server.stop)
        config = dataclasses.replace(
            config, backend=dataclasses.replace(config.backend, url=server.url)
        )
        camera = demo_camera(server, lookup_url=lookup_page(config))
    store = LastKnownStore(
        config.kiosk.state_dir / "last_known.sqlite3",
        max_age=config.backend.last_known_max_age,
    )
    closers.append(store.close)
    client = StatusClient.from_config(config.backend, last_known=store)
    closers.append(client.close)
    vitals = KioskVitals()
    fleet = fleet_reporter(
        config,
        role=Role.KIOSK,
        default_outbox=config.kiosk.state_dir / "fleet-outbox.sqlite3",
        collect=vitals.figures,
        api_figures=client.stats.figures,
    )
    if fleet is not None:
        closers.append(fleet.start().stop)
    parts = KioskParts(
        config=config, client=client, camera=camera, demo=demo, fleet=fleet, vitals=vitals
    )
    return parts, closers


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_prompts:
        from kiosk._speech import prompt_list

        for piece in prompt_list():
            print(f"{piece.prompt}.wav\t{piece.text}")
        return 0
    if args.hash_pin:
        from kiosk._pin import hash_pin

        pin = getpass.getpass("Technician PIN (digits): ")
        if not pin.isdigit() or len(pin) < 4:
            print("a PIN needs at least 4 digits", file=sys.stderr)
            return 2
        print(hash_pin(pin))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("kivy").setLevel(logging.WARNING)  # its start-up chatter, for journald
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"onestop-kiosk: {exc}", file=sys.stderr)
        return 2
    for warning in config.warnings:
        logger.warning("%s", warning)
    temporary = None
    if args.demo:
        temporary = Path(tempfile.mkdtemp(prefix="onestop-kiosk-"))
        config = dataclasses.replace(
            config, kiosk=dataclasses.replace(config.kiosk, state_dir=temporary)
        )
    try:
        config.kiosk.state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(
            f"[kiosk] state_dir: cannot create {config.kiosk.state_dir}: {exc.strerror}",
            file=sys.stderr,
        )
        return 2
    try:
        prepare_kivy(
            config.kiosk.state_dir,
            fullscreen=not args.windowed,
            size=args.size,
            lockdown=config.kiosk.lockdown,
        )
        parts, closers = build_parts(config, demo=args.demo)
        from kiosk._app import KioskApp

        try:
            KioskApp(parts).run()
        finally:
            for close in reversed(closers):
                close()
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
