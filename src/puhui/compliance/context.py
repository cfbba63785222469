"""What the rules may know besides the text: purpose, who is listening, what was said before.

A poster has no listener and no clock; a call knows whether the customer's identity was
verified and whether the APR was already disclosed earlier in the call. Unknown facts stay
`None`, and a rule conditioned on an unknown fact does not fire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import time
from typing import Any

from puhui.compliance.rules import PURPOSES
from puhui.errors import ValidationError

PARTIES = ("customer", "third_party", "unknown")


@dataclass(frozen=True, slots=True)
class Context:
    purpose: str | None = None  # marketing | collection | service; None = any
    party: str = "customer"  # who hears it: the customer, a third party, or unknown
    identity_verified: bool | None = None  # None: not a conversation with an identity step
    apr_disclosed: bool = False  # the annualised rate was already stated (earlier in the call)
    local_time: time | None = None  # the customer's local time of the contact
    interest_free: bool | None = None  # the offer has an interest-free period (None: unknown)

    def __post_init__(self) -> None:
        if self.purpose is not None and self.purpose not in PURPOSES:
            raise ValidationError(
                f"purpose must be one of {', '.join(PURPOSES)}", field="context.purpose"
            )
        if self.party not in PARTIES:
            raise ValidationError(
                f"party must be one of {', '.join(PARTIES)}", field="context.party"
            )

    @classmethod
    def of(cls, value: Context | Mapping[str, Any] | None) -> Context:
        """A Context from itself, None, or a mapping (as JSON gives it; times as 'HH:MM')."""
        if value is None:
            return cls()
        if isinstance(value, Context):
            return value
        if not isinstance(value, Mapping):
            raise ValidationError("context must be an object", field="context")
        known = {f.name for f in fields(cls)}
        out: dict[str, Any] = {}
        for key, raw in value.items():
            if key not in known:
                raise ValidationError(f"unknown context field {key!r}", field=f"context.{key}")
            out[key] = _coerce(key, raw)
        return cls(**out)

    def with_(self, **changes: Any) -> Context:
        return replace(self, **changes)

    def fact(self, name: str, params: Mapping[str, Any]) -> Any:
        """A fact a rule's `when` may name: a field, or `outside_hours` (from the rule's window)."""
        if name == "outside_hours":
            if self.local_time is None:
                return None
            start = parse_time(str(params.get("start", "08:00")), "params.start")
            end = parse_time(str(params.get("end", "21:00")), "params.end")
            return not (start <= self.local_time < end)
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "party": self.party,
            "identity_verified": self.identity_verified,
            "apr_disclosed": self.apr_disclosed,
            "local_time": self.local_time.strftime("%H:%M") if self.local_time else None,
            "interest_free": self.interest_free,
        }


def parse_time(text: str, field: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not a time (HH:MM)", field=field) from None


def _coerce(key: str, raw: Any) -> Any:
    field = f"context.{key}"
    if key == "local_time":
        if raw is None or isinstance(raw, time):
            return raw
        return parse_time(str(raw), field)
    if key in ("identity_verified", "interest_free"):
        if raw is None or isinstance(raw, bool):
            return raw
        raise ValidationError(f"{key} must be true, false or null", field=field)
    if key == "apr_disclosed":
        if isinstance(raw, bool):
            return raw
        raise ValidationError(f"{key} must be true or false", field=field)
    if raw is not None and not isinstance(raw, str):
        raise ValidationError(f"{key} must be a string", field=field)
    return raw
