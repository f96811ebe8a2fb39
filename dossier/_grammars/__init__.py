"""The built-in code families' grammars, one module each (see :class:`Grammar`)."""

from dossier._codes import Family
from dossier._grammars._base import Grammar, Reading
from dossier._grammars._dated import DatedGrammar, diagnose_dated, shaped_like_dated
from dossier._grammars.national import National
from dossier._grammars.national_short import NationalShort
from dossier._grammars.opencps import OpenCps
from dossier._grammars.opencps_id import OpenCpsId

GRAMMARS: dict[Family, Grammar] = {
    Family.NATIONAL: National(),
    Family.NATIONAL_SHORT: NationalShort(),
    Family.OPENCPS: OpenCps(),
    Family.OPENCPS_ID: OpenCpsId(),
}
"""Every built-in family's grammar, in the order they are tried at the same position."""

__all__ = [
    "GRAMMARS",
    "DatedGrammar",
    "Grammar",
    "Reading",
    "diagnose_dated",
    "shaped_like_dated",
]
