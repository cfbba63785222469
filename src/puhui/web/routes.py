"""The console's pages under /console, served by the API's FastAPI app.

Sign-in takes an API key once and opens a server-side session (`api.sessions`, audience
"staff"): the HttpOnly, SameSite=Strict cookie holds the session's random token, never the
key; signing out, expiry or revoking the key ends it. Every page finds the session, the key
behind it, and checks the role against `access.PAGES`. Every POST (sign-in and sign-out
included) must come from a page of this server (Origin) and carry the form's CSRF token.
`install(app)` mounts the router, the static files and the redirect from `/`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt

from puhui.api.dependencies import platform_of
from puhui.api.keys import ApiKey, Role
from puhui.api.routers.customers import record_read
from puhui.api.security import CONSOLE_COOKIE, session_key
from puhui.api.sessions import check_csrf, csrf_token
from puhui.errors import PuhuiError
from puhui.money import exponent
from puhui.rate import Rate
from puhui.risk.reasons import LABELS as FEATURE_LABELS
from puhui.services import privacy
from puhui.servicing.chart import CURRENCY_LEDGERS
from puhui.web import access, charts, i18n, triangle
from puhui.web.queries import CodeTotals, ReadModel

HERE = Path(__file__).parent
KEY_COOKIE = CONSOLE_COOKIE
PREFIX = "/console"

#: Everything the console loads comes from this server: no CDN, works offline.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)

#: APR components in disclosure order (puhui.risk.pricing.PriceQuote.components).
PRICE_ORDER = (
    "cost_of_funds",
    "expected_loss",
    "operating_cost",
    "capital_charge",
    "target_margin",
    "rounding",
    "clip",
)

templates = Jinja2Templates(directory=str(HERE / "templates"))
markdown = MarkdownIt("js-default")  # raw HTML in a model card is escaped, never rendered
router = APIRouter(prefix=PREFIX, include_in_schema=False)


@dataclass(frozen=True)
class Viewer:
    key: ApiKey | None
    lang: str

    @property
    def role(self) -> Role:
        assert self.key is not None
        return self.key.role

    def t(self, key: str, default: str | None = None) -> str:
        return i18n.translate(key, self.lang, default)

    def field(self, name: str) -> str:
        """A model feature's name for people, from the risk module's own labels."""
        pair = FEATURE_LABELS.get(name)
        if pair is None:
            return name
        return pair[0] if self.lang == "zh" else pair[1][:1].upper() + pair[1][1:]


def _reader(request: Request) -> ReadModel:
    return ReadModel(platform_of(request).settings.database_url)


def _viewer(request: Request) -> Viewer:
    lang = i18n.choose(
        request.query_params.get("lang"),
        request.cookies.get(i18n.LANG_COOKIE),
        request.headers.get("accept-language", ""),
    )
    return Viewer(session_key(request), lang)


#: The sign-in form's CSRF token lives in this cookie until a session exists (double submit).
LOGIN_CSRF_COOKIE = "puhui_login_csrf"


def _csrf_of(request: Request) -> str:
    """The CSRF token the forms of this response carry: the session's, or the sign-in one."""
    login = getattr(request.state, "login_csrf", None)
    if login:  # the sign-in form, even for someone signed in already
        return str(login)
    token = request.cookies.get(KEY_COOKIE)
    if token and platform_of(request).sessions.find("staff", token) is not None:
        return csrf_token(token)
    return ""


def _secure(request: Request) -> bool:
    """Cookies are Secure when the server is configured for https (or the request is)."""
    return bool(platform_of(request).settings.https) or request.url.scheme == "https"


