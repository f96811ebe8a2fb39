"""Whatever a server answers, a lookup gives a dossier every channel can show and store, or a
typed error: never another exception (which the SMS daemon retried forever and onestop-lookup
reported as "not found")."""

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_client import BackendError, LastKnownStore, StatusClient, Timeouts
from backend_client.cli import render
from dossier import FIELDS, ICT, Language, dossier_to_json, parse_code
from onestop.demo_api import bundled_records
from tests.backend_client.fault_server import FaultServer, Reply, fault_server

SAMPLE = bundled_records()[0].dossier
CODE = parse_code(SAMPLE.code)
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=ICT)

offsets = st.timedeltas(min_value=dt.timedelta(hours=-23), max_value=dt.timedelta(hours=23))
times = st.builds(
    lambda moment, offset: moment.replace(tzinfo=dt.timezone(offset)).isoformat(),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    offsets,
)
texts = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Z", "C"]), max_size=20)
lone_surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    texts,
    lone_surrogates,
    times,
    st.sampled_from(["processing", "finished", "", SAMPLE.code]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
names = st.sampled_from([*FIELDS, "applicant", "extra"])


@pytest.fixture(scope="module")
def server_and_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, ...]]:
    store = LastKnownStore(tmp_path_factory.mktemp("hostile") / "last-known.sqlite3")
    with fault_server() as server:
        timeouts = Timeouts(connect=1, read=2, total=5)
        with StatusClient(
            base_url=server.url, timeouts=timeouts, retries=0, cache_ttl=0, last_known=store
        ) as api:
            yield server, api, store
    store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.dictionaries(names, scalars | values, min_size=1, max_size=3),
    key=st.sampled_from([None, "7K2P"]),
)
def test_any_record_is_a_dossier_or_a_typed_error(
    server_and_client: tuple[FaultServer, StatusClient, LastKnownStore],
    changes: dict[str, Any],
    key: str | None,
) -> None:
    server, api, store = server_and_client
    record = {**dossier_to_json(SAMPLE), **changes}
    server.script = [Reply(body=json.dumps(record).encode())]
    try:
        dossier = api.lookup(CODE, key)
    except BackendError:
        return
    # What the kiosk, the SMS reply, onestop-lookup and the last-known store do with it.
    render(dossier, Language.VI, NOW)
    json.dumps(dossier_to_json(dossier), ensure_ascii=False).encode()
    store.put(CODE, dossier, NOW)
    assert dossier.overdue(NOW) in (True, False)
    assert key is not None or dossier.applicant is None
