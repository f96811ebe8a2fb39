"""The daemon on ``[smsd] transport = kannel`` with real Kannel: ``fakesmsc`` plays the
citizen's phone, bearerbox and smsbox carry the SMS to the daemon's endpoint, and the reply
comes back through ``sendsms`` with its delivery report. One Kannel for the module."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hardware.modem import Incoming
from onestop.config import Config, KannelSection, SmsdSection
from onestop.demo_api import DemoRecord, DemoStatusServer
from smsd import Note, Store
from tests.smsd.conftest import Daemon, backend, running, wait_until
from tests.smsd.kannel_harness import FAKESMSC, Kannel, free_port

pytestmark = pytest.mark.skipif(
    shutil.which("bearerbox") is None or not FAKESMSC.exists(),
    reason="needs Debian's kannel and kannel-extras",
)

TIMEOUT = 30.0


@dataclasses.dataclass(frozen=True)
class Rig:
    kannel: Kannel
    port: int
    """Where the daemon listens for smsbox."""


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="kannel-") as workdir:
        kannel = Kannel(Path(workdir), daemon_url=f"http://127.0.0.1:{port}").start()
        try:
            yield Rig(kannel, port)
        finally:
            kannel.stop()


def kannel_config(rig: Rig, api_url: str, database: Path, **smsd: Any) -> Config:
    layout = rig.kannel.layout
    return Config(
        backend=backend(api_url),
        smsd=dataclasses.replace(
            SmsdSection(database=database, transport="kannel", backend_patience=0.0), **smsd
        ),
        kannel=KannelSection(
            listen=f"127.0.0.1:{rig.port}",
            sendsms_url=rig.kannel.sendsms_url,
            username=layout.username,
            password=layout.password,
        ),
    )


def rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        return db.execute(sql).fetchall()


def test_onestop_smsd_runs_on_kannel_with_only_its_keys(
    rig: Rig, demo_api: DemoStatusServer, records: list[DemoRecord], tmp_path: Path
) -> None:
    database = tmp_path / "smsd.sqlite3"
    layout = rig.kannel.layout
    config = tmp_path / "onestop.conf"
    config.write_text(
        f"[backend]\nurl = {demo_api.url}\n"
        f"[smsd]\ndatabase = {database}\ntransport = kannel\n"
        f"[kannel]\nlisten = 127.0.0.1:{rig.port}\nsendsms_url = {rig.kannel.sendsms_url}\n"
        f"username = {layout.username}\npassword = {layout.password}\n",
        encoding="utf-8",
    )
    record = records[0]
    daemon = Daemon(config)
    try:
        assert "STATUS=kannel ready" in daemon.wait_ready()
        with rig.kannel.phone(f"+84912000701 8077 text HS {record.dossier.code}") as phone:
            (sms,) = phone.wait(1, TIMEOUT)
        assert record.dossier.code in sms.text and record.dossier.status.vi_ascii in sms.text
        assert (sms.sender, sms.recipient, sms.kind) == ("8077", "+84912000701", "text")
        assert wait_until(
            lambda: rows(database, "SELECT receipt FROM sent_parts") == [("DELIVRD",)], TIMEOUT
        )
    finally:
        assert daemon.terminate() == 0
    ((transport, sim, gateway_id),) = rows(
        database, "SELECT transport, sim, gateway_id FROM messages"
    )
    assert (transport, sim) == ("kannel", "fake") and gateway_id
    assert rows(database, "SELECT via, sim FROM outbox") == [("fake", "fake")]


def test_a_reply_with_diacritics_reaches_the_phone_in_ucs2(
    rig: Rig, demo_api: DemoStatusServer, records: list[DemoRecord], tmp_path: Path
) -> None:
    record = records[1]
    config = kannel_config(rig, demo_api.url, tmp_path / "smsd.sqlite3", reply_alphabet="ucs2")
    with (
        running(config),
        rig.kannel.phone(f"+84912000702 8077 text TC {record.dossier.code}") as phone,
    ):
        (sms,) = phone.wait(1, TIMEOUT)
    assert sms.kind in ("ucs-2", "ucs-2 parts")  # a long one is split by Kannel
    assert record.dossier.code in sms.text and record.dossier.status.vi in sms.text
    assert "Could not fetch" not in rig.kannel.logs()


def test_a_reply_owed_from_before_the_switch_to_kannel_still_goes_out(
    rig: Rig, demo_api: DemoStatusServer, records: list[DemoRecord], tmp_path: Path
) -> None:
    """A unit moved from its modem to Kannel with a reply still waiting: it leaves through
    whichever SMSC Kannel picks (the modem's name means nothing to Kannel)."""
    database = tmp_path / "smsd.sqlite3"
    store = Store(database)
    store.receive(Incoming("00", "+84912000704", "HS", None))
    (message,) = store.due_messages()
    store.answer(message, "Ho so: tra loi tu truoc", [], note=Note.HELP)
    store.close()
    config = kannel_config(rig, demo_api.url, database)
    with (
        running(config),
        rig.kannel.phone(f"+84912000705 8077 text HS {records[0].dossier.code}") as phone,
    ):
        got = {sms.recipient: sms.text for sms in phone.wait(2, TIMEOUT)}
    assert got["+84912000704"] == "Ho so: tra loi tu truoc"
    assert records[0].dossier.code in got["+84912000705"]