def same_origin(request: Request) -> bool:
    """A POST from a page of this server: its Origin (or, without one, its Referer) names this
    host. A request with neither (not a browser's form) is left to the CSRF token."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return True
        origin = "/".join(referer.split("/", 3)[:3])
    if origin == "null":
        return False
    return origin.split("://", 1)[-1] == request.headers.get("host", "")


def form_allowed(request: Request, form: dict[str, list[str]]) -> bool:
    """A console POST may change state: same origin, and the CSRF token of the session."""
    presented = (form.get("csrf") or [""])[0]
    return same_origin(request) and check_csrf(request.cookies.get(KEY_COOKIE), presented)


def refused(request: Request, viewer: Viewer) -> HTMLResponse:
    """The answer to a cross-site or tokenless POST: 403, nothing changed."""
    return _render(request, viewer, "message.html", 403, kind="forbidden")


def fmt_money(minor: int | None, currency: str = "CNY") -> str:
    """'1,234.56 CNY' from integer minor units (never through a float)."""
    if minor is None:
        return ""
    digits = exponent(currency)
    value = Decimal(int(minor)).scaleb(-digits)
    return f"{value:,.{digits}f} {currency}"


def fmt_rate(value: Rate | str | None) -> str:
    """Every rate the console shows, one way: a `Rate` (or a stored fraction such as '0.1825')
    as '18.25%'."""
    if value is None or value == "":
        return ""
    try:
        return Rate.parse(value).format(places=2)
    except PuhuiError:
        return str(value)


def fmt_when(stamp: str) -> str:
    """An ISO timestamp to the second, 'T' as a space: '2026-11-28 13:49:59'."""
    return stamp[:19].replace("T", " ")


def _lang_url(request: Request, lang: str) -> str:
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    params["lang"] = lang
    return f"{request.url.path}?{urlencode(params)}"


def _render(
    request: Request, viewer: Viewer, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    other = "en" if viewer.lang == "zh" else "zh"
    nav = []
    if viewer.key is not None:
        nav = [
            (page, f"{PREFIX}/{'' if page == 'dashboard' else page}".rstrip("/"))
            for page in (
                "dashboard",
                "customers",
                "decisions",
                "models",
                "governance",
                "ledger",
                "triangle",
                "marketing",
                "assist",
                "qa",
                "reports",
                "studio",
            )
            if access.may_see(viewer.role, page)
        ]
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": viewer.t,
            "lang": viewer.lang,
            "viewer": viewer,
            "nav": nav,
            "lang_url": _lang_url(request, other),
            "money": fmt_money,
            "rate": fmt_rate,
            "when": fmt_when,
            "prefix": PREFIX,
            "price_order": PRICE_ORDER,
            "csrf": _csrf_of(request),
            **context,
        },
        status_code=status,
    )
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(
            i18n.LANG_COOKIE, viewer.lang, max_age=365 * 86400, samesite="strict", path="/"
        )
    return response


def _gate(request: Request, page: str) -> Viewer | Response:
    """The signed-in viewer allowed on `page`, else the login redirect or a 403 page."""
    viewer = _viewer(request)
    if viewer.key is None:
        target = f"{PREFIX}/login?{urlencode({'next': request.url.path})}"
        return RedirectResponse(target, status_code=303)
    if not access.may_see(viewer.role, page):
        return _render(request, viewer, "message.html", 403, kind="forbidden")
    return viewer


def _not_found(request: Request, viewer: Viewer) -> HTMLResponse:
    return _render(request, viewer, "message.html", 404, kind="notfound")


# -- sign in / out ------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = PREFIX) -> Response:
    return _login_page(request, _viewer(request), 200, next=_safe_next(next), error=False)


def _login_page(request: Request, viewer: Viewer, status: int, **context: Any) -> HTMLResponse:
    """The sign-in form with a fresh CSRF token, also set as a short-lived strict cookie."""
    request.state.login_csrf = secrets.token_urlsafe(32)
    response = _render(request, viewer, "login.html", status, **context)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        request.state.login_csrf,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path=f"{PREFIX}/login",
    )
    return response


def _safe_next(target: str) -> str:
    """Only paths inside the console (no open redirect to another site)."""
    ok = target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target
    return target if ok else PREFIX


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    presented = (form.get("api_key") or [""])[0].strip()
    target = _safe_next((form.get("next") or [PREFIX])[0])
    viewer = _viewer(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = (form.get("csrf") or [""])[0]
    if not same_origin(request) or not expected or not hmac.compare_digest(expected, sent):
        return refused(request, viewer)
    platform = platform_of(request)
    key = platform.keys.verify(presented) if presented else None
    if key is None:
        return _login_page(request, viewer, 401, next=target, error=True)
    platform.sessions.revoke(request.cookies.get(KEY_COOKIE))  # a new session, never reused
    token, _ = platform.sessions.open("staff", key.key_id)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        KEY_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path=PREFIX
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=f"{PREFIX}/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session server-side (the cookie alone no longer signs anyone in)."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    if not form_allowed(request, form):
        return refused(request, _viewer(request))
    platform_of(request).sessions.revoke(request.cookies.get(KEY_COOKIE))
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(
        KEY_COOKIE, path=PREFIX, httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


# -- pages --------------------------------------------------------------------------------
@router.get("", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    viewer = _gate(request, "dashboard")
    if not isinstance(viewer, Viewer):
        return viewer
    reader = _reader(request)
    platform = platform_of(request)
    trial = platform.with_ledger(lambda lg: lg.trial_balance())
    ledger_size = platform.with_ledger(lambda lg: lg.size_bytes())
    by_code = reader.accounts_by_code() or []
    transfers = reader.transfer_count() or 0
    portfolio = reader.portfolio()
    dpd = reader.dpd_buckets()
    vintages = reader.vintage_curves()
    approvals = reader.approvals()
    customers = reader.customer_count()
    # per customer account; before there are customers, per ledger account
    accounts = customers or sum(c.count for c in by_code)
    volume = reader.transfers_per_day(ledger=_main_ledger(by_code))
    return _render(
        request,
        viewer,
        "dashboard.html",
        trial=trial,
        balanced=all(x.balanced for x in trial),
        portfolio=portfolio,
        customers=customers,
        approvals=approvals,
        expected_loss=reader.expected_loss(),
        cost_report=reader.cost_report(),
        bytes_per_account=(ledger_size // accounts) if accounts else None,
        transfers_per_account=(transfers / accounts) if accounts else None,
        dpd_chart=charts.dpd_buckets(dpd, viewer.t) if dpd else None,
        vintage_chart=charts.vintage_curves(vintages, viewer.t) if vintages else None,
        decisions_chart=(
            charts.decisions_per_day(approvals.per_day, viewer.t)
            if approvals and approvals.total
            else None
        ),
        volume_chart=_volume_chart(volume, _main_ledger(by_code), viewer),
    )


def _main_ledger(by_code: Sequence[CodeTotals]) -> int:
    """The ledger (currency) holding most accounts; CNY's ledger number when there are none."""
    counts: dict[int, int] = {}
    for c in by_code:
        counts[c.ledger] = counts.get(c.ledger, 0) + c.count
    return max(counts, key=lambda k: counts[k]) if counts else CURRENCY_LEDGERS["CNY"]


