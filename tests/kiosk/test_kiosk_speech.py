"""Reading a result aloud: what is said, espeak-ng's real voice, an office's own recordings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import queue
import shutil
import wave
from pathlib import Path

import pytest

from dossier import ICT, Applicant, Dossier, HistoryEntry, Language, Status
from kiosk._speech import Piece, Speaker, join_wavs, prompt_list, utterance

DUE = dt.datetime(2026, 11, 20, 16, 30, tzinfo=ICT)


def dossier(status: Status = Status.PROCESSING) -> Dossier:
    received = dt.datetime(2026, 11, 10, 8, 0, tzinfo=ICT)
    return Dossier(
        code="000.00.20.H30-261110-0001",
        procedure="Cấp giấy phép xây dựng",
        agency="UBND huyện Châu Thành",
        status=status,
        received_at=received,
        due_at=DUE,
        rescheduled_due_at=None,
        completed_at=None,
        current_unit="Phòng Quản lý đô thị",
        pickup_location="Bộ phận Một cửa, quầy 3",
        history=(HistoryEntry(received, "Một cửa", Status.RECEIVED, ""),),
        updated_at=received,
        applicant=Applicant("Nguyễn Văn An", "079123456789"),
    )


def test_what_is_said_about_a_dossier() -> None:
    said = " ".join(piece.text for piece in utterance(dossier(), lang=Language.VI, next_step="Chờ"))
    assert "Đang xử lý" in said
    assert "ngày hai mươi tháng mười một năm hai nghìn không trăm hai mươi sáu" in said
    assert "lúc mười sáu giờ ba mươi" in said
    assert "Bộ phận Một cửa, quầy 3" in said and "Chờ" in said
    assert "không không không chấm không không chấm hai không chấm hát ba không" in said
    assert "Nguyễn Văn An" not in said and "079123456789" not in said
    done = utterance(dataclasses.replace(dossier(Status.DELIVERED)), lang=Language.EN)
    assert "Result due" not in " ".join(piece.text for piece in done)


def test_every_piece_said_in_vietnamese_can_be_recorded() -> None:
    prompts = {piece.prompt for piece in prompt_list()}
    for status in Status:
        for piece in utterance(dossier(status), lang=Language.VI):
            assert not piece.prompt or piece.prompt in prompts, piece


def tone(path: Path, frames: int, rate: int = 22050) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setparams((1, 2, rate, 0, "NONE", "not compressed"))
        out.writeframes(b"\x10\x00" * frames)
    return path


def test_recordings_are_joined_and_must_match(tmp_path: Path) -> None:
    joined = tmp_path / "joined.wav"
    join_wavs([tone(tmp_path / "a.wav", 100), tone(tmp_path / "b.wav", 50)], joined)
    with wave.open(str(joined)) as result:
        assert result.getnframes() == 150
    with pytest.raises(wave.Error, match="not recorded like"):
        join_wavs([tone(tmp_path / "a.wav", 10), tone(tmp_path / "c.wav", 10, 44100)], joined)


def played(tmp_path: Path, mode: str, prompts: Path | None = None) -> tuple[Path, str]:
    out = tmp_path / "played"
    out.mkdir(exist_ok=True)
    spoken: queue.Queue[str] = queue.Queue()
    speaker = Speaker(mode=mode, player=f"cp -t {out}", prompts=prompts, on_spoken=spoken.put)
    assert speaker.available
    try:
        speaker.say(utterance(dossier(), lang=Language.VI), Language.VI)
        text = spoken.get(timeout=60)  # once the player has played it to the end
    finally:
        wav = next(out.glob("*.wav"))
        speaker.close()
    return wav, text


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="./dev test installs espeak-ng")
def test_espeak_ng_says_it_in_vietnamese(tmp_path: Path) -> None:
    wav, text = played(tmp_path, "espeak")
    with wave.open(str(wav)) as result:
        assert result.getnframes() / result.getframerate() > 5  # seconds of speech
    assert "hai nghìn không trăm hai mươi sáu" in text


def test_an_offices_recordings_are_used_where_there_are_some(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    for piece in prompt_list():
        tone(prompts / f"{piece.prompt}.wav", 2205)  # a tenth of a second each
    recorded = [piece for piece in utterance(dossier(), lang=Language.VI) if piece.prompt]
    free = [piece for piece in utterance(dossier(), lang=Language.VI) if not piece.prompt]
    wav, _text = played(tmp_path, "recordings", prompts)
    with wave.open(str(wav)) as result:
        seconds = result.getnframes() / result.getframerate()
    # Every recorded piece is in; the place, which no office can record, is said by espeak-ng.
    assert seconds >= len(recorded) * 0.1
    assert free == [Piece("", "Bộ phận Một cửa, quầy 3")]
