import contextlib
import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier import (
    FIELDS,
    ICT,
    Dossier,
    DossierFormatError,
    Language,
    Status,
    dossier_from_json,
    dossier_to_json,
    due_phrase,
    format_date,
    format_moment,
)

RECORD: dict[str, Any] = {
    "code": "000.00.20.H30-240115-0001",
    "procedure": "Cấp Phiếu lý lịch tư pháp",
    "agency": "Sở Tư pháp tỉnh Hậu Giang",
    "status": "processing",
    "status_code": 4,
    "received_at": "2024-01-15T08:10:00+07:00",
    "due_at": "2024-01-25T16:30:00+07:00",
    "rescheduled_due_at": None,
    "completed_at": None,
    "current_unit": "Phòng Hành chính tư pháp",
    "pickup_location": "Quầy số 5",
    "history": [
        {
            "at": "2024-01-15T08:10:00+07:00",
            "unit": "Bộ phận Tiếp nhận và Trả kết quả",
            "status": "received",
            "note": "Tiếp nhận hồ sơ",
        }
    ],
    "updated_at": "2024-01-15T08:10:00+07:00",
}


def record(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(RECORD)
    data.update(changes)
    return data


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_round_trip() -> None:
    dossier = dossier_from_json(RECORD)
    assert dossier.status is Status.PROCESSING
    assert dossier.history[0].status is Status.RECEIVED
    assert dossier_to_json(dossier) == RECORD
    assert list(dossier_to_json(dossier)) == list(FIELDS)


def test_applicant_round_trip_and_removal() -> None:
    data = record(applicant={"name": "Nguyễn Văn An", "id_number": "093090001234"})
    dossier = dossier_from_json(data)
    assert dossier.applicant is not None and dossier.applicant.name == "Nguyễn Văn An"
    assert dossier_to_json(dossier) == data
    assert "applicant" not in dossier_to_json(dossier.without_applicant())


def test_times_are_written_in_vietnam_offset() -> None:
    dossier = dossier_from_json(record(due_at="2024-01-25T09:30:00Z"))
    assert dossier_to_json(dossier)["due_at"] == "2024-01-25T16:30:00+07:00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "done"}, "status"),
        ({"status": 4}, "status"),
        ({"status_code": 5}, "status_code"),
        ({"status_code": "4"}, "status_code"),
        ({"status_code": True}, "status_code"),
        ({"due_at": "2024-13-01T00:00:00+07:00"}, "due_at"),
        ({"due_at": "2024-01-25T16:30:00"}, "due_at"),
        ({"received_at": None}, "received_at"),
        ({"completed_at": 1705300000}, "completed_at"),
        ({"procedure": None}, "procedure"),
        ({"current_unit": ["a"]}, "current_unit"),
        ({"history": {}}, "history"),
        ({"history": ["x"]}, "history[0]"),
        ({"history": [{"at": "2024-01-15T08:10:00+07:00", "unit": "u", "status": "x", "note": ""}]},
         "history[0].status"),
        ({"history": [{"at": "2024-01-15T08:10:00+07:00", "unit": "u", "status": "received"}]},
         "history[0].note"),
        ({"applicant": "Nguyễn Văn An"}, "applicant"),
        ({"applicant": {"name": "Nguyễn Văn An"}}, "applicant.id_number"),
    ],
)  # fmt: skip
def test_contract_violations_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(DossierFormatError) as caught:
        dossier_from_json(record(**changes))
    assert caught.value.field == field
    assert repr(field) in str(caught.value)


@pytest.mark.parametrize("name", FIELDS)
def test_every_field_is_required(name: str) -> None:
    data = record()
    del data[name]
    with pytest.raises(DossierFormatError, match=name):
        dossier_from_json(data)


def test_not_an_object() -> None:
    with pytest.raises(DossierFormatError, match="JSON object"):
        dossier_from_json(["code"])


def test_unknown_names_are_ignored() -> None:
    assert dossier_from_json(record(extra=1)) == dossier_from_json(RECORD)


@given(
    st.dictionaries(st.sampled_from([*FIELDS, "applicant"]), st.none() | st.text() | st.integers())
)
def test_arbitrary_objects_raise_only_format_errors(data: dict[str, Any]) -> None:
    merged = record(**data)
    with contextlib.suppress(DossierFormatError):
        dossier_from_json(merged)


def dossier(**changes: Any) -> Dossier:
    return dossier_from_json(record(**changes))


NOON = dt.timedelta(hours=12)


def test_overdue_only_when_past_due_and_unfinished() -> None:
    due = at("2024-01-25T16:30:00+07:00")
    assert not dossier().overdue(due)
    assert dossier().overdue(due + dt.timedelta(minutes=1))
    assert not dossier(status="delivered", status_code=10).overdue(due + dt.timedelta(days=9))


def test_rescheduled_due_date_counts() -> None:
    moved = dossier(rescheduled_due_at="2024-02-05T16:30:00+07:00")
    assert moved.rescheduled
    assert moved.effective_due == at("2024-02-05T16:30:00+07:00")
    assert not moved.overdue(at("2024-01-30T10:00:00+07:00"))
    assert not dossier(rescheduled_due_at=RECORD["due_at"]).rescheduled


@pytest.mark.parametrize(
    ("now", "vi", "en"),
    [
        ("2024-01-22T09:00:00+07:00", "Còn 3 ngày", "3 days left"),
        ("2024-01-24T09:00:00+07:00", "Còn 1 ngày", "1 day left"),
        ("2024-01-25T09:00:00+07:00", "Hạn trả hôm nay", "Due today"),
        ("2024-01-25T17:00:00+07:00", "Quá hạn (hạn là hôm nay)", "Overdue (due today)"),
        ("2024-01-26T09:00:00+07:00", "Quá hạn 1 ngày", "1 day overdue"),
        ("2024-01-28T09:00:00+07:00", "Quá hạn 3 ngày", "3 days overdue"),
        # 23:30 UTC on the 24th is already the 25th in Vietnam.
        ("2024-01-24T23:30:00+00:00", "Hạn trả hôm nay", "Due today"),
    ],
)
def test_due_phrase(now: str, vi: str, en: str) -> None:
    assert due_phrase(dossier(), at(now), Language.VI) == vi
    assert due_phrase(dossier(), at(now), Language.EN) == en


def test_no_due_phrase_once_finished() -> None:
    done = dossier(status="result_ready", status_code=9)
    assert due_phrase(done, at("2024-02-28T09:00:00+07:00")) is None


def test_date_formats() -> None:
    assert format_date(at("2024-01-24T23:30:00+00:00")) == "25/01/2024"
    assert format_date(dt.date(2024, 1, 5)) == "05/01/2024"
    assert format_moment(at("2024-01-24T23:30:00+00:00")) == "06:30 25/01"
    assert format_moment(dt.datetime(2024, 1, 5, 10, 42, tzinfo=ICT)) == "10:42 05/01"