@router.get("/customers", response_class=HTMLResponse)
def customers(request: Request) -> Response:
    viewer = _gate(request, "customers")
    if not isinstance(viewer, Viewer):
        return viewer
    return _render(request, viewer, "customers.html", customers=_reader(request).customers())


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer(request: Request, customer_id: str) -> Response:
    viewer = _gate(request, "customers")
    if not isinstance(viewer, Viewer):
        return viewer
    reader = _reader(request)
    lines = reader.lines_of(customer_id)
    loans = reader.loans_of(customer_id)
    decisions = reader.decisions(customer_id=customer_id)
    profile = reader.customer_profile(customer_id)
    if not (lines or loans or decisions or profile):
        return _not_found(request, viewer)
    assert viewer.key is not None
    shown, fields = privacy.visible_profile(profile or {}, viewer.role.value)
    profile = shown if profile else profile
    record_read(  # every read of personal data is logged, the console's too
        request.app.state.decisions,
        viewer.key,
        customer_id,
        [*fields, "lines", "loans", "decisions"],
        "console: customer page",
        f"GET {PREFIX}/customers/{{customer_id}}",
    )
    return _render(
        request,
        viewer,
        "customer.html",
        customer_id=customer_id,
        lines=lines,
        loans=loans,
        decisions=decisions,
        profile=profile,
    )


@router.get("/loans/{loan_id}", response_class=HTMLResponse)
def loan(request: Request, loan_id: str) -> Response:
    viewer = _gate(request, "loans")
    if not isinstance(viewer, Viewer):
        return viewer
    reader = _reader(request)
    found = reader.loan(loan_id)
    if found is None:
        return _not_found(request, viewer)
    decision = reader.decision_for_line(found["line_id"])
    return _render(request, viewer, "loan.html", loan=found, decision=decision)


