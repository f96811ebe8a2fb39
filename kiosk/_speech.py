"""Reading a result aloud: what is said, and saying it off the UI thread.

What is said (:func:`utterance`) is a list of pieces, each with a stable prompt name and its
text: the status, the due date in words, the next step, the place, the code digit by digit.
An office may record its own voice for the pieces that do not change (``[kiosk] speech =
recordings``, one WAV file per prompt name in ``speech_prompts``; ``onestop-kiosk
--list-prompts`` prints them); a piece without a recording, such as a unit's name, is said
by espeak-ng's Vietnamese voice when it is installed, and left out otherwise. With ``speech
= espeak`` everything is said by espeak-ng. Speech is off unless configured.

:class:`Speaker` renders and plays on a thread of its own; a new request stops the one still
playing. The player is a command from the configuration (``aplay -q`` by default) given the
WAV file's path.
"""

from __future__ import annotations

import logging
import shlex
import shutil
import string
import subprocess
import tempfile
import threading
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from dossier import (
    ICT,
    Dossier,
    Language,
    Status,
    date_words,
    number_words,
    spell_code,
    status_words,
    time_words,
)
from kiosk._strings import tr

logger = logging.getLogger(__name__)

ESPEAK = "espeak-ng"
VOICES = {Language.VI: "vi", Language.EN: "en"}


@dataclass(frozen=True, slots=True)
class Piece:
    """Something said: ``prompt`` names its recording (when an office made one)."""

    prompt: str
    text: str


def _words(text: str) -> list[Piece]:
    """Number words and letter names, one prompt per word, so that a few dozen recordings
    say every date and code."""
    return [Piece(f"word-{word}", word) for word in text.replace(",", "").split()]


def utterance(dossier: Dossier, *, lang: Language, next_step: str = "") -> list[Piece]:
    """What the read-aloud button says about a dossier, in ``lang``."""
    status = status_words(dossier.status, lang)
    pieces = [Piece("speak-status", tr("speak_status", lang))]
    pieces.append(Piece(f"status-{dossier.status}", status))
    if not dossier.status.finished:
        due = dossier.effective_due.astimezone(ICT)
        pieces.append(Piece("speak-due", tr("speak_due", lang)))
        if lang is Language.EN:
            pieces.append(Piece("", f"{due:%d %B %Y}, {due:%H:%M}"))
        else:
            pieces += [*_words(date_words(due.date())), Piece("word-lúc", "lúc")]
            pieces += _words(time_words(due.time()))
    if next_step:
        pieces.append(Piece("", next_step))
    if dossier.pickup_location:
        pieces.append(Piece("speak-place", tr("speak_place", lang)))
        pieces.append(Piece("", dossier.pickup_location))
    pieces.append(Piece("speak-code", tr("speak_code", lang)))
    if lang is Language.EN:
        spelled = dossier.code.replace(".", " dot ").replace("-", " dash ")
        pieces.append(Piece("", " ".join(spelled)))
    else:
        pieces += _words(spell_code(dossier.code))
    return pieces


def prompt_list() -> list[Piece]:
    """Every prompt an office can record, with its Vietnamese text (``--list-prompts``)."""
    fixed = [Piece(f"speak-{key}", tr(f"speak_{key}", Language.VI)) for key in SPEAK_KEYS]
    statuses = [Piece(f"status-{status}", status_words(status, Language.VI)) for status in Status]
    spoken = " ".join(number_words(number) for number in (*range(100), 100, 1000, 2026))
    spoken += " ngày tháng năm giờ lúc " + spell_code(
        string.digits + string.ascii_uppercase + ".-/+"
    )
    return fixed + statuses + list(dict.fromkeys(_words(spoken)))


SPEAK_KEYS = ("status", "due", "place", "code")


class Speaker:
    """Says utterances on a thread of its own; off (``mode = off``) it says nothing."""

    def __init__(
        self,
        *,
        mode: str,
        player: str,
        prompts: Path | None = None,
        on_spoken: Callable[[str], None] = lambda _text: None,
    ) -> None:
        self.mode = mode
        self._player = shlex.split(player)
        self._prompts = prompts
        self._on_spoken = on_spoken
        self._espeak = shutil.which(ESPEAK)
        self._lock = threading.Lock()
        self._playing: subprocess.Popen[bytes] | None = None
        self._folder = Path(tempfile.mkdtemp(prefix="onestop-speech-"))
        self._count = 0

    @property
    def available(self) -> bool:
        return (self.mode == "espeak" and self._espeak is not None) or self.mode == "recordings"

    def say(self, pieces: list[Piece], lang: Language) -> None:
        """Start saying ``pieces`` (stopping what is still being said); returns at once."""
        if not self.available:
            return
        threading.Thread(target=self._say, args=(pieces, lang), daemon=True).start()

    def _say(self, pieces: list[Piece], lang: Language) -> None:
        with self._lock:
            self.stop()
            self._count += 1
            target = self._folder / f"speech-{self._count}.wav"
            try:
                self._render(pieces, lang, target)
                playing = subprocess.Popen([*self._player, str(target)])  # noqa: S603
            except (OSError, subprocess.SubprocessError, wave.Error) as exc:
                logger.warning("could not read the result aloud: %s", exc)
                return
            self._playing = playing
        if playing.wait() == 0:  # said to the end, not cut off by the next request
            self._on_spoken(" ".join(piece.text for piece in pieces))

    def stop(self) -> None:
        """Cut off what is being said."""
        playing = self._playing
        if playing is not None and playing.poll() is None:
            playing.terminate()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._folder, ignore_errors=True)

    def _render(self, pieces: list[Piece], lang: Language, target: Path) -> None:
        """Recordings where the office made them, espeak-ng for the rest; one WAV file."""
        parts: list[Path] = []
        pending: list[str] = []

        def flush() -> None:
            if pending and self._espeak is not None:
                parts.append(self._espeak_wav(" ".join(pending), lang, len(parts)))
            pending.clear()

        for piece in pieces:
            recorded = self._recording(piece)
            if recorded is None:
                pending.append(piece.text + ("." if piece.prompt.startswith("status-") else ""))
                continue
            flush()
            parts.append(recorded)
        flush()
        join_wavs(parts, target)

    def _recording(self, piece: Piece) -> Path | None:
        if self.mode != "recordings" or self._prompts is None or not piece.prompt:
            return None
        path = self._prompts / f"{piece.prompt}.wav"
        return path if path.is_file() else None

    def _espeak_wav(self, text: str, lang: Language, index: int) -> Path:
        path = self._folder / f"part-{self._count}-{index}.wav"
        subprocess.run(  # noqa: S603  (the program found on PATH, the text as one argument)
            [
                self._espeak or ESPEAK,
                "-v",
                VOICES[lang],
                "-s",
                "140",
                "-w",
                str(path),
                text,
            ],
            check=True,
            timeout=30,
            capture_output=True,
        )
        return path


def join_wavs(parts: Iterable[Path], target: Path) -> None:
    """One WAV file of ``parts`` in order. They must share channels, sample width and rate
    (record prompts as espeak-ng writes: mono, 16 bit, 22050 Hz); :class:`wave.Error` else."""
    params = None
    with wave.open(str(target), "wb") as out:
        for part in parts:
            with wave.open(str(part), "rb") as source:
                if params is None:
                    params = source.getparams()
                    out.setparams(params)
                elif source.getparams()[:3] != params[:3]:
                    raise wave.Error(f"{part.name}: not recorded like the other prompts")
                out.writeframes(source.readframes(source.getnframes()))
        if params is None:
            out.setparams((1, 2, 22050, 0, "NONE", "not compressed"))
