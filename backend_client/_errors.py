"""What can go wrong when asking the status API, as types a screen or an SMS reply can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend_client._last_known import KnownStatus


class BackendError(Exception):
    """The status API gave no usable answer.

    ``last_known`` carries the last status stored for the code, when there is one, so that a
    kiosk or an SMS reply can still say "as of HH:MM dd/mm" while the API is down.
    """

    last_known: KnownStatus | None = None


class DossierNotFound(BackendError):
    """The API has no dossier with this code (HTTP 404)."""


class OfficeRetired(DossierNotFound):
    """The code belongs to an office whose system no longer answers (HTTP 410 ``retired``).

    ``message_vi`` and ``message_en`` are the province's words for citizens, to show instead of
    "not found" (a channel that does not know this class still says "not found").
    """

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en or message_vi)
        self.message_vi = message_vi or message_en
        self.message_en = message_en or message_vi


class LookupKeyRequired(BackendError):
    """The dossier's system shows it only with the receipt's lookup key (HTTP 403)."""


class LookupKeyRejected(BackendError):
    """The lookup key given does not match the dossier (HTTP 403)."""


class CodeRejected(BackendError):
    """The API considers the code malformed (HTTP 400)."""


class Unauthorized(BackendError):
    """The API refused the unit's token (HTTP 401 or 403): a configuration problem."""


class BackendUnavailable(BackendError):
    """The API could not be reached or answered with a server error, after the retries."""


class RateLimited(BackendUnavailable):
    """The API asked the unit to slow down (HTTP 429); ``retry_after`` is in seconds."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadResponse(BackendError):
    """The API answered, but not as the contract says: not JSON, wrong shape, too large."""
