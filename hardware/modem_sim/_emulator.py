"""A GSM modem on a pseudo-terminal: AT commands, SMS PDUs, message storage and faults.

Clients (python-gsmmodem-new, Gammu, a terminal) open the pty like a serial port and cannot
tell it from a modem: it echoes, answers with the model's own wording, stores what the
network delivers up to a capacity and announces it with ``+CMTI`` (or pushes it with ``+CMT``),
and reads what the client submits back into text with its own codec. Tests and the demo
console play the network side through :meth:`ModemEmulator.deliver` and read the replies
from :meth:`ModemEmulator.wait_replies`; fault triggers make it behave like a modem on a
bad day.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import enum
import errno
import logging
import os
import re
import select
import tempfile
import threading
import time
import tty
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dossier import ICT
from hardware.modem_sim._profiles import PROFILES, Profile
from hardware.sms_pdu import (
    SINGLE_LIMITS,
    Alphabet,
    PduError,
    Submit,
    choose_alphabet,
    decode_submit,
    encode_deliver,
    size,
    split_deliver,
)

log = logging.getLogger(__name__)

_CTRL_Z = 0x1A
_ESC = 0x1B
_WRITE_PATIENCE = 2.0
"""Seconds to wait for a reader before output is lost, as on a UART nobody listens to."""


@dataclass(frozen=True, slots=True)
class SentPart:
    """One PDU the client submitted, decoded by the emulator's own codec."""

    destination: str
    text: str
    alphabet: Alphabet
    part: int
    parts: int
    reference: int | None
    at: float


@dataclass(frozen=True, slots=True)
class Reply:
    """A complete message the client sent: every part of a concatenated SMS joined."""

    destination: str
    text: str
    parts: int
    alphabet: Alphabet


@dataclass(slots=True)
class _Stored:
    pdu: str
    unread: bool = True


class Gate:
    """Holds the modem at one command until the test lets it go, to freeze a client mid-step."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.upper()
        self.reached = threading.Event()
        self._released = threading.Event()
        self._respond = True

    def release(self, *, respond: bool = True) -> None:
        """Let the command through; ``respond=False`` drops it as a modem that lost power."""
        self._respond = respond
        self._released.set()

    def _wait(self, stopping: threading.Event) -> bool:
        self.reached.set()
        while not self._released.wait(0.1):
            if stopping.is_set():
                return False
        return self._respond


class Hang(enum.Enum):
    """How a hung modem behaves (:attr:`Faults.hang`)."""

    RESET = "reset"
    """Silent until ``AT+CFUN=1,1`` restarts it."""
    FOREVER = "forever"
    """Silent for good."""


class Heard(enum.Enum):
    """What a listener (:meth:`ModemEmulator.add_listener`) is told about."""

    COMMAND = "command"
    """An AT command line from the client."""
    UNSOLICITED = "unsolicited"
    """A line the modem sent on its own."""
    STORED = "stored"
    """A message put in storage: ``MEMORY,INDEX``."""
    SUBMIT = "submit"
    """A PDU the client submitted after ``AT+CMGS``."""
    REPLY = "reply"
    """A complete reply: ``DESTINATION: TEXT``."""


@dataclass(slots=True)
class Faults:
    """Fault triggers; change them at any time from the test or the console."""

    send_delay: float = 0.0
    """Seconds ``AT+CMGS`` takes before ``+CMGS:`` (real networks: 2 to 6)."""
    send_errors: collections.deque[int] = field(default_factory=collections.deque)
    """``+CMS ERROR`` codes for the next sends, one per send (500 unknown, 512 network)."""
    sim_busy: int = 0
    """How many SIM commands answer ``+CME ERROR: 14`` (SIM busy) before the SIM is ready."""
    hang: Hang | None = None
    """A hung modem answers nothing (see :class:`Hang`)."""
    interleave: bool = False
    """Send unsolicited lines at once, even inside another command's answer."""
    direct_delivery: bool = False
    """Push messages with ``+CMT`` instead of storing them, whatever ``AT+CNMI`` says."""


_SIM_COMMANDS = ("AT+CPIN?", "AT+CPMS", "AT+CMGL", "AT+CMGR", "AT+CSCA?", "AT+CMGD")


