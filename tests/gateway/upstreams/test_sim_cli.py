"""``onestop-upstream-sim``: a simulator run by hand, and the section it prints."""

from __future__ import annotations

import configparser
import signal
import subprocess
import sys

import httpx
import pytest

from dossier import Status, parse_code
from gateway.upstreams import IGate
from onestop.config import parse_config

COMMAND = [sys.executable, "-c", "from gateway.sims.cli import main; raise SystemExit(main())"]


def test_list_prints_codes_statuses_and_keys() -> None:
    result = subprocess.run(
        [*COMMAND, "opencps", "--list"], capture_output=True, text=True, timeout=30, check=True
    )
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) == 21
    assert rows[0][1:] == ["processing", "4656"]
    assert str(parse_code(rows[0][0])) == rows[0][0]


@pytest.mark.anyio
async def test_printed_section_configures_an_adapter() -> None:
    with subprocess.Popen(
        [*COMMAND, "igate", "--name", "cantho"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            lines = []
            while line := process.stdout.readline().strip():
                lines.append(line)
            parser = configparser.ConfigParser()
            parser.read_string("\n".join(lines))
            settings = parse_config({"upstream.cantho": parser["upstream.cantho"]}).upstream[
                "cantho"
            ]
            first = next(line for line in lines if line.startswith("#   ")).split()
            async with httpx.AsyncClient(timeout=10) as http:
                answer = await IGate("cantho", settings, http).lookup(parse_code(first[1]), None)
            assert answer.dossier.status is Status.PROCESSING
        finally:
            process.send_signal(signal.SIGTERM)
        # uvicorn shuts down cleanly, then lets the signal end the process as it would have.
        assert process.wait(timeout=15) in (0, -signal.SIGTERM)
