"""The borrower's mobile web app under /app, served by the API's FastAPI app, in zh and en.

Sign-in takes a one-time code (`borrower.signin`) and opens a server-side session of the
audience "borrower" (`api.sessions`), kept in its own HttpOnly, SameSite=Strict cookie on
path /app: a borrower's session never opens the console and a staff key never opens the app.
Every form that changes something carries the session's CSRF token, and every line or loan
id in a URL goes through `borrower.Borrower`, which answers 404 for anything not the
customer's own. Money moves through the real servicing layer: a drawdown joins the API's
drawdown batcher, a repayment takes the lending turn; both are idempotent by the form's key.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from puhui.api.dependencies import platform_of
from puhui.api.platform import Platform
from puhui.api.security import TokenBucket
from puhui.api.sessions import check_csrf, csrf_token
from puhui.borrower import Borrower, DemoSender, SignInCodes
from puhui.borrower.messages import CobMessages, MessageStore
from puhui.borrower.signin import TooManyCodes
from puhui.errors import NotFoundError, PuhuiError
from puhui.money import Money
from puhui.rate import Rate
from puhui.servicing.service import LendingService
from puhui.web import i18n
from puhui.web.app.text import translate
from puhui.web.routes import CSP, fmt_money, fmt_rate

HERE = Path(__file__).parent
PREFIX = "/app"
COOKIE = "puhui_app"
AUDIENCE = "borrower"
#: How far ahead a payoff may be worked out (the API's limit too).
MAX_QUOTE_DAYS = 3660

templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(prefix=PREFIX, include_in_schema=False)
T = TypeVar("T")


@dataclass
class AppRuntime:
    """What the app keeps per process: the code store, the demo sender, the message store and
    the sign-in rate limit per client address (against guessing codes across customers)."""

    codes: SignInCodes
    sender: DemoSender
    messages: MessageStore
    signin_limiter: TokenBucket

    def close(self) -> None:
        self.codes.close()
        self.messages.close()


def runtime_of(request: Request) -> AppRuntime:
    runtime: AppRuntime = request.app.state.borrower_app
    return runtime


@dataclass(frozen=True)
class Visitor:
    lang: str
    customer_id: str | None = None
    token: str | None = None

    def t(self, key: str, **fields: Any) -> str:
        text = translate(key, self.lang)
        return text.format(**fields) if fields else text

    @property
    def csrf(self) -> str:
        return csrf_token(self.token) if self.token else ""


def _lang(request: Request) -> str:
    return i18n.choose(
        request.query_params.get("lang"),
        request.cookies.get(i18n.LANG_COOKIE),
        request.headers.get("accept-language", ""),
    )


def _visitor(request: Request) -> Visitor:
    lang = _lang(request)
    token = request.cookies.get(COOKIE)
    session = platform_of(request).sessions.find(AUDIENCE, token) if token else None
    if session is None:
        return Visitor(lang)
    return Visitor(lang, session.subject, token)


async def _visitor_off_loop(request: Request) -> Visitor:
    """`_visitor` for async routes: the session store's lock and connection are shared with
    request threads, so the event loop never waits on them."""
    return await run_in_threadpool(_visitor, request)


def _lang_url(request: Request, lang: str) -> str:
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    params["lang"] = lang
    return f"{request.url.path}?{urlencode(params)}"


def _render(
    request: Request, visitor: Visitor, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    other = "en" if visitor.lang == "zh" else "zh"
    response = templates.TemplateResponse(
        request,
        template,
        {
            "v": visitor,
            "t": visitor.t,
            "lang": visitor.lang,
            "lang_url": _lang_url(request, other),
            "money": fmt_money,
            "amt": lambda minor, currency: fmt_money(minor, currency).rsplit(" ", 1)[0],
            "rate": fmt_rate,
            "pct": lambda text: fmt_rate(Rate.from_percent(text)),
            "owed": _owed,
            "day": lambda n: date.fromordinal(int(n)).isoformat(),
            "prefix": PREFIX,
            **context,
        },
        status_code=status,
    )
    _secure(response)
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(
            i18n.LANG_COOKIE, visitor.lang, max_age=365 * 86400, samesite="strict", path="/"
        )
    return response


def _owed(quote: dict[str, Any], currency: str) -> str:
    """A payoff quote's total for people ('5,012.34 CNY')."""
    if "total_minor" in quote:
        return fmt_money(int(quote["total_minor"]), currency)
    return fmt_money(Money.parse(quote["total"], currency).minor, currency)


