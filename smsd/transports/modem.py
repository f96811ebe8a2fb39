"""One GSM modem (``[smsd] transport = modem``, and each SIM of a pool): the adapter of
``hardware.modem`` as a transport.

The modem thread reads each stored message, hands it to the inbox, which keeps it, and
deletes it from the modem only then; a modem's message carries the service centre's time
stamp, which tells a re-read one from a new one. Replies go through the same thread, each
part journalled before ``AT+CMGS`` and its outcome the moment ``+CMGS:`` is read.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Mapping

from hardware.modem import (
    Incoming,
    Modem,
    ModemSettings,
    ModemState,
    SendJournal,
    SendReceipt,
    submit_pdus,
)
from smsd.transports._base import (
    Inbox,
    Received,
    Route,
    RouteState,
    Sent,
    SimUsage,
    Submission,
    TransportKind,
)

_ROUTE_STATES = {
    ModemState.STARTING: RouteState.STARTING,
    ModemState.READY: RouteState.READY,
    ModemState.REOPENING: RouteState.DOWN,
    ModemState.RESETTING: RouteState.DOWN,
    ModemState.DEAD: RouteState.DOWN,
    ModemState.STOPPED: RouteState.STOPPED,
}


def parts_needed(submission: Submission) -> int:
    """SMS parts a modem sends for ``submission`` (from its first part on)."""
    total = len(submit_pdus(submission.number, submission.text, submission.reference))
    return max(0, total - submission.first_part + 1)


def chain(
    future: concurrent.futures.Future[SendReceipt],
) -> concurrent.futures.Future[Sent]:
    """The modem's future as a transport's: the same outcome, references as text."""
    result: concurrent.futures.Future[Sent] = concurrent.futures.Future()

    def done(finished: concurrent.futures.Future[SendReceipt]) -> None:
        if finished.cancelled():
            result.cancel()
            return
        result.set_running_or_notify_cancel()
        error = finished.exception()
        if error is not None:
            result.set_exception(error)
        else:
            result.set_result(Sent(tuple(str(ref) for ref in finished.result().references)))

    future.add_done_callback(done)
    return result


class ModemTransport:
    """One modem under the route name ``name`` (``modem``, or its ``[modem.NAME]``)."""

    kind = TransportKind.MODEM

    def __init__(
        self,
        settings: ModemSettings,
        inbox: Inbox,
        *,
        name: str = "modem",
    ) -> None:
        self.name = name
        self.settings = settings
        self._inbox = inbox
        self.ready = threading.Event()
        self.modem = Modem(
            settings,
            on_message=self._received,
            on_state=self._state,
        )

    @property
    def finished(self) -> threading.Event:
        return self.modem.finished

    @property
    def failure(self) -> str | None:
        return None if self.modem.failure is None else str(self.modem.failure)

    def start(self) -> None:
        self.modem.start()

    def stop(self, timeout: float) -> None:
        self.modem.stop(timeout)

    @property
    def state(self) -> RouteState:
        return _ROUTE_STATES[self.modem.state]

    def route(self) -> Route:
        signal = "?" if self.modem.signal is None else f"{self.modem.signal}/31"
        return Route(
            self.name,
            self.state,
            f"modem {self.modem.state.value}, signal {signal}",
            signal=self.modem.signal,
        )

    def routes(self) -> list[Route]:
        return [self.route()]

    def route_for(self, submission: Submission, usage: Mapping[str, SimUsage]) -> str | None:
        return self.name if self.modem.state is ModemState.READY else None

    def send(self, submission: Submission, journal: SendJournal) -> concurrent.futures.Future[Sent]:
        return chain(
            self.modem.send(
                submission.number,
                submission.text,
                reference=submission.reference,
                first_part=submission.first_part,
                journal=journal,
            )
        )

    def _received(self, incoming: Incoming) -> None:
        """On the modem thread: raising keeps the message in the modem for the next sweep."""
        self._inbox.received(Received(incoming, via=self.name))

    def _state(self, state: ModemState, detail: str) -> None:
        if state is ModemState.READY:
            self.ready.set()
        self._inbox.route_changed(self.name, _ROUTE_STATES[state], detail)
