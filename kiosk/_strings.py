"""Every word the kiosk shows, Vietnamese first, English second.

One table means a translator reviews one file, and a test can check that every key has both
languages and that switching language changes every visible string.
"""

from __future__ import annotations

from dossier import Language

LANGUAGES = tuple(Language)

CATALOG: dict[str, tuple[str, str]] = {
    "title": ("Tra cứu hồ sơ", "Dossier status lookup"),
    "idle_what": (
        "Xem tình trạng giải quyết hồ sơ của bạn",
        "See where your dossier stands",
    ),
    "idle_show_qr": (
        "Đưa mã QR hoặc mã vạch trên biên nhận vào trước camera",
        "Hold the QR code or barcode on your receipt up to the camera",
    ),
    "idle_no_camera": (
        "Bấm nút bên dưới để nhập mã hồ sơ in trên biên nhận",
        "Press the button below to type the code printed on your receipt",
    ),
    "idle_type": ("Nhập mã hồ sơ", "Type the code"),
    "idle_sms": (
        "Hoặc nhắn tin: {keyword} <mã hồ sơ> gửi {number}",
        "Or text: {keyword} <dossier code> to {number}",
    ),
    "idle_web": ("Tra cứu trên điện thoại:", "Look it up on your phone:"),
    "language_toggle": ("English", "Tiếng Việt"),
    "demo_next": ("Đưa biên nhận mẫu vào camera", "Show a sample receipt to the camera"),
    "entry_title": ("Nhập mã hồ sơ in trên biên nhận", "Type the code printed on your receipt"),
    "entry_lookup": ("Tra cứu", "Look up"),
    "entry_clear": ("Xóa hết", "Clear"),
    "back": ("Quay lại", "Back"),
    "home": ("Về màn hình chính", "Start again"),
    "busy": ("Đang tra cứu hồ sơ {code}…", "Looking up dossier {code}…"),
    "busy_slow": (
        "Máy chủ đang trả lời chậm, vui lòng chờ",
        "The server is answering slowly, please wait",
    ),
    "result_code": ("Mã hồ sơ", "Dossier code"),
    "result_procedure": ("Thủ tục", "Procedure"),
    "result_agency": ("Cơ quan", "Agency"),
    "result_applicant": ("Người nộp", "Applicant"),
    "result_received": ("Ngày nhận", "Received"),
    "result_due": ("Ngày hẹn trả", "Appointment"),
    "result_rescheduled": ("Hẹn lại: {date}", "Rescheduled: {date}"),
    "result_completed": ("Ngày hoàn thành", "Completed"),
    "result_unit": ("Đơn vị đang xử lý", "Handled by"),
    "result_pickup": ("Nơi nhận kết quả", "Collect the result at"),
    "result_history": ("Các bước gần nhất", "Latest steps"),
    "result_follow": ("Theo dõi trên điện thoại", "Follow it on your phone"),
    "result_as_of": (
        "Không kết nối được máy chủ. Tình trạng lúc {moment}:",
        "The server cannot be reached. Status as of {moment}:",
    ),
    "overdue": ("Quá hạn", "Overdue"),
    "not_found_title": ("Không tìm thấy hồ sơ", "Dossier not found"),
    "not_found_body": (
        "Không có hồ sơ nào mang mã {code}. Hãy kiểm tra lại mã trên biên nhận, "
        "hoặc hỏi cán bộ tại quầy tiếp nhận.",
        "No dossier has the code {code}. Check the code on your receipt, "
        "or ask the staff at the reception desk.",
    ),
    "invalid_title": ("Mã hồ sơ chưa đúng", "This code is not valid"),
    "invalid_hint": (
        "Mã in trên biên nhận có dạng 000.00.20.H30-240115-0001. Hãy nhập lại.",
        "The code on the receipt looks like 000.00.20.H30-240115-0001. Please try again.",
    ),
    "not_a_code": (
        "Mã QR này không phải mã hồ sơ. Hãy đưa mã QR trên biên nhận hồ sơ.",
        "This QR code is not a dossier code. Please show the QR code on your dossier receipt.",
    ),
    "offline_title": ("Tạm thời không tra cứu được", "Lookups are not available right now"),
    "offline_body": (
        "Không kết nối được máy chủ tra cứu. Vui lòng thử lại sau ít phút, "
        "hoặc hỏi cán bộ tại quầy.",
        "The lookup server cannot be reached. Please try again in a few minutes, "
        "or ask the staff at the desk.",
    ),
    "try_again": ("Nhập lại mã", "Type the code again"),
    "pin_title": ("Mã PIN kỹ thuật viên", "Technician PIN"),
    "pin_wrong": ("Mã PIN không đúng", "Wrong PIN"),
    "pin_ok": ("Mở", "Open"),
    "diag_title": ("Chẩn đoán", "Diagnostics"),
    "diag_backend": ("Máy chủ tra cứu", "Status API"),
    "diag_camera": ("Camera", "Camera"),
    "diag_scanner": ("Máy quét mã vạch", "Barcode scanner"),
    "diag_version": ("Phiên bản", "Version"),
    "diag_config": ("Tệp cấu hình", "Configuration file"),
    "diag_quit": ("Thoát ứng dụng", "Quit the kiosk"),
    "diag_checking": ("đang kiểm tra…", "checking…"),
    "diag_ok": ("kết nối được ({url})", "reachable ({url})"),
    "diag_down": ("không kết nối được: {reason}", "not reachable: {reason}"),
    "diag_fps": ("{name}, {fps:.1f} hình/giây", "{name}, {fps:.1f} frames/s"),
    "diag_no_camera": ("không dùng được: {reason}", "not available: {reason}"),
    "diag_scanner_seen": ("đã quét lúc {moment}", "last scan at {moment}"),
    "diag_scanner_none": ("chưa thấy lần quét nào", "no scan seen yet"),
    "diag_serial": ("cổng nối tiếp {status}", "serial {status}"),
    "diag_defaults": ("không có (giá trị mặc định)", "none (defaults)"),
}


def tr(key: str, lang: Language, **values: object) -> str:
    """The text of ``key`` in ``lang``, with ``values`` filled in."""
    vi, en = CATALOG[key]
    text = en if lang is Language.EN else vi
    return text.format(**values) if values else text
