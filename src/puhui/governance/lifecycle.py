"""The life of a model or strategy, as rules over its events: pure, no storage.

A subject (a model or a strategy version) moves through append-only events:

    registered ─► validated ─► approved ─► promoted ─► retired
                  (models)

Maker–checker: whoever registered a subject (the maker) can never approve it; an approval
needs the approver role (or admin) and a reason; a model needs a validation first, and when
that validation's fairness check is over its threshold the approver must also give an explicit
override reason. A strategy is promoted only when it and the model it binds are approved and
neither is retired; the live champion cannot be retired. `check` says whether one more event
may follow a history, and raises the reason it may not.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from puhui.errors import ConflictError, ValidationError


class Kind(enum.StrEnum):
    MODEL = "model"
    STRATEGY = "strategy"


class Event(enum.StrEnum):
    REGISTERED = "registered"
    VALIDATED = "validated"
    APPROVED = "approved"
    PROMOTED = "promoted"
    RETIRED = "retired"


#: Roles whose holders may approve, promote and retire (the API's `approver` and `admin`).
APPROVER_ROLES = frozenset({"approver", "admin"})
#: Roles whose holders may register and validate (model developers and validators).
MAKER_ROLES = frozenset({"risk_analyst", "approver", "admin"})


class ApprovalRefused(ConflictError):
    """A transition the rules do not allow (maker approving, promotion without approval...):
    a conflict with the subject's state (409 through the API)."""

    code = "approval_refused"


@dataclass(frozen=True)
class Actor:
    """Who acts: a stable identity (`key:<key id>`, `system:<name>`, `cli:<user>`) and role."""

    identity: str
    role: str
    label: str = ""

    def __post_init__(self) -> None:
        if not self.identity.strip():
            raise ValidationError("an actor needs an identity", field="actor")
        if not self.role.strip():
            raise ValidationError("an actor needs a role", field="role")


#: Risk tiers of the inventory: credit decisions are high-risk AI (EU AI Act Annex III 5(b)).
RISK_TIERS = ("high", "medium", "low")


@dataclass(frozen=True)
class Meta:
    """What the inventory says of a subject, given by its maker at registration."""

    owner: str
    purpose: str
    risk_tier: str = "high"
    data: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.owner.strip():
            raise ValidationError("the inventory needs an owner", field="owner")
        if not self.purpose.strip():
            raise ValidationError("the inventory needs a purpose", field="purpose")
        if self.risk_tier not in RISK_TIERS:
            raise ValidationError(
                f"risk_tier must be one of {', '.join(RISK_TIERS)}", field="risk_tier"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "purpose": self.purpose,
            "risk_tier": self.risk_tier,
            "data": list(self.data),
        }


@dataclass(frozen=True)
class Record:
    """One stored event of one subject."""

    event_id: str
    kind: Kind
    version: str
    event: Event
    actor: str
    role: str
    at: str
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "kind": str(self.kind),
            "version": self.version,
            "event": str(self.event),
            "actor": self.actor,
            "role": self.role,
            "at": self.at,
            "reason": self.reason,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class Status:
    """Where a subject stands, read from its history (oldest event first)."""

    registered_by: str | None
    validated: Record | None
    approved: Record | None
    retired: Record | None
    promoted: Record | None

    @property
    def state(self) -> str:
        if self.retired is not None:
            return "retired"
        if self.promoted is not None:
            return "promoted"
        if self.approved is not None:
            return "approved"
        if self.validated is not None:
            return "validated"
        return "registered" if self.registered_by else "unregistered"

    @property
    def live_approval(self) -> bool:
        """Approved and not retired: may be (or stay) the champion."""
        return self.approved is not None and self.retired is None


def status(history: Sequence[Record]) -> Status:
    registered = next((r for r in history if r.event is Event.REGISTERED), None)

    def last(event: Event) -> Record | None:
        return next((r for r in reversed(history) if r.event is event), None)

    return Status(
        registered_by=registered.actor if registered else None,
        validated=last(Event.VALIDATED),
        approved=last(Event.APPROVED),
        retired=last(Event.RETIRED),
        promoted=last(Event.PROMOTED),
    )


def fairness_breached(validation: Record | None) -> bool:
    return bool(validation is not None and validation.details.get("fairness_breach"))


def check(
    kind: Kind,
    history: Sequence[Record],
    event: Event,
    actor: Actor,
    reason: str,
    *,
    override_reason: str = "",
    model_history: Sequence[Record] = (),
    is_champion: bool = False,
) -> None:
    """Raise why `actor` may not append `event` to `history`; return when it may.

    `model_history` is the bound model's history (for a strategy's promotion); `is_champion`
    says whether the subject is live now (for retirement)."""
    now = status(history)
    if event is Event.REGISTERED:
        if actor.role not in MAKER_ROLES:
            raise ApprovalRefused(f"role {actor.role} may not register a {kind}", field="role")
        return  # registering again is answered by the caller with the first registration
    if now.registered_by is None:
        raise ApprovalRefused(f"{kind} is not registered", field="version")
    if now.retired is not None:
        raise ConflictError(f"{kind} was retired on {now.retired.at}", field="version")
    if event is Event.VALIDATED:
        if actor.role not in MAKER_ROLES:
            raise ApprovalRefused(f"role {actor.role} may not validate", field="role")
        return
    if actor.role not in APPROVER_ROLES:
        raise ApprovalRefused(
            f"role {actor.role} may not {event.value.removesuffix('d')}: needs approver",
            field="role",
        )
    if not reason.strip():
        raise ValidationError(f"{event.value} needs a reason (why)", field="reason")
    if event is Event.APPROVED:
        if actor.identity == now.registered_by:
            raise ApprovalRefused(
                "maker-checker: the identity that registered this "
                f"{kind} ({actor.identity}) cannot approve it",
                field="actor",
            )
        if kind is Kind.MODEL:
            if now.validated is None:
                raise ApprovalRefused(
                    "a model needs a validation report before approval "
                    "(puhui model validate VERSION)",
                    field="validation",
                )
            if fairness_breached(now.validated) and not override_reason.strip():
                raise ApprovalRefused(
                    "the validation's fairness check is over its threshold: approving needs "
                    "an explicit override reason",
                    field="override_reason",
                )
        return
    if event is Event.PROMOTED:
        if kind is not Kind.STRATEGY:
            raise ValidationError("only strategies are promoted (with their model)", field="kind")
        if not now.live_approval:
            raise ApprovalRefused("the strategy is not approved", field="approval")
        if not status(model_history).live_approval:
            raise ApprovalRefused("the strategy's model is not approved", field="approval")
        return
    if event is Event.RETIRED and is_champion:
        raise ConflictError(
            f"this {kind} is the live champion: promote another before retiring it",
            field="version",
        )
