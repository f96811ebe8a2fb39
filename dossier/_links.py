"""Codes inside links and kiosk payloads: what a scanned QR code or a pasted link carries.

Receipts' QR codes hold lookup links (``https://<portal>/tra-cuu?mahs=<code>``), OpenCPS's
kiosk links ``...?QRSCAN={dossierId}-{key}``, and OpenCPS's lookup page
``...?id={dossierId}&secretKey={key}`` (also written ``?id={dossierId}-secretKey={key}``).
Each link is replaced by the code and key it carries, in the spelling the grammars read
(``D-{key}-{id}`` for OpenCPS's ids), before the text is searched. A link that names no
known parameter gives its last path segment, which is where portals put the code.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

from dossier._grammars.opencps_id import PREFIX as ID_PREFIX

_CODE_PARAMETERS = frozenset(
    {"mahs", "mahoso", "sohoso", "code", "dossier", "dossiercode", "dossierno", "hoso"}
)
_KEY_PARAMETERS = frozenset({"matracuu", "mtc", "lookupkey", "key", "secretkey", "secretcode"})
_GLUED_KEY = "-secretkey="


def is_link(word: str) -> bool:
    """Whether a whitespace-free word is a link or a query string (``tra-cuu?mahs=...``)."""
    lowered = word.lower()
    return "://" in lowered or lowered.startswith("www.") or "=" in lowered.partition("?")[2]


def _parameters(query: str) -> dict[str, str]:
    return {
        name.lower().replace("_", "").replace("-", ""): value.strip()
        for name, value in parse_qsl(query, keep_blank_values=False)
    }


def _opencps_id(dossier_id: str, key: str) -> str:
    """OpenCPS's id and key in the kiosk's typed form, or the number and key as words when
    the link carried a dossier number instead of an id."""
    if dossier_id.isascii() and dossier_id.isdigit():
        return f"{ID_PREFIX}{key}-{dossier_id}" if key else f"{ID_PREFIX}{dossier_id}"
    return f"{dossier_id} {key}"


def expand_link(word: str) -> str:
    """The code and lookup key a link carries, as text for the grammars (see the module)."""
    try:
        parts = urlsplit(word if "://" in word else f"http://{word}")
    except ValueError:
        return f" {unquote(word)} "
    params = _parameters(parts.query)
    if "?" in parts.fragment:  # single-page portals: https://host/#/?id=...&secretKey=...
        params = {**_parameters(parts.fragment.partition("?")[2]), **params}
    key = next((params[name] for name in params if name in _KEY_PARAMETERS), "")
    if "qrscan" in params:
        dossier_id, _, scanned_key = params["qrscan"].partition("-")
        return f" {_opencps_id(dossier_id, scanned_key or key)} "
    given_id = params.get("id", "")
    glued, _, glued_key = given_id.lower().partition(_GLUED_KEY)
    if glued_key:
        return f" {_opencps_id(given_id[: len(glued)], given_id[-len(glued_key) :])} "
    if given_id and key:
        return f" {_opencps_id(given_id, key)} "
    code = next((params[name] for name in params if name in _CODE_PARAMETERS), None)
    if code is None:
        segments = [segment for segment in parts.path.split("/") if segment]
        code = unquote(segments[-1]) if segments else ""
    return f" {code} {key} "
