"""A simulator of a province's LGSP adapter to the national portal: session login, TraCuuHoSo.

What is known comes from OpenCPS's own client of the same envelope
(VietOpenCPS/opencps-v2 ``DVCQGIntegrationActionImpl``): a JSON ``POST`` of
``{"username", "password"}`` to the login endpoint answers ``{"error_code": 0, "session"}``;
every service call is a JSON ``POST`` of ``{"session", "madonvi", "service", ...}`` and answers
``{"error_code", "result": [...]}``; ``TraCuuHoSo`` takes ``mahoso``. The answer's field names
come from a ministry adapter with the same envelope (MaHoSo, TenDVC, MaTrangThai,
TrangThaiHoSo, DonViXuLy, NgayNop, NgayTiepNhan, NgayHenTra, dates ``dd/MM/yyyy HH:mm:ss``);
the error codes for a bad or expired session, an unknown unit or service are inferred.
``fields`` renames answer fields, as provinces do, to test the adapter's mapping.
"""

from __future__ import annotations

import copy
import datetime as dt
import hmac
import json
import secrets
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dossier import ICT, Status
from gateway.sims._faults import ASGIApp, FaultMiddleware
from gateway.sims._server import Simulator

LOGIN_PATH = "/lgsp/login"
SERVICE_PATH = "/lgsp/service"
DATE = "%d/%m/%Y %H:%M:%S"

SESSION_EXPIRED = {"error_code": 2, "message": "Phiên làm việc không hợp lệ hoặc đã hết hạn"}

_RECORDS = [
    # (agency, seq, status number, days since submission, days to appointment, procedure, agency)
    (
        "000.00.20.H13",
        "0101",
        1,
        0,
        10,
        "Cấp Phiếu lý lịch tư pháp",
        "Sở Tư pháp thành phố Cần Thơ",
    ),
    (
        "000.00.20.H13",
        "0102",
        2,
        1,
        10,
        "Cấp Phiếu lý lịch tư pháp",
        "Sở Tư pháp thành phố Cần Thơ",
    ),
    (
        "000.00.11.H13",
        "0031",
        3,
        4,
        3,
        "Đăng ký thành lập doanh nghiệp tư nhân",
        "Sở Tài chính thành phố Cần Thơ",
    ),
    ("000.00.22.H13", "0007", 4, 6, 20, "Cấp giấy phép xây dựng", "Sở Xây dựng thành phố Cần Thơ"),
    ("000.35.12.H13", "0044", 5, 8, 5, "Đăng ký kết hôn", "UBND phường Vị Thanh"),
    (
        "000.00.19.H13",
        "0051",
        6,
        9,
        15,
        "Đăng ký biến động đất đai",
        "Sở Nông nghiệp và Môi trường thành phố Cần Thơ",
    ),
    (
        "000.36.07.H13",
        "0012",
        7,
        12,
        10,
        "Giải quyết chế độ trợ cấp xã hội hằng tháng",
        "UBND xã Phụng Hiệp",
    ),
    (
        "000.00.22.H13",
        "0003",
        8,
        30,
        20,
        "Cấp chứng chỉ hành nghề hoạt động xây dựng",
        "Sở Xây dựng thành phố Cần Thơ",
    ),
    ("G22.99.09", "001234", 9, 7, 5, "Đổi giấy phép lái xe", "Sở Xây dựng thành phố Cần Thơ"),
    ("G22.99.09", "001235", 10, 20, 5, "Đổi giấy phép lái xe", "Sở Xây dựng thành phố Cần Thơ"),
]


