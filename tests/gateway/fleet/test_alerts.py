import hashlib
import hmac
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.fleet._alerts import AlertBook, AlertKind, Thresholds, conditions
from gateway.fleet._database import transaction
from gateway.fleet._schema import notices
from gateway.fleet._store import FleetStore, Unit
from onestop.config import ConfigError, parse_config
from onestop.fleet import Heartbeat, Modem, Role, Sim
from tests.gateway.fleet.conftest import fleet_config, running_fleet
from tests.gateway.fleet.factories import T0, batch, kiosk_beat, sms_beat
from tests.gateway.fleet.webhook_receiver import webhook_receiver

LIMITS = Thresholds()
PHONE = "+84912345678"


def unit(beat: Heartbeat | None, last_seen: float = T0) -> Unit:
    role = beat.role if beat else Role.KIOSK
    return Unit(1, "unit-1", role, "UBND huyện Vị Thủy", "0.1.0", T0, last_seen, beat)


def kinds(found: list[Any]) -> list[tuple[str, str]]:
    return [(condition.kind.value, condition.subject) for condition in found]


def test_a_healthy_unit_raises_nothing() -> None:
    assert conditions(unit(sms_beat()), T0 + 60, LIMITS) == []
    assert conditions(unit(kiosk_beat()), T0 + 60, LIMITS) == []


def test_silence_after_five_minutes() -> None:
    assert kinds(conditions(unit(sms_beat()), T0 + 300, LIMITS)) == []
    assert kinds(conditions(unit(sms_beat()), T0 + 301, LIMITS)) == [("silent", "")]
    assert kinds(conditions(unit(None), T0 + 301, LIMITS)) == [("silent", "")]


@pytest.mark.parametrize(
    ("beat", "raised"),
    [
        (sms_beat(modems=(Modem(name="m1", state="resetting"),)), [("modem_down", "m1")]),
        (sms_beat(modems=(Modem(name="m1", state="starting"),)), [("modem_down", "m1")]),
        # A box that has just started: its modem is still registering on the network.
        (sms_beat(uptime_s=20.0, modems=(Modem(name="m1", state="starting"),)), []),
        (sms_beat(uptime_s=20.0, modems=(Modem(name="m1", state="dead"),)), [("modem_down", "m1")]),
        (
            sms_beat(sims=(Sim(name="s1", sent_hour=90, cap_hour=100),)),
            [("sim_cap", "s1/hour")],
        ),
        (sms_beat(sims=(Sim(name="s1", sent_hour=89, cap_hour=100),)), []),
        (sms_beat(sims=(Sim(name="s1", sent_day=600, cap_day=600),)), [("sim_cap", "s1/day")]),
        (sms_beat(sims=(Sim(name="s1", sent_day=600, cap_day=0),)), []),
        (sms_beat(oldest_unanswered_s=301.0), [("unanswered", "")]),
        (sms_beat(oldest_unanswered_s=299.0), []),
        (kiosk_beat(camera_fps=0.0), [("camera", "")]),
        (kiosk_beat(camera=None, camera_fps=0.0), []),
        (kiosk_beat(uptime_s=20.0, camera_fps=0.0), []),  # the camera is still opening
        (kiosk_beat(screen="result", screen_since_s=301.0), [("screen_stuck", "")]),
        (kiosk_beat(screen="idle", screen_since_s=9000.0), []),
        (kiosk_beat(ui_stalled_s=400.0), [("screen_stuck", "")]),
    ],
)
def test_each_condition(beat: Heartbeat, raised: list[tuple[str, str]]) -> None:
    assert kinds(conditions(unit(beat), T0 + 10, LIMITS)) == raised


