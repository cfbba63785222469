"""/v1/customers: a customer's profile, credit lines and latest decision (agents, operators)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Path, Request

from puhui.api.keys import ApiKey, Role
from puhui.api.routers.decisions import DecisionOut
from puhui.api.security import require
from puhui.errors import NotFoundError
from puhui.governance import audit
from puhui.money import Money

router = APIRouter(prefix="/v1/customers", tags=["customers"])

CustomerId = Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Customer id, e.g. C000000042")


@router.get("/{customer_id}", summary="Profile, credit lines and the latest decision")
def customer(
    request: Request,
    customer_id: str = CustomerId,
    key: ApiKey = Depends(require(Role.AGENT, Role.OPERATOR)),
) -> dict[str, Any]:
    def load(db: Any) -> dict[str, Any]:
        row = None
        if db.table_exists("platform_customers"):
            row = db.one(
                "SELECT profile_json FROM platform_customers WHERE customer_id = ?",
                (customer_id,),
            )
        decisions = audit.query(db, customer_id=customer_id, limit=1)
        if row is not None:
            profile = json.loads(row[0])
        elif decisions:  # applied through the API: the profile is what was decided on
            profile = dict(decisions[0].features)
        else:
            raise NotFoundError(f"customer {customer_id} not found", field="customer_id")
        lines = db.all(
            "SELECT id, currency, limit_minor, annual_rate, status FROM lending_lines "
            "WHERE customer_id = ? ORDER BY id",
            (customer_id,),
        )
        return {
            "customer_id": customer_id,
            "profile": profile,
            "lines": [
                {
                    "line_id": r[0],
                    "currency": r[1],
                    "limit": Money(int(r[2]), r[1]).format(),
                    "annual_rate_pct": r[3],
                    "status": r[4],
                }
                for r in lines
            ],
            "latest_decision": DecisionOut.of(decisions[0]).model_dump() if decisions else None,
        }

    result: dict[str, Any] = request.app.state.decisions.with_db(load)
    return result
