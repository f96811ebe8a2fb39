"""``onestop-smsd --demo``: the whole SMS service on one machine, without a modem or a SIM.

The daemon runs exactly as in production, against the modem emulator on a pty and the demo
status API on 127.0.0.1; the console plays a citizen's phone. Every code the demo shows (the
console's help, the help SMS, the codes to try) is one of today's demo dossiers, which are
dated relative to today.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

from hardware.modem_sim import ModemEmulator
from hardware.modem_sim._console import PhoneConsole
from onestop.config import BackendSection, Config, ModemSection, SmsdSection
from onestop.demo_api import DemoStatusServer, bundled_records
from smsd._daemon import SmsDaemon

log = logging.getLogger(__name__)


def demo_config(api_url: str, modem_port: str, database: Path, example: str) -> Config:
    """Defaults everywhere, pointed at the in-process emulator and demo API."""
    return Config(
        backend=BackendSection(url=api_url),
        modem=ModemSection(port=modem_port, send_timeout=30.0),
        smsd=SmsdSection(database=database, backend_patience=5.0, example_code=example),
    )


def run_demo(*, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    records = bundled_records()
    with (
        tempfile.TemporaryDirectory(prefix="onestop-smsd-demo-") as workdir,
        ModemEmulator("generic") as emulator,
        DemoStatusServer(records, port=0).start() as api,
    ):
        example = records[0].dossier.code
        database = Path(workdir) / "smsd.sqlite3"
        config = demo_config(api.url, str(emulator.path), database, example)
        daemon = SmsDaemon(config)
        outcome: list[int] = []
        runner = threading.Thread(target=lambda: outcome.append(daemon.run()), name="smsd")
        runner.start()
        while not daemon.ready.wait(0.2):
            if not runner.is_alive():
                return outcome[0] if outcome else 1
        examples = ", ".join(record.dossier.code for record in records[:3])
        stdout.write(
            f"SMS lookup demo: the daemon answers on an emulated modem ({emulator.path}) with "
            f"the demo status API ({api.url}).\nCodes to try: {examples}\n\n"
        )
        try:
            PhoneConsole(emulator, example=example, stdin=stdin, stdout=stdout).run()
        except KeyboardInterrupt:
            pass
        finally:
            daemon.request_stop()
            runner.join(60)
        return outcome[0] if outcome else 0