def demo_records(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """TraCuuHoSo results in every portal status, dated relative to ``now``."""
    now = (now or dt.datetime.now(ICT)).astimezone(ICT).replace(microsecond=0)
    records = []
    for index, (agency, seq, number, days, due, procedure, unit) in enumerate(_RECORDS):
        submitted = min(
            dt.datetime.combine((now - dt.timedelta(days=days)).date(), dt.time(7, 45), ICT), now
        )
        received = submitted + dt.timedelta(minutes=20) if number != 1 else None
        status = Status.from_number(number)
        ended = (
            min(submitted + dt.timedelta(days=max(days - 1, 0)), now) if status.finished else None
        )
        records.append(
            {
                "MaHoSo": f"{agency}-{submitted:%y%m%d}-{seq}",
                "MaTTHC": f"1.00{4200 + index}",
                "TenDVC": procedure,
                "MaTrangThai": str(number),
                "TrangThaiHoSo": status.vi,
                "DonViXuLy": unit,
                "NgayNop": submitted.strftime(DATE),
                "NgayTiepNhan": received.strftime(DATE) if received else "",
                "NgayHenTra": (submitted + dt.timedelta(days=due)).strftime(DATE),
                "NgayKetThucXuLy": ended.strftime(DATE) if ended else "",
                "NgayTra": ended.strftime(DATE) if number == 10 and ended else "",
                "ChuHoSo": f"Nguyễn Văn Công Dân {index}",
                "SoDienThoai": f"09390012{index:02d}",
                "Email": f"congdan{index}@gmail.com",
                "DiaChi": "Số 1, đường Hòa Bình, phường Ninh Kiều, thành phố Cần Thơ",
            }
        )
    return records


class LGSPSim(Simulator):
    """The LGSP adapter of a province; ``fields`` maps our default answer names to the ones
    this province uses (``{"TenDVC": "TenTTHC"}``)."""

    kind = "lgsp"

    def __init__(
        self,
        records: list[dict[str, Any]] | None = None,
        *,
        username: str = "tracuu-cantho",
        password: str = "Lgsp-CT-2025",  # noqa: S107 (the simulator's invented account)
        unit_code: str = "000.00.00.H13",
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__((SERVICE_PATH,))
        self._initial = list(records or demo_records())
        self.records = copy.deepcopy(self._initial)
        self.username = username
        self.password = password
        self.unit_code = unit_code
        self.fields = dict(fields or {})
        self.requests: list[dict[str, Any]] = []
        """The bodies of the service calls received, oldest first."""
        self._sessions: set[str] = set()
        self._lock = threading.Lock()

    def reset(self) -> None:
        super().reset()
        self.records = copy.deepcopy(self._initial)
        self.fields = {}
        self.requests.clear()
        self.expire_sessions()

    def settings(self, url: str) -> dict[str, str]:
        return {
            "url": url + SERVICE_PATH,
            "token_url": url + LOGIN_PATH,
            "username": self.username,
            "password": self.password,
            "unit_code": self.unit_code,
        }

    def listing(self) -> list[tuple[str, str, str]]:
        return [(record["MaHoSo"], record["TrangThaiHoSo"], "") for record in self.records]

    def expire_sessions(self) -> None:
        """Every session handed out so far stops working."""
        with self._lock:
            self._sessions.clear()

    async def _body(self, request: Request) -> dict[str, Any] | None:
        try:
            body = json.loads(await request.body())
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        return body if isinstance(body, dict) else None

    async def _login(self, request: Request) -> Response:
        self.note("login", request.scope)
        body = await self._body(request) or {}
        user, password = str(body.get("username", "")), str(body.get("password", ""))
        if user != self.username or not hmac.compare_digest(
            password.encode(), self.password.encode()
        ):
            return JSONResponse(
                {"error_code": 1, "message": "Tên đăng nhập hoặc mật khẩu không đúng"}
            )
        session = secrets.token_hex(16)
        with self._lock:
            self._sessions.add(session)
        return JSONResponse({"error_code": 0, "message": "Thành công", "session": session})

    async def _service(self, request: Request) -> Response:
        self.note("service", request.scope)
        body = await self._body(request)
        if body is None:
            return JSONResponse({"error_code": 9, "message": "Dữ liệu không hợp lệ"}, 400)
        self.requests.append(body)
        with self._lock:
            known = body.get("session") in self._sessions
        if not known:
            return JSONResponse(SESSION_EXPIRED)
        if body.get("madonvi") != self.unit_code:
            return JSONResponse({"error_code": 4, "message": "Mã đơn vị không hợp lệ"})
        if body.get("service") != "TraCuuHoSo":
            return JSONResponse({"error_code": 3, "message": "Dịch vụ không tồn tại"})
        wanted = str(body.get("mahoso", "")).strip().upper()
        found = [
            {self.fields.get(name, name): value for name, value in record.items()}
            for record in self.records
            if record["MaHoSo"].upper() == wanted
        ]
        return JSONResponse({"error_code": 0, "message": "Thành công", "result": found})

    def app(self) -> ASGIApp:
        routes = [
            Route(LOGIN_PATH, self._login, methods=["POST"]),
            Route(SERVICE_PATH, self._service, methods=["POST"]),
        ]
        return FaultMiddleware(
            Starlette(routes=routes),
            self.faults,
            wrong_shape={"error_code": 0, "result": {"MaHoSo": ["x"]}},
            expire=self.expire_sessions,
        )
