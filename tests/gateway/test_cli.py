"""``onestop-gateway`` as a technician runs it: the installed command, in its own process."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway import ClientRegistry
from gateway.cli import main
from tests.gateway.support import SAMPLE

COMMAND = str(Path(sys.executable).parent / "onestop-gateway")


@pytest.fixture(autouse=True)
def _root_logger_restored() -> Iterator[None]:
    """``main()`` sets up logging for a daemon (a handler on this test's captured stderr);
    later tests must not write to it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@contextlib.contextmanager
def gateway_process(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The gateway on a free port; yields the process and its URL once it serves."""
    process = subprocess.Popen(
        [COMMAND, "--port", "0", *args],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stderr is not None
    try:
        url = ""
        for line in process.stderr:
            if "serving on " in line:
                url = line.split("serving on ", 1)[1].strip()
                break
        assert url, "the gateway exited before serving"
        yield process, url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(30)
        process.stderr.close()


def test_demo_serves_the_bundled_dossiers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    notify = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(notify))
        listener.settimeout(30)
        with gateway_process("--demo", env={"NOTIFY_SOCKET": str(notify)}) as (process, url):
            assert b"READY=1" in listener.recv(4096)
            answer = httpx.get(f"{url}/api/v1/dossiers/{SAMPLE.code}", timeout=10)
            assert answer.status_code == 200 and answer.json()["code"] == SAMPLE.code
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0


def test_the_serving_process_sets_its_garbage_collector_for_a_server() -> None:
    """Startup objects frozen out of collections, young collections far rarer than Python's
    default (they cost a quarter of the CPU of a cache miss, bench/gateway.py)."""
    script = (
        "import gc; from gateway.server import YOUNG_COLLECTION, collect_for_serving; "
        "before = gc.get_threshold(); collect_for_serving(); "
        "print(gc.get_threshold() == (YOUNG_COLLECTION, *before[1:]), gc.get_freeze_count())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    same, frozen = done.stdout.split()
    assert same == "True" and int(frozen) > 10_000


def test_a_busy_port_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert main(["--demo", "--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_a_bad_configuration_exits_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text("[gateway]\ncache_tll = 5\n[upstream.x]\ntype = opencps\n")
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "[gateway] cache_tll: unknown key; did you mean 'cache_ttl'?" in err
    assert "[upstream.x] url: a opencps upstream needs" in err


def test_a_missing_clients_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text(f"[gateway]\nclients_file = {tmp_path / 'absent'}\n")
    assert main(["--config", str(config)]) == 2
    assert "clients file" in capsys.readouterr().err


def test_client_add_prints_the_token_once_and_list_and_remove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clients = tmp_path / "gateway-clients"
    config = tmp_path / "onestop.conf"
    config.write_text(f"[gateway]\nclients_file = {clients}\n")
    assert main(["client", "add", "kiosk-01", "--config", str(config)]) == 0
    token = capsys.readouterr().out.strip()
    assert ClientRegistry.load(clients).identify(token) == "kiosk-01"
    assert token not in clients.read_text()
    assert main(["client", "add", "kiosk-01", "--config", str(config)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["client", "list", "--clients-file", str(clients)]) == 0
    assert capsys.readouterr().out == "kiosk-01\n"
    assert main(["client", "remove", "kiosk-01", "--config", str(config)]) == 0
    assert main(["client", "list", "--config", str(config)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["client", "add"]) == 2  # no clients file configured, and no name


def test_tokens_are_required_once_a_clients_file_is_configured(tmp_path: Path) -> None:
    clients = tmp_path / "gateway-clients"
    config = tmp_path / "onestop.conf"
    config.write_text(
        f"[gateway]\nclients_file = {clients}\ndatabase = {tmp_path / 'gateway.sqlite3'}\n"
        "[upstream.demo]\ntype = demo\n"
    )
    token = subprocess.run(
        [COMMAND, "client", "add", "smsbox-01", "--config", str(config)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with gateway_process("--config", str(config)) as (_, url):
        path = f"{url}/api/v1/dossiers/{SAMPLE.code}"
        assert httpx.get(path, timeout=10).status_code == 401
        wrong = httpx.get(path, headers={"Authorization": "Bearer nope"}, timeout=10)
        assert wrong.status_code == 401
        right = httpx.get(path, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert right.status_code == 200


def test_a_database_in_a_missing_folder_exits_2_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text(f"[gateway]\ndatabase = {tmp_path / 'absent' / 'gateway.sqlite3'}\n")
    assert main(["--config", str(config)]) == 2
    assert f"the folder {tmp_path / 'absent'} does not exist" in capsys.readouterr().err
