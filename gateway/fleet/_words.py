"""Every word the fleet page, the usage report and the alerts say, Vietnamese first.

One catalog, so that the page, the PDF and an alert SMS can never name the same thing two
ways. ``tr(key, lang)`` picks a string; alert SMS are the Vietnamese words without
diacritics (GSM-7, one SMS).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from dossier import ICT, format_moment, strip_diacritics

if TYPE_CHECKING:
    from gateway.fleet._alerts import AlertKind
    from gateway.fleet._store import Unit

LANGUAGES = ("vi", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # alerts
    "alert.silent": ("Mất liên lạc", "Silent"),
    "alert.modem_down": ("Modem không hoạt động", "Modem down"),
    "alert.sim_cap": ("SIM sắp hết hạn mức gửi", "SIM near its send cap"),
    "alert.unanswered": ("Tin nhắn chưa được trả lời", "Message unanswered"),
    "alert.camera": ("Camera không có hình", "Camera shows nothing"),
    "alert.screen_stuck": ("Màn hình bị treo", "Screen stuck"),
    "detail.silent": ("không có tín hiệu từ {since}", "no heartbeat since {since}"),
    "detail.modem_down": ("{name}: {state}", "{name}: {state}"),
    "detail.sim_cap": (
        "{name}: đã gửi {sent}/{cap} tin trong {period}",
        "{name}: {sent} of {cap} SMS this {period}",
    ),
    "detail.unanswered": ("chờ trả lời {minutes} phút", "waiting {minutes} min for a reply"),
    "detail.camera": ("{camera}: 0 hình/giây", "{camera}: 0 frames per second"),
    "detail.screen_stuck": (
        "màn hình {screen} không đổi {minutes} phút",
        "screen {screen} unchanged for {minutes} min",
    ),
    "period.hour": ("giờ", "hour"),
    "period.day": ("ngày", "day"),
    "event.opened": ("Cảnh báo", "Alert"),
    "event.closed": ("Hết cảnh báo", "Cleared"),
    "role.kiosk": ("Ki-ốt", "Kiosk"),
    "role.sms": ("Hộp SMS", "SMS box"),
}


def tr(key: str, lang: str, **values: Any) -> str:
    vi, en = STRINGS[key]
    text = en if lang == "en" else vi
    return text.format(**values) if values else text


def moment(epoch: float) -> str:
    return format_moment(dt.datetime.fromtimestamp(epoch, ICT))


def alert_title(kind: AlertKind | str, lang: str) -> str:
    return tr(f"alert.{kind}", lang)


def alert_detail(kind: AlertKind | str, facts: dict[str, Any], lang: str) -> str:
    values = dict(facts)
    if "since" in values:
        values["since"] = moment(float(values["since"]))
    if "period" in values:
        values["period"] = tr(f"period.{values['period']}", lang)
    try:
        return tr(f"detail.{kind}", lang, **values)
    except (KeyError, IndexError, ValueError):
        return ""  # facts written by another release


def alert_text(
    event: str, unit: Unit, kind: AlertKind | str, facts: dict[str, Any], lang: str
) -> str:
    """One line for a technician: what, which unit, where. ``lang`` ``sms`` gives the
    Vietnamese line without diacritics, cut to one SMS."""
    words = "vi" if lang == "sms" else lang
    where = f"{unit.name} ({tr(f'role.{unit.role}', words)}"
    where += f", {unit.office})" if unit.office else ")"
    line = (
        f"{tr(f'event.{event}', words)}: {where}: {alert_title(kind, words)}"
        f" - {alert_detail(kind, facts, words)}"
    )
    if lang == "sms":
        line = strip_diacritics(line)
        return line if len(line) <= 160 else line[:159] + "."
    return line
