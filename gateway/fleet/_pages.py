"""The fleet page: every unit with its state, one unit's recent history, the usage report.

Server-rendered (Jinja2) with no script: sorting and filtering are links and a GET form,
the list refreshes itself every 30 seconds when asked to (``<meta http-equiv="refresh">``,
a user's choice, as WCAG's "timing adjustable" wants), charts are SVG drawn here.
Vietnamese first; ``?lang=en`` switches to English and is remembered in a cookie. Every
page is behind the login, sent with ``Cache-Control: no-store`` and a content security
policy that allows nothing from elsewhere.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from dossier import ICT, format_date
from gateway.fleet._alerts import AlertKind, Thresholds
from gateway.fleet._auth import (
    CHECKS_AT_ONCE,
    COOKIE,
    NO_USER,
    LoginThrottle,
    Session,
    SessionBook,
    check_password,
    same_csrf,
)
from gateway.fleet._charts import Bars, bar_chart, line_chart
from gateway.fleet._report import COLUMNS, FleetReport, Period, build_report
from gateway.fleet._report_files import report_csv, report_text
from gateway.fleet._store import Alert, FleetStore, Point, Unit
from gateway.fleet._words import (
    ago,
    alert_detail,
    alert_title,
    channel_name,
    duration,
    moment,
    tr,
)
from onestop.config import Config
from onestop.fleet import Role

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
LANG_COOKIE = "onestop_lang"
PREFIX = "/fleet"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
MAX_REPORT_DAYS = 5 * 366
COLUMNS_SHOWN = ("state", "name", "role", "office", "last_seen", "version", "alerts")
"""The unit list's columns."""


class UnitState:
    """A unit's colour on the page, worst first."""

    DOWN = "down"
    WARNING = "warning"
    OK = "ok"
    ORDER = (DOWN, WARNING, OK)


def unit_state(unit: Unit, now: float, silent_after: float) -> str:
    if now - unit.last_seen > silent_after or any(a.kind == AlertKind.SILENT for a in unit.alerts):
        return UnitState.DOWN
    return UnitState.WARNING if unit.alerts else UnitState.OK


@dataclass(frozen=True, slots=True)
class Listed:
    """One line of the unit list."""

    unit: Unit
    state: str


SORTS: dict[str, Callable[[Listed], Any]] = {
    "state": lambda row: (UnitState.ORDER.index(row.state), row.unit.office, row.unit.name),
    "name": lambda row: (row.unit.name, row.unit.role),
    "office": lambda row: (row.unit.office, row.unit.name),
    "last_seen": lambda row: -row.unit.last_seen,
    "role": lambda row: (row.unit.role, row.unit.name),
    "version": lambda row: (row.unit.version, row.unit.name),
}


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.do"],
    )
    environment.globals |= {
        "tr": tr,
        "ago": ago,
        "duration": duration,
        "moment": moment,
        "alert_title": alert_title,
        "alert_detail": alert_detail,
        "channel_name": channel_name,
        "columns": COLUMNS,
        "prefix": PREFIX,
    }
    return environment


