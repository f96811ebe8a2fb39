"""The technicians' PIN, stored in the configuration only as a salted, slow hash.

A PIN has few digits; a plain SHA-256 of it is reversed by trying them all in a moment. PBKDF2
with a random salt and many iterations (standard library) makes the configuration file useless
for finding the PIN while a check on the kiosk still takes a fraction of a second.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_SCHEME = "pbkdf2_sha256"
_ITERATIONS = 200_000


def hash_pin(pin: str, *, salt: str | None = None, iterations: int = _ITERATIONS) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hex digest>``, for ``[kiosk] diagnostics_pin_hash``."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), iterations).hex()
    return f"{_SCHEME}${iterations}${salt}${digest}"


def check_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches ``stored``; False for a wrong PIN or a malformed hash."""
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != _SCHEME or not parts[1].isdigit():
        return False
    expected = hash_pin(pin, salt=parts[2], iterations=int(parts[1]))
    return hmac.compare_digest(expected, stored)
