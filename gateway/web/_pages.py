"""The citizen lookup page: ``/tra-cuu`` (a form) and ``/tra-cuu/{code}`` (links and QR codes).

Server-rendered HTML that needs no JavaScript, sets no cookie and loads nothing from elsewhere,
so that it works on the phones citizens have (down to KaiOS and Opera Mini on 2G) and tells no
third party who looked up what. Vietnamese first; ``?lang=en`` gives the same page in English,
so the language travels in links rather than in a cookie.

A code typed with the usual slips (``000,00,20,H30 240115 0001``) is read by the same parser
as every channel's and redirected to its canonical address, so links stay clean. A lookup key
never appears in an address (addresses end up in access logs and browser histories): it is
sent in a form's body and answered on that request.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qsl

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from dossier import (
    EXAMPLE_CODE,
    ICT,
    CodeError,
    CodeQuery,
    Dossier,
    Language,
    OfficeGuide,
    next_step,
    parse_query,
)
from gateway.access import Access, Caller
from gateway.bodies import read_capped
from gateway.metrics import Metrics
from gateway.middleware import CALLER, LOG_PATH, client_address, state
from gateway.service import InvalidKey, LookupService, Outcome, clean_key
from gateway.web._view import result_card
from gateway.web._words import LANGUAGES, WORDS, word
from onestop.links import LOOKUP_PAGE_PATH, path_segment

PAGE_PATH = LOOKUP_PAGE_PATH
MAX_FORM_BYTES = 4096
"""A lookup form holds a code and a key; anything longer is not a citizen's form."""


RENDERED_TTL = 60.0
"""Seconds a rendered result page is reused for the same answer (its "days left" may change at
midnight or at the appointment's hour: a minute late at most)."""
RENDERED_SIZE = 1024


@dataclass(frozen=True, slots=True)
class _Rendered:
    dossier: Dossier
    stale_since: dt.datetime | None
    root_path: str
    made: float
    body: bytes


def _csp(css: str) -> str:
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