class FleetPages:
    """The ``/fleet`` routes: login, unit list, unit page, usage report."""

    def __init__(
        self,
        config: Config,
        store: FleetStore,
        *,
        clock: Callable[[], float] = time.time,
        reader: Callable[[Request], str | None] = lambda _request: None,
    ) -> None:
        section = config.fleet_gateway
        self.config = config
        self.store = store
        self.logins = dict(section.login)
        self.secure_cookie = section.cookie_secure
        self.limits = Thresholds.from_config(config.fleet_alerts)
        self.sessions = SessionBook(
            store.engine, idle=section.session_idle, longest=section.session_max
        )
        self.throttle = LoginThrottle()
        self._password_checks: anyio.CapacityLimiter | None = None
        """Made in the event loop, at the first login."""
        self.clock = clock
        self.reader = reader
        self.templates = _environment()

    @property
    def routes(self) -> list[BaseRoute]:
        return [
            Route(PREFIX, lambda _request: RedirectResponse(f"{PREFIX}/", status_code=308)),
            Mount(
                PREFIX,
                routes=[
                    Route("/", self.units_page, name="units"),
                    Route("/login", self.login_page, methods=["GET", "POST"]),
                    Route("/logout", self.logout, methods=["POST"]),
                    Route("/units/{unit_id:int}", self.unit_page),
                    Route("/report", self.report_page),
                    Route("/report.csv", self.report_download),
                    Route("/report.pdf", self.report_download),
                    Route("/report.txt", self.report_download),
                    Mount("/static", StaticFiles(directory=HERE / "static")),
                ],
                # 2,000 units are a megabyte of HTML; a phone on 3G gets a tenth of it.
                middleware=[Middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)],
            ),
        ]

    # -- plumbing ----------------------------------------------------------------------------

    def _lang(self, request: Request) -> str:
        asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE, "vi")
        return "en" if asked == "en" else "vi"

    def _render(
        self, request: Request, name: str, context: dict[str, Any], status: int = 200
    ) -> HTMLResponse:
        lang = self._lang(request)
        other = "vi" if lang == "en" else "en"
        query = dict(request.query_params) | {"lang": other}
        page = self.templates.get_template(name).render(
            lang=lang,
            language_link=f"{request.url.path}?{urlencode(query)}",
            **context,
        )
        response = HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)
        if request.query_params.get("lang") in ("vi", "en"):
            response.set_cookie(
                LANG_COOKIE,
                lang,
                max_age=365 * 86400,
                path=PREFIX,
                secure=self.secure_cookie,
                httponly=True,
                samesite="lax",
            )
        return response

    async def _session(self, request: Request) -> Session | None:
        key = request.cookies.get(COOKIE, "")
        if not key:
            return None
        now = self.clock()
        return await anyio.to_thread.run_sync(lambda: self.sessions.find(key, now))

    def _to_login(self, request: Request, *, expired: bool = False) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = {"next": target} | ({"expired": "1"} if expired else {})
        return RedirectResponse(f"{PREFIX}/login?{urlencode(query)}", status_code=303)

    def _foreign(self, request: Request) -> bool:
        """A form posted from another site (the browser says so in ``Origin``)."""
        origin = request.headers.get("origin")
        if origin is None or origin == "null":
            return origin == "null"
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        return origin.rstrip("/") != own

    # -- login -----------------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        lang = self._lang(request)
        next_page = _safe_next(request.query_params.get("next", ""))
        context: dict[str, Any] = {
            "next": next_page,
            "message": tr("login.expired", lang) if request.query_params.get("expired") else "",
            "no_logins": not self.logins,
            "name": "",
        }
        if request.method == "GET":
            return self._render(request, "login.html", context)
        if self._foreign(request):
            return Response("cross-site form refused", status_code=403)
        address = request.client.host if request.client else "?"
        if self.throttle.blocked(address):
            context["message"] = tr("login.blocked", lang)
            return self._render(request, "login.html", context, status=429)
        form = await request.form()
        name = str(form.get("name", ""))[:64]
        password = str(form.get("password", ""))[:256]
        next_page = _safe_next(str(form.get("next", "")))
        stored = self.logins.get(name)
        if self._password_checks is None:
            self._password_checks = anyio.CapacityLimiter(CHECKS_AT_ONCE)
        matches = await anyio.to_thread.run_sync(
            lambda: check_password(password, stored or NO_USER), limiter=self._password_checks
        )
        if stored is None or not matches:
            self.throttle.failed(address)
            log.warning("fleet page: failed login for %r from %s", name, address)
            context |= {"message": tr("login.wrong", lang), "name": name, "next": next_page}
            return self._render(request, "login.html", context, status=401)
        self.throttle.succeeded(address)
        now = self.clock()
        key, _ = await anyio.to_thread.run_sync(lambda: self.sessions.open(name, now))
        log.info("fleet page: %s logged in from %s", name, address)
        response = RedirectResponse(next_page or f"{PREFIX}/", status_code=303)
        response.set_cookie(
            COOKIE,
            key,
            path=PREFIX,
            secure=self.secure_cookie,
            httponly=True,
            samesite="strict",
        )
        return response

    async def logout(self, request: Request) -> Response:
        """End the session; a form posted from elsewhere, or without the session's own token,
        changes nothing (not even the browser's cookie)."""
        if self._foreign(request):
            return Response("cross-site form refused", status_code=403)
        session = await self._session(request)
        form = await request.form()
        if session is not None:
            if not same_csrf(session, str(form.get("csrf", ""))):
                return Response("the form's token is missing or wrong", status_code=403)
            key = request.cookies.get(COOKIE, "")
            await anyio.to_thread.run_sync(lambda: self.sessions.close(key))
        response = RedirectResponse(f"{PREFIX}/login", status_code=303)
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    # -- the unit list ---------------------------------------------------------------------------

    async def units_page(self, request: Request) -> Response:
        session = await self._session(request)
        if session is None:
            return self._to_login(request, expired=COOKIE in request.cookies)
        units = await anyio.to_thread.run_sync(lambda: self.store.units(states=False))
        now = self.clock()
        params = request.query_params
        lang = self._lang(request)
        listed = [Listed(unit, unit_state(unit, now, self.limits.silent_after)) for unit in units]
        offices = sorted({row.unit.office for row in listed})
        counts = dict.fromkeys(UnitState.ORDER, 0)
        for row in listed:
            counts[row.state] += 1
        chosen = {key: params.get(key, "") for key in ("office", "state", "role")}
        shown = [
            row
            for row in listed
            if (not chosen["office"] or row.unit.office == chosen["office"])
            and (not chosen["state"] or row.state == chosen["state"])
            and (not chosen["role"] or row.unit.role == chosen["role"])
        ]
        refresh = params.get("refresh") == "1"
        toggled = {key: value for key, value in params.items() if key != "refresh"}
        if not refresh:
            toggled["refresh"] = "1"
        sort = params.get("sort", "state")
        sort = sort if sort in SORTS else "state"
        shown.sort(key=SORTS[sort], reverse=params.get("desc") == "1")
        return self._render(
            request,
            "units.html",
            {
                "session": session,
                "rows": shown,
                "total": len(listed),
                "counts": counts,
                "offices": offices,
                "chosen": chosen,
                "sort": sort,
                "desc": params.get("desc") == "1",
                "now": now,
                "sort_link": _sort_link(request, sort),
                "refresh": refresh,
                "refresh_link": f"{PREFIX}/?{urlencode(toggled)}",
                "states": UnitState.ORDER,
                "roles": [role.value for role in Role],
                # Words of each row, looked up and escaped once rather than for each of 2,000
                # units (escaping was most of the time the page took).
                "label": {column: escape(tr(f"col.{column}", lang)) for column in COLUMNS_SHOWN},
                "state_words": {
                    state: escape(tr(f"state.{state}", lang)) for state in UnitState.ORDER
                },
                "role_words": {role: escape(tr(f"role.{role}", lang)) for role in Role},
                "alert_words": _AlertWords(lang),
            },
        )

    # -- one unit --------------------------------------------------------------------------------

    async def unit_page(self, request: Request) -> Response:
        session = await self._session(request)
        if session is None:
            return self._to_login(request, expired=COOKIE in request.cookies)
        unit_id = int(request.path_params["unit_id"])
        now = self.clock()
        since = now - 86400

        def load() -> tuple[Unit | None, list[Point], dict[int, int], list[Alert]]:
            return (
                self.store.unit(unit_id),
                self.store.history(unit_id, since),
                self.store.lookups_by_hour(unit_id, since),
                self.store.alerts_of(unit_id),
            )

        unit, history, lookups, alerts = await anyio.to_thread.run_sync(load)
        if unit is None:
            return self._render(request, "missing.html", {"session": session}, status=404)
        lang = self._lang(request)
        return self._render(
            request,
            "unit.html",
            {
                "session": session,
                "unit": unit,
                "state": unit_state(unit, now, self.limits.silent_after),
                "beat": unit.heartbeat,
                "now": now,
                "alerts": alerts,
                "charts": _unit_charts(unit, history, lookups, now, lang),
            },
        )

    # -- the usage report ----------------------------------------------------------------------

    def _period(self, request: Request) -> Period:
        today = dt.datetime.fromtimestamp(self.clock(), ICT).date()
        default = Period.last_full_half_year(today)
        start = _date(request.query_params.get("from"), default.start)
        end = _date(request.query_params.get("to"), default.end)
        if end < start:
            raise PeriodError("period.backwards", start=format_date(start), end=format_date(end))
        if (end - start).days > MAX_REPORT_DAYS:
            raise PeriodError("period.too_long")
        return Period(start, end)

    async def _viewer(self, request: Request) -> Session | str | None:
        """A logged-in user, or a reader client (``[fleet_gateway] readers``) by its token."""
        reader = self.reader(request)
        if reader is not None:
            return reader
        return await self._session(request)

    async def report_page(self, request: Request) -> Response:
        session = await self._session(request)
        if session is None:
            return self._to_login(request, expired=COOKIE in request.cookies)
        lang = self._lang(request)
        try:
            period = self._period(request)
        except PeriodError as exc:
            why = tr(exc.key, lang, **exc.values)
            return self._render(
                request,
                "report.html",
                {"session": session, "error": tr("report.bad_period", lang, why=why)},
                status=400,
            )
        report = await anyio.to_thread.run_sync(build_report, self.store.engine, period)
        query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})
        return self._render(
            request,
            "report.html",
            {
                "session": session,
                "report": report,
                "period": period,
                "query": query,
                "charts": _report_charts(report, lang),
                "error": "",
            },
        )

    async def report_download(self, request: Request) -> Response:
        viewer = await self._viewer(request)
        if viewer is None:
            if "authorization" in request.headers:
                return Response("a reader's token is needed", status_code=401)
            return self._to_login(request)
        try:
            period = self._period(request)
        except PeriodError as exc:
            why = tr(exc.key, "en", **exc.values)
            return Response(f"the period is not valid: {why}\n", status_code=400)
        lang = self._lang(request)
        kind = request.url.path.rsplit(".", 1)[-1]
        name = f"bao-cao-tra-cuu_{period.start.isoformat()}_{period.end.isoformat()}.{kind}"
        headers = SECURITY_HEADERS | {"Content-Disposition": f'attachment; filename="{name}"'}
        if kind == "csv":
            body = await anyio.to_thread.run_sync(report_csv, self.store.engine, period)
            return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
        if kind == "txt":
            report = await anyio.to_thread.run_sync(build_report, self.store.engine, period)
            return Response(
                report_text(report, lang), media_type="text/plain; charset=utf-8", headers=headers
            )
        from gateway.fleet._pdf import report_pdf

        report = await anyio.to_thread.run_sync(build_report, self.store.engine, period)
        pdf = await anyio.to_thread.run_sync(report_pdf, report, lang)
        return Response(pdf, media_type="application/pdf", headers=headers)


