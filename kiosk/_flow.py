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
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from backend_client import (
    BackendError,
    CodeRejected,
    DossierNotFound,
    KnownStatus,
    LookupKeyRejected,
    LookupKeyRequired,
    OfficeRetired,
)
from dossier import (
    DEFAULT_FAMILIES,
    CodeError,
    CodeFamilies,
    CodeProgress,
    CodeQuery,
    Dossier,
    Language,
    Rating,
    code_progress,
    parse_query,
)
from kiosk._mask import Typed, cursor_on
from kiosk._seen import SeenCode, seen_code

MAX_ENTRY = 40
"""Longer than any code in either notation; keys beyond it are ignored."""


class Screen(enum.StrEnum):
    IDLE = "idle"
    ENTRY = "entry"
    BUSY = "busy"
    RESULT = "result"
    DETAILS = "details"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    SEEN = "seen"
    KEY = "key"
    RETIRED = "retired"
    OFFLINE = "offline"
    PIN = "pin"
    DIAGNOSTICS = "diagnostics"


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds without a touch before the kiosk goes back to idle."""

    result: float = 60.0
    other: float = 90.0
    warning: float = 10.0
    """Seconds before going back to idle that the screen says it will."""
    retry: float = 15.0
    """Seconds between the offline screen's own retries of the lookup."""


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
        self.larger_text = False
        self.letter_page = False
        self.screen = Screen.IDLE
        self.typed = Typed()
        self.query: CodeQuery | None = None
        self.dossier: Dossier | None = None
        self.known: KnownStatus | None = None
        self.problem: CodeError | None = None
        self.seen: SeenCode | None = None
        self.key_wrong = False
        self.retired: OfficeRetired | None = None
        self.lookup_id = ""
        self.rated: Rating | None = None
        self.pin_wrong = False
        self.ticket = 0
        self.last_activity = clock()
        self.failed_at = self.last_activity

    # -- citizen's actions ---------------------------------------------------------------

    def touch(self) -> None:
        self.last_activity = self._clock()

    def toggle_language(self) -> None:
        self.language = Language.EN if self.language is Language.VI else Language.VI

    def toggle_larger_text(self) -> None:
        self.larger_text = not self.larger_text

    @property
    def entry(self) -> str:
        return self.typed.text

    @property
    def cursor(self) -> int:
        return self.typed.cursor

    def open_entry(self, *, keep: bool = False) -> None:
        """The keypad: empty, or (``keep``) with the code given before and the cursor on the
        part that was wrong, so a citizen corrects one part instead of typing it all again."""
        if not keep:
            self.typed = Typed()
        elif self.problem is not None:
            self.typed = Typed(self.entry, cursor_on(self.entry, self.problem))
        else:
            self.typed = Typed(self.entry, len(self.entry))
        self.letter_page = False
        self.screen = Screen.ENTRY

    def press_key(self, key: str) -> None:
        """A keypad key: a character, ``BACKSPACE``, ``CLEAR``, ``LEFT`` or ``RIGHT``."""
        self.pin_wrong = False
        if key in ("LETTERS", "DIGITS"):
            self.letter_page = key == "LETTERS"
            return
        mask = self.screen is Screen.ENTRY  # a PIN or a lookup key is typed as pressed
        self.typed = self.typed.key(key, limit=MAX_ENTRY, mask=mask, families=self.families)

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
            kept = text.strip()[:MAX_ENTRY]
            self.typed = Typed(kept, len(kept))
            self.seen = None
            self.screen = Screen.INVALID
            return None
        return self.start_lookup(query)

    def start_lookup(self, query: CodeQuery) -> CodeQuery:
        self.query = query
        self.lookup_id = uuid.uuid4().hex
        self.rated = None
        self.typed = Typed(str(query.code), len(str(query.code)))
        self.dossier = None
        self.known = None
        self.problem = None
        self.ticket += 1
        self.screen = Screen.BUSY
        self.touch()
        return query

    def not_a_dossier_code(self, text: str) -> None:
        """The camera read a code that holds something else (an ID card, a web link, a
        payment): say what it was, with the camera still watching for the receipt."""
        self.problem = None
        self.seen = seen_code(text)
        self.screen = Screen.SEEN
        self.touch()

    def retry_in(self) -> float | None:
        """Seconds until the offline screen tries the kept code again by itself."""
        if self.screen is not Screen.OFFLINE:
            return None
        return max(0.0, self.timeouts.retry - (self._clock() - self.failed_at))

    def retry(self, *, asked: bool = False) -> CodeQuery | None:
        """The offline screen tries the kept code again: by itself (which is not a touch, so
        the screen still goes back to idle in time), or when asked."""
        if self.screen is not Screen.OFFLINE or self.query is None:
            return None
        last_activity = self.last_activity
        query = self.start_lookup(self.query)
        if not asked:
            self.last_activity = last_activity
        return query

    def submit_key(self) -> CodeQuery | None:
        """The receipt's lookup key typed on the key screen: the lookup again, with it."""
        if self.screen is not Screen.KEY or self.query is None or not self.entry.strip():
            return None
        return self.start_lookup(CodeQuery(self.query.code, self.entry.strip().upper()))

    def rate(self, rating: Rating) -> tuple[str, Rating, str] | None:
        """A rating of the result shown: (code, rating, lookup id) to queue, once a lookup."""
        if self.screen not in (Screen.RESULT, Screen.DETAILS) or self.query is None:
            return None
        if self.rated is not None or self.known is not None:
            return None  # one rating a lookup, and none of a status the API did not give
        self.rated = rating
        return str(self.query.code), rating, self.lookup_id

    def show_details(self) -> None:
        if self.screen is Screen.RESULT:
            self.screen = Screen.DETAILS

    def close_details(self) -> None:
        if self.screen is Screen.DETAILS:
            self.screen = Screen.RESULT

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
        if isinstance(error, OfficeRetired):
            self.retired = error
            self.screen = Screen.RETIRED
        elif isinstance(error, DossierNotFound):
            self.screen = Screen.NOT_FOUND
        elif isinstance(error, LookupKeyRequired | LookupKeyRejected):
            self.key_wrong = isinstance(error, LookupKeyRejected)
            self.typed = Typed()
            self.screen = Screen.KEY
        elif isinstance(error, CodeRejected):
            self.seen = None
            self.screen = Screen.INVALID
        elif error.last_known is not None:
            self.known = error.last_known
            self.dossier = error.last_known.dossier
            self.screen = Screen.RESULT
        else:
            self.screen = Screen.OFFLINE
            self.failed_at = self._clock()
        return True

    # -- technicians ---------------------------------------------------------------------

    def ask_pin(self) -> None:
        self.typed = Typed()
        self.pin_wrong = False
        self.screen = Screen.PIN

    def take_pin(self) -> str:
        """The PIN typed, taken out of the entry to be checked (slowly, off the UI thread)."""
        pin, self.typed = self.entry, Typed()
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
        if self.screen in (Screen.RESULT, Screen.DETAILS):
            return self.timeouts.result
        return self.timeouts.other

    def seconds_left(self) -> float | None:
        """Seconds until this screen goes back to idle without a touch (None on idle)."""
        limit = self.timeout()
        return None if limit is None else limit - (self._clock() - self.last_activity)

    def warning(self) -> int | None:
        """Whole seconds left, while the screen should say it is about to go back to idle."""
        left = self.seconds_left()
        if left is None or left > self.timeouts.warning or left <= 0:
            return None
        return max(1, round(left))

    def expired(self) -> bool:
        """True when the current screen has waited past its inactivity timeout."""
        left = self.seconds_left()
        return left is not None and left <= 0

    def reset(self) -> None:
        """Back to idle, forgetting the citizen's code and result, in the default language
        with normal text: the next person at the kiosk starts afresh."""
        self.language = self.default_language
        self.larger_text = False
        self.screen = Screen.IDLE
        self.typed = Typed()
        self.query = None
        self.dossier = None
        self.known = None
        self.problem = None
        self.seen = None
        self.retired = None
        self.key_wrong = False
        self.rated = None
        self.ticket += 1
        self.touch()
