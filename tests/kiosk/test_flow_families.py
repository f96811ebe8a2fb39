"""The kiosk reads the code families of its configuration: typed, scanned or photographed."""

from __future__ import annotations

from dossier import CodeFamilies, CodeQuery, DossierCode, Family, Problem, Stage, hibc_encode
from hardware.barcode import Reading, Symbology
from kiosk import KioskFlow, Screen

NATIONAL_ONLY = CodeFamilies((Family.NATIONAL, Family.NATIONAL_SHORT))


def test_an_opencps_payload_starts_a_lookup_with_its_key() -> None:
    flow = KioskFlow()
    query = flow.submit("D-4656-38963")
    assert query == CodeQuery(DossierCode(Family.OPENCPS_ID, "D-38963"), "4656")
    assert flow.screen is Screen.BUSY and flow.entry == "D-38963"


def test_a_code_of_a_family_left_out_is_invalid_and_says_why() -> None:
    flow = KioskFlow(families=NATIONAL_ONLY)
    assert flow.submit("CNTBD.181121.00334") is None
    assert flow.screen is Screen.INVALID
    assert flow.problem is not None and flow.problem.problem is Problem.FAMILY


def test_the_typing_hint_follows_the_families() -> None:
    flow = KioskFlow(families=NATIONAL_ONLY)
    for key in "X123":
        flow.press_key(key)
    assert flow.progress.stage is Stage.WRONG
    assert KioskFlow().progress.stage is Stage.AGENCY


def test_a_scanned_hibc_symbol_is_checked() -> None:
    symbol = hibc_encode("CNTBD.181121.00334")
    meaning = Reading(Symbology.QR, symbol).interpret()
    assert isinstance(meaning, CodeQuery) and meaning.code.value == "CNTBD.181121.00334"
    misread = Reading(Symbology.QR, symbol[:-1] + "Z").interpret()
    assert not isinstance(misread, CodeQuery) and misread.problem is Problem.CHECK_CHARACTER
    left_out = Reading(Symbology.QR, symbol).interpret(families=NATIONAL_ONLY)
    assert not isinstance(left_out, CodeQuery) and left_out.problem is Problem.FAMILY