class LookupPages:
    """The page's routes, over the gateway's lookup service and its per-client limits.

    The page is the citizens' own: every caller is anonymous, counted by address (uvicorn puts
    a trusted proxy's ``X-Forwarded-For`` there), under the gateway's anonymous rate limit and
    not-found limit, whether or not the API itself needs tokens.
    """

    def __init__(
        self,
        service: LookupService,
        access: Access,
        *,
        metrics: Metrics | None = None,
        guide: OfficeGuide | None = None,
        parse: Callable[[str], CodeQuery] = parse_query,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(ICT),
        history_steps: int = 3,
    ) -> None:
        self._service = service
        self._access = access
        self._metrics = metrics
        self._guide = guide or OfficeGuide()
        self._parse = parse
        self._clock = clock
        self._history_steps = history_steps
        self._css = files("gateway.web").joinpath("page.css").read_text(encoding="utf-8").strip()
        self._environment = jinja2.Environment(
            loader=jinja2.PackageLoader("gateway.web", "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
            auto_reload=False,
        )
        self._rendered: OrderedDict[tuple[str, str], _Rendered] = OrderedDict()
        self._words = {lang: _page_words(lang) for lang in LANGUAGES}
        self._headers = {
            "Cache-Control": "no-store",
            "Content-Security-Policy": _csp(self._css),
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        }

    def routes(self) -> list[Route]:
        return [
            Route(PAGE_PATH, self.form_page, methods=["GET", "POST"], name="web_lookup"),
            Route(
                PAGE_PATH + "/{code:path}",
                self.code_page,
                methods=["GET", "POST"],
                name="web_lookup_code",
            ),
        ]

    # -- endpoints -------------------------------------------------------------------------

    async def form_page(self, request: Request) -> Response:
        """The form; its answer; and ``?ma=`` / ``?mahs=`` links of older lookup pages."""
        if request.method == "POST":
            fields = await _read_form(request)
            if fields is None:
                return self._problem(request, Language.VI, 413, "invalid_title", [], form="code")
        else:
            fields = dict(request.query_params)
        lang = _language(fields)
        text = fields.get("ma") or fields.get("mahs") or ""
        if request.method == "GET" and not text:
            return self._render(request, lang, "lookup.html", {})
        return await self._answer(request, lang, text, fields.get("key", ""))

    async def code_page(self, request: Request) -> Response:
        """A dossier's own address; a POST to it carries the lookup key."""
        text = request.path_params["code"]
        if request.method == "POST":
            fields = await _read_form(request)
            if fields is None:
                return self._problem(request, Language.VI, 413, "invalid_title", [], form="code")
            return await self._answer(request, _language(fields), text, fields.get("key", ""))
        lang = _language(dict(request.query_params))
        try:
            query = self._parse(text)
        except CodeError as error:
            return self._invalid(request, lang, text, error)
        if str(query.code) != text or query.lookup_key:
            return self._redirect(request, lang, str(query.code))
        return await self._show(request, lang, query)

    # -- answers ---------------------------------------------------------------------------

    async def _answer(self, request: Request, lang: Language, text: str, key: str) -> Response:
        """The answer to a form: the code field read as every channel reads a code (a key
        typed after the code included), the key field as the key, whatever its shape."""
        try:
            query = self._parse(text)
        except CodeError as error:
            return self._invalid(request, lang, text, error)
        typed_key = "".join(key.split()).upper()  # as printed, in groups or not; as SMS reads it
        if typed_key:
            query = CodeQuery(query.code, typed_key)
        if query.lookup_key is None:
            return self._redirect(request, lang, str(query.code), status=303)
        return await self._show(request, lang, query)

    async def _show(self, request: Request, lang: Language, query: CodeQuery) -> Response:
        code = str(query.code)
        scope = request.scope
        caller = Caller(None, client_address(scope))
        state(scope)[CALLER] = caller
        state(scope)[LOG_PATH] = f"{PAGE_PATH}/{code}"
        wait = self._access.admit(caller)
        reason = "rate"
        if wait is None:
            wait, reason = self._access.not_found_wait(caller), "not_found"
        if wait is not None:
            return self._limited(request, lang, wait, reason)
        try:
            key = clean_key(query.lookup_key)
        except InvalidKey:
            body = [word("key_wrong", lang, code=code)]
            return self._problem(request, lang, 400, "key_title", body, form="key", code=code)
        result = await self._service.lookup(query.code, key)
        outcome = result.outcome
        if outcome is Outcome.NOT_FOUND:
            self._access.count_not_found(caller)
        if result.dossier is not None and outcome in (Outcome.FOUND, Outcome.STALE):
            stale_since = result.stale_since if outcome is Outcome.STALE else None
            if key is not None:  # the applicant's name: never kept
                unconfirmed = outcome is Outcome.FOUND and not result.key_verified
                return self._result(
                    request, lang, result.dossier, stale_since, key_unconfirmed=unconfirmed
                )
            return self._cached_result(request, lang, result.dossier, stale_since)
        if outcome is Outcome.RETIRED:
            message = (
                result.message_en if lang is Language.EN else result.message or result.message_en
            )
            return self._problem(request, lang, 410, "retired_title", [message], code=code)
        if outcome in (Outcome.KEY_REQUIRED, Outcome.KEY_REJECTED):
            wrong = outcome is Outcome.KEY_REJECTED
            body = [word("key_wrong" if wrong else "key_why", lang, code=code)]
            status = 403 if wrong else 200
            return self._problem(request, lang, status, "key_title", body, form="key", code=code)
        if outcome is Outcome.KEY_LOCKED:
            return self._limited(request, lang, result.retry_after or 60, "key_failures")
        if outcome in (Outcome.UNAVAILABLE, Outcome.BAD_ANSWER):
            body = [word("unavailable_body", lang, code=code)]
            return self._problem(request, lang, 503, "offline_title", body, code=code, retry=True)
        body = [word("not_found_body", lang, code=code)]
        return self._problem(request, lang, 404, "not_found_title", body, form="code", code=code)

    def _result(
        self,
        request: Request,
        lang: Language,
        dossier: Dossier,
        stale_since: dt.datetime | None,
        *,
        key_unconfirmed: bool = False,
    ) -> Response:
        now = self._clock()
        card = result_card(
            dossier,
            now=now,
            lang=lang,
            next_step=next_step(dossier, self._guide, now, Language(lang)),
            stale_since=stale_since,
            history_steps=self._history_steps,
        )
        context = {
            "card": card,
            "heading": word("result_title", lang, code=dossier.code),
            "key_note": word("key_unconfirmed", lang) if key_unconfirmed else "",
        }
        return self._render(request, lang, "result.html", context, code=dossier.code)

    def _cached_result(
        self, request: Request, lang: Language, dossier: Dossier, stale_since: dt.datetime | None
    ) -> Response:
        """The result page as rendered for this very answer of the gateway's cache less than
        :data:`RENDERED_TTL` ago, else rendered now and kept. A popular dossier's page is
        thus worded and laid out once a minute instead of at every lookup."""
        slot = (dossier.code, lang)
        now = time.monotonic()
        kept = self._rendered.get(slot)
        if (
            kept is not None
            and kept.dossier is dossier
            and kept.stale_since == stale_since
            and kept.root_path == request.scope.get("root_path", "")
            and now - kept.made < RENDERED_TTL
        ):
            self._rendered.move_to_end(slot)
            return HTMLResponse(kept.body, headers=self._headers)
        response = self._result(request, lang, dossier, stale_since)
        self._rendered[slot] = _Rendered(
            dossier, stale_since, request.scope.get("root_path", ""), now, bytes(response.body)
        )
        self._rendered.move_to_end(slot)
        if len(self._rendered) > RENDERED_SIZE:
            self._rendered.popitem(last=False)
        return response

    def _limited(self, request: Request, lang: Language, wait: int, reason: str) -> Response:
        if self._metrics is not None:
            self._metrics.limited.labels(reason).inc()
        minutes = max(1, -(-wait // 60))
        body = [
            word(
                "key_locked" if reason == "key_failures" else "limited_body", lang, minutes=minutes
            )
        ]
        response = self._problem(request, lang, 429, "limited_title", body)
        response.headers["Retry-After"] = str(max(1, wait))
        return response

    def _invalid(self, request: Request, lang: Language, text: str, error: CodeError) -> Response:
        body = [word("invalid_hint", lang)]
        return self._problem(
            request,
            lang,
            400,
            "invalid_title",
            body,
            form="code",
            code=text,
            error=error.message(lang),
        )

    # -- rendering -------------------------------------------------------------------------

    def _problem(
        self,
        request: Request,
        lang: Language,
        status: int,
        title: str,
        body: list[str],
        *,
        form: str = "",
        code: str = "",
        error: str = "",
        retry: bool = False,
    ) -> Response:
        """A page that says what went wrong, with a form to correct the code or give the key
        (``form``), or a link to try again and the office's hotline (``retry``)."""
        context: dict[str, Any] = {
            "title": word(title, lang),
            "body": body,
            "form": form,
            "code": code,
            "error": error,
            "retry": retry,
            "hotline": _hotline(self._guide.hotline, lang) if retry else None,
        }
        return self._render(request, lang, "problem.html", context, status=status, code=code)

    def _render(
        self,
        request: Request,
        lang: Language,
        template: str,
        context: dict[str, Any],
        *,
        status: int = 200,
        code: str = "",
    ) -> Response:
        base = request.scope.get("root_path", "") + PAGE_PATH
        here = f"{base}/{path_segment(code)}" if code and status != 400 else base
        other = Language.VI if lang is Language.EN else Language.EN
        values = {
            "lang": lang,
            "other_lang": other,
            "t": self._words[lang],
            "css": self._css,
            "home_url": _with_language(base, lang),
            "here_url": _with_language(here, lang),
            "switch_url": _with_language(here, other),
            **context,
        }
        body = self._environment.get_template(template).render(values)
        return HTMLResponse(body, status, headers=self._headers)

    def _redirect(
        self, request: Request, lang: Language, code: str, *, status: int = 302
    ) -> Response:
        base = request.scope.get("root_path", "") + PAGE_PATH
        target = _with_language(f"{base}/{path_segment(code)}", lang)
        return RedirectResponse(target, status_code=status, headers=self._headers)


def _page_words(lang: Language) -> dict[str, str]:
    """The words the templates show as they are, in ``lang``: those without placeholders, and
    the code hint with its example."""
    words = {key: word(key, lang) for key, (vi, _en) in WORDS.items() if "{" not in vi}
    words["code_hint"] = word("code_hint", lang, example=EXAMPLE_CODE)
    return words


@dataclass(frozen=True, slots=True)
class _Hotline:
    """The office's hotline as a ``tel:`` link inside its sentence ("Gọi hỗ trợ: {hotline}")."""

    before: str
    number: str
    tel: str
    after: str


def _hotline(number: str, lang: Language) -> _Hotline | None:
    if not number.strip():
        return None
    vi, en = WORDS["offline_hotline"]
    before, _, after = (en if lang is Language.EN else vi).partition("{hotline}")
    tel = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return _Hotline(before, number.strip(), tel, after)


def _language(fields: dict[str, str]) -> Language:
    return Language.EN if fields.get("lang") == Language.EN else Language.VI


def _with_language(path: str, lang: Language) -> str:
    return f"{path}?lang={lang}" if lang is Language.EN else path


async def _read_form(request: Request) -> dict[str, str] | None:
    """The fields of a URL-encoded form, or None when the body is larger than any lookup."""
    body = await read_capped(request, MAX_FORM_BYTES)
    if body is None:
        return None
    try:
        return dict(parse_qsl(body.decode("utf-8", errors="replace"), max_num_fields=16))
    except ValueError:  # more fields than any lookup form has
        return None
