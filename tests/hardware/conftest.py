"""Fixtures for the modem tests: an emulator on a real pty, and an adapter driving it."""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator

import pytest

from hardware.modem import Incoming, Modem, ModemSettings, ModemState
from hardware.modem_sim import ModemEmulator


class Harness:
    """An adapter on an emulator, with what it received and the states it went through."""

    def __init__(self, emulator: ModemEmulator, **settings: float | str | None) -> None:
        self.emulator = emulator
        self.received: queue.Queue[Incoming] = queue.Queue()
        self.states: queue.Queue[ModemState] = queue.Queue()
        self.store: Callable[[Incoming], None] = self.received.put
        base: dict[str, float | str | None] = {
            "command_timeout": 1.0,
            "probe_timeout": 0.5,
            "reopen_window": 1.0,
            "reset_wait": 3.0,
            "registration_timeout": 1.0,
        }
        base.update(settings)
        self.modem = Modem(
            ModemSettings(port=str(emulator.path), **base),  # type: ignore[arg-type]
            on_message=self._store,
            on_state=lambda state, _detail: self.states.put(state),
        )

    def _store(self, incoming: Incoming) -> None:
        self.store(incoming)  # looked up per call: tests swap the store while running

    def start(self) -> Harness:
        self.modem.start()
        assert self.modem.wait_ready(10), self.modem.failure
        return self

    def take(self, count: int, timeout: float = 10.0) -> list[Incoming]:
        return [self.received.get(timeout=timeout) for _ in range(count)]

    def wait_state(self, wanted: ModemState, timeout: float = 15.0) -> None:
        while True:
            if self.states.get(timeout=timeout) is wanted:
                return


@pytest.fixture
def emulator() -> Iterator[ModemEmulator]:
    with ModemEmulator("generic") as emulator:
        yield emulator


@pytest.fixture
def harness_factory() -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(emulator: ModemEmulator, **settings: float | str | None) -> Harness:
        harness = Harness(emulator, **settings)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.modem.stop(10)
