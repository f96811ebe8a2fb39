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
    # the fleet page
    "fleet.title": ("Thiết bị tra cứu hồ sơ", "Lookup units"),
    "fleet.province": ("Toàn tỉnh", "Province"),
    "state.ok": ("Bình thường", "OK"),
    "state.warning": ("Có cảnh báo", "Warning"),
    "state.down": ("Mất liên lạc", "Down"),
    "col.state": ("Tình trạng", "State"),
    "col.name": ("Thiết bị", "Unit"),
    "col.role": ("Loại", "Kind"),
    "col.office": ("Đơn vị", "Office"),
    "col.last_seen": ("Tín hiệu cuối", "Last heartbeat"),
    "col.version": ("Phiên bản", "Version"),
    "col.alerts": ("Cảnh báo", "Alerts"),
    "filter.office": ("Đơn vị", "Office"),
    "filter.state": ("Tình trạng", "State"),
    "filter.role": ("Loại", "Kind"),
    "filter.all": ("Tất cả", "All"),
    "filter.apply": ("Lọc", "Filter"),
    "summary": (
        "{units} thiết bị: {ok} bình thường, {warning} có cảnh báo, {down} mất liên lạc",
        "{units} units: {ok} OK, {warning} with warnings, {down} down",
    ),
    "updated": ("cập nhật lúc {moment}", "as of {moment}"),
    "refresh.on": ("Tự làm mới mỗi 30 giây", "Refresh every 30 s"),
    "refresh.off": ("Thôi tự làm mới", "Stop refreshing"),
    "no_units": ("Chưa có thiết bị nào gửi tín hiệu.", "No unit has reported yet."),
    "ago.seconds": ("{n} giây trước", "{n} s ago"),
    "ago.minutes": ("{n} phút trước", "{n} min ago"),
    "ago.hours": ("{n} giờ trước", "{n} h ago"),
    "ago.days": ("{n} ngày trước", "{n} days ago"),
    "never": ("chưa có", "never"),
    "unit.days": ("ngày", "d"),
    "unit.hours": ("giờ", "h"),
    "unit.minutes": ("phút", "min"),
    "unit.seconds": ("giây", "s"),
    "nav.units": ("Thiết bị", "Units"),
    "nav.report": ("Báo cáo sử dụng", "Usage report"),
    "nav.logout": ("Đăng xuất", "Log out"),
    "nav.language": ("English", "Tiếng Việt"),
    "login.title": ("Đăng nhập", "Log in"),
    "login.name": ("Tên đăng nhập", "User name"),
    "login.password": ("Mật khẩu", "Password"),
    "login.submit": ("Đăng nhập", "Log in"),
    "login.wrong": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong user name or password."),
    "login.blocked": (
        "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau 15 phút.",
        "Too many failed logins; please try again in 15 minutes.",
    ),
    "login.expired": (
        "Phiên làm việc đã hết hạn; vui lòng đăng nhập lại.",
        "Your session has expired; please log in again.",
    ),
    "login.none": (
        "Chưa có tài khoản nào: thêm login.TÊN vào [fleet_gateway].",
        "No account yet: add login.NAME to [fleet_gateway].",
    ),
    "unit.back": ("← Tất cả thiết bị", "← All units"),
    "unit.facts": ("Thông tin", "Facts"),
    "unit.open_alerts": ("Cảnh báo đang mở", "Open alerts"),
    "unit.alert_history": ("Cảnh báo gần đây", "Recent alerts"),
    "unit.no_alerts": ("Không có cảnh báo.", "No alerts."),
    "unit.opened": ("Bắt đầu", "Opened"),
    "unit.closed": ("Kết thúc", "Closed"),
    "unit.open_now": ("đang mở", "open"),
    "unit.charts": ("24 giờ qua", "The last 24 hours"),
    "chart.lookups": ("Lượt tra cứu mỗi giờ", "Lookups per hour"),
    "chart.answer_ms": ("Thời gian trả lời (ms)", "Answer time (ms)"),
    "chart.signal": ("Sóng di động (0 đến 31)", "Signal (0 to 31)"),
    "chart.camera_fps": ("Camera (hình/giây)", "Camera (frames per second)"),
    "chart.empty": ("Chưa có số liệu.", "No figures yet."),
    "fact.uptime": ("Thời gian chạy", "Uptime"),
    "fact.clock_offset": ("Lệch đồng hồ", "Clock offset"),
    "fact.disk_free": ("Dung lượng trống", "Disk free"),
    "fact.cpu_temp": ("Nhiệt độ CPU", "CPU temperature"),
    "fact.api": ("Máy chủ tra cứu (1 giờ)", "Status API (1 hour)"),
    "fact.api_value": (
        "{requests} lượt, {errors} lỗi, trung vị {median} ms",
        "{requests} requests, {errors} errors, median {median} ms",
    ),
    "fact.transport": ("Đường gửi tin", "Transport"),
    "fact.modems": ("Modem", "Modems"),
    "fact.sims": ("SIM (giờ / ngày)", "SIMs (hour / day)"),
    "fact.outbox": ("Tin chờ gửi", "Replies waiting"),
    "fact.unanswered": ("Tin chờ trả lời lâu nhất", "Oldest unanswered"),
    "fact.replies": ("Trả lời trong 1 giờ", "Replies in the last hour"),
    "fact.screen": ("Màn hình", "Screen"),
    "fact.last_touch": ("Lần chạm cuối", "Last touch"),
    "fact.camera": ("Camera", "Camera"),
    "fact.scanner": ("Máy quét mã", "Scanner"),
    "fact.lookups": ("Tra cứu trong 1 giờ", "Lookups in the last hour"),
    "fact.none": ("không có", "none"),
    # the usage report
    "report.title": ("Báo cáo tình hình sử dụng tra cứu hồ sơ", "Dossier lookup usage report"),
    "report.period": ("Từ {start} đến {end}", "From {start} to {end}"),
    "report.from": ("Từ ngày", "From"),
    "report.to": ("Đến ngày", "To"),
    "report.show": ("Xem", "Show"),
    "report.download": ("Tải về", "Download"),
    "report.by_month": ("Toàn tỉnh theo tháng", "Province-wide, month by month"),
    "report.by_channel": ("Theo kênh", "By channel"),
    "report.by_office": ("Theo đơn vị", "By office"),
    "report.by_unit": ("Theo thiết bị (cả kỳ)", "By unit (whole period)"),
    "report.statuses": ("Tình trạng hồ sơ đã trả lời", "Statuses citizens were told"),
    "report.month": ("Tháng", "Month"),
    "report.total": ("Cộng", "Total"),
    "report.bad_period": ("Kỳ báo cáo không hợp lệ: {why}", "The period is not valid: {why}"),
    "period.not_a_date": (
        "“{text}” không phải là ngày (như 2026-01-31)",
        "“{text}” is not a date (such as 2026-01-31)",
    ),
    "period.backwards": (
        "ngày kết thúc {end} trước ngày bắt đầu {start}",
        "the last day {end} is before the first day {start}",
    ),
    "period.too_long": ("một báo cáo dài nhất 5 năm", "a report covers at most five years"),
    "report.empty": ("Không có số liệu trong kỳ này.", "No figures in this period."),
    "channel.kiosk": ("Ki-ốt", "Kiosk"),
    "channel.sms": ("Tin nhắn", "SMS"),
    "channel.sms_via": ("Tin nhắn ({transport})", "SMS ({transport})"),
    "column.lookups": ("Lượt tra cứu", "Lookups"),
    "column.answered": ("Có kết quả", "Answered"),
    "column.last_known": ("Trả lời theo kết quả cũ", "From last known status"),
    "column.not_found": ("Không thấy", "Not found"),
    "column.unanswered": ("Không có kết quả", "Not answered"),
    "column.wrong_code": ("Mã sai", "Wrong code"),
    "column.unavailable": ("Máy chủ lỗi", "API down"),
    "column.help": ("Hỏi hướng dẫn", "Help requests"),
    "column.median_ms": ("Trung vị (ms)", "Median (ms)"),
}


