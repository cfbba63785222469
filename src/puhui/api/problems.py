"""RFC 9457 problem details: every error the API returns is `application/problem+json`.

Each problem carries a stable `code` for machines and, where one input is at fault, the
`field` that caused it, so a client can point at the box the user must correct.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from puhui.errors import ConflictError, NotFoundError, PuhuiError, ValidationError
from puhui.money import MoneyError

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://puhui.dev/problems/"


class ProblemError(Exception):
    """Raise from an endpoint to answer with a problem of the given status."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.headers = headers


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    if instance is not None:
        body["instance"] = instance
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_for(error: PuhuiError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, ConflictError):
        return 409
    if isinstance(error, ValidationError | MoneyError):  # bad money input is invalid input
        return 422
    return 400


def _field_from_loc(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Register handlers that turn every error into a problem response."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.code,
            exc.detail,
            field=exc.field,
            instance=request.url.path,
            headers=exc.headers,
        )

    @app.exception_handler(PuhuiError)
    async def _domain(request: Request, exc: PuhuiError) -> JSONResponse:
        return problem_response(
            status_for(exc), exc.code, exc.message, field=exc.field, instance=request.url.path
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
        field = _field_from_loc(first.get("loc", ("body",)))
        detail = f"{field}: {first.get('msg', 'invalid value')}"
        return problem_response(
            422,
            "validation_error",
            detail,
            field=field,
            instance=request.url.path,
            extra={
                "errors": [
                    {"field": _field_from_loc(e.get("loc", ())), "message": e.get("msg", "")}
                    for e in errors
                ]
            },
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem_response(
            exc.status_code,
            code,
            str(exc.detail),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            500, "internal_error", "an unexpected error occurred", instance=request.url.path
        )


def key_reused(detail: str) -> ProblemError:
    """409: an Idempotency-Key that booked something else (another loan, another body)."""
    return ProblemError(409, "idempotency_key_reused", detail, field="Idempotency-Key")
