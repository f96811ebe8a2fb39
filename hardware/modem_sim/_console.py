"""A citizen's phone on the emulated modem: type a message, read the reply.

Used by ``onestop-modem-sim`` and by ``onestop-smsd --demo``, so that anyone can try the SMS
service without a modem or a SIM. Lines starting with ``/`` change the phone number or set
modem faults; everything else is sent as an SMS.
"""

from __future__ import annotations

import threading
from typing import TextIO

from hardware.modem_sim._emulator import Heard, ModemEmulator

HELP = """\
Type a message and press Enter to send it to the modem as an SMS, for example:
  HS {example}
Commands:
  /from NUMBER      send from another phone number (now {number})
  /delay SECONDS    make each send take this long, like a real network (2 to 6 s)
  /error CODE       the next send fails with +CMS ERROR: CODE (500, 512)
  /drop [SECONDS]   unplug the modem for a moment
  /status           what the modem holds
  /help             this text
  /quit             leave (Ctrl-D too)
"""


class PhoneConsole:
    """Reads lines from ``stdin``; prints replies to ``stdout`` as the modem sends them."""

    def __init__(
        self,
        emulator: ModemEmulator,
        *,
        number: str = "+84912345678",
        example: str = "000.00.20.H30-240115-0001",
        stdin: TextIO,
        stdout: TextIO,
    ) -> None:
        self.emulator = emulator
        self.number = number
        self.example = example
        """The code the help shows; a demo passes one its status API knows."""
        self._in = stdin
        self._out = stdout
        self._print_lock = threading.Lock()
        emulator.add_listener(self._heard)

    def say(self, text: str) -> None:
        with self._print_lock:
            self._out.write(text + "\n")
            self._out.flush()

    def _heard(self, kind: Heard, text: str) -> None:
        if kind is Heard.REPLY:
            recipient, _, body = text.partition(": ")
            self.say(f"\n<< SMS to {recipient}:\n{body}\n")

    def run(self, *, patience: float = 15.0) -> None:
        """Until /quit or the end of the input; at the end of piped input, wait up to
        ``patience`` seconds for the replies still due, so that scripts see them."""
        self.say(HELP.format(number=self.number, example=self.example))
        sent = 0
        for raw in self._in:
            line = raw.strip()
            if not line:
                continue
            if line.startswith("/"):
                if not self._command(line):
                    return
                continue
            self.emulator.deliver(self.number, line)
            sent += 1
            self.say(f">> SMS from {self.number}: {line}")
        self.emulator.wait_replies(sent, patience)

    def _command(self, line: str) -> bool:
        name, _, argument = line.partition(" ")
        argument = argument.strip()
        faults = self.emulator.faults
        try:
            if name == "/quit":
                return False
            if name == "/from" and argument:
                self.number = argument
                self.say(f"now sending from {self.number}")
            elif name == "/delay":
                faults.send_delay = float(argument or 0)
                self.say(f"each send now takes {faults.send_delay:g} s")
            elif name == "/error":
                faults.send_errors.append(int(argument or 500))
                self.say(f"the next send fails with +CMS ERROR: {faults.send_errors[-1]}")
            elif name == "/drop":
                self.emulator.drop_port(float(argument or 1))
                self.say("modem unplugged; it comes back shortly")
            elif name == "/status":
                self.say(
                    f"stored: {self.emulator.stored()}, held by the network: "
                    f"{self.emulator.held}, replies so far: {len(self.emulator.replies)}"
                )
            else:
                self.say(HELP.format(number=self.number, example=self.example))
        except ValueError:
            self.say(f"cannot use {argument!r} there; /help lists the commands")
        return True
