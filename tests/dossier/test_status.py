import typing

import pytest

from dossier import (
    CodeError,
    CodeProgress,
    Language,
    Status,
    due_phrase,
    next_step,
    strip_diacritics,
)

# The vocabulary table of DOMAIN.md, as the National Public Service Portal numbers it.
PORTAL = [
    (1, "submitted", "Mới đăng ký", "Moi dang ky", "Submitted"),
    (2, "received", "Đã tiếp nhận", "Da tiep nhan", "Received"),
    (3, "refused", "Không được tiếp nhận", "Khong duoc tiep nhan", "Intake refused"),
    (4, "processing", "Đang xử lý", "Dang xu ly", "In progress"),
    (5, "supplement_required", "Yêu cầu bổ sung hồ sơ", "Yeu cau bo sung ho so",
     "Additional documents required"),
    (6, "awaiting_payment", "Chờ thực hiện nghĩa vụ tài chính", "Cho thuc hien nghia vu tai chinh",
     "Awaiting fee payment"),
    (7, "withdrawn", "Đã rút hồ sơ", "Da rut ho so", "Withdrawn"),
    (8, "stopped", "Dừng xử lý", "Dung xu ly", "Processing stopped"),
    (9, "result_ready", "Đã có kết quả, chờ trả", "Da co ket qua, cho tra",
     "Result ready for collection"),
    (10, "delivered", "Đã trả kết quả", "Da tra ket qua", "Result delivered"),
]  # fmt: skip


@pytest.mark.parametrize(("number", "key", "vi", "ascii_vi", "en"), PORTAL)
def test_vocabulary(number: int, key: str, vi: str, ascii_vi: str, en: str) -> None:
    status = Status(key)
    assert status.number == number
    assert status.vi == vi
    assert status.vi_ascii == ascii_vi
    assert status.en == en
    assert Status.from_number(number) is status
    assert status.label(Language.EN) == en and status.label(Language.VI) == vi


def test_ten_statuses_in_portal_order() -> None:
    assert [status.number for status in Status] == list(range(1, 11))


def test_finished_statuses() -> None:
    finished = {status.value for status in Status if status.finished}
    assert finished == {"refused", "withdrawn", "stopped", "result_ready", "delivered"}


def test_unknown_number_is_an_error() -> None:
    with pytest.raises(ValueError, match="11"):
        Status.from_number(11)


@pytest.mark.parametrize(
    ("opencps", "key"),
    [
        ("receiving", "submitted"),
        ("collecting", "submitted"),
        ("new", "received"),
        ("denied", "refused"),
        ("processing", "processing"),
        ("interoperating", "processing"),
        ("handover", "processing"),
        ("waiting", "supplement_required"),
        ("correcting", "supplement_required"),
        ("paying", "awaiting_payment"),
        ("cancelled", "withdrawn"),
        ("cancelling", "withdrawn"),
        ("unresolved", "stopped"),
        ("pausing", "stopped"),
        ("releasing", "result_ready"),
        ("posting", "result_ready"),
        ("DONE", "delivered"),
    ],
)
def test_opencps_mapping(opencps: str, key: str) -> None:
    assert Status.from_opencps(opencps) is Status(key)


def test_unknown_opencps_key_is_an_error() -> None:
    with pytest.raises(ValueError, match="archived"):
        Status.from_opencps("archived")


def test_strip_diacritics() -> None:
    assert strip_diacritics("Đã có kết quả, chờ trả") == "Da co ket qua, cho tra"
    assert strip_diacritics("ĐƯỜNG Đỗ") == "DUONG Do"
    assert strip_diacritics("ok 👍") == "ok 👍"


def test_every_wording_for_citizens_takes_the_language_enum() -> None:
    # A code spelled by hand ("EN", "eng") silently gave Vietnamese; typed, mypy refuses it.
    wordings = (Status.label, CodeError.message, CodeProgress.message, due_phrase, next_step)
    for words in wordings:
        assert typing.get_type_hints(words)["lang"] is Language, words
