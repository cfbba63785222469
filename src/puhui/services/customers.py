"""A customer as the bank's staff see them: profile, credit lines and latest decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from puhui import customers
from puhui.errors import NotFoundError
from puhui.governance import audit
from puhui.governance.audit import AuditEntry
from puhui.servicing import lines
from puhui.servicing.lines import CreditLine
from puhui.servicing.store import Db


@dataclass(frozen=True)
class CustomerView:
    customer_id: str
    profile: dict[str, Any]
    lines: list[CreditLine]
    latest_decision: AuditEntry | None


def customer_view(db: Db, customer_id: str) -> CustomerView:
    """The stored profile, or for a customer who applied through the API the features their
    latest decision was made on; NotFound when the bank knows neither."""
    with db.read():
        profile = customers.profile(db, customer_id)
        decisions = (
            audit.query(db, customer_id=customer_id, limit=1)
            if db.table_exists("decision_audit")
            else []
        )
        latest = decisions[0] if decisions else None
        if profile is None and latest is not None:
            profile = dict(latest.features)
        if profile is None:
            raise NotFoundError(f"customer {customer_id} not found", field="customer_id")
        granted = (
            lines.lines_of_customer(db, customer_id) if db.table_exists("lending_lines") else []
        )
    return CustomerView(customer_id, profile, granted, latest)
