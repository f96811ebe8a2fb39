"""The one client of the central status API.

Kiosks and SMS boxes sit behind slow provincial networks and talk to an API run by someone
else. The client bounds every wait (connect, each read, and the whole lookup), retries only
what is safe to retry, reads at most a small body, checks the answer against the contract and
turns every failure into one of a few typed errors, each carrying the last known status when
there is one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import requests
import urllib3
from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

from backend_client._cache import TTLCache
from backend_client._deadline import Deadline, WatchedAdapter, watching
from backend_client._errors import (
    BackendError,
    BackendUnavailable,
    BadResponse,
    CodeRejected,
    DossierNotFound,
    LookupKeyRejected,
    LookupKeyRequired,
    OfficeRetired,
    RateLimited,
    Unauthorized,
)
from backend_client._last_known import KnownStatus, LastKnownStore
from backend_client._retry import RETRY_STATUSES, RetryPlan
from backend_client._stats import ApiStats
from dossier import (
    ICT,
    Channel,
    CodeError,
    Dossier,
    DossierCode,
    DossierFormatError,
    Rating,
    dossier_from_json,
    parse_code,
)
from onestop import __version__
from onestop.config import BackendSection, ConfigError

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
MAX_BODY = 256 * 1024
"""A status record is a few kilobytes; anything far larger is a misbehaving server."""


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait: to connect, for each read, and for a whole lookup with its retries."""

    connect: float = 3.05
    read: float = 5.0
    total: float = 15.0


