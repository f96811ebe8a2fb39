"""``onestop-gateway``: run the status gateway, or manage its clients' tokens.

    onestop-gateway [--config FILE] [--host ADDRESS] [--port N] [--demo]
    onestop-gateway client add|remove NAME [--config FILE] [--clients-file FILE]
    onestop-gateway client list [--config FILE] [--clients-file FILE]

Exit status: 0 stopped (SIGTERM, Ctrl-C) or done; 1 cannot listen, or the server failed;
2 the configuration, the clients file or the database is not usable (the message says which).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import signal
import sys
from pathlib import Path
from types import FrameType

from gateway.assembly import Gateway
from gateway.clients import ClientsFileError, add_client, read_clients, remove_client
from gateway.errors import GatewayError
from gateway.fleet import FleetError, mount_fleet
from onestop.config import Config, ConfigError, load_config
from onestop.notify import Notifier

logger = logging.getLogger("gateway")

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="onestop-gateway",
        description="The status gateway: serves the onestop status API in front of the "
        "province's one-stop systems ([upstream.NAME] sections of the configuration).",
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file")
    parser.add_argument("--host", help="address to listen on (default: [gateway] host)")
    parser.add_argument("--port", type=int, help="port to listen on (default: [gateway] port)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="serve without the real systems, open to all: each configured upstream by its "
        "simulator, or the bundled demo dossiers when none is configured",
    )
    commands = parser.add_subparsers(dest="command", metavar="client")
    client = commands.add_parser("client", help="add, remove or list the clients' tokens")
    client.add_argument("action", choices=["add", "remove", "list"])
    client.add_argument("name", nargs="?", help="the client (kiosk or SMS box), such as kiosk-01")
    client.add_argument(
        "--clients-file",
        type=Path,
        metavar="FILE",
        help="the clients file (default: [gateway] clients_file)",
    )
    client.add_argument("--config", metavar="FILE", help="configuration file")
    return parser.parse_args(argv)


def setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging()
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"onestop-gateway: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "client":
        return manage_clients(config, args)
    for warning in config.warnings:
        logger.warning("%s", warning)
    return serve(config, host=args.host, port=args.port, demo=args.demo)


def manage_clients(config: Config, args: argparse.Namespace) -> int:
    path = args.clients_file or config.gateway.clients_file
    if path is None:
        print(
            "onestop-gateway: no clients file: set [gateway] clients_file "
            "(such as /etc/onestop/gateway-clients) or give --clients-file",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if args.action != "list" and not args.name:
        print(f"onestop-gateway: client {args.action} needs the client's NAME", file=sys.stderr)
        return EXIT_CONFIG
    try:
        if args.action == "add":
            token = add_client(path, args.name)
            print(token)
            print(
                f"client {args.name} added to {path}. This is its token, shown only now: put "
                "it into the unit's token file ([backend] token_file), then restart the gateway "
                "(systemctl restart onestop-gateway).",
                file=sys.stderr,
            )
        elif args.action == "remove":
            remove_client(path, args.name)
            print(f"client {args.name} removed; restart the gateway to refuse it", file=sys.stderr)
        else:
            for client in read_clients(path):
                print(client.name)
    except (ClientsFileError, OSError) as exc:
        print(f"onestop-gateway: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_OK


def serve(config: Config, *, host: str | None, port: int | None, demo: bool) -> int:
    try:
        gateway = Gateway.from_config(config, demo=demo)
    except GatewayError as exc:
        print(f"onestop-gateway: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        fleet = mount_fleet(gateway, config)
    except FleetError as exc:
        print(f"onestop-gateway: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    settings = config.gateway
    open_files_for(settings.max_connections + sum(u.concurrency for u in config.upstream.values()))
    notifier = Notifier()
    try:
        server = gateway.server(host=host, port=port, extra_routes=fleet.routes if fleet else ())
    except GatewayError as exc:
        print(f"onestop-gateway: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if notifier.watchdog_interval is not None:
        gateway.background.append(lambda: watchdog(notifier))

    def ready() -> None:
        logger.info("status gateway serving on %s", server.url)
        notifier.ready(f"serving on {server.url}")

    # uvicorn stops on SIGTERM and SIGINT, then raises the signal again for the handler it
    # found: this one, which ends the process with status 0.
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stopped)
    try:
        server.serve(on_started=ready)
    except _Stop:
        pass
    except Exception:
        logger.exception("the gateway failed")
        return EXIT_FAILED
    finally:
        notifier.stopping("stopped")
        if fleet is not None:
            fleet.close()
    return EXIT_OK


class _Stop(BaseException):
    """Asked to stop (SIGTERM, Ctrl-C)."""


def _stopped(signum: int, frame: FrameType | None) -> None:
    raise _Stop


async def watchdog(notifier: Notifier) -> None:
    """Ping systemd's watchdog from the event loop itself: a loop that hangs stops the pings."""
    interval = notifier.watchdog_interval or 30.0
    while True:
        notifier.watchdog()
        await asyncio.sleep(interval)


def open_files_for(connections: int) -> None:
    """Raise the soft limit of open files to what the connection cap needs, when the hard
    limit allows; a gateway that runs out of descriptors refuses everyone, not just the excess."""
    needed = connections + 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < needed:
        logger.warning(
            "only %d files may be open (LimitNOFILE); [gateway] max_connections needs about %d",
            target,
            needed,
        )