def test_an_alert_opens_once_and_closes_when_the_condition_ends(store: FleetStore) -> None:
    book = AlertBook(store.engine, limits=LIMITS, webhook=True, phones=[PHONE])
    down = sms_beat(T0, modems=(Modem(name="m1", state="lost"),))
    store.ingest("box", batch(down), T0)
    opened = book.evaluate(store.units(), T0 + 10)
    assert [(c.event, c.kind) for c in opened] == [("opened", AlertKind.MODEM_DOWN)]
    assert book.evaluate(store.units(), T0 + 20) == []
    assert [a.kind for a in store.units()[0].alerts] == ["modem_down"]
    store.ingest("box", batch(sms_beat(T0 + 60), start=2), T0 + 60)
    closed = book.evaluate(store.units(), T0 + 70)
    assert [(c.event, c.kind) for c in closed] == [("closed", AlertKind.MODEM_DOWN)]
    assert store.units()[0].alerts == []
    [history] = store.alerts_of(store.units()[0].id)
    assert (history.opened_at, history.closed_at) == (T0 + 10, T0 + 70)
    with transaction(store.engine) as db:
        queued = db.execute(
            sa.select(notices.c.event, notices.c.channel, notices.c.recipient).order_by(
                notices.c.id
            )
        ).all()
    assert [tuple(row) for row in queued] == [
        ("opened", "webhook", ""),
        ("opened", "sms", PHONE),
        ("closed", "webhook", ""),
        ("closed", "sms", PHONE),
    ]


def test_two_gateways_evaluating_at_once_open_an_alert_once(database_url: str) -> None:
    first, second = FleetStore(database_url), FleetStore(database_url)
    first.upgrade()
    try:
        first.ingest("box", batch(sms_beat()), T0)
        seen = first.units()  # both read the fleet before either writes
        changes = [
            AlertBook(store.engine, limits=LIMITS, phones=[PHONE]).evaluate(seen, T0 + 400)
            for store in (first, second)
        ]
        assert [len(found) for found in changes] == [1, 0]
        with transaction(first.engine) as db:
            assert db.execute(sa.select(sa.func.count()).select_from(notices)).scalar() == 1
    finally:
        first.close()
        second.close()


def test_the_alert_sms_is_one_gsm_message_without_diacritics(store: FleetStore) -> None:
    book = AlertBook(store.engine, limits=LIMITS, phones=[PHONE])
    store.ingest("box", batch(sms_beat()), T0)
    book.evaluate(store.units(), T0 + 400)
    with transaction(store.engine) as db:
        text = db.execute(sa.select(notices.c.text)).scalar_one()
    assert text.startswith("Canh bao: box (Hop SMS, UBND huyen Vi Thuy): Mat lien lac")
    assert text.isascii() and len(text) <= 160


def test_alerts_reach_a_real_webhook_signed_and_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    now = [T0]
    with webhook_receiver() as receiver:
        receiver.statuses = [500, 204]
        config = fleet_config(
            f"sqlite:///{tmp_path}/fleet.sqlite3",
            fleet_alerts={
                "webhook_url": receiver.url,
                "webhook_secret": "k3y",
                "check_interval": "1",
                "phones": PHONE,
            },
        )
        caplog.set_level(logging.INFO)
        with running_fleet(config, clock=lambda: now[0]) as gateway:
            gateway.store.ingest("kiosk-1", batch(kiosk_beat(T0)), T0)
            now[0] = T0 + 301
            assert receiver.answered.get(timeout=30) == 500
            now[0] += 60  # the retry is due 30 s after the failure
            headers, body = receiver.posts.get(timeout=30)
    expected = "sha256=" + hmac.new(b"k3y", body, hashlib.sha256).hexdigest()
    assert headers["X-Onestop-Signature"] == expected
    notice = json.loads(body)
    assert notice["event"] == "opened"
    assert notice["alert"]["kind"] == "silent"
    assert notice["unit"] == {"name": "kiosk-1", "role": "kiosk", "office": kiosk_beat().office}
    assert notice["text"]["en"].startswith("Alert: kiosk-1 (Kiosk, ")
    assert "no heartbeat since" in notice["text"]["en"]
    assert PHONE not in caplog.text and "912345678" not in caplog.text


def test_the_technicians_numbers_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"phones: '\+84 91' is not a phone number"):
        parse_config({"fleet_alerts": {"phones": "+84912345678, +84 91"}})
    assert parse_config({"fleet_alerts": {"phones": "0912345678"}}).fleet_alerts.phones == (
        "0912345678",
    )
