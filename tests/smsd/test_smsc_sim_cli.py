"""``onestop-smsc-sim`` as a process: it prints where it listens, takes a bind, and stops on
SIGTERM."""

from __future__ import annotations

import re
import subprocess
import sys

import smpplib.client

from tests.smsd.conftest import ROOT


def test_the_standalone_simulator_prints_its_port_and_takes_a_bind() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "smsd.smsc_sim.cli", "--port", "0", "--short-code", "8099"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            found = re.match(
                r"SMSC simulator on 127\.0\.0\.1:(\d+) \(system_id onestop, short code 8099\)", line
            )
            assert found, line
            client = smpplib.client.Client(
                "127.0.0.1", int(found.group(1)), timeout=10, allow_unknown_opt_params=True
            )
            client.connect()
            client.bind_transceiver(system_id="onestop", password="secret")
            client.unbind()
            client.disconnect()
        finally:
            process.terminate()
            assert process.wait(10) == 0
