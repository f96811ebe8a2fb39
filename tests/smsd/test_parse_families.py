"""The SMS service reads every code family the unit is configured for, keys included."""

from __future__ import annotations

from dossier import MAX_TEXT, CodeFamilies, CodeQuery, DossierCode, Family, Problem
from smsd import Intent, parse_message

OPENCPS = DossierCode(Family.OPENCPS, "CNTBD.181121.00334")
OPENCPS_ID = DossierCode(Family.OPENCPS_ID, "D-38963")


def test_every_family_and_its_key_reach_the_lookup() -> None:
    request = parse_message("HS cntbd.181121.00334 4656; D-4656-38963 G22.99.09-240114-0001")
    assert request.intent is Intent.LOOKUP
    assert request.queries[:2] == (CodeQuery(OPENCPS, "4656"), CodeQuery(OPENCPS_ID, "4656"))
    assert request.queries[2].code.family == Family.NATIONAL_SHORT


def test_a_family_the_unit_does_not_read_is_named() -> None:
    families = CodeFamilies((Family.NATIONAL,))
    request = parse_message("HS CNTBD.181121.00334", families=families)
    assert request.intent is Intent.LOOKUP and not request.queries
    assert [error.problem for error in request.errors] == [Problem.FAMILY]


def test_an_impossibly_long_message_is_refused_in_words() -> None:
    request = parse_message("HS 000.00.20.H30-240115-0001 " + "x" * MAX_TEXT)
    assert request.intent is Intent.LOOKUP and not request.queries
    assert [error.problem for error in request.errors] == [Problem.TOO_LONG]