class ModemEmulator:
    """One emulated modem; :attr:`path` is the device to open (a stable symlink to the pty)."""

    def __init__(
        self,
        profile: str | Profile = "generic",
        *,
        link: str | Path | None = None,
        capacity: dict[str, int] | None = None,
        pin: str | None = None,
        own_number: str = "+84981234567",
        smsc: str = "+84980200030",
        listener: Callable[[Heard, str], None] | None = None,
    ) -> None:
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.faults = Faults()
        self.own_number = own_number
        self._capacity = dict(capacity or self.profile.capacity)
        self._pin = pin
        self._smsc = smsc
        self._listeners: list[Callable[[Heard, str], None]] = [listener] if listener else []
        if link is None:
            self._tempdir: tempfile.TemporaryDirectory[str] | None = tempfile.TemporaryDirectory(
                prefix="onestop-modem-"
            )
            link = Path(self._tempdir.name) / "modem"
        else:
            self._tempdir = None
        self.path = Path(link)
        self._lock = threading.RLock()
        self._replies_changed = threading.Condition(self._lock)
        self._storage_changed = threading.Condition(self._lock)
        self._storage: dict[str, dict[int, _Stored]] = {mem: {} for mem in self.profile.storages}
        self._held: collections.deque[str] = collections.deque()
        self._pending: list[str] = []
        self._sent: list[SentPart] = []
        self._replies: list[Reply] = []
        self._partial: dict[tuple[str, int, int], dict[int, SentPart]] = {}
        self._gates: list[Gate] = []
        self.commands: list[tuple[float, str]] = []
        """Every command line received, with its ``time.monotonic()``."""
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._master = -1
        self._slave = -1
        self._down_until = 0.0
        self._busy = False
        self._buffer = bytearray()
        self._pdu_length: int | None = None
        self._reference = 0
        self._concat_reference = 0
        self._thread = threading.Thread(target=self._run, name="modem-emulator", daemon=True)
        self._reset_settings()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ModemEmulator:
        self._open_pty()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._wake()
        if self._thread.is_alive():
            self._thread.join(5)
        self._close_pty()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._tempdir is not None:
            self._tempdir.cleanup()

    def __enter__(self) -> ModemEmulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _reset_settings(self) -> None:
        self._echo = True
        self._cnmi_mt = 1  # most modems ship with AT+CNMI=2,1,0,0,0
        self._cmgf = 0
        default = self.profile.storages[0]
        self._mems = [default, default, default]
        self._pin_ok = self._pin is None

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        temporary = self.path.with_name(self.path.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(os.ttyname(slave))
        temporary.replace(self.path)
        self._buffer.clear()
        self._pdu_length = None
        self._busy = False

    def _close_pty(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1

    # -- the network side, for tests and the console -------------------------------------------

    def deliver(
        self,
        sender: str,
        text: str,
        *,
        timestamp: dt.datetime | None = None,
        alphabet: Alphabet | None = None,
        wide_reference: bool = False,
        order: Iterable[int] | None = None,
        drop: Iterable[int] = (),
        force_concat: bool = False,
    ) -> list[str]:
        """An SMS from a citizen's phone; long texts arrive as concatenated parts.

        ``order`` gives the 1-based part numbers in arrival order, ``drop`` the parts the
        network loses. Returns the PDUs that were generated (all parts, dropped ones too).
        """
        moment = timestamp or dt.datetime.now(ICT).replace(microsecond=0)
        chosen = alphabet or choose_alphabet(text)
        if size(text, chosen) <= SINGLE_LIMITS[chosen] and not force_concat:
            pdus = [encode_deliver(sender, text, moment, alphabet=chosen, smsc=self._smsc)]
        else:
            with self._lock:
                self._concat_reference = (self._concat_reference + 1) % (
                    0x10000 if wide_reference else 0x100
                )
                reference = self._concat_reference
            pdus = split_deliver(
                sender,
                text,
                moment,
                reference=reference,
                wide_reference=wide_reference,
                alphabet=chosen,
            )
        numbers = list(order) if order is not None else list(range(1, len(pdus) + 1))
        lost = set(drop)
        for number in numbers:
            if number not in lost:
                self.deliver_pdu(pdus[number - 1])
        return pdus

    def deliver_pdu(self, pdu: str) -> None:
        """Hand one SMS-DELIVER PDU (hex) to the modem, as the network does."""
        with self._lock:
            if self.faults.direct_delivery or self._cnmi_mt == 2:
                length = self._tpdu_length(pdu)
                self._unsolicited(f"+CMT: ,{length}", pdu)
                return
            if self._store(pdu) is None:
                first_time = not self._held
                self._held.append(pdu)
                if first_time and self.profile.storage_full:
                    self._unsolicited(self.profile.storage_full)

    def stored(self) -> dict[str, int]:
        """How many messages each memory holds now."""
        with self._lock:
            return {mem: len(messages) for mem, messages in self._storage.items()}

    def wait_empty(self, timeout: float = 10.0) -> bool:
        """Block until every memory is empty and the network holds nothing back."""
        deadline = time.monotonic() + timeout
        with self._storage_changed:
            while any(self._storage.values()) or self._held:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._storage_changed.wait(left)
            return True

    @property
    def held(self) -> int:
        """Messages the network still holds because storage was full."""
        with self._lock:
            return len(self._held)

    def noise(self) -> None:
        """Emit the profile's unsolicited status lines now."""
        with self._lock:
            for line in self.profile.noise:
                self._unsolicited(line)

    def garbage(self, data: bytes) -> None:
        """Write raw bytes to the client, as line noise on a long UART cable does."""
        with self._lock:
            self._write(data)

    def gate(self, prefix: str) -> Gate:
        """Freeze at the next command starting with ``prefix`` until the gate is released."""
        gate = Gate(prefix)
        with self._lock:
            self._gates.append(gate)
        return gate

    def drop_port(self, down_for: float = 0.5) -> None:
        """The device vanishes (USB reset, loose cable) and comes back at the same path."""
        with self._lock:
            self._close_pty()
            self._down_until = time.monotonic() + down_for
        self._wake()

    @property
    def sent(self) -> list[SentPart]:
        with self._lock:
            return list(self._sent)

    @property
    def replies(self) -> list[Reply]:
        with self._lock:
            return list(self._replies)

    def wait_replies(self, count: int, timeout: float = 10.0) -> list[Reply]:
        """Block until at least ``count`` complete replies were sent; return them all."""
        deadline = time.monotonic() + timeout
        with self._replies_changed:
            while len(self._replies) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._replies_changed.wait(left)
            return list(self._replies)

    # -- the serial side -------------------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._wake_w, b"!")

    def add_listener(self, listener: Callable[[Heard, str], None]) -> None:
        """Call ``listener(kind, text)`` for each command, unsolicited line, PDU and reply."""
        self._listeners.append(listener)

    def _notify(self, kind: Heard, text: str) -> None:
        for listener in self._listeners:
            listener(kind, text)

    def _write(self, data: bytes) -> None:
        """Write to the client; output that nobody reads in time is lost, as on a real port."""
        view = memoryview(data)
        deadline = time.monotonic() + _WRITE_PATIENCE
        while view and self._master >= 0:
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                select.select([], [self._master], [], min(left, 0.1))
                continue
            except OSError:
                return
            view = view[written:]

    def _unsolicited(self, *lines: str) -> None:
        text = "\r\n" + "\r\n".join(lines) + "\r\n"
        if self.faults.interleave or (not self._busy and self._pdu_length is None):
            self._write(text.encode())
            self._notify(Heard.UNSOLICITED, text.strip())
        else:
            self._pending.append(text)
            self._wake()

    def _flush_pending(self) -> None:
        with self._lock:
            if self._busy or self._pdu_length is not None or self._master < 0:
                return
            pending, self._pending = self._pending, []
            for text in pending:
                self._write(text.encode())
                self._notify(Heard.UNSOLICITED, text.strip())

    def _run(self) -> None:
        while not self._stopping.is_set():
            if self._master < 0:
                wait = self._down_until - time.monotonic()
                if wait > 0:
                    self._stopping.wait(min(wait, 0.1))
                    continue
                with self._lock:
                    if self._master < 0 and not self._stopping.is_set():
                        self._open_pty()
                continue
            master = self._master
            try:
                readable, _, _ = select.select([master, self._wake_r], [], [], 0.5)
            except (OSError, ValueError):
                continue
            if self._wake_r in readable:
                with contextlib.suppress(BlockingIOError):
                    os.read(self._wake_r, 4096)
            if master in readable and master == self._master:
                try:
                    data = os.read(master, 4096)
                except BlockingIOError:
                    data = b""
                except OSError as exc:
                    if exc.errno != errno.EIO:
                        log.debug("emulator read failed: %s", exc)
                    data = b""
                for byte in data:
                    self._byte(byte)
            self._flush_pending()

    def _byte(self, byte: int) -> None:
        if self._pdu_length is not None:
            if byte == _CTRL_Z:
                pdu = self._buffer.decode("ascii", "replace").strip()
                self._buffer.clear()
                length, self._pdu_length = self._pdu_length, None
                self._finish(self._submit(length, pdu))
            elif byte == _ESC:
                self._buffer.clear()
                self._pdu_length = None
                self._finish(["OK"])
            else:
                if self._echo:
                    self._write(bytes((byte,)))
                self._buffer.append(byte)
            return
        if self._echo:
            self._write(bytes((byte,)))
        if byte == 0x0D:
            line = self._buffer.decode("ascii", "replace").strip()
            self._buffer.clear()
            if line:
                self._command(line)
        elif byte == 0x0A and not self._buffer:
            return
        else:
            self._buffer.append(byte)

    def _finish(self, lines: list[str]) -> None:
        """Write an answer: information lines, then the final result.

        The information lines go as one block, a single CR LF between them, as TS 27.005
        shows ``+CMGR: <stat>,,<length><CR><LF><pdu>``: Kannel's AT driver reads the PDU
        as the very next line and fails on an empty one.
        """
        if lines:
            *info, final = lines
            block = "\r\n" + "\r\n".join(info) + "\r\n" if info else ""
            self._write(f"{block}\r\n{final}\r\n".encode())
        with self._lock:
            self._busy = False
        self._flush_pending()

    def _command(self, line: str) -> None:
        now = time.monotonic()
        upper = line.upper()
        self.commands.append((now, line))
        self._notify(Heard.COMMAND, line)
        if not upper.startswith("AT"):
            return
        with self._lock:
            self._busy = True
            gate = next((g for g in self._gates if upper.startswith(g.prefix)), None)
            if gate is not None:
                self._gates.remove(gate)
        if gate is not None and not gate._wait(self._stopping):
            with self._lock:
                self._busy = False
            return
        if self.faults.hang is not None:
            if self.faults.hang is Hang.RESET and upper.startswith("AT+CFUN=1,1"):
                self._reboot()
            with self._lock:
                self._busy = False
            return
        if self.faults.sim_busy > 0 and upper.startswith(_SIM_COMMANDS):
            self.faults.sim_busy -= 1
            self._finish(["+CME ERROR: 14"])
            return
        try:
            answer = self._answer(line, upper)
        except _Prompt as prompt:
            self._pdu_length = prompt.length
            self._write(b"\r\n> ")
            return
        self._finish(answer)

    def _reboot(self) -> None:
        with self._lock:
            self.faults.hang = None
            self._reset_settings()
            for line in self.profile.boot_lines:
                self._pending.append(f"\r\n{line}\r\n")

    # -- the AT command set ------------------------------------------------------------------

    def _answer(self, line: str, upper: str) -> list[str]:
        profile = self.profile
        if line in profile.extra:
            return list(profile.extra[line])
        body = upper[2:]
        if body in ("", "Z", "&F"):
            if body:
                self._echo = True
            return ["OK"]
        if body in ("E0", "E1"):
            self._echo = body == "E1"
            return ["OK"]
        if body == "I":
            return [profile.manufacturer, profile.model, f"Revision: {profile.revision}", "OK"]
        simple = {
            "+CGMI": profile.manufacturer,
            "+GMI": profile.manufacturer,
            "+CGMM": profile.model,
            "+GMM": profile.model,
            "+CGMR": profile.revision,
            "+GMR": profile.revision,
            "+CGSN": profile.imei,
            "+GSN": profile.imei,
            "+CIMI": profile.imsi,
            "+CSQ": "+CSQ: 21,99",
            "+CREG?": "+CREG: 0,1",
            "+CGREG?": "+CGREG: 0,1",
            "+COPS?": '+COPS: 0,0,"Viettel",2',
            "+CFUN?": "+CFUN: 1",
            "+CSCS?": '+CSCS: "GSM"',
            "+CSCS=?": '+CSCS: ("GSM","UCS2","IRA","HEX")',
            "+CNMI?": f"+CNMI: 2,{self._cnmi_mt},0,0,0",
            "+CMGF?": f"+CMGF: {self._cmgf}",
            "+CNUM": f'+CNUM: "","{self.own_number}",145',
            "+CSMS?": "+CSMS: 0,1,1,1",
        }
        if body in simple:
            return [simple[body], "OK"]
        if body == "+CLAC":
            return [*profile.clac, "OK"] if profile.clac else [profile.unsupported]
        if body == "+CPIN?":
            state = "+CPIN: READY" if self._pin_ok else "+CPIN: SIM PIN"
            return [state, "OK"] if profile.cpin_ok else [state]
        if body.startswith("+CPIN="):
            if self._pin is None or body[6:].strip('"') == self._pin:
                self._pin_ok = True
                return ["OK"]
            return ["+CME ERROR: 16"]
        if not self._pin_ok and body.startswith(("+CMG", "+CPMS", "+CNMI")):
            return ["+CME ERROR: 11"]
        if body.startswith("+CFUN="):
            if body.replace(" ", "") == "+CFUN=1,1":
                self._reboot()
            return ["OK"]
        if body.startswith("+CSCA"):
            if body == "+CSCA?":
                return [f'+CSCA: "{self._smsc}",145', "OK"]
            match = re.match(r'\+CSCA="?(\+?\d+)"?', body)
            if match:
                self._smsc = match.group(1)
                return ["OK"]
            return ["+CMS ERROR: 304"]
        if body.startswith("+CMGF="):
            if body == "+CMGF=0":
                self._cmgf = 0
                return ["OK"]
            return ["+CMS ERROR: 303"]
        if body.startswith("+CNMI="):
            fields = body[6:].split(",")
            try:
                self._cnmi_mt = int(fields[1]) if len(fields) > 1 and fields[1] else 0
            except ValueError:
                return ["+CMS ERROR: 304"]
            return ["OK"]
        if body.startswith("+CPMS"):
            return self._cpms(body)
        if body.startswith("+CMGR="):
            return self._cmgr(body[6:])
        if body.startswith("+CMGL"):
            return self._cmgl(body)
        if body.startswith("+CMGD="):
            return self._cmgd(body[6:])
        if body.startswith("+CMGS="):
            try:
                length = int(body[6:])
            except ValueError:
                return ["+CMS ERROR: 302"]
            if not 1 <= length <= 176:
                return ["+CMS ERROR: 304"]
            raise _Prompt(length)
        if body.startswith(
            (
                "+CSMP=",
                "+CSCS=",
                "+CMEE=",
                "+CLIP=",
                "+CRC=",
                "+CVHU=",
                "+CREG=",
                "+COPS=",
                "+CNMA",
                "+CSMS=",
                "+CMMS=",
            )
        ):
            return ["OK"]
        return [profile.unsupported]

    def _mem_state(self, mem: str) -> str:
        used = len(self._storage[mem])
        return f"{used},{self._capacity.get(mem, 0)}"

    def _cpms(self, body: str) -> list[str]:
        mems = self.profile.storages
        if body == "+CPMS=?":
            listed = ",".join(f'"{mem}"' for mem in mems)
            return [f"+CPMS: ({listed}),({listed}),({listed})", "OK"]
        if body == "+CPMS?":
            parts = ",".join(f'"{mem}",{self._mem_state(mem)}' for mem in self._mems)
            return [f"+CPMS: {parts}", "OK"]
        if not body.startswith("+CPMS="):
            return ["ERROR"]
        chosen = [item.strip().strip('"') for item in body[6:].split(",") if item.strip()]
        if not chosen or any(mem not in mems for mem in chosen):
            return ["+CMS ERROR: 302"]
        for position, mem in enumerate(chosen[:3]):
            self._mems[position] = mem
        states = ",".join(self._mem_state(mem) for mem in self._mems)
        return [f"+CPMS: {states}", "OK"]

    def _store(self, pdu: str) -> int | None:
        mem = self._mems[2]
        messages = self._storage[mem]
        if len(messages) >= self._capacity.get(mem, 0):
            return None
        index = self.profile.first_index
        while index in messages:
            index += 1
        messages[index] = _Stored(pdu)
        if self._cnmi_mt in (1, 3):
            self._unsolicited(f'+CMTI: "{mem}",{index}')
        self._notify(Heard.STORED, f"{mem},{index}")
        return index

    @staticmethod
    def _tpdu_length(pdu: str) -> int:
        return len(pdu) // 2 - 1 - int(pdu[0:2], 16)

    def _cmgr(self, argument: str) -> list[str]:
        with self._lock:
            try:
                index = int(argument)
            except ValueError:
                return ["+CMS ERROR: 304"]
            stored = self._storage[self._mems[0]].get(index)
            if stored is None:
                return ["+CMS ERROR: 321"]
            status = 0 if stored.unread else 1
            stored.unread = False
            return [f"+CMGR: {status},,{self._tpdu_length(stored.pdu)}", stored.pdu, "OK"]

    def _cmgl(self, body: str) -> list[str]:
        wanted = body[6:].strip('"') if body.startswith("+CMGL=") else "4"
        aliases = {"REC UNREAD": "0", "REC READ": "1", "ALL": "4"}
        wanted = aliases.get(wanted, wanted)
        if wanted not in ("0", "1", "4"):
            return ["+CMS ERROR: 302"] if wanted in ("2", "3") else ["+CMS ERROR: 304"]
        lines: list[str] = []
        with self._lock:
            for index, stored in sorted(self._storage[self._mems[0]].items()):
                status = 0 if stored.unread else 1
                if wanted == "4" or int(wanted) == status:
                    lines.append(f"+CMGL: {index},{status},,{self._tpdu_length(stored.pdu)}")
                    lines.append(stored.pdu)
                    stored.unread = False
        return [*lines, "OK"]

    def _cmgd(self, argument: str) -> list[str]:
        fields = [item.strip() for item in argument.split(",")]
        try:
            index = int(fields[0])
            flag = int(fields[1]) if len(fields) > 1 and fields[1] else 0
        except ValueError:
            return ["+CMS ERROR: 304"]
        with self._lock:
            messages = self._storage[self._mems[0]]
            if flag == 0:
                messages.pop(index, None)
            else:
                for key in [k for k, m in messages.items() if flag == 4 or not m.unread]:
                    del messages[key]
            while self._held and len(self._storage[self._mems[2]]) < self._capacity.get(
                self._mems[2], 0
            ):
                self._store(self._held.popleft())
            self._storage_changed.notify_all()
        return ["OK"]

    def _submit(self, length: int, pdu: str) -> list[str]:
        self._notify(Heard.SUBMIT, pdu)
        try:
            submit = decode_submit(pdu)
        except PduError as exc:
            log.debug("emulator refused a PDU: %s", exc)
            return ["+CMS ERROR: 304"]
        if submit.tpdu_length != length:
            return ["+CMS ERROR: 304"]
        delay = self.faults.send_delay
        if delay > 0 and self._stopping.wait(delay):
            return []
        with self._lock:
            if self.faults.send_errors:
                return [f"+CMS ERROR: {self.faults.send_errors.popleft()}"]
            self._reference = (self._reference + 1) % 256
            reference = self._reference
            self._record(submit)
        return [f"+CMGS: {reference}", "OK"]

    def _record(self, submit: Submit) -> None:
        concat = submit.concat
        part = SentPart(
            destination=submit.destination,
            text=submit.text,
            alphabet=submit.alphabet,
            part=concat.number if concat else 1,
            parts=concat.total if concat else 1,
            reference=concat.reference if concat else None,
            at=time.monotonic(),
        )
        self._sent.append(part)
        if concat is None or concat.total <= 1:
            complete = [part]
        else:
            key = (submit.destination, concat.reference, concat.total)
            collected = self._partial.setdefault(key, {})
            collected[concat.number] = part
            if len(collected) < concat.total:
                return
            del self._partial[key]
            complete = [collected[number] for number in sorted(collected)]
        text = "".join(item.text for item in complete)
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        self._replies.append(Reply(part.destination, text, len(complete), part.alphabet))
        self._replies_changed.notify_all()
        self._notify(Heard.REPLY, f"{part.destination}: {text}")


class _Prompt(Exception):
    """The command wants a PDU after the ``> `` prompt."""

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length
