"""/v1/customers: a customer's profile, credit lines and latest decision (agents, operators)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from puhui.api.dependencies import DecisionsDep, LendingReader
from puhui.api.schemas.decisions import DecisionOut
from puhui.money import Money
from puhui.services.customers import customer_view

router = APIRouter(prefix="/v1/customers", tags=["customers"])

CustomerId = Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Customer id, e.g. C000000042")


@router.get("/{customer_id}", summary="Profile, credit lines and the latest decision")
def customer(
    decisions: DecisionsDep, key: LendingReader, customer_id: str = CustomerId
) -> dict[str, Any]:
    view = decisions.with_db(lambda db: customer_view(db, customer_id))
    return {
        "customer_id": view.customer_id,
        "profile": view.profile,
        "lines": [
            {
                "line_id": line.id,
                "currency": line.currency,
                "limit": Money(line.limit, line.currency).format(),
                "annual_rate_pct": line.nominal_rate.percent_text(None),
                "status": line.status.value,
            }
            for line in view.lines
        ],
        "latest_decision": (
            None
            if view.latest_decision is None
            else DecisionOut.of(view.latest_decision).model_dump()
        ),
    }
