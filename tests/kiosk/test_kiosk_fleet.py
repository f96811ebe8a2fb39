"""The kiosk's heartbeat figures and usage events, without a window."""

import msgspec
import pytest

from backend_client import (
    BackendUnavailable,
    CodeRejected,
    DossierNotFound,
    KnownStatus,
    LookupKeyRejected,
    LookupKeyRequired,
    OfficeRetired,
)
from dossier import ICT, Status
from kiosk._fleet import KioskVitals, lookup_outcome
from onestop.demo_api import bundled_records
from onestop.fleet import Heartbeat, Outcome, Role

DOSSIER = bundled_records()[0].dossier


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stale() -> BackendUnavailable:
    import datetime as dt

    error = BackendUnavailable("down")
    error.last_known = KnownStatus(DOSSIER, dt.datetime(2026, 5, 1, tzinfo=ICT))
    return error


@pytest.mark.parametrize(
    ("result", "outcome", "status"),
    [
        (DOSSIER, Outcome.FOUND, DOSSIER.status),
        (DossierNotFound("no"), Outcome.NOT_FOUND, None),
        (CodeRejected("bad"), Outcome.REJECTED, None),
        (BackendUnavailable("down"), Outcome.UNAVAILABLE, None),
        (stale(), Outcome.LAST_KNOWN, DOSSIER.status),
        (OfficeRetired("Văn phòng đã chuyển", "The office moved"), Outcome.NOT_FOUND, None),
        (LookupKeyRejected("wrong key"), Outcome.REJECTED, None),
    ],
)
def test_each_lookup_result_counts_as_the_report_does(
    result: object, outcome: Outcome, status: Status | None
) -> None:
    assert lookup_outcome(result) == (outcome, status)  # type: ignore[arg-type]


def test_a_lookup_waiting_for_its_key_or_retried_by_the_kiosk_is_not_counted() -> None:
    vitals = KioskVitals()
    vitals.lookup_started(1)
    assert vitals.lookup_ended(1, LookupKeyRequired("key")) is None
    assert vitals.lookup_ended(2, DOSSIER) is None  # the offline screen's own retry
    assert vitals.figures()["lookups_hour"] == 0


def test_a_lookup_becomes_an_anonymous_event_with_its_time() -> None:
    clock = Clock()
    vitals = KioskVitals(clock=clock, wall_clock=lambda: 1_779_933_600.0 + 1234)
    vitals.lookup_started(7)
    clock.now += 0.35
    event = vitals.lookup_ended(7, DOSSIER)
    assert event is not None
    assert (event.channel, event.outcome, event.status, event.latency_ms) == (
        Role.KIOSK,
        Outcome.FOUND,
        DOSSIER.status,
        350,
    )
    assert event.hour == 1_779_933_600
    assert vitals.invalid_code().outcome is Outcome.INVALID_CODE
    assert vitals.figures()["lookups_hour"] == 2
    clock.now += 3601
    assert vitals.figures()["lookups_hour"] == 0


def test_the_heartbeat_figures() -> None:
    clock = Clock()
    vitals = KioskVitals(clock=clock, camera=lambda: ("picamera2", 14.96))
    assert vitals.figures()["last_touch_s"] is None
    vitals.showing("result")
    vitals.touched()
    vitals.scanned()
    clock.now += 42
    vitals.ticked()
    clock.now += 3
    figures = vitals.figures()
    assert figures == {
        "screen": "result",
        "screen_since_s": 45.0,
        "ui_stalled_s": 3.0,
        "last_touch_s": 45.0,
        "camera": "picamera2",
        "camera_fps": 15.0,
        "scanner_seen_s": 45.0,
        "lookups_hour": 0,
    }
    # The same screen shown again keeps its time; the figures make a valid heartbeat.
    vitals.showing("result")
    assert vitals.figures()["screen_since_s"] == 45.0
    beat = {"role": "kiosk", "at": 0.0, "version": "0.1.0", "uptime_s": 1.0} | figures
    assert msgspec.convert(beat, Heartbeat).screen == "result"
