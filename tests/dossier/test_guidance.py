"""The next step for each status: every status and language, the office's facts, overrides."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from dossier import (
    ICT,
    Dossier,
    HistoryEntry,
    Language,
    OfficeGuide,
    Status,
    citizens_turn,
    next_step,
    unknown_placeholders,
)
from onestop.config import ConfigError, load_config

NOW = dt.datetime(2024, 3, 1, 9, 0, tzinfo=ICT)
GUIDE = OfficeGuide(
    hotline="0293 3878787",
    opening_hours="7h-17h",
    collect_at="Bộ phận Một cửa",
    pay_at="quầy thu phí",
    bring="giấy biên nhận",
)


def _dossier(
    status: Status, *, late: bool = False, note: str = "Thiếu bản sao sổ hộ khẩu"
) -> Dossier:
    return Dossier(
        code="000.00.20.H30-240115-0001",
        procedure="Cấp phiếu lý lịch tư pháp",
        agency="Sở Tư pháp",
        status=status,
        received_at=NOW - dt.timedelta(days=10),
        due_at=NOW + dt.timedelta(days=-2 if late else 2),
        rescheduled_due_at=None,
        completed_at=NOW if status.finished else None,
        current_unit=None,
        pickup_location=None,
        history=(HistoryEntry(NOW - dt.timedelta(days=1), "Phòng", status, note),),
        updated_at=NOW,
    )


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("late", [False, True])
def test_every_status_has_a_next_step(status: Status, lang: Language, late: bool) -> None:
    for guide in (GUIDE, OfficeGuide()):
        step = next_step(_dossier(status, late=late), guide, NOW, lang)
        assert step and "{" not in step and "}" not in step
        overdue_words = "quá hạn" if lang is Language.VI else "overdue"
        assert (overdue_words in step.lower()) == (
            late and not status.finished and not citizens_turn(status)
        )


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.PROCESSING])
def test_a_late_office_never_asks_to_wait_for_the_date_that_has_passed(status: Status) -> None:
    late = _dossier(status, late=True)
    assert next_step(late, OfficeGuide(), NOW) == (
        "Hồ sơ đã quá hạn, xin lỗi vì sự chậm trễ. Chưa cần làm gì; hãy tra cứu lại sau vài ngày."
    )
    assert next_step(late, GUIDE, NOW, Language.EN) == (
        "The dossier is overdue; we apologise for the delay. Nothing to do yet; check again in "
        "a few days. Help: 0293 3878787."
    )
    assert "chờ đến ngày hẹn trả" in next_step(_dossier(status), OfficeGuide(), NOW)


def test_the_office_facts_are_named_where_they_matter() -> None:
    supplement = next_step(_dossier(Status.SUPPLEMENT_REQUIRED, late=True), GUIDE, NOW)
    assert supplement.startswith("Cần bổ sung: Thiếu bản sao sổ hộ khẩu. Mang giấy tờ đến Bộ phận")
    assert "0293 3878787" in supplement and "quá hạn" not in supplement
    assert "quầy thu phí" in next_step(_dossier(Status.AWAITING_PAYMENT), GUIDE, NOW)
    ready = next_step(_dossier(Status.RESULT_READY), GUIDE, NOW, Language.EN)
    assert ready.startswith("Bring giấy biên nhận to collect the result at Bộ phận Một cửa.")
    assert "Opening hours: 7h-17h." in ready
    plain = next_step(_dossier(Status.RESULT_READY), OfficeGuide(), NOW)
    assert plain == "Mang giấy biên nhận và CCCD đến nhận kết quả tại nơi nộp hồ sơ."
    with_pickup = dataclasses.replace(_dossier(Status.RESULT_READY), pickup_location="Quầy 5")
    assert "tại Quầy 5." in next_step(with_pickup, GUIDE, NOW)


def test_the_shortest_forms_put_general_words_for_the_records_desk_and_note() -> None:
    supplement = dataclasses.replace(
        _dossier(Status.SUPPLEMENT_REQUIRED), pickup_location="Trung tâm Phục vụ, quầy số 2"
    )
    assert next_step(supplement, OfficeGuide(), NOW, hotline=False, place=False) == (
        "Cần bổ sung: Thiếu bản sao sổ hộ khẩu. Mang giấy tờ đến nơi nộp hồ sơ."
    )
    assert next_step(
        supplement, GUIDE, NOW, hours=False, hotline=False, place=False, note=False
    ) == ("Cần bổ sung: xem thông báo của cơ quan. Mang giấy tờ đến Bộ phận Một cửa.")


def test_an_office_sentence_and_its_placeholders() -> None:
    guide = dataclasses.replace(GUIDE, steps={Status.PROCESSING: "Hẹn {due}; hỏi {hotline}."})
    assert next_step(_dossier(Status.PROCESSING), guide, NOW) == "Hẹn 03/03/2024; hỏi 0293 3878787."
    assert unknown_placeholders("Gọi {hotline} hoặc {fax}") == ["fax"]
    assert unknown_placeholders("Gọi {hotline") != []


def test_the_guidance_section_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "onestop.conf"
    path.write_text(
        "[guidance]\nhotline = 1900 1234\nstep.result_ready = Den {place} luc {hours}\n"
        "step.ready = x\nstep.stopped = Goi {fax}\n[smsd]\nhotline = 0293 111\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = "\n".join(caught.value.problems)
    assert "[guidance] step.ready: not a status" in problems
    assert "[guidance] step.stopped: {fax} is not something a step can name" in problems
    path.write_text(
        "[guidance]\nhotline = 1900 1234\nstep.result_ready = Den {place}\n", encoding="utf-8"
    )
    config = load_config(path)
    guide = config.guidance.guide(hotline=config.smsd.hotline)
    assert guide.hotline == "1900 1234" and guide.steps == {Status.RESULT_READY: "Den {place}"}
    assert config.guidance.guide(hotline="0293 111").hotline == "0293 111"


def test_without_an_appointment_the_due_placeholder_says_so() -> None:
    guide = OfficeGuide(steps={Status.SUBMITTED: "Hẹn trả: {due}."})
    waiting = dataclasses.replace(_dossier(Status.SUBMITTED), due_at=None)
    assert next_step(waiting, guide, NOW) == "Hẹn trả: (chưa có ngày hẹn trả)."
    assert "overdue" not in next_step(waiting, OfficeGuide(), NOW, Language.EN).lower()