def _problem(visitor: Visitor, message: str, field: str | None) -> str:
    """A refused input for people: in Chinese, the field's own advice (the domain's message is
    English); in English, the domain's message, which names the field and the limit."""
    if visitor.lang == "en" or not field:
        return message
    advice = translate(f"problem.{field}", visitor.lang)
    return advice if advice != f"problem.{field}" else message


def _secure(response: Response) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"


def _to_login() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/login", status_code=303)


def _not_found(request: Request, visitor: Visitor) -> HTMLResponse:
    return _render(request, visitor, "message.html", 404, title="notfound.title")


def _with_borrower(request: Request, visitor: Visitor, fn: Callable[[Borrower], T]) -> T:
    assert visitor.customer_id is not None
    customer = visitor.customer_id
    return platform_of(request).with_lending(lambda s: fn(Borrower(s, customer)))


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form's fields (the first value of each), as the console reads its login."""
    body = await request.body()
    if len(body) > 16_384:
        return {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def _new_key() -> str:
    return secrets.token_urlsafe(16)


def _throttled(request: Request, visitor: Visitor, customer: str) -> Response | None:
    """A 429 page when this client address has tried to sign in too often, else None."""
    address = request.client.host if request.client else "unknown"
    wait = runtime_of(request).signin_limiter.take(address)
    if wait <= 0:
        return None
    response = _render(
        request, visitor, "login.html", 429, customer=customer, note="", error="login.slow"
    )
    response.headers["Retry-After"] = str(max(1, round(wait)))
    return response


# -- sign in / out --------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _render(request, _visitor(request), "login.html", customer="", note="", error="")


@router.post("/login/code", response_class=HTMLResponse)
async def send_code(request: Request) -> Response:
    form = await _form(request)
    visitor = await _visitor_off_loop(request)
    customer = form.get("customer_id", "").strip()[:64]
    throttled = _throttled(request, visitor, customer)
    if throttled is not None:
        return throttled
    platform = platform_of(request)
    runtime = runtime_of(request)

    def issue() -> None:
        if not customer:
            return
        known = platform.with_lending(lambda s: bool(s.lines_of_customer(customer)))
        if known:
            # over the hourly cap: answered like any other request (nobody learns who banks here)
            with suppress(TooManyCodes):
                runtime.codes.issue(customer, runtime.sender)

    await run_in_threadpool(issue)
    # The same answer whether or not the customer exists: nobody learns who banks here.
    return _render(request, visitor, "login.html", customer=customer, note="login.sent", error="")


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await _form(request)
    visitor = await _visitor_off_loop(request)
    customer = form.get("customer_id", "").strip()[:64]
    code = form.get("code", "").strip()[:16]
    throttled = _throttled(request, visitor, customer)
    if throttled is not None:
        return throttled
    platform = platform_of(request)
    ok = bool(customer) and await run_in_threadpool(
        runtime_of(request).codes.redeem, customer, code
    )
    if not ok:
        return _render(
            request, visitor, "login.html", 401, customer=customer, note="", error="login.invalid"
        )
    token, _ = await run_in_threadpool(platform.sessions.open, AUDIENCE, customer)
    response = RedirectResponse(PREFIX, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path=PREFIX, secure=False)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await _form(request)
    visitor = await _visitor_off_loop(request)
    if visitor.token and check_csrf(visitor.token, form.get("csrf")):
        await run_in_threadpool(platform_of(request).sessions.revoke, visitor.token)
    response = _to_login()
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="strict")
    return response


