"""Every word the kiosk shows, Vietnamese first, English second.

One table means a translator reviews one file (with the result card's words, which live in
:data:`dossier.CARD_WORDS` because the web page shows the same card), and a test can check
that every key has both languages and that switching language changes every visible string.
"""

from __future__ import annotations

from dossier import CARD_WORDS, Language

LANGUAGES = tuple(Language)

CATALOG: dict[str, tuple[str, str]] = {
    **CARD_WORDS,  # the result card's and a failed lookup's words, which the web page shows too
    "title": ("Tra cứu hồ sơ", "Dossier status lookup"),
    "idle_what": (
        "Xem hồ sơ của bạn đang ở đâu và cần làm gì tiếp",
        "See where your dossier stands and what to do next",
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
    "larger_text": ("Chữ to", "Larger text"),
    "smaller_text": ("Chữ vừa", "Normal text"),
    "demo_next": ("Đưa biên nhận mẫu vào camera", "Show a sample receipt to the camera"),
    "entry_title": ("Nhập mã hồ sơ in trên biên nhận", "Type the code printed on your receipt"),
    "entry_lookup": ("Tra cứu", "Look up"),
    "entry_clear": ("Xóa hết", "Clear"),
    "entry_letters": ("Chữ cái", "Letters"),
    "entry_digits": ("Chữ số", "Digits"),
    "entry_shape": ("Mã có dạng: {shape}", "The code looks like: {shape}"),
    "back": ("Quay lại", "Back"),
    "home": ("Về trang đầu", "Home"),
    "another": ("Tra hồ sơ khác", "Look up another"),
    "busy": ("Đang tra cứu hồ sơ {code}…", "Looking up dossier {code}…"),
    "busy_slow": (
        "Máy chủ đang trả lời chậm, vui lòng chờ",
        "The server is answering slowly, please wait",
    ),
    "result_details": ("Xem chi tiết", "Details"),
    "result_follow": ("Theo dõi trên điện thoại", "Follow it on your phone"),
    "result_as_of": (
        "Không kết nối được máy chủ. Tình trạng lúc {moment}:",
        "The server cannot be reached. Status as of {moment}:",
    ),
    "read_aloud": ("Nghe đọc", "Read aloud"),
    "speak_status": ("Tình trạng hồ sơ:", "Dossier status:"),
    "speak_due": ("Hẹn trả kết quả", "Result due on"),
    "speak_place": ("Nơi nhận kết quả:", "Collect the result at:"),
    "speak_code": ("Mã hồ sơ:", "Dossier code:"),
    "print_slip": ("In phiếu", "Print a slip"),
    "slip_title": ("PHIẾU TRA CỨU HỒ SƠ", "DOSSIER STATUS"),
    "slip_printed": ("In lúc {moment}", "Printed at {moment}"),
    "printing": ("Đang in…", "Printing…"),
    "printed": ("Đã in, mời lấy phiếu", "Printed: please take your slip"),
    "print_failed": ("Không in được: {reason}", "Could not print: {reason}"),
    "timeout_warning": (
        "Màn hình sẽ trở về trang đầu sau {seconds} giây. Chạm vào màn hình để xem tiếp.",
        "The screen goes back to the start in {seconds} seconds. Touch it to stay.",
    ),
    "correct_code": ("Sửa mã", "Correct the code"),
    "invalid_hint": (
        "Mã in trên biên nhận có dạng {example}. Bấm Sửa mã: mã bạn đã nhập vẫn còn đó.",
        "The code on the receipt looks like {example}. Press Correct the code: what you typed "
        "is kept.",
    ),
    "seen_title": ("Đây không phải mã trên biên nhận", "This is not the code on a receipt"),
    "seen_id_card": (
        "Đây là mã QR của căn cước công dân. Hãy đưa mã QR in trên biên nhận hồ sơ.",
        "This is the QR code of an ID card (CCCD). Show the QR code printed on the dossier "
        "receipt.",
    ),
    "seen_link": (
        "Đây là một đường dẫn trang web ({host}), không chứa mã hồ sơ. Hãy đưa mã QR in trên "
        "biên nhận hồ sơ.",
        "This is a web link ({host}) that holds no dossier code. Show the QR code printed on the "
        "dossier receipt.",
    ),
    "seen_payment": (
        "Đây là mã QR thanh toán. Hãy đưa mã QR in trên biên nhận hồ sơ.",
        "This is a payment QR code. Show the QR code printed on the dossier receipt.",
    ),
    "seen_wifi": (
        "Đây là mã QR của mạng Wi-Fi. Hãy đưa mã QR in trên biên nhận hồ sơ.",
        "This is a Wi-Fi QR code. Show the QR code printed on the dossier receipt.",
    ),
    "seen_contact": (
        "Đây là mã QR danh thiếp. Hãy đưa mã QR in trên biên nhận hồ sơ.",
        "This is a contact card QR code. Show the QR code printed on the dossier receipt.",
    ),
    "seen_product": (
        "Đây là mã vạch hàng hóa. Hãy đưa mã vạch hoặc mã QR in trên biên nhận hồ sơ.",
        "This is a product barcode. Show the barcode or QR code printed on the dossier receipt.",
    ),
    "seen_text": (
        'Mã này chứa "{text}", không phải mã hồ sơ. Hãy đưa mã QR in trên biên nhận hồ sơ.',
        'This code holds "{text}", not a dossier code. Show the QR code printed on the '
        "dossier receipt.",
    ),
    "seen_camera_on": (
        "Camera vẫn đang bật: đưa biên nhận vào là được.",
        "The camera is still on: just hold up the receipt.",
    ),
    "offline_body": (
        "Không kết nối được máy chủ tra cứu. Mã {code} vẫn được giữ; máy sẽ tự thử lại.",
        "The lookup server cannot be reached. The code {code} is kept; the kiosk tries again "
        "by itself.",
    ),
    "offline_retry_in": ("Thử lại sau {seconds} giây…", "Trying again in {seconds} seconds…"),
    "offline_sms": (
        "Hoặc nhắn tin: {keyword} {code} gửi {number}",
        "Or text: {keyword} {code} to {number}",
    ),
    "rating_question": (
        "Bạn có hài lòng với việc giải quyết hồ sơ?",
        "Are you satisfied with how your dossier is handled?",
    ),
    "rating_thanks": ("Cảm ơn bạn đã đánh giá.", "Thank you for your rating."),
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