def read_token_file(path: Path) -> str:
    """The bearer token kept in a root-only file; warns when others could read it."""
    try:
        mode = path.stat().st_mode
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(str(path), ["[backend] token_file: the file does not exist"]) from None
    except PermissionError:
        raise ConfigError(
            str(path), ["[backend] token_file: permission denied (run as root or with sudo)"]
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("token file %s is readable by other users; run: chmod 600 %s", path, path)
    if not token:
        raise ConfigError(str(path), ["[backend] token_file: the file is empty"])
    return token


class StatusClient:
    """Looks up dossier statuses; thread-safe for lookups from worker threads."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str | None = None,
        timeouts: Timeouts = Timeouts(),
        retries: int = 2,
        backoff: float = 0.3,
        max_retry_after: float = 5.0,
        ca_bundle: str | os.PathLike[str] | None = None,
        cache_ttl: float = 30.0,
        cache_size: int = 1024,
        last_known: LastKnownStore | None = None,
        max_body: int = MAX_BODY,
        user_agent: str = f"onestop-appliance/{__version__}",
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(ICT),
        stats: ApiStats | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.stats = stats or ApiStats()
        """Requests, failures and answer times of the last hour, for the unit's heartbeat."""
        self.timeouts = timeouts
        self._last_known = last_known
        self._max_body = max_body
        self._now = clock
        self._cache: TTLCache[Dossier | DossierNotFound] = TTLCache(cache_ttl, cache_size)
        self._retry = RetryPlan(retries, backoff, max_retry_after)
        self._session = requests.Session()
        adapter = WatchedAdapter()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._verify: str | bool = str(ca_bundle) if ca_bundle else True
        self._session.headers.update({"Accept": "application/json", "User-Agent": user_agent})
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def from_config(
        cls,
        section: BackendSection,
        *,
        last_known: LastKnownStore | None = None,
        user_agent: str = f"onestop-appliance/{__version__}",
    ) -> StatusClient:
        token = section.token or None
        if section.token_file is not None:
            token = read_token_file(section.token_file)
        return cls(
            base_url=section.url,
            token=token,
            timeouts=Timeouts(section.connect_timeout, section.read_timeout, section.total_timeout),
            retries=section.retries,
            backoff=section.backoff,
            max_retry_after=section.max_retry_after,
            ca_bundle=section.ca_bundle,
            cache_ttl=section.cache_ttl,
            cache_size=section.cache_size,
            last_known=last_known,
            user_agent=user_agent,
        )

    def __enter__(self) -> StatusClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def lookup(self, code: DossierCode, lookup_key: str | None = None) -> Dossier:
        """The current status of ``code``; applicant details only with a correct key.

        Raises a :class:`BackendError` subclass; unavailability and bad answers carry the
        last known status when the client has a store and it holds one.
        """
        cache_key = (code, lookup_key)
        cached = self._cache.get(cache_key)
        if isinstance(cached, Dossier):
            return cached
        if cached is not None:
            raise cached
        try:
            dossier = self._fetch(code, lookup_key)
        except DossierNotFound as exc:
            self._cache.put(cache_key, exc)
            raise
        except CodeRejected:
            raise
        except BackendError as exc:
            exc.last_known = self.last_known(code)
            raise
        self._cache.put(cache_key, dossier)
        if self._last_known is not None:
            self._last_known.put(code, dossier, self._now())
        return dossier

    def last_known(self, code: DossierCode) -> KnownStatus | None:
        if self._last_known is None:
            return None
        return self._last_known.get(code, self._now())

    def health(self) -> dict[str, Any]:
        """The API's health document; raises like :meth:`lookup` when it is not reachable."""
        data = self._get_json(f"{API_PREFIX}/health", {})
        if not isinstance(data, dict):
            raise BadResponse("health: expected a JSON object")
        return data

    def rate(self, code: DossierCode, rating: Rating, *, channel: Channel, lookup_id: str) -> bool:
        """Send a citizen's rating of one lookup (``lookup_id``, made by the caller for that
        lookup, 8 to 64 letters, digits, '-' or '_').

        True when the API took it now; False when it already had this lookup's rating (a
        resend after the unit was offline; the API keeps the first). One attempt, within
        ``timeouts.total``; raises like :meth:`lookup`, without a last known status: a caller
        that queues ratings keeps them on :class:`BackendUnavailable` and drops them on other
        errors.
        """
        url = f"{self.base_url}{API_PREFIX}/dossiers/{quote(str(code), safe='')}/ratings"
        body = {"rating": str(rating), "channel": str(channel), "lookup_id": lookup_id}
        try:
            status, headers, content = self._exchange(
                url, {}, Deadline(self.timeouts.total), json_body=body
            )
        except _Retryable as failure:
            raise failure.error from failure.__cause__
        if status == 409:
            return False
        if status not in (200, 201):
            raise _error_for(status, headers, content)
        _parse_json(content)
        return status == 201

    def _fetch(self, code: DossierCode, lookup_key: str | None) -> Dossier:
        params = {"lookup_key": lookup_key} if lookup_key else {}
        data = self._get_json(f"{API_PREFIX}/dossiers/{quote(str(code), safe='')}", params)
        try:
            dossier = dossier_from_json(data)
        except DossierFormatError as exc:
            raise BadResponse(f"the status record is malformed: {exc}") from exc
        if not lookup_key:
            # Personal data only with the receipt's key, whatever the API sends: the kiosk,
            # the SMS reply, onestop-lookup and the cache all get their records from here.
            dossier = dossier.without_applicant()
        # Only a code of the same family must come back as asked: an OpenCPS id (D-...) is
        # answered with the dossier's number, which is the point of looking it up.
        try:
            answered = parse_code(dossier.code)
        except CodeError:
            answered = None
        if answered is not None and answered.family == code.family and answered != code:
            raise BadResponse(f"asked for {code}, the API answered for {dossier.code}")
        return dossier

    def _get_json(self, path: str, params: dict[str, str]) -> Any:
        started = time.monotonic()
        try:
            data = self._request_json(path, params)
        except BackendError as exc:
            # Not found and rejected codes are answers of a working API, not failures.
            ok = isinstance(exc, (DossierNotFound, CodeRejected))
            self.stats.record(time.monotonic() - started, ok=ok)
            raise
        self.stats.record(time.monotonic() - started, ok=True)
        return data

    def _request_json(self, path: str, params: dict[str, str]) -> Any:
        """One GET, retried as :class:`RetryPlan` says, all of it within ``timeouts.total``."""
        url = f"{self.base_url}{path}"
        deadline = Deadline(self.timeouts.total)
        retry = 0
        while True:
            retry += 1
            retry_after = cause = None
            try:
                status, headers, body = self._exchange(url, params, deadline)
            except _Retryable as failure:
                error: BackendError = failure.error
                cause = failure.__cause__
            else:
                if status not in RETRY_STATUSES:
                    return self._classify(status, headers, body)
                retry_after = _retry_after(headers)
                error = _error_for(status, headers, body)
            pause = self._retry.pause(retry, retry_after, deadline.remaining())
            if pause is None:
                raise error from cause
            time.sleep(pause)

    def _exchange(
        self,
        url: str,
        params: dict[str, str],
        deadline: Deadline,
        *,
        json_body: dict[str, str] | None = None,
    ) -> tuple[int, Any, bytes]:
        """One attempt: status, headers and body, or an error (:class:`_Retryable` when another
        attempt may fare better). Each wait is cut to what is left before the deadline. A GET,
        or a POST of ``json_body``."""
        remaining = deadline.remaining()
        if remaining <= 0:
            raise self._too_slow()
        timeout = (min(self.timeouts.connect, remaining), min(self.timeouts.read, remaining))
        with watching(deadline) as watch:
            try:
                response = self._session.request(
                    "GET" if json_body is None else "POST",
                    url,
                    params=params,
                    json=json_body,
                    timeout=timeout,
                    stream=True,
                    allow_redirects=False,
                    # Passed per request: a session's verify loses to $REQUESTS_CA_BUNDLE.
                    verify=self._verify,
                )
            except requests.exceptions.SSLError as exc:
                raise BackendUnavailable(f"TLS check of {self.base_url} failed: {exc}") from exc
            except requests.exceptions.Timeout as exc:
                connecting = isinstance(exc, requests.exceptions.ConnectTimeout)
                limit = self.timeouts.connect if connecting else self.timeouts.read
                if watch.fired or remaining < limit:  # the deadline cut this wait short
                    raise self._too_slow() from exc
                error = BackendUnavailable(f"{self.base_url} did not answer in time")
                raise _Retryable(error) from exc
            except requests.exceptions.RequestException as exc:
                if watch.fired:
                    raise self._too_slow() from exc
                error = BackendUnavailable(f"cannot reach {self.base_url} ({_reason(exc)})")
                raise _Retryable(error) from exc
            try:
                body = self._read_body(response)
            except _Retryable:
                if watch.fired:
                    raise self._too_slow() from None
                raise
            finally:
                # Before the connection may go back to the pool for another lookup's use.
                watch.finish()
                response.close()
            if watch.fired:
                raise self._too_slow()
        return response.status_code, response.headers, body

    def _too_slow(self) -> BackendUnavailable:
        return BackendUnavailable(
            f"{self.base_url} is answering too slowly: no complete answer within "
            f"{self.timeouts.total:g} s"
        )

    def _read_body(self, response: requests.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_body:
            raise BadResponse(f"the answer is too large ({declared} bytes)")
        chunks: list[bytes] = []
        size = 0
        try:
            while chunk := response.raw.read1(16384, decode_content=True):
                size += len(chunk)
                if size > self._max_body:
                    raise BadResponse(f"the answer is larger than {self._max_body} bytes")
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            error = BackendUnavailable(f"the answer from {self.base_url} broke off")
            raise _Retryable(error) from exc
        return b"".join(chunks)

    def _classify(self, status: int, headers: Any, body: bytes) -> Any:
        if status == 200:
            return _parse_json(body)
        raise _error_for(status, headers, body)


def _error_for(status: int, headers: Any, body: bytes) -> BackendError:
    """The typed error for an answer other than 200."""
    code, detail, detail_vi = _error_document(body)
    if status == 410 and code == "retired":
        return OfficeRetired(detail_vi, detail)
    if status == 404:
        return DossierNotFound(detail or "no dossier has this code")
    if status == 400:
        return CodeRejected(detail or "the API rejected the code")
    if status == 403 and code == "key_required":
        return LookupKeyRequired(detail or "the dossier is shown only with its lookup key")
    if status == 403 and code == "key_rejected":
        return LookupKeyRejected(detail or "the lookup key does not match")
    if status in (401, 403):
        return Unauthorized(detail or f"the API refused the token (HTTP {status})")
    if status == 429:
        return RateLimited(detail or "the API asks to slow down", _retry_after(headers))
    if status >= 500:
        return BackendUnavailable(detail or f"the API failed (HTTP {status})")
    return BadResponse(f"unexpected HTTP {status} from the API")


class _Retryable(Exception):
    """An attempt failed in a way another attempt may not (a reset, a time-out)."""

    def __init__(self, error: BackendError) -> None:
        super().__init__(str(error))
        self.error = error


_REASONS = (
    ("Read timed out", "no answer in time"),
    ("timed out", "connection timed out"),
    ("Connection refused", "connection refused"),
    ("Name or service not known", "host name not found"),
    ("Temporary failure in name resolution", "host name not found"),
    ("No route to host", "no route to host"),
    ("Network is unreachable", "network unreachable"),
    ("Connection reset", "connection reset"),
    ("RemoteDisconnected", "connection closed by the server"),
    ("Connection aborted", "connection closed by the server"),
)


def _reason(exc: Exception) -> str:
    """A technician's words for a failed connection, instead of urllib3's nested repr."""
    text = str(exc)
    return next((words for marker, words in _REASONS if marker in text), "connection failed")


def _error_document(body: bytes) -> tuple[str, str, str]:
    """The ``error``'s ``code``, ``message`` and ``message_vi``, when the body is an error
    document (each at most 200 characters; empty when missing)."""
    try:
        data = _parse_json(body)
    except BadResponse:
        return "", "", ""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return "", "", ""
    found = (error.get(name) for name in ("code", "message", "message_vi"))
    code, message, message_vi = (value[:200] if isinstance(value, str) else "" for value in found)
    return code, message, message_vi


_MAX_DEPTH = 16
"""A status record nests three deep (record, history, entry); far deeper is an attack."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def _parse_json(body: bytes) -> Any:
    """The decoded answer. Whatever a broken or hostile server sends (invalid UTF-8, 200,000
    nested brackets, a number of 5,000 digits, NaN, a lone UTF-16 surrogate that no screen or
    database can take) becomes a :class:`BadResponse`, never another exception."""
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except RecursionError:
        raise BadResponse("the answer is not JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, digit limit, NaN
        raise BadResponse(f"the answer is not JSON: {exc}") from exc
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if not value.isascii() and _SURROGATE.search(value):
                raise BadResponse("the answer holds a lone UTF-16 surrogate, which is not text")
        elif isinstance(value, dict | list):
            if depth > _MAX_DEPTH:
                raise BadResponse(f"the answer nests deeper than {_MAX_DEPTH} levels")
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _retry_after(headers: Any) -> float | None:
    """Seconds the API asks to wait: a number or an HTTP date, read as the retry policy reads it."""
    value = headers.get("Retry-After")
    try:
        return None if value is None else Retry().parse_retry_after(value)
    except InvalidHeader:
        return None
