"""Who gets an answer: no replies to machines, and no endless conversations with anyone.

An SMS auto-responder that answers everything will, sooner or later, answer an operator's
promotion, a bank's one-time code or another auto-responder, and pay for it message after
message. Senders that cannot be people are never answered (names, short codes, anything
longer than a phone number can be); a number that floods the service gets its lookups up to
a limit, then one notice, then silence until the window passes. Another auto-responder is
recognised by its rhythm: it answers each of our replies after about the same delay,
whatever words it uses; the same text arriving again and again gives it away too. Once
caught, it gets no reply as long as it writes again within ``loop_window``.
"""

from __future__ import annotations

import enum
import re
import statistics
from dataclasses import dataclass

from smsd._store import Message, Note, Reason, Store

_DIGITS = re.compile(r"^\+?\d+$")
SHORT_CODE_DIGITS = 6
"""Vietnamese service numbers (1900..., 8085, 9029) are short; subscribers have 9-10 digits."""
MAX_DIGITS = 15
"""No phone number has more digits than this (ITU-T E.164)."""
STEADY_SPREAD = 10.0
"""Reply-to-message delays this close together (seconds, or a quarter of the longest) are
a machine's rhythm, not a person's."""


class Verdict(enum.Enum):
    ANSWER = "answer"
    NOTICE = "notice"
    """The sender just reached the per-sender limit: one notice, no lookup."""
    IGNORE = "ignore"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    why: Reason | None = None


def national(number: str) -> str:
    """A Vietnamese number in national form (0912...), so that +84912... and 0912... match."""
    digits = number.strip().replace(" ", "").replace("-", "").replace(".", "")
    if digits.startswith("+84"):
        return "0" + digits[3:]
    if digits.startswith("84") and len(digits) == 11:
        return "0" + digits[2:]
    return digits


def steady_rhythm(delays: list[float | None], repeats: int) -> bool:
    """Whether the last ``repeats`` messages each came a steady delay after our reply."""
    recent = delays[-repeats:]
    if len(recent) < repeats or any(delay is None for delay in recent):
        return False
    known = [delay for delay in recent if delay is not None]
    spread = max(known) - min(known)
    return spread <= max(STEADY_SPREAD, 0.25 * statistics.median(known))


@dataclass(frozen=True, slots=True)
class Policy:
    sender_limit: int = 10
    sender_window: float = 3600.0
    loop_repeats: int = 3
    loop_window: float = 3600.0
    deny: tuple[str, ...] = ()
    own_numbers: tuple[str, ...] = ()
    """The SIM's (or the pool's SIMs') own numbers."""

    def decide(self, store: Store, message: Message, *, in_flight: int = 0) -> Decision:
        """What to do with ``message``; ``in_flight`` counts the sender's lookups under way."""
        sender = message.sender
        if not sender or not _DIGITS.match(sender):
            return Decision(Verdict.IGNORE, Reason.ALPHANUMERIC)
        digits = len(sender.lstrip("+"))
        if digits > MAX_DIGITS:
            return Decision(Verdict.IGNORE, Reason.NOT_A_SUBSCRIBER)
        if digits <= SHORT_CODE_DIGITS:
            return Decision(Verdict.IGNORE, Reason.SHORT_CODE)
        plain = national(sender)
        if plain in {national(number) for number in self.own_numbers}:
            return Decision(Verdict.IGNORE, Reason.OWN_NUMBER)
        if plain in {national(number) for number in self.deny}:
            return Decision(Verdict.IGNORE, Reason.DENY_LIST)
        since = message.received_at - self.loop_window
        if (
            # Once caught, a machine stays unanswered while it keeps writing: the message we
            # left unanswered breaks its rhythm, not its habit.
            store.noted_since(sender, since, Reason.LOOP)
            or store.same_text_before(message, since) >= self.loop_repeats
            or steady_rhythm(store.reply_delays(message, since), self.loop_repeats)
        ):
            return Decision(Verdict.IGNORE, Reason.LOOP)
        window_start = message.received_at - self.sender_window
        if store.answered_since(sender, window_start) + in_flight >= self.sender_limit:
            if store.noted_since(sender, window_start, Note.LIMIT_NOTICE):
                return Decision(Verdict.IGNORE, Reason.OVER_LIMIT)
            return Decision(Verdict.NOTICE)
        return Decision(Verdict.ANSWER)