@router.get("/decisions", response_class=HTMLResponse)
def decisions(request: Request, outcome: str = "") -> Response:
    viewer = _gate(request, "decisions")
    if not isinstance(viewer, Viewer):
        return viewer
    outcome = outcome if outcome in ("approve", "refer", "decline") else ""
    rows = _reader(request).decisions(outcome=outcome or None)
    shown = [access.mask_decision(d, viewer.role) for d in rows] if rows is not None else None
    return _render(
        request,
        viewer,
        "decisions.html",
        decisions=shown,
        outcome=outcome,
        masked=not access.sees_customers(viewer.role),
    )


@router.get("/decisions/{decision_id}", response_class=HTMLResponse)
def decision(request: Request, decision_id: str) -> Response:
    viewer = _gate(request, "decisions")
    if not isinstance(viewer, Viewer):
        return viewer
    found = _reader(request).decision(decision_id)
    if found is None:
        return _not_found(request, viewer)
    return _render(
        request,
        viewer,
        "decision.html",
        d=access.mask_decision(found, viewer.role),
        masked=not access.sees_customers(viewer.role),
        links=access.sees_customers(viewer.role),
    )


@router.get("/models", response_class=HTMLResponse)
def models(request: Request) -> Response:
    viewer = _gate(request, "models")
    if not isinstance(viewer, Viewer):
        return viewer
    return _render(request, viewer, "models.html", models=_reader(request).models())


@router.get("/models/{version}", response_class=HTMLResponse)
def model(request: Request, version: str) -> Response:
    viewer = _gate(request, "models")
    if not isinstance(viewer, Viewer):
        return viewer
    found = _reader(request).model(version)
    if found is None:
        return _not_found(request, viewer)
    held = found["metrics"].get("held_out") or {}
    table = held.get("calibration_by_decile") or []
    return _render(
        request,
        viewer,
        "model.html",
        m=found,
        held=held,
        calibration_chart=charts.calibration(table, viewer.t) if table else None,
        card_html=markdown.render(found["card_md"]) if found["card_md"] else "",
    )


@router.get("/ledger", response_class=HTMLResponse)
def ledger(request: Request) -> Response:
    viewer = _gate(request, "ledger")
    if not isinstance(viewer, Viewer):
        return viewer
    reader = _reader(request)
    trial = platform_of(request).with_ledger(lambda lg: lg.trial_balance())
    by_code = reader.accounts_by_code()
    volume = reader.transfers_per_day(ledger=_main_ledger(by_code or []))
    return _render(
        request,
        viewer,
        "ledger.html",
        trial=trial,
        by_code=by_code,
        volumes=reader.transfers_by_code(),
        volume_chart=_volume_chart(volume, _main_ledger(by_code or []), viewer),
        ledger_currency=_ledger_currency,
    )


def _ledger_currency(ledger_number: int) -> str:
    for currency, number in CURRENCY_LEDGERS.items():
        if number == ledger_number:
            return currency
    return "CNY"


def _volume_chart(
    volume: list[tuple[str, int, int]] | None, ledger_number: int, viewer: Viewer
) -> charts.Option | None:
    if not volume:
        return None
    return charts.transfer_volume(volume, exponent(_ledger_currency(ledger_number)), viewer.t)


def install(app: FastAPI) -> None:
    """Mount the console on `app`: pages, static files and `/` -> /console."""
    app.include_router(router)
    app.include_router(_governance_router())
    app.include_router(triangle.router)  # the triangle and marketing pages (portfolio)
    from puhui.web import assist as assist_pages  # agent assist and QA pages

    assist_pages.install(app)
    from puhui.web import reports as report_pages  # due-diligence reports

    app.include_router(report_pages.router)
    from puhui.web import studio as studio_pages  # the creation platform

    studio_pages.install(app)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(HERE / "static")), name="console")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(PREFIX, status_code=307)


def _governance_router() -> APIRouter:
    from puhui.web import governance  # imports this module: loaded once the app is built

    return governance.router
