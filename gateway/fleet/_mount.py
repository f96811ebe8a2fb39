"""The fleet inside a running gateway: its routes beside the status API's, its database
upgraded before the server listens, its background work beside the gateway's own.

Units are recognised by the gateway's own client check: on the API's paths the gateway has
already identified the caller (``ApiGuard``), elsewhere (a reader fetching the report from
``/fleet/report.csv``) the same token check runs here.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from gateway.access import Caller
from gateway.assembly import Gateway
from gateway.fleet._app import Fleet
from gateway.middleware import CALLER, client_address, state
from onestop.config import Config


def client_of(gateway: Gateway) -> Callable[[Request], str | None]:
    """The name of the client whose token a request carries, as the gateway knows it."""

    def authenticate(request: Request) -> str | None:
        caller = state(request.scope).get(CALLER)
        if not isinstance(caller, Caller):
            caller = gateway.access.identify(
                request.headers.get("authorization"), client_address(request.scope)
            )
        return None if caller is None else caller.name

    return authenticate


def mount_fleet(gateway: Gateway, config: Config) -> Fleet | None:
    """The fleet of ``config`` in ``gateway``, ready to serve (its routes go to
    ``Gateway.server(extra_routes=...)``), or None when ``[fleet_gateway]`` is not enabled.

    Raises :class:`~gateway.fleet.FleetError` when the database cannot be opened or
    upgraded, before anything listens.
    """
    if not config.fleet_gateway.enabled:
        return None
    fleet = Fleet(config, authenticate=client_of(gateway))
    try:
        fleet.prepare()
    except BaseException:
        fleet.close()
        raise
    gateway.background.append(fleet.run)
    return fleet
