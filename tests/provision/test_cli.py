"""``onestop-provision all --root DIR``: the tree it stages, the users it creates, and that it
is safe to run again."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import provision
from onestop.config import Config, load_config
from provision import ASSETS, CONFIG, TOKEN, UNITS, assets_dir, example_config
from tests.provision.conftest import Staged, snapshot
from tests.provision.conftest import provision as run_provision


def owner(path: Path, root: Path) -> tuple[str, str]:
    info = path.lstat()
    users = {int(line.split(":")[2]): line.split(":")[0] for line in _lines(root / "etc/passwd")}
    groups = {int(line.split(":")[2]): line.split(":")[0] for line in _lines(root / "etc/group")}
    users[0] = groups[0] = "root"
    return users[info.st_uid], groups[info.st_gid]


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def inside(root: Path, target: str | os.PathLike[str]) -> Path:
    return root / Path(target).relative_to("/")


def test_every_shipped_file_is_in_place(staged: Staged) -> None:
    for asset in ASSETS:
        path = inside(staged.root, asset.target)
        assert path.read_bytes() == (assets_dir() / asset.source).read_bytes(), asset.target
        assert (mode(path), owner(path, staged.root)) == (0o644, ("root", "root"))


def test_units_are_enabled(staged: Staged) -> None:
    wants = staged.root / "etc/systemd/system/multi-user.target.wants"
    for unit in UNITS.values():
        assert (wants / unit).readlink() == Path("/usr/local/lib/systemd/system") / unit


def test_users_and_group(staged: Staged) -> None:
    passwd = {line.split(":")[0]: line.split(":") for line in _lines(staged.root / "etc/passwd")}
    for user, home in (
        ("onestop-smsd", "/var/lib/onestop"),
        ("onestop-kiosk", "/var/lib/onestop/kiosk"),
        ("onestop-gateway", "/var/lib/onestop-gateway"),
    ):
        _name, _x, uid, gid, _gecos, home_dir, shell = passwd[user]
        assert 0 < int(uid) < 1000 and home_dir == home and shell == "/usr/sbin/nologin"
        assert owner(staged.root / "etc/passwd", staged.root) == ("root", "root")
        group_line = next(
            line for line in _lines(staged.root / "etc/group") if line.startswith(f"{user}:")
        )
        assert group_line.split(":")[2] == gid
    assert any(line.startswith("onestop:x:") for line in _lines(staged.root / "etc/group"))
    shadow = {line.split(":")[0]: line.split(":")[1] for line in _lines(staged.root / "etc/shadow")}
    assert shadow["onestop-smsd"].startswith("!") and shadow["onestop-kiosk"].startswith("!")


def test_configuration_and_secrets(staged: Staged) -> None:
    config = inside(staged.root, CONFIG)
    assert config.read_text() == example_config()
    assert (mode(config), owner(config, staged.root)) == (0o640, ("root", "onestop"))
    assert load_config(config) == Config(path=config)
    for secret in (TOKEN, "/etc/onestop/gateway-clients", "/etc/onestop/gateway-secrets"):
        path = inside(staged.root, secret)
        assert (mode(path), owner(path, staged.root)) == (0o600, ("root", "root"))
        assert path.read_bytes() == b""
    example = inside(staged.root, "/etc/onestop/onestop.conf.example")
    assert (example.read_text(), mode(example)) == (example_config(), 0o644)
    state = staged.root / "var/lib/onestop"
    assert (mode(state), owner(state, staged.root)) == (0o755, ("onestop-smsd", "onestop-smsd"))


def test_environment_works_at_its_final_place(staged: Staged) -> None:
    venv = staged.root / "opt/onestop"
    assert (venv / "bin/python").exists()
    for script in (venv / "bin").glob("onestop-*"):
        assert script.read_text().startswith("#!/opt/onestop/bin/python\n"), script
        link = staged.root / "usr/local/bin" / script.name
        assert link.readlink() == Path("/opt/onestop/bin") / script.name
    assert {"onestop-lookup", "onestop-config", "onestop-provision", "onestop-poster"} <= {
        script.name for script in (venv / "bin").glob("onestop-*")
    }
    for path in [*(venv / "bin").iterdir(), venv / "pyvenv.cfg"]:
        if path.is_file() and not path.is_symlink():
            assert str(staged.root) not in path.read_text(errors="replace"), path
    compiled = next((venv / "lib").rglob("provision/__pycache__/cli.*.pyc"))
    assert b"/opt/onestop/lib/" in compiled.read_bytes()
    assert str(staged.root).encode() not in compiled.read_bytes()


def test_report_says_what_was_done_and_what_is_left(staged: Staged) -> None:
    out = staged.first.stdout
    assert "done   /usr/local/lib/systemd/system/onestop-smsd.service" in out
    assert "Creating user 'onestop-smsd'" in out
    assert "Still to do:" in out
    assert f"write it into {TOKEN}" in out
    assert "journalctl -u onestop-smsd.service" in out
    assert "onestop-lookup" in out
    assert "apt-get install python3 python3-venv" in out  # for the image, not run here


def test_installed_copy_upgrades_nothing_without_a_source(staged: Staged, tmp_path: Path) -> None:
    """``onestop-provision`` run from /opt/onestop (not from a checkout) finds the files
    installed with the package and keeps the environment as it is. (Without PYTHONPATH,
    which would put the checkout back in front of the installed copy.)"""
    python = staged.root / "opt/onestop/bin/python"
    alone = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    where = subprocess.run(
        [python, "-c", "import provision; print(provision.assets_dir())"],
        capture_output=True, text=True, check=True, cwd=tmp_path, env=alone,
    )  # fmt: skip
    assert where.stdout.strip() == str(staged.root / "opt/onestop/share/onestop-appliance/systemd")
    done = subprocess.run(
        [python, "-m", "provision", "all", "--root", staged.root, "--dry-run"],
        capture_output=True, text=True, check=False, cwd=tmp_path, env=alone,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        "ok     virtual environment /opt/onestop with onestop-appliance[gateway,kiosk,smsd]\n"
        in (done.stdout)
    )


@pytest.fixture(scope="session")
def second(staged: Staged) -> subprocess.CompletedProcess[str]:
    return run_provision("all", "--root", staged.root, "--pip-option=--no-deps")


def test_second_run_changes_nothing(
    staged: Staged, second: subprocess.CompletedProcess[str]
) -> None:
    assert second.returncode == 0, second.stderr
    assert "nothing changed" in second.stdout
    assert "done" not in second.stdout.split("Still to do:")[0]
    assert snapshot(staged.root) == staged.tree


def test_edited_configuration_survives(
    staged: Staged, second: subprocess.CompletedProcess[str]
) -> None:
    config = inside(staged.root, CONFIG)
    edited = config.read_text().replace(
        "#url = http://127.0.0.1:8080", "url = https://motcua.example.gov.vn/status"
    )
    config.write_text(edited)
    config.chmod(0o644)  # a careless editor: the next run (and every boot) restores the mode
    third = run_provision("all", "--root", staged.root, "--pip-option=--no-deps")
    assert third.returncode == 0, third.stderr
    assert config.read_text() == edited
    assert f"kept {CONFIG} as it is" in third.stdout
    assert (mode(config), owner(config, staged.root)) == (0o640, ("root", "onestop"))
    assert load_config(config).backend.url == "https://motcua.example.gov.vn/status"


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    done = run_provision("smsd", "--root", tmp_path, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []
    assert "would  /usr/local/lib/systemd/system/onestop-smsd.service" in done.stdout
    assert "Dry run: nothing was changed." in done.stdout


def test_bad_config_from_is_refused_before_anything_changes(tmp_path: Path) -> None:
    bad = tmp_path / "site.conf"
    bad.write_text("[backend]\nurl = motcua.example.gov.vn\ntimeout = 3\n")
    root = tmp_path / "root"
    root.mkdir()
    done = run_provision("smsd", "--root", root, "--config-from", bad)
    assert done.returncode == 1
    assert "[backend] url: expected a URL" in done.stderr
    assert "[backend] timeout: unknown key" in done.stderr
    assert list(root.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another user needs root")
def test_refuses_without_root_even_on_debian_s_own_python(tmp_path: Path) -> None:
    """As ``sudo python3 -m provision`` is run on a fresh machine: with Debian's python3 and
    nothing installed, from the checkout; without root it explains and changes nothing."""
    checkout = Path(provision.__file__).resolve().parent.parent
    if shutil.which("setpriv") is None or not os.access("/usr/bin/python3", os.X_OK):
        pytest.skip("needs setpriv and /usr/bin/python3")
    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
         "/usr/bin/python3", "-m", "provision", "smsd"],
        capture_output=True, text=True, check=False, cwd=checkout,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "must run as root" in done.stderr
    assert "sudo" in done.stderr


def test_python_m_provision_is_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "provision", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "kiosk,smsd,gateway,all" in done.stdout
