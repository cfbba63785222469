"""Who may call what: API-key authentication, role checks and rate limits as dependencies."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable

from fastapi import Depends, Request, WebSocket, WebSocketException, status
from fastapi.security import APIKeyHeader
from starlette.requests import HTTPConnection

from puhui.api.keys import ApiKey, Role
from puhui.api.problems import ProblemError

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="Create one with `puhui keys create`."
)


async def current_key(request: Request, presented: str | None = Depends(api_key_header)) -> ApiKey:
    """The caller's key; 401 problem when missing or invalid. `Bearer` also accepted.

    Async on purpose: a sync dependency costs a thread-pool hop per request, and a verified
    key is answered from memory."""
    return authenticate(request, presented)


current_key.roles = frozenset(Role)  # type: ignore[attr-defined]  # any signed-in role


def authenticate(request: Request, presented: str | None) -> ApiKey:
    """`current_key`'s check as a plain function, for dependencies that must stay flat."""
    if not presented:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            presented = auth[7:].strip()
    if not presented:
        raise ProblemError(
            401,
            "unauthenticated",
            "an API key is required (X-API-Key header)",
            headers={"WWW-Authenticate": 'ApiKey header="X-API-Key"'},
        )
    key: ApiKey | None = request.app.state.platform.keys.verify(presented)
    if key is None:
        raise ProblemError(
            401,
            "invalid_api_key",
            "the API key is not valid",
            headers={"WWW-Authenticate": 'ApiKey header="X-API-Key"'},
        )
    request.state.api_key = key
    if request.method not in _SAFE_METHODS and not getattr(request.state, "write_counted", False):
        request.state.write_counted = True  # once per request, however many checks ask
        write_rate_limit(request, key)
    return key


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def write_rate_limit(request: Request, key: ApiKey) -> None:
    """Every write is rate limited per key (money routes have a second, own limit): 429
    problem with Retry-After. Checked where the key is, so no route can leave it out."""
    wait = request.app.state.platform.write_limiter.take(key.key_id)
    if wait > 0:
        raise ProblemError(
            429,
            "rate_limited",
            "too many write requests; slow down",
            headers={"Retry-After": str(max(1, round(wait)))},
        )


def require(*roles: Role) -> Callable[..., Awaitable[ApiKey]]:
    """A dependency that admits the given roles (admins are always admitted)."""
    allowed = {*roles, Role.ADMIN}

    # One dependency level, not two: every level costs FastAPI's resolver per request.
    async def check(request: Request, presented: str | None = Depends(api_key_header)) -> ApiKey:
        key = authenticate(request, presented)
        if key.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise ProblemError(
                403, "forbidden", f"role {key.role.value} may not do this; needs one of: {names}"
            )
        return key

    check.roles = frozenset(allowed)  # type: ignore[attr-defined]  # read by tests/security
    return check


async def public() -> None:
    """Marks a route anyone may call (liveness, sign-in pages): every route names its
    audience, `require(...)` or this."""


public.roles = frozenset()  # type: ignore[attr-defined]


#: The console's sign-in cookie (set by `web.routes`, path /console): a server-side session's
#: token (`api.sessions`, audience "staff", subject the key id), never the API key itself. A
#: WebSocket opened by a console page carries it, since a browser cannot add headers to one.
CONSOLE_COOKIE = "puhui_console_session"


def session_key(conn: HTTPConnection) -> ApiKey | None:
    """The key behind the console session the request's cookie opens (live session, key not
    revoked), else None."""
    token = conn.cookies.get(CONSOLE_COOKIE)
    if not token:
        return None
    platform = conn.app.state.platform
    session = platform.sessions.find("staff", token)
    if session is None:
        return None
    key: ApiKey | None = platform.keys.get(session.subject)
    return key


def require_ws(*roles: Role) -> Callable[..., Awaitable[ApiKey]]:
    """`require` for WebSockets: the key from X-API-Key / Bearer, or the console cookie (then
    only from a page of this same server: the Origin must match, against cross-site use)."""
    allowed = {*roles, Role.ADMIN}

    async def check(websocket: WebSocket) -> ApiKey:
        presented = websocket.headers.get("x-api-key")
        auth = websocket.headers.get("authorization", "")
        if not presented and auth.lower().startswith("bearer "):
            presented = auth[7:].strip()
        key: ApiKey | None
        if presented:
            key = websocket.app.state.platform.keys.verify(presented)
        else:
            origin = websocket.headers.get("origin")
            host = websocket.headers.get("host", "")
            if origin is not None and origin.split("://", 1)[-1] != host:
                raise WebSocketException(status.WS_1008_POLICY_VIOLATION, "cross-site origin")
            key = session_key(websocket)
        if key is None:
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, "an API key is required")
        if key.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise WebSocketException(
                status.WS_1008_POLICY_VIOLATION, f"role {key.role.value} needs one of: {names}"
            )
        return key

    check.roles = frozenset(allowed)  # type: ignore[attr-defined]
    return check


class TokenBucket:
    """Per-key token buckets: `rate` requests per second with bursts up to `burst`."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0.0 if admitted, else the seconds to wait before retrying."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


async def money_rate_limit(request: Request, key: ApiKey = Depends(current_key)) -> None:
    """Rate limit for money-moving endpoints: 429 problem with Retry-After when exceeded."""
    wait = request.app.state.platform.money_limiter.take(key.key_id)
    if wait > 0:
        raise ProblemError(
            429,
            "rate_limited",
            "too many money-moving requests; slow down",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
