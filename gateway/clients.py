"""The gateway's clients: one bearer token per kiosk or SMS box, kept only as a hash.

The clients file (``[gateway] clients_file``, root-only) has one line per client::

    # NAME  SHA-256 of the token
    kiosk-vithanh-01  sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08

``onestop-gateway client add NAME`` makes a token from 32 random bytes, prints it once and
writes only its hash; a leaked file names the clients but gives no token. Tokens carry 256
bits of randomness, so a fast hash is the right one (a slow password hash protects guessable
secrets, at a cost on every request). A presented token is hashed and found by its hash, then
compared with :func:`hmac.compare_digest`: what a timing difference could tell is only about
a hash of the guess, never about a stored token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gateway.errors import GatewayError

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HASH = re.compile(r"sha256:([0-9a-f]{64})")
_HEADER = (
    "# onestop-gateway clients: NAME, then the SHA-256 of its token (onestop-gateway client add)\n"
)


class ClientsFileError(GatewayError):
    """The clients file cannot be read or a line of it is not ``NAME sha256:HEX``."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True, slots=True)
class Client:
    name: str
    hash: str


class ClientRegistry:
    """The clients allowed to look up, by the hash of their token."""

    def __init__(self, clients: list[Client]) -> None:
        self.clients = clients
        self._by_hash = {client.hash: client for client in clients}

    @classmethod
    def from_tokens(cls, tokens: dict[str, str]) -> ClientRegistry:
        """Clients given with their tokens in the clear (the demo API's ``--token``)."""
        return cls([Client(name, token_hash(token)) for name, token in tokens.items()])

    @classmethod
    def load(cls, path: Path) -> ClientRegistry:
        return cls(read_clients(path))

    def identify(self, token: str) -> str | None:
        """The name of the client holding ``token``, or None."""
        digest = token_hash(token)
        client = self._by_hash.get(digest)
        if client is None or not hmac.compare_digest(client.hash, digest):
            return None
        return client.name

    def __len__(self) -> int:
        return len(self.clients)


def read_clients(path: Path) -> list[Client]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClientsFileError(f"clients file {path} does not exist") from None
    except PermissionError:
        raise ClientsFileError(f"clients file {path}: permission denied") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ClientsFileError(f"clients file {path} cannot be read: {exc}") from None
    clients: list[Client] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        where = f"clients file {path}, line {number}"
        if len(fields) != 2 or not _NAME.fullmatch(fields[0]):
            raise ClientsFileError(f"{where}: expected NAME sha256:HEX")
        digest = _HASH.fullmatch(fields[1])
        if digest is None:
            raise ClientsFileError(f"{where}: {fields[0]}'s hash is not sha256: and 64 hex digits")
        if fields[0] in seen:
            raise ClientsFileError(f"{where}: client {fields[0]} is listed twice")
        seen.add(fields[0])
        clients.append(Client(fields[0], digest.group(1)))
    return clients


def add_client(path: Path, name: str) -> str:
    """Add a client to the file (created root-only when missing); returns its new token."""
    if not _NAME.fullmatch(name):
        raise ClientsFileError(
            f"client name {name!r}: use 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    clients = read_clients(path) if path.exists() else []
    if any(client.name == name for client in clients):
        raise ClientsFileError(f"client {name} already exists; remove it first to renew its token")
    token = secrets.token_urlsafe(32)
    _write(path, [*clients, Client(name, token_hash(token))])
    return token


def remove_client(path: Path, name: str) -> None:
    clients = read_clients(path)
    kept = [client for client in clients if client.name != name]
    if len(kept) == len(clients):
        raise ClientsFileError(f"client {name} is not in {path}")
    _write(path, kept)


def _write(path: Path, clients: list[Client]) -> None:
    """Replace the file in one step, mode 0600, so that a reader never sees half of it."""
    lines = [_HEADER, *(f"{client.name} sha256:{client.hash}\n" for client in clients)]
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".clients-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.writelines(lines)
        Path(temporary).chmod(0o600)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
