"""``onestop-fleet``: password hashes for the fleet page, and the database's schema."""

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.fleet._auth import check_password
from gateway.fleet.cli import main


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str, *args: str
) -> tuple[int, str, str]:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out.strip(), captured.err


def test_hash_password(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    status, hashed, _ = run(
        capsys, monkeypatch, "correct horse battery\n", "hash-password", "--stdin"
    )
    assert status == 0
    assert hashed.startswith("scrypt$131072$8$1$")  # OWASP's minimum for scrypt
    assert check_password("correct horse battery", hashed)
    assert not check_password("correct horse batter", hashed)
    status, _, error = run(capsys, monkeypatch, "short\n", "hash-password", "--stdin")
    assert status == 2 and "at least 10 characters" in error


def test_migrate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text(f"[fleet_gateway]\ndatabase = sqlite:///{tmp_path}/db/fleet.sqlite3\n")
    status, out, _ = run(capsys, monkeypatch, "", "migrate", "--config", str(config))
    assert (status, out) == (0, "the fleet database is at schema revision 0001")
    assert (tmp_path / "db" / "fleet.sqlite3").exists()
    config.write_text("[fleet_gateway]\ndatabase = mysql://x/y\n")
    status, _, error = run(capsys, monkeypatch, "", "migrate", "--config", str(config))
    assert status == 2 and "[fleet_gateway] database: expected sqlite" in error


@pytest.mark.parametrize(
    ("stored", "given"),
    [
        ("", "x"),
        ("scrypt$1$2$3$bad$bad", "x"),
        ("pbkdf2_sha256$1$salt$abc", "x"),
        ("scrypt$a$b$c$d$e", "x"),
    ],
)
def test_a_malformed_hash_matches_nothing(stored: str, given: str) -> None:
    assert not check_password(given, stored)


def test_the_installed_command() -> None:
    script = Path(sys.executable).with_name("onestop-fleet")
    result = subprocess.run(
        [script, "hash-password", "--stdin"],
        input="a long enough password\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert check_password("a long enough password", result.stdout.strip())
