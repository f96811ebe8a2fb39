"""Upstream secrets kept out of ``onestop.conf``: ``[gateway] secrets_file``.

The configuration is readable by every onestop service of a machine (group ``onestop``), and
on a small office the gateway shares its machine with the SMS daemon; the passwords and client
secrets of the province's systems belong to the gateway alone. So they may live in a root-only
file, which systemd hands the gateway (``LoadCredential=``), one section per upstream::

    [opencps]
    password = ...

    [cantho]
    client_secret = ...

Each value replaces the same key of ``[upstream.NAME]``; only secret keys are accepted there.
"""

from __future__ import annotations

import configparser
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.errors import GatewayError
from onestop.config import UpstreamSection

SECRET_KEYS = frozenset(
    field.name for field in dataclasses.fields(UpstreamSection) if field.metadata["kind"].secret
)


def with_secrets(
    upstreams: Mapping[str, UpstreamSection], path: Path
) -> dict[str, UpstreamSection]:
    """``upstreams`` with the secrets of ``path`` filled in; GatewayError names what is wrong."""
    parser = configparser.ConfigParser(interpolation=None, default_section="\0")
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise GatewayError(f"secrets file {path} cannot be read: {exc}") from None
    found = dict(upstreams)
    for name in parser.sections():
        if name not in upstreams:
            raise GatewayError(f"secrets file {path}: [{name}] is not an [upstream.{name}]")
        values: dict[str, Any] = dict(parser.items(name))
        unknown = sorted(set(values) - SECRET_KEYS)
        if unknown:
            raise GatewayError(
                f"secrets file {path}: [{name}] {unknown[0]}: only "
                + ", ".join(sorted(SECRET_KEYS))
                + " belong here"
            )
        found[name] = dataclasses.replace(upstreams[name], **values)
    return found