def tr(key: str, lang: str, **values: Any) -> str:
    vi, en = STRINGS[key]
    text = en if lang == "en" else vi
    return text.format(**values) if values else text


def moment(epoch: float) -> str:
    return format_moment(dt.datetime.fromtimestamp(epoch, ICT))


def ago(seconds: float, lang: str) -> str:
    """How long ago, in the largest whole unit."""
    seconds = max(seconds, 0)
    for key, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return tr(f"ago.{key}", lang, n=int(seconds // size))
    return tr("ago.seconds", lang, n=int(seconds))


def duration(seconds: float, lang: str) -> str:
    """A length of time in its two largest whole units: ``3 ngày 4 giờ``, ``3 d 4 h``."""
    left = int(max(seconds, 0))
    parts: list[str] = []
    for key, size in (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1)):
        if left >= size or (key == "seconds" and not parts):
            parts.append(f"{left // size} {tr(f'unit.{key}', lang)}")
            left %= size
    return " ".join(parts[:2])


def channel_name(channel: str, lang: str) -> str:
    """``kiosk``, ``sms`` or ``sms:kannel`` as the report names them."""
    kind, _, transport = channel.partition(":")
    if kind == "sms" and transport:
        return tr("channel.sms_via", lang, transport=transport)
    key = f"channel.{kind}"
    return tr(key, lang) if key in STRINGS else channel


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
