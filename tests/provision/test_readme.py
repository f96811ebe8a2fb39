"""The README's "Provisioning an SMS box" asks for the hardware that works in Vietnam today
(4G modems: 2G is switched off) and names every modem the shipped udev rules know."""

from __future__ import annotations

import re

from provision import assets_dir

README = assets_dir().parent / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_an_sms_box_needs_a_4g_modem_or_a_short_code() -> None:
    section = _flat(_section("Provisioning an SMS box"))
    needs = section[section.index("You need:") : section.index("1. Get the software")]
    for modem in ("Quectel EC25", "Huawei E3372 in stick mode", "SIMCom SIM7600"):
        assert modem in needs, modem
    assert "4G modem" in needs
    assert "SIM800 boards no longer register" in needs  # named only as what no longer works
    assert "transport" in needs and "smpp" in needs and "kannel" in needs


def test_the_provisioning_steps_name_every_modem_the_rules_know() -> None:
    rules = (assets_dir() / "udev/70-onestop-gsm-modem.rules").read_text()
    known = re.findall(r"^# (Huawei E\d+|Quectel EC\d+|SIMCom SIM\d+)", rules, re.MULTILINE)
    assert len(known) == 4
    section = _flat(_section("Provisioning an SMS box"))
    for modem in known:
        assert modem.split()[-1] in section, modem
    assert "drop-in for the configured `[smsd] transport`" in section