class PeriodError(ValueError):
    """A report period that cannot be: ``key`` and ``values`` word it in the catalog."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class _AlertWords(dict[str, str]):
    """An alert kind's title in one language, looked up once per kind."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def __missing__(self, kind: str) -> str:
        self[kind] = escape(alert_title(kind, self.lang))
        return self[kind]


def _date(text: str | None, default: dt.date) -> dt.date:
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PeriodError("period.not_a_date", text=text[:20]) from None


def _safe_next(target: str) -> str:
    """Only a path of the fleet page itself, never another site."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"{PREFIX}/"):
        return ""
    return target


def _sort_link(request: Request, current: str) -> Callable[[str], str]:
    def link(column: str) -> str:
        query = dict(request.query_params)
        descending = column == current and query.get("desc") != "1"
        query |= {"sort": column, "desc": "1" if descending else "0"}
        return f"{PREFIX}/?{urlencode(query)}"

    return link


def _hour_labels(start: float, end: float) -> list[tuple[float, str]]:
    first = math.ceil(start / 21600) * 21600.0
    labels: list[tuple[float, str]] = []
    moment_at = first
    while moment_at <= end:
        labels.append((moment_at, f"{dt.datetime.fromtimestamp(moment_at, ICT):%H:%M}"))
        moment_at += 21600
    return labels


def _unit_charts(
    unit: Unit, history: list[Point], lookups: dict[int, int], now: float, lang: str
) -> list[Markup]:
    start = now - 86400
    first_hour = int(start // 3600 + 1) * 3600
    hours = list(range(first_hour, int(now) + 1, 3600))
    labels = [f"{dt.datetime.fromtimestamp(hour, ICT):%H}h" for hour in hours]
    charts = [
        bar_chart(
            tr("chart.lookups", lang),
            labels,
            [Bars(tr("column.lookups", lang), [lookups.get(hour, 0) for hour in hours])],
        )
    ]
    ticks = _hour_labels(start, now)

    def line(key: str, values: Iterable[tuple[float, float | None]], **kw: Any) -> Markup:
        return line_chart(tr(key, lang), list(values), start=start, end=now, labels=ticks, **kw)

    charts.append(line("chart.answer_ms", ((p.at, p.answer_ms) for p in history)))
    if unit.role is Role.SMS:
        charts.append(line("chart.signal", ((p.at, p.signal) for p in history), top=31))
    else:
        charts.append(line("chart.camera_fps", ((p.at, p.camera_fps) for p in history)))
    return charts


def _report_charts(report: FleetReport, lang: str) -> list[Markup]:
    months = report.months
    figures = [report.province.months.get(month) for month in months]
    labels = [month[5:] + "/" + month[2:4] for month in months]
    answered = [f.answered if f else 0 for f in figures]
    other = [(f.lookups - f.answered) if f else 0 for f in figures]
    return [
        bar_chart(
            tr("column.lookups", lang),
            labels,
            [
                Bars(tr("column.answered", lang), answered),
                Bars(tr("column.unanswered", lang), other),
            ],
        ),
        bar_chart(
            tr("column.median_ms", lang),
            labels,
            [Bars(tr("column.median_ms", lang), [(f.median_ms or 0) if f else 0 for f in figures])],
        ),
    ]
