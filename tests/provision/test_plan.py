"""What a run consists of for each role, and the refusals that come before any step."""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

import pytest

import provision
import provision.poster
from provision import (
    CONFIG,
    Options,
    ProvisionError,
    Role,
    Run,
    check_system,
    plan,
    still_to_do,
)
from provision import (
    TRANSPORT_DROPIN as DROPIN,
)
from provision._root import Root
from provision._steps import DisableUnit, EnableUnit, InstallFile, InstallOnce, Venv

RASPBERRY_PI_OS_32 = {"ID": "raspbian", "ID_LIKE": "debian", "PRETTY_NAME": "Raspbian 12"}
FEDORA = {"ID": "fedora", "PRETTY_NAME": "Fedora Linux 40 (Workstation Edition)"}


def test_refuses_a_system_that_is_not_debian() -> None:
    with pytest.raises(ProvisionError, match=r"Debian .* Fedora Linux 40"):
        check_system(Options(frozenset({Role.SMSD})), dry_run=False, euid=0, release=FEDORA)


def test_accepts_debian_derivatives_as_root() -> None:
    options = Options(frozenset({Role.KIOSK}))
    check_system(options, dry_run=False, euid=0, release=RASPBERRY_PI_OS_32)
    check_system(options, dry_run=False, euid=0, release={"ID": "debian"})


def test_refuses_without_root_unless_only_looking() -> None:
    options = Options(frozenset({Role.SMSD}))
    with pytest.raises(ProvisionError, match="must run as root"):
        check_system(options, dry_run=False, euid=1000, release={"ID": "debian"})
    check_system(options, dry_run=True, euid=1000, release={"ID": "debian"})


def test_a_staging_tree_is_not_this_system(tmp_path: Path) -> None:
    check_system(Options(frozenset(Role), root=tmp_path), dry_run=False, euid=0, release=FEDORA)


def _targets(options: Options) -> set[PurePosixPath]:
    return {step.target for step in plan(options) if isinstance(step, InstallFile | InstallOnce)}


def test_each_role_gets_only_its_own_files(tmp_path: Path) -> None:
    kiosk = Options(frozenset({Role.KIOSK}), root=tmp_path)
    smsd = Options(frozenset({Role.SMSD}), root=tmp_path)
    units = PurePosixPath("/usr/local/lib/systemd/system")
    assert units / "onestop-kiosk.service" in _targets(kiosk)
    assert units / "onestop-smsd.service" not in _targets(kiosk)
    assert not any("udev" in str(target) for target in _targets(kiosk))
    assert units / "onestop-smsd.service" in _targets(smsd)
    assert PurePosixPath("/usr/local/lib/udev/rules.d/70-onestop-gsm-modem.rules") in _targets(smsd)
    assert [step.unit for step in plan(kiosk) if isinstance(step, EnableUnit)] == [
        "onestop-kiosk.service"
    ]
    assert any(isinstance(step, DisableUnit) for step in plan(kiosk))
    assert not any(isinstance(step, DisableUnit) for step in plan(smsd))


def test_config_from_a_file_is_installed_once(tmp_path: Path) -> None:
    site = tmp_path / "site.conf"
    site.write_text("[backend]\nurl = https://motcua.example.gov.vn/status\n")
    root = tmp_path / "root"
    root.mkdir()
    options = Options(frozenset({Role.SMSD}), root=root, config_from=site)
    step = next(s for s in plan(options) if isinstance(s, InstallOnce) and s.target == CONFIG)
    run = Run(Root(root))
    assert step.pending(run)
    step.apply(run)
    installed = root / "etc/onestop/onestop.conf"
    assert installed.read_text() == site.read_text()
    assert installed.stat().st_mode & 0o777 == 0o600  # until the tmpfiles step sets 0640
    assert not step.pending(run)
    assert step.kept(run) is None
    installed.write_text(site.read_text() + "[smsd]\n")
    assert step.kept(run) == f"kept {CONFIG} as it is (edited here; never replaced)"


