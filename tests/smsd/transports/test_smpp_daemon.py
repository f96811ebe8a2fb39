"""The daemon on ``[smsd] transport = smpp`` against the SMSC simulator on 127.0.0.1: a
citizen texts the short code and the answer comes back from it; re-deliveries are answered
once; delivery receipts reach the store; ``onestop-smsd`` runs on ``[smpp]`` alone."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onestop.config import Config, SmppSection, SmsdSection
from onestop.demo_api import DemoRecord, DemoStatusServer
from smsd import SmsDaemon
from smsd.smsc_sim import DCS_UCS2, SmscSimulator, Status
from smsd.transports import smpp
from tests.smsd.conftest import Daemon, backend, running, wait_until

CITIZEN = "+84912000601"
TIMEOUT = 15.0


def smpp_config(smsc: SmscSimulator, api_url: str, database: Path, **smsd: Any) -> Config:
    return Config(
        backend=backend(api_url),
        smsd=dataclasses.replace(
            SmsdSection(database=database, transport="smpp", backend_patience=0.0), **smsd
        ),
        smpp=SmppSection(
            host="127.0.0.1",
            port=smsc.port,
            system_id=smsc.system_id,
            password=smsc.password,
            source_addr=smsc.short_code,
        ),
    )


def rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        return db.execute(sql).fetchall()


def settled(daemon: SmsDaemon) -> bool:
    """Nothing left to answer or to send."""
    counts = daemon.store.counts()
    return not any(
        counts.get(key) for key in ("messages_new", "replies_pending", "replies_sending")
    )


@pytest.fixture
def smsc() -> Iterator[SmscSimulator]:
    with SmscSimulator() as simulator:
        yield simulator


@pytest.fixture
def daemon(smsc: SmscSimulator, demo_api: DemoStatusServer, tmp_path: Path) -> Iterator[SmsDaemon]:
    with running(smpp_config(smsc, demo_api.url, tmp_path / "smsd.sqlite3")) as daemon:
        yield daemon


def test_a_citizen_texting_the_short_code_is_answered_from_it(
    smsc: SmscSimulator, daemon: SmsDaemon, records: list[DemoRecord]
) -> None:
    record = records[0]
    smsc.deliver(CITIZEN, f"HS {record.dossier.code}")
    (reply,) = smsc.wait_replies(1, TIMEOUT)
    assert (reply.source, reply.destination) == ("8077", CITIZEN.lstrip("+"))
    assert record.dossier.code in reply.text
    assert record.dossier.status.vi_ascii in reply.text
    database = daemon.store.path
    assert wait_until(lambda: rows(database, "SELECT receipt FROM sent_parts") == [("DELIVRD",)])
    ((transport, sim, acked),) = rows(database, "SELECT transport, sim, acked_at FROM messages")
    assert (transport, sim) == ("smpp", "8077") and acked is not None
    assert rows(database, "SELECT transport, via, sim FROM outbox") == [("smpp", "8077", "8077")]
    assert [event[5:] for event in daemon.store.events()] == [("smpp", "8077")]
    assert "8077 ready" in daemon.status_text()


def test_a_long_reply_with_diacritics_goes_in_ucs2_parts(
    smsc: SmscSimulator,
    demo_api: DemoStatusServer,
    records: list[DemoRecord],
    tmp_path: Path,
) -> None:
    config = smpp_config(
        smsc, demo_api.url, tmp_path / "smsd.sqlite3", reply_alphabet="ucs2", max_parts=3
    )
    codes = " ".join(record.dossier.code for record in records[:2])
    with running(config):
        smsc.deliver(CITIZEN, f"HS {codes}")
        (reply,) = smsc.wait_replies(1, TIMEOUT)
    assert reply.parts > 1
    assert reply.data_coding == DCS_UCS2
    assert records[0].dossier.status.vi in reply.text


def test_a_message_delivered_again_after_a_broken_link_is_answered_once(
    smsc: SmscSimulator, daemon: SmsDaemon, records: list[DemoRecord]
) -> None:
    """The link breaks right after the daemon answered deliver_sm: the SMSC never read the
    answer and delivers the message again; the citizen still gets one reply."""
    smsc.faults.ignore_deliver_resp = True  # the SMSC never hears the answer
    smsc.deliver(CITIZEN, f"HS {records[1].dossier.code}")
    assert len(smsc.wait_replies(1, TIMEOUT)) == 1
    assert wait_until(lambda: daemon.store.counts().get("replies_sent") == 1)  # not cut off
    binds = smsc.binds
    smsc.faults.ignore_deliver_resp = False
    smsc.drop()
    assert smsc.wait_binds(binds + 1, TIMEOUT)
    assert smsc.wait_delivered(TIMEOUT)  # delivered again, and acknowledged this time
    assert wait_until(lambda: settled(daemon))
    assert len(smsc.replies) == 1
    assert daemon.store.counts()["messages_answered"] == 1


def test_a_citizen_asking_twice_gets_two_answers(
    smsc: SmscSimulator, daemon: SmsDaemon, records: list[DemoRecord]
) -> None:
    for count in (1, 2):
        smsc.deliver(CITIZEN, f"HS {records[2].dossier.code}")
        assert len(smsc.wait_replies(count, TIMEOUT)) == count
    assert daemon.store.counts()["messages_answered"] == 2


def test_a_refused_reply_is_tried_again(
    smsc: SmscSimulator,
    demo_api: DemoStatusServer,
    records: list[DemoRecord],
    tmp_path: Path,
) -> None:
    config = smpp_config(smsc, demo_api.url, tmp_path / "smsd.sqlite3", send_backoff=0.05)
    smsc.faults.errors.extend([Status.RSUBMITFAIL, Status.RSUBMITFAIL])
    with running(config) as daemon:
        smsc.deliver(CITIZEN, f"HS {records[0].dossier.code}")
        assert len(smsc.wait_replies(1, TIMEOUT)) == 1
        assert wait_until(lambda: daemon.store.counts().get("replies_sent") == 1)
    assert [submit.status for submit in smsc.submits] == [0x45, 0x45, 0]


def test_being_asked_to_slow_down_never_uses_up_the_retries(
    smsc: SmscSimulator,
    demo_api: DemoStatusServer,
    records: list[DemoRecord],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Throttling and a full queue are no failed sends: with one retry allowed, a reply the
    SMSC holds back four times still goes, and only its sending counts as an attempt."""
    monkeypatch.setattr(smpp, "THROTTLE_PAUSE", 0.05)
    database = tmp_path / "smsd.sqlite3"
    config = smpp_config(smsc, demo_api.url, database, send_backoff=0.05, send_retries=1)
    slow_down = [Status.RMSGQFUL, Status.RTHROTTLED, Status.RMSGQFUL, Status.RTHROTTLED]
    smsc.faults.errors.extend(slow_down)
    with running(config) as daemon:
        smsc.deliver(CITIZEN, f"HS {records[0].dossier.code}")
        assert len(smsc.wait_replies(1, TIMEOUT)) == 1
        assert wait_until(lambda: daemon.store.counts().get("replies_sent") == 1)
    assert [submit.status for submit in smsc.submits] == [*slow_down, Status.ROK]
    assert rows(database, "SELECT state, attempts FROM outbox") == [("sent", 1)]


def test_onestop_smsd_runs_on_smpp_with_only_its_keys(
    smsc: SmscSimulator, demo_api: DemoStatusServer, records: list[DemoRecord], tmp_path: Path
) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text(
        f"[backend]\nurl = {demo_api.url}\n"
        f"[smsd]\ndatabase = {tmp_path / 'smsd.sqlite3'}\ntransport = smpp\n"
        f"[smpp]\nhost = 127.0.0.1\nport = {smsc.port}\nsystem_id = {smsc.system_id}\n"
        f"password = {smsc.password}\nsource_addr = {smsc.short_code}\n",
        encoding="utf-8",
    )
    daemon = Daemon(config)
    try:
        assert "STATUS=8077 ready" in daemon.wait_ready()
        smsc.deliver(CITIZEN, f"HS {records[0].dossier.code}")
        (reply,) = smsc.wait_replies(1, TIMEOUT)
        assert records[0].dossier.code in reply.text
    finally:
        assert daemon.terminate() == 0
