"""A throwaway PostgreSQL cluster on 127.0.0.1, for the fleet's tests and benchmark.

Debian's ``postgresql`` package brings ``initdb`` and ``pg_ctl`` (in
``/usr/lib/postgresql/<version>/bin``); the cluster lives in a temporary folder and listens
on a free port of the loopback interface only. PostgreSQL refuses to run as root, and tests
and CI run as root, so then the cluster runs as the unprivileged ``nobody`` (in a folder that
user can reach). A test cluster writes nothing to disk it does not have to (``initdb
--no-sync``, ``fsync=off``); the benchmark's is ``durable``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Any

USER = "fleet"


def _binaries() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3])
    )
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
            "apt-get install postgresql, or run ./dev test, which installs it"
        )
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _temp_root(as_root: bool) -> str | None:
    """Where the cluster's folder goes: the usual temporary folder, unless the cluster runs
    as ``nobody`` and some folder above it lets no other user through (a ``TMPDIR`` under
    ``/root``, pytest's own ``/tmp/pytest-of-root``): then ``/tmp``, which every user may
    pass."""
    if not as_root:
        return None
    usual = Path(tempfile.gettempdir()).resolve()
    if all(folder.stat().st_mode & stat.S_IXOTH for folder in (usual, *usual.parents)):
        return None
    return "/tmp"  # noqa: S108 (a folder of its own inside, made by mkdtemp)


class PostgresCluster:
    """``start()`` gives the cluster's URL; ``stop()`` removes everything it made."""

    def __init__(self, *, durable: bool = False) -> None:
        self.bin = _binaries()
        as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="onestop-pg-", dir=_temp_root(as_root)))
        self.data = self.folder / "data"
        self.port = 0
        self.durable = durable
        self._as: dict[str, Any] = {}
        if as_root:
            nobody = pwd.getpwnam("nobody")
            self._as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
            os.chown(self.folder, nobody.pw_uid, nobody.pw_gid)

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            args, capture_output=True, text=True, check=False, cwd=self.folder, **self._as
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {result.stdout}{result.stderr}")

    def start(self) -> str:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            *([] if self.durable else ["--no-sync"]),
        )
        options = [f"-k {self.folder}", "-c listen_addresses=127.0.0.1", "-c max_connections=200"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        for attempt in range(3):
            self.port = _free_port()
            try:
                self._run(
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.folder / "log"),
                    "-o",
                    " ".join([f"-p {self.port}", *options]),
                    "-w",
                    "-t",
                    "60",
                    "start",
                )
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, *, template: str = "template1") -> str:
        """A new database, a copy of ``template`` (an empty one by default)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            if self.port:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