# -- home ----------------------------------------------------------------------------------
@router.get("", response_class=HTMLResponse)
def home(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor.customer_id is None:
        return _to_login()
    offers = _with_borrower(request, visitor, lambda b: b.offers())
    return _render(request, visitor, "home.html", offers=offers, active="home")


# -- borrow --------------------------------------------------------------------------------
@router.get("/lines/{line_id}/borrow", response_class=HTMLResponse)
def borrow_form(request: Request, line_id: str, amount: str = "", term: str = "") -> Response:
    visitor = _visitor(request)
    if visitor.customer_id is None:
        return _to_login()
    return _borrow_page(request, visitor, line_id, amount, term)


def _borrow_page(
    request: Request,
    visitor: Visitor,
    line_id: str,
    amount: str,
    term: str,
    error: str = "",
    status: int = 200,
) -> Response:
    def run(b: Borrower) -> dict[str, Any]:
        line = b.line(line_id)
        offer = b.offer(line)
        out: dict[str, Any] = {"offer": offer, "quote": None, "error": error}
        if amount and not error:
            try:
                installments = int(term) if term.strip().isdigit() else -1
                out["quote"] = b.quote(line_id, amount, installments)
            except PuhuiError as failure:
                out["error"] = _problem(visitor, failure.message, failure.field)
                out["field"] = failure.field
        return out

    try:
        context = _with_borrower(request, visitor, run)
    except NotFoundError:
        return _not_found(request, visitor)
    if context["error"] and status == 200:
        status = 422
    return _render(
        request,
        visitor,
        "borrow.html",
        status,
        amount=amount,
        term=term,
        key=_new_key(),
        active="home",
        **context,
    )


@router.post("/lines/{line_id}/borrow", response_class=HTMLResponse)
async def borrow(request: Request, line_id: str) -> Response:
    form = await _form(request)
    visitor = await _visitor_off_loop(request)
    if visitor.customer_id is None:
        return _to_login()
    if not check_csrf(visitor.token, form.get("csrf")):
        return _render(request, visitor, "message.html", 403, title="error.title")
    amount, term, key = form.get("amount", ""), form.get("term", ""), form.get("key", "")
    platform: Platform = platform_of(request)
    customer = visitor.customer_id

    def prepare(lending: LendingService) -> Any:
        installments = int(term) if term.strip().isdigit() else -1
        return Borrower(lending, customer).drawdown_request(line_id, amount, installments, key)

    try:
        booking = await run_in_threadpool(platform.with_lending, prepare)
        result = await platform.drawdowns.book(booking)
    except NotFoundError:
        return await run_in_threadpool(_not_found, request, visitor)
    except PuhuiError as failure:
        return await run_in_threadpool(
            _borrow_page,
            request,
            visitor,
            line_id,
            amount,
            term,
            _problem(visitor, failure.message, failure.field),
            422,
        )
    return RedirectResponse(f"{PREFIX}/loans/{result.loan.id}?done=booked", status_code=303)


# -- loans ---------------------------------------------------------------------------------
@router.get("/loans", response_class=HTMLResponse)
def loans(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor.customer_id is None:
        return _to_login()
    rows = _with_borrower(request, visitor, lambda b: b.loans())
    return _render(request, visitor, "loans.html", loans=rows, active="loans")


def _loan_context(b: Borrower, loan_id: str, on: date | None) -> dict[str, Any]:
    loan = b.loan(loan_id)
    today = b.lending.business_date()
    context: dict[str, Any] = {
        "loan": loan,
        "today": today,
        "installments": b.installments(loan.id),
        "history": b.history(loan.id),
        "payoff": b.payoff(loan.id) if loan.status == "active" else None,
        "payoff_on": None,
        "on": on.isoformat() if on else (today + timedelta(days=30)).isoformat(),
    }
    if on is not None and loan.status == "active":
        context["payoff_on"] = b.payoff(loan.id, on)
    return context


def _parse_on(text: str, today: date) -> date:
    from puhui.errors import ValidationError

    try:
        on = date.fromisoformat(text)
    except ValueError:
        raise ValidationError("the date must look like 2026-01-31", field="on") from None
    if not today <= on <= today + timedelta(days=MAX_QUOTE_DAYS):
        raise ValidationError(f"the date must be from {today} on", field="on")
    return on


@router.get("/loans/{loan_id}", response_class=HTMLResponse)
def loan(request: Request, loan_id: str, on: str = "", done: str = "") -> Response:
    visitor = _visitor(request)
    if visitor.customer_id is None:
        return _to_login()
    return _loan_page(request, visitor, loan_id, on, done)


def _loan_page(
    request: Request,
    visitor: Visitor,
    loan_id: str,
    on: str,
    done: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    def run(b: Borrower) -> dict[str, Any]:
        b.loan(loan_id)  # ownership first: a foreign id is 404 whatever else is wrong
        when, problem = None, error
        if on:
            try:
                when = _parse_on(on, b.lending.business_date())
            except PuhuiError as failure:
                problem = _problem(visitor, failure.message, failure.field)
        return {**_loan_context(b, loan_id, when), "error": problem}

    try:
        context = _with_borrower(request, visitor, run)
    except NotFoundError:
        return _not_found(request, visitor)
    if context["error"] and status == 200:
        status = 422
    return _render(
        request,
        visitor,
        "loan.html",
        status,
        done=done if done in ("booked", "repaid") else "",
        key=_new_key(),
        active="loans",
        **context,
    )


@router.post("/loans/{loan_id}/repay", response_class=HTMLResponse)
async def repay(request: Request, loan_id: str) -> Response:
    form = await _form(request)
    visitor = await _visitor_off_loop(request)
    if visitor.customer_id is None:
        return _to_login()
    if not check_csrf(visitor.token, form.get("csrf")):
        return _render(request, visitor, "message.html", 403, title="error.title")
    amount = form.get("amount", "").strip() if form.get("all") is None else ""
    key = form.get("key", "")

    def run() -> int:
        paid = _with_borrower(request, visitor, lambda b: b.repay(loan_id, amount or None, key))
        return paid.loan.id

    try:
        paid_loan = await run_in_threadpool(run)
    except NotFoundError:
        return await run_in_threadpool(_not_found, request, visitor)
    except PuhuiError as failure:
        return await run_in_threadpool(
            _loan_page,
            request,
            visitor,
            loan_id,
            "",
            "",
            _problem(visitor, failure.message, failure.field),
            422,
        )
    return RedirectResponse(f"{PREFIX}/loans/{paid_loan}?done=repaid", status_code=303)


@router.get("/loans/{loan_id}/statement.pdf")
def statement(request: Request, loan_id: str) -> Response:
    visitor = _visitor(request)
    if visitor.customer_id is None:
        return _to_login()
    try:
        context = _with_borrower(request, visitor, lambda b: _loan_context(b, loan_id, None))
    except NotFoundError:
        return _not_found(request, visitor)
    html = templates.get_template("statement.html").render(
        t=visitor.t,
        lang=visitor.lang,
        money=fmt_money,
        pct=lambda text: fmt_rate(Rate.from_percent(text)),
        owed=_owed,
        day=lambda n: date.fromordinal(int(n)).isoformat(),
        customer=visitor.customer_id,
        **context,
    )
    from weasyprint import HTML  # imported on first use: it takes a second to load

    pdf = HTML(string=html, base_url=None).write_pdf()
    response = Response(bytes(pdf), media_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="statement-{loan_id}.pdf"'
    _secure(response)
    return response


# -- messages ------------------------------------------------------------------------------
@router.get("/messages", response_class=HTMLResponse)
def messages(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor.customer_id is None:
        return _to_login()
    rows = runtime_of(request).messages.of_customer(visitor.customer_id)
    return _render(request, visitor, "messages.html", messages=rows, active="messages")


def install(app: FastAPI) -> None:
    """Mount the app on `app` (whose state holds the platform): pages, static files, and the
    after-COB hook that writes borrowers' messages."""
    platform: Platform = app.state.platform
    url = platform.settings.database_url
    settings = platform.settings
    limiter = TokenBucket(settings.app_signin_rate_per_second, settings.app_signin_burst)
    runtime = AppRuntime(SignInCodes(url), DemoSender(), MessageStore(url), limiter)
    app.state.borrower_app = runtime
    platform.lending.after_cob.append(CobMessages(platform.lending, runtime.messages))
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(HERE / "static")), name="app")
