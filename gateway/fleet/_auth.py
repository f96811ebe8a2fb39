"""Who may see the fleet page: users with a password hash in the configuration, sessions in
the fleet database, and the forms' protection against cross-site requests.

A password is kept only as a salted scrypt hash (``[fleet_gateway] login.NAME``; make one with
``onestop-fleet hash-password``): memory-hard, so a stolen configuration file does not give
the password away. A session is a random key in a cookie (``HttpOnly``, ``SameSite=Strict``,
``Secure`` unless turned off for a test bed); the database keeps only the key's SHA-256, so
a copy of the database opens no session. A session ends after ``session_idle`` unused or
``session_max`` in all, and at logout; living in the database, it works on whichever gateway
of several answers.

Every form that changes something carries the session's own random token, checked against
the session (double submit); a request whose ``Origin`` is another site is refused before
that. Failed logins are counted per address, and a burst of them is answered with a pause.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

import sqlalchemy as sa

from gateway.fleet._database import transaction
from gateway.fleet._schema import sessions

_SCHEME = "scrypt"
COST = 2**17
"""scrypt's N: OWASP's minimum (with r = 8, p = 1), 128 MiB and about half a second per
guess, for whoever gets hold of the configuration file."""
_R, _P = 8, 1
_MAXMEM = 2**28
"""Room for N = 2**17 (128 MiB) with some to spare, and a hash asking for more is refused."""
CHECKS_AT_ONCE = 2
"""Password checks run at once; more logins wait, so that a burst of them cannot take the
gateway's memory (each check takes 128 MiB)."""
COOKIE = "onestop_fleet"


def hash_password(password: str, *, salt: bytes | None = None, cost: int = COST) -> str:
    """``scrypt$131072$8$1$<salt>$<hash>`` (base64), for ``[fleet_gateway] login.NAME``
    (a lower ``cost`` only for tests)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=cost, r=_R, p=_P, dklen=32, maxmem=_MAXMEM
    )
    encode = base64.b64encode
    return f"{_SCHEME}${cost}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


NO_USER = f"{_SCHEME}${COST}${_R}${_P}${'A' * 24}${'A' * 44}"
"""A well-formed hash no password matches: a login name that does not exist is checked
against it, so that it takes as long as a wrong password and does not tell the name apart."""


def check_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for a wrong one or a malformed hash."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != _SCHEME or not all(p.isdigit() for p in parts[1:4]):
        return False
    n, r, p = (int(part) for part in parts[1:4])
    try:
        salt, expected = base64.b64decode(parts[4]), base64.b64decode(parts[5])
        digest = hashlib.scrypt(
            password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=_MAXMEM
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    login: str
    csrf: str


class SessionBook:
    """Fleet page sessions, kept in the fleet database."""

    TOUCH_EVERY = 60.0
    """A session's last use is written at most this often, not on every page."""

    def __init__(self, engine: sa.Engine, *, idle: float, longest: float) -> None:
        self.engine = engine
        self.idle = idle
        self.longest = longest

    def open(self, login: str, now: float) -> tuple[str, Session]:
        """A new session: the cookie's key, and the session."""
        key = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with transaction(self.engine, write=True) as db:
            db.execute(
                sa.insert(sessions).values(
                    key_hash=_key_hash(key), login=login, csrf=csrf, created_at=now, used_at=now
                )
            )
        return key, Session(login, csrf)

    def find(self, key: str, now: float) -> Session | None:
        """The live session of this cookie key, or None (unknown, idle too long, too old)."""
        if not key:
            return None
        hashed = _key_hash(key)
        with transaction(self.engine) as db:
            row = db.execute(sa.select(sessions).where(sessions.c.key_hash == hashed)).first()
        if row is None:
            return None
        if now - row.used_at > self.idle or now - row.created_at > self.longest:
            self.close(key)
            return None
        if now - row.used_at > self.TOUCH_EVERY:
            with transaction(self.engine, write=True) as db:
                db.execute(
                    sa.update(sessions).where(sessions.c.key_hash == hashed).values(used_at=now)
                )
        return Session(row.login, row.csrf)

    def close(self, key: str) -> None:
        with transaction(self.engine, write=True) as db:
            db.execute(sa.delete(sessions).where(sessions.c.key_hash == _key_hash(key)))

    def prune(self, now: float) -> int:
        with transaction(self.engine, write=True) as db:
            return int(
                db.execute(
                    sa.delete(sessions).where(
                        sa.or_(
                            sessions.c.used_at < now - self.idle,
                            sessions.c.created_at < now - self.longest,
                        )
                    )
                ).rowcount
            )


class LoginThrottle:
    """At most ``attempts`` failed logins per address in ``window`` seconds."""

    def __init__(self, *, attempts: int = 5, window: float = 900.0) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, address: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._failures[address]
            while failures and failures[0] < now - self.window:
                failures.popleft()
            if not failures:
                del self._failures[address]
                return False
            return len(failures) >= self.attempts

    def failed(self, address: str, now: float | None = None) -> None:
        with self._lock:
            self._failures[address].append(time.monotonic() if now is None else now)

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


def same_csrf(session: Session, given: str) -> bool:
    return hmac.compare_digest(session.csrf.encode(), given.encode())
