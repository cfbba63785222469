"""Typed errors with a stable `code` and the offending `field`, for problem+json."""

from __future__ import annotations


class PuhuiError(Exception):
    """Base of every domain error: a message for people, a stable code and field for machines."""

    code = "puhui_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "detail": self.message}


class ValidationError(PuhuiError):
    """Bad input: names the field; nothing was changed."""

    code = "validation_error"


class NotFoundError(PuhuiError):
    code = "not_found"


class ConflictError(PuhuiError):
    code = "conflict"
