"""The dossier domain core: codes, statuses, status records and their wording. No I/O.

Exceptions::

    ValueError
    ├── CodeError           a text holds no valid dossier code (names the wrong part)
    ├── CodeFamiliesError   a [codes] setting cannot be used (names the key)
    └── DossierFormatError  a status record breaks the API contract (names the field)
"""

from dossier._card import (
    CARD_WORDS,
    STEP_KEYS,
    HistoryLine,
    Step,
    StepState,
    Turn,
    card_history,
    card_rows,
    card_steps,
    card_word,
    due_line,
    status_words,
    step_states,
)
from dossier._codes import (
    EXAMPLE_CODE,
    MAX_TEXT,
    CodeError,
    CodeQuery,
    DossierCode,
    Family,
    Problem,
)
from dossier._families import DEFAULT_FAMILIES, CodeFamilies, CodeFamiliesError, CustomFamily
from dossier._find import find_codes, normalize_code, parse_code, parse_query
from dossier._guidance import (
    PLACEHOLDERS,
    OfficeGuide,
    citizens_turn,
    next_step,
    unknown_placeholders,
)
from dossier._hibc import hibc_encode
from dossier._language import Language
from dossier._model import (
    FIELDS,
    ICT,
    Applicant,
    Dossier,
    DossierFormatError,
    HistoryEntry,
    dossier_from_json,
    dossier_to_json,
    format_time,
)
from dossier._progress import CodeProgress, Stage, code_progress
from dossier._rating import Channel, Rating
from dossier._spoken import date_words, number_words, spell_code, time_words
from dossier._status import Status
from dossier._text import fold_text, strip_diacritics
from dossier._wording import due_phrase, format_date, format_moment

__all__ = [
    "CARD_WORDS",
    "DEFAULT_FAMILIES",
    "EXAMPLE_CODE",
    "FIELDS",
    "ICT",
    "MAX_TEXT",
    "PLACEHOLDERS",
    "STEP_KEYS",
    "Applicant",
    "Channel",
    "CodeError",
    "CodeFamilies",
    "CodeFamiliesError",
    "CodeProgress",
    "CodeQuery",
    "CustomFamily",
    "Dossier",
    "DossierCode",
    "DossierFormatError",
    "Family",
    "HistoryEntry",
    "HistoryLine",
    "Language",
    "OfficeGuide",
    "Problem",
    "Rating",
    "Stage",
    "Status",
    "Step",
    "StepState",
    "Turn",
    "card_history",
    "card_rows",
    "card_steps",
    "card_word",
    "citizens_turn",
    "code_progress",
    "date_words",
    "dossier_from_json",
    "dossier_to_json",
    "due_line",
    "due_phrase",
    "find_codes",
    "fold_text",
    "format_date",
    "format_moment",
    "format_time",
    "hibc_encode",
    "next_step",
    "normalize_code",
    "number_words",
    "parse_code",
    "parse_query",
    "spell_code",
    "status_words",
    "step_states",
    "strip_diacritics",
    "time_words",
    "unknown_placeholders",
]
