"""The kiosk's state and its rules, with no toolkit in sight.

Everything the screens show is derived from one :class:`KioskFlow`: which screen is up, the
language, the code being typed, the lookup under way and its outcome. The Kivy app only feeds
it events (a key, a scan, a lookup result, the clock) and redraws from it, so the rules
(inactivity resets, which error leads where, forgetting a citizen's code) are tested without
a window.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass

from backend_client import (
    BackendError,
    CodeRejected,
    DossierNotFound,
    KnownStatus,
)
from dossier import (
    DEFAULT_FAMILIES,
    CodeError,
    CodeFamilies,
    CodeProgress,
    CodeQuery,
    Dossier,
    Language,
    code_progress,
    parse_query,
)

MAX_ENTRY = 40
"""Longer than any code in either notation; keys beyond it are ignored."""


class Screen(enum.StrEnum):
    IDLE = "idle"
    ENTRY = "entry"
    BUSY = "busy"
    RESULT = "result"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    OFFLINE = "offline"
    PIN = "pin"
    DIAGNOSTICS = "diagnostics"


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds without a touch before the kiosk goes back to idle."""

    result: float = 60.0
    other: float = 90.0


class KioskFlow:
    """The one object holding the kiosk's state; every change goes through a method here."""

    def __init__(
        self,
        *,
        timeouts: Timeouts = Timeouts(),
        language: Language = Language.VI,
        clock: Callable[[], float] = time.monotonic,
        families: CodeFamilies = DEFAULT_FAMILIES,
    ) -> None:
        self.timeouts = timeouts
        self.families = families
        self.default_language = language
        self._clock = clock
        self.language = language
        self.screen = Screen.IDLE
        self.entry = ""
        self.query: CodeQuery | None = None
        self.dossier: Dossier | None = None
        self.known: KnownStatus | None = None
        self.problem: CodeError | None = None
        self.not_a_code = False
        self.pin_wrong = False
        self.ticket = 0
        self.last_activity = clock()

    # -- citizen's actions ---------------------------------------------------------------

    def touch(self) -> None:
        self.last_activity = self._clock()

    def toggle_language(self) -> None:
        self.language = Language.EN if self.language is Language.VI else Language.VI

    def open_entry(self) -> None:
        """The keypad, empty: a code shown before is typed afresh, not edited."""
        self.entry = ""
        self.screen = Screen.ENTRY

    def press_key(self, key: str) -> None:
        """A keypad key: a character, ``BACKSPACE`` or ``CLEAR``."""
        self.pin_wrong = False
        if key == "BACKSPACE":
            self.entry = self.entry[:-1]
        elif key == "CLEAR":
            self.entry = ""
        elif len(self.entry) + len(key) <= MAX_ENTRY:
            self.entry += key

    @property
    def takes_scans(self) -> bool:
        """Whether a scanned or photographed code starts a lookup: not while a technician types
        a PIN or reads the diagnostics page."""
        return self.screen not in (Screen.PIN, Screen.DIAGNOSTICS)

    @property
    def progress(self) -> CodeProgress:
        return code_progress(self.entry, families=self.families)

    def submit_entry(self) -> CodeQuery | None:
        return self.submit(self.entry)

    def submit(self, text: str) -> CodeQuery | None:
        """A code typed, scanned or read by the camera: the query to look up, or None after
        moving to the invalid-code screen."""
        try:
            query = parse_query(text, families=self.families)
        except CodeError as exc:
            self.problem = exc
            self.entry = text.strip()[:MAX_ENTRY]
            self.not_a_code = False
            self.screen = Screen.INVALID
            return None
        return self.start_lookup(query)

    def start_lookup(self, query: CodeQuery) -> CodeQuery:
        self.query = query
        self.entry = str(query.code)
        self.dossier = None
        self.known = None
        self.problem = None
        self.ticket += 1
        self.screen = Screen.BUSY
        self.touch()
        return query

    def not_a_dossier_code(self) -> None:
        """The camera read a QR code that holds something else (a web link, a payment)."""
        self.problem = None
        self.not_a_code = True
        self.screen = Screen.INVALID
        self.touch()

    # -- results of slow work ------------------------------------------------------------

    def lookup_done(self, ticket: int, dossier: Dossier) -> bool:
        """A lookup answered; False when it is stale (the citizen moved on) and was dropped."""
        if ticket != self.ticket or self.screen is not Screen.BUSY:
            return False
        self.dossier = dossier
        self.screen = Screen.RESULT
        return True

    def lookup_failed(self, ticket: int, error: BackendError) -> bool:
        if ticket != self.ticket or self.screen is not Screen.BUSY:
            return False
        if isinstance(error, DossierNotFound):
            self.screen = Screen.NOT_FOUND
        elif isinstance(error, CodeRejected):
            self.not_a_code = False
            self.screen = Screen.INVALID
        elif error.last_known is not None:
            self.known = error.last_known
            self.dossier = error.last_known.dossier
            self.screen = Screen.RESULT
        else:
            self.screen = Screen.OFFLINE
        return True

    # -- technicians ---------------------------------------------------------------------

    def ask_pin(self) -> None:
        self.entry = ""
        self.pin_wrong = False
        self.screen = Screen.PIN

    def take_pin(self) -> str:
        """The PIN typed, taken out of the entry to be checked (slowly, off the UI thread)."""
        pin, self.entry = self.entry, ""
        return pin

    def pin_checked(self, matches: bool) -> None:
        """The check of a taken PIN: the diagnostics page, or the PIN marked wrong. Nothing
        when the kiosk has left the PIN screen meanwhile."""
        if self.screen is not Screen.PIN:
            return
        self.pin_wrong = not matches
        if matches:
            self.screen = Screen.DIAGNOSTICS

    # -- time ----------------------------------------------------------------------------

    def timeout(self) -> float | None:
        if self.screen is Screen.IDLE:
            return None
        return self.timeouts.result if self.screen is Screen.RESULT else self.timeouts.other

    def expired(self) -> bool:
        """True when the current screen has waited past its inactivity timeout."""
        limit = self.timeout()
        return limit is not None and self._clock() - self.last_activity >= limit

    def reset(self) -> None:
        """After inactivity: back to idle, forgetting the citizen's code, result and language
        (the next person at the kiosk starts afresh)."""
        self.go_idle()
        self.language = self.default_language

    def go_idle(self) -> None:
        """Back to idle, forgetting the code and result; the language chosen stays."""
        self.screen = Screen.IDLE
        self.entry = ""
        self.query = None
        self.dossier = None
        self.known = None
        self.problem = None
        self.not_a_code = False
        self.ticket += 1
        self.touch()
