"""The client against the gateway's answers that came with it: a retired office, a lookup key
required or wrong, a last good answer served while the upstream is down, and ratings."""

from __future__ import annotations

import pytest

from backend_client import (
    DossierNotFound,
    LookupKeyRejected,
    LookupKeyRequired,
    OfficeRetired,
    StatusClient,
)
from backend_client.cli import main as lookup_main
from dossier import Channel, Rating, parse_code
from onestop.config import UpstreamSection
from tests.backend_client.fault_server import Reply, fault_server
from tests.gateway.support import RECORDS, SAMPLE, probe, record_reply, serving, settings

CODE = parse_code(SAMPLE.code)
RETIRED_VI = "Hệ thống cũ đã ngừng; xin hỏi Trung tâm Phục vụ hành chính công."


def test_a_retired_office_is_its_own_error_and_still_a_not_found(
    capsys: pytest.CaptureFixture[str],
) -> None:
    upstreams = {"old": UpstreamSection(type="demo", retired=RETIRED_VI, retired_en="Retired.")}
    with serving(upstreams) as (server, _), StatusClient(base_url=server.url) as api:
        with pytest.raises(OfficeRetired) as caught:
            api.lookup(CODE)
        assert isinstance(caught.value, DossierNotFound)
        assert (caught.value.message_vi, caught.value.message_en) == (RETIRED_VI, "Retired.")
        assert lookup_main([SAMPLE.code, "--url", server.url]) == 1
    assert RETIRED_VI in capsys.readouterr().err


@pytest.mark.parametrize(
    ("reply", "error"), [(Reply(403), LookupKeyRequired), (Reply(203), LookupKeyRejected)]
)
def test_lookup_key_problems_are_typed(reply: Reply, error: type[Exception]) -> None:
    with fault_server() as upstream:
        upstream.script = [reply]
        with serving({"only": probe(upstream.url)}) as (server, _):
            with StatusClient(base_url=server.url) as api, pytest.raises(error):
                api.lookup(CODE, "ZZZZ")
            assert lookup_main([SAMPLE.code, "ZZZZ", "--url", server.url, "--lang", "en"]) == 1


def test_a_last_good_answer_reads_as_a_status_record() -> None:
    with fault_server() as upstream:
        upstream.script = [record_reply(), Reply(503)]
        with (
            serving({"only": probe(upstream.url)}, settings(cache_ttl=0)) as (server, _),
            StatusClient(base_url=server.url, cache_ttl=0, retries=0) as api,
        ):
            assert api.lookup(CODE) == api.lookup(CODE) == SAMPLE.without_applicant()


def test_ratings_are_sent_once_per_lookup() -> None:
    with (
        serving({"demo": UpstreamSection(type="demo")}) as (server, _),
        StatusClient(base_url=server.url) as api,
    ):
        first = api.rate(CODE, Rating.SATISFIED, channel=Channel.KIOSK, lookup_id="lookup-0001")
        resent = api.rate(CODE, Rating.SATISFIED, channel=Channel.KIOSK, lookup_id="lookup-0001")
        changed = api.rate(CODE, Rating.UNSATISFIED, channel=Channel.KIOSK, lookup_id="lookup-0001")
        other = parse_code(RECORDS[1].dossier.code)
        assert api.rate(other, Rating.VERY_SATISFIED, channel=Channel.SMS, lookup_id="sms-000002")
    assert (first, resent, changed) == (True, False, False)
