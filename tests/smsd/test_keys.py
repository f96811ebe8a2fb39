"""SMS through the status gateway to a system that checks the receipt's lookup key (OpenCPS,
simulated) and to a retired office: the key in the message reaches the system, a message
without it is told how to send it, a wrong key is named, a retired office's words are the
reply."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dossier import Status, strip_diacritics
from gateway.sims import OpenCPSDossier, OpenCPSSim, SimServer
from hardware.modem_sim import ModemEmulator
from onestop.config import UpstreamSection
from tests.gateway.support import serving
from tests.smsd.conftest import SmsService, fast_config

RETIRED = "Hệ thống một cửa cũ của tỉnh Hậu Giang đã ngừng; xin hỏi bộ phận một cửa."
RETIRED_CODE = "000.00.20.H13-240115-0001"


@pytest.fixture(scope="module")
def opencps() -> Iterator[SimServer]:
    with SimServer(OpenCPSSim()) as server:
        yield server


@pytest.fixture(scope="module")
def sms(opencps: SimServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmsService]:
    upstreams = {
        # Without a service account OpenCPS shows a dossier only with its key.
        "haugiang": opencps.settings(username="", password="", families=("opencps", "opencps_id")),
        "haugiang-old": UpstreamSection(type="demo", agencies=("H13",), retired=RETIRED),
    }
    with serving(upstreams) as (server, _), ModemEmulator("generic") as emulator:
        database = tmp_path_factory.mktemp("keys") / "db.sqlite3"
        service = SmsService(emulator, fast_config(server.url, str(emulator.path), database))
        service.start()
        yield service
        service.stop()


def keyed(server: SimServer) -> OpenCPSDossier:
    sim = server.sim
    assert isinstance(sim, OpenCPSSim)
    return next(item for item in sim.dossiers.values() if item.number.startswith("STPHG."))


def sent_keys(server: SimServer) -> list[str]:
    return [seen.headers.get("secretcode", "") for seen in server.sim.seen]


def test_a_code_without_its_key_is_answered_with_how_to_send_it(
    sms: SmsService, opencps: SimServer
) -> None:
    number = keyed(opencps).number
    reply = sms.ask("+84911000001", f"HS {number}")
    assert reply.startswith(f"{number}: ho so nay can ma tra cuu")
    assert f"Soan HS {number} <ma tra cuu> gui so nay." in reply
    assert len(reply) <= 160


def test_the_key_after_the_code_reaches_the_system_and_the_reply_has_no_personal_data(
    sms: SmsService, opencps: SimServer
) -> None:
    dossier = keyed(opencps)
    reply = sms.ask("+84911000002", f"hs {dossier.number.lower()} {dossier.password.lower()}")
    assert reply.startswith(dossier.number)
    assert Status.DELIVERED.vi_ascii in reply
    assert dossier.password in sent_keys(opencps)  # read as printed, whatever the case typed
    applicant = strip_diacritics(str(dossier.detail["applicantName"])).upper()
    assert applicant not in reply.upper()
    assert str(dossier.detail["applicantIdNo"]) not in reply


def test_a_key_inside_a_kiosk_payload_reaches_the_system(
    sms: SmsService, opencps: SimServer
) -> None:
    dossier = keyed(opencps)
    reply = sms.ask("+84911000003", f"D-{dossier.password}-{dossier.detail['dossierId']}")
    assert reply.startswith(f"D-{dossier.detail['dossierId']}: ")
    assert Status.DELIVERED.vi_ascii in reply
    assert dossier.password in sent_keys(opencps)


def test_a_wrong_key_is_named(sms: SmsService, opencps: SimServer) -> None:
    number = keyed(opencps).number
    reply = sms.ask("+84911000004", f"HS {number} ZZZ9")
    assert reply.startswith(f"{number}: ma tra cuu khong dung.")
    assert f"Soan HS {number} <ma tra cuu>" in reply
    assert len(reply) <= 160


def test_a_retired_offices_message_is_the_reply(sms: SmsService) -> None:
    reply = sms.ask("+84911000005", f"HS {RETIRED_CODE}")
    assert reply == f"{RETIRED_CODE}: {strip_diacritics(RETIRED)}"
