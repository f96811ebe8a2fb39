"""Who gets an answer: no replies to machines, and no endless conversations with anyone.

An SMS auto-responder that answers everything will, sooner or later, answer an operator's
promotion, a bank's one-time code or another auto-responder, and pay for it message after
message. Senders that cannot be people are never answered; a number that floods the service
gets its lookups up to a limit, then one notice, then silence until the window passes; and
the same text arriving from the same number again and again is taken for a machine.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from smsd._store import Message, Store

_DIGITS = re.compile(r"^\+?\d+$")
SHORT_CODE_DIGITS = 6
"""Vietnamese service numbers (1900..., 8085, 9029) are short; subscribers have 9-10 digits."""


class Verdict(enum.Enum):
    ANSWER = "answer"
    NOTICE = "notice"
    """The sender just reached the per-sender limit: one notice, no lookup."""
    IGNORE = "ignore"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    why: str = ""


def national(number: str) -> str:
    """A Vietnamese number in national form (0912...), so that +84912... and 0912... match."""
    digits = number.strip().replace(" ", "").replace("-", "").replace(".", "")
    if digits.startswith("+84"):
        return "0" + digits[3:]
    if digits.startswith("84") and len(digits) == 11:
        return "0" + digits[2:]
    return digits


@dataclass(frozen=True, slots=True)
class Policy:
    sender_limit: int = 10
    sender_window: float = 3600.0
    loop_repeats: int = 3
    loop_window: float = 600.0
    deny: tuple[str, ...] = ()
    own_number: str = ""

    def decide(self, store: Store, message: Message, *, in_flight: int = 0) -> Decision:
        """What to do with ``message``; ``in_flight`` counts the sender's lookups under way."""
        sender = message.sender
        if not sender or not _DIGITS.match(sender):
            return Decision(Verdict.IGNORE, "alphanumeric sender")
        if len(sender.lstrip("+")) <= SHORT_CODE_DIGITS:
            return Decision(Verdict.IGNORE, "short code")
        plain = national(sender)
        if self.own_number and plain == national(self.own_number):
            return Decision(Verdict.IGNORE, "own number")
        if plain in {national(number) for number in self.deny}:
            return Decision(Verdict.IGNORE, "deny list")
        since = message.received_at - self.loop_window
        if store.same_text_before(message, since) >= self.loop_repeats:
            return Decision(Verdict.IGNORE, "loop")
        window_start = message.received_at - self.sender_window
        if store.answered_since(sender, window_start) + in_flight >= self.sender_limit:
            if store.noticed_since(sender, window_start):
                return Decision(Verdict.IGNORE, "over limit")
            return Decision(Verdict.NOTICE, "limit notice")
        return Decision(Verdict.ANSWER)