@pytest.mark.skipif(os.geteuid() != 0, reason="systemctl --root needs to write as root")
def test_kiosk_disables_the_console_login_on_its_screen(tmp_path: Path) -> None:
    units = tmp_path / "usr/lib/systemd/system"
    units.mkdir(parents=True)
    shutil.copy("/usr/lib/systemd/system/getty@.service", units)
    shutil.copy("/usr/lib/systemd/system/getty.target", units)
    wants = tmp_path / "etc/systemd/system/getty.target.wants"
    wants.mkdir(parents=True)
    (wants / "getty@tty1.service").symlink_to("/usr/lib/systemd/system/getty@.service")
    step = next(s for s in plan(Options(frozenset({Role.KIOSK}), root=tmp_path))
                if isinstance(s, DisableUnit))  # fmt: skip
    run = Run(Root(tmp_path))
    assert step.pending(run)
    step.apply(run)
    assert not (wants / "getty@tty1.service").exists()
    assert not step.pending(run)


@pytest.mark.parametrize("module", [provision, provision.poster])
def test_public_names(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        assert getattr(module, name) is not None, name


def test_a_gateway_gets_its_unit_user_and_secrets_and_shares_a_box_with_smsd(
    tmp_path: Path,
) -> None:
    gateway = Options(frozenset({Role.GATEWAY}), root=tmp_path)
    small_office = Options(frozenset({Role.SMSD, Role.GATEWAY}), root=tmp_path)
    units = PurePosixPath("/usr/local/lib/systemd/system")
    assert units / "onestop-gateway.service" in _targets(gateway)
    assert units / "onestop-smsd.service" not in _targets(gateway)
    assert PurePosixPath("/usr/local/lib/sysusers.d/onestop-gateway.conf") in _targets(gateway)
    assert [step.unit for step in plan(small_office) if isinstance(step, EnableUnit)] == [
        "onestop-gateway.service",
        "onestop-smsd.service",
    ]
    venv = next(step for step in plan(small_office) if isinstance(step, Venv))
    assert venv.extras == ("gateway", "smsd")
    todo = "\n".join(still_to_do(gateway))
    assert "[upstream.NAME]" in todo and "onestop-gateway client add" in todo
    assert "[backend] url" not in todo  # a gateway alone is no client of a status API


def _dropin(options: Options) -> str:
    step = next(s for s in plan(options) if isinstance(s, InstallFile) and s.target == DROPIN)
    return step.content.decode()


def test_the_sms_daemon_gets_the_drop_in_of_its_transport(tmp_path: Path) -> None:
    """From ``--config-from``, else from the configuration already installed (a re-run after
    changing the transport), else the defaults; only for an SMS box."""
    root = tmp_path / "root"
    root.mkdir()
    smsd = Options(frozenset({Role.SMSD}), root=root)
    assert DROPIN not in _targets(Options(frozenset({Role.KIOSK}), root=root))
    assert "DeviceAllow=/dev/gsm-modem rw" in _dropin(smsd).splitlines()
    assert "ls -l /dev/gsm-modem " in "\n".join(still_to_do(smsd))
    installed = root / "etc/onestop/onestop.conf"
    installed.parent.mkdir(parents=True)
    installed.write_text(
        "[smsd]\ntransport = smpp\n[smpp]\nhost = smsc.example.vn\nsystem_id = onestop\n"
        "source_addr = 8077\n"
    )
    assert "PrivateDevices=yes" in _dropin(smsd).splitlines()
    todo = "\n".join(still_to_do(smsd))
    assert "[smpp] host" in todo and "/dev/gsm-modem" not in todo
    site = tmp_path / "site.conf"
    site.write_text(
        "[smsd]\ntransport = modem-pool\n[modem.sim1]\nport = /dev/gsm-modems/usb-1-2\n"
    )
    pool = Options(frozenset({Role.SMSD}), root=root, config_from=site)
    assert "DeviceAllow=/dev/gsm-modems/usb-1-2 rw" in _dropin(pool).splitlines()
    assert "ls -l /dev/gsm-modems" in "\n".join(still_to_do(pool))
    installed.write_text("[smsd]\ntransport = pigeon\n")
    with pytest.raises(ProvisionError, match="transport"):
        plan(smsd)
