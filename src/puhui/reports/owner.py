"""The owner's personal credit, from the bank's own risk model: the decision audit.

When the applicant file names the owner's customer id (`owner_credit.customer_id`), the owner's
latest automated decision in `decision_audit` supplies the PD and score that the personal risk
model gave, its model version and decision id. They are written into the applicant's data
before it is fingerprinted and stored, so a regenerated report uses the same figures even
after the owner is decided again.
"""

from __future__ import annotations

import copy
from typing import Any

from puhui.db import Database
from puhui.governance import audit


def resolve_owner_credit(db: Database, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with `owner_credit` filled from the decision audit when it names a customer."""
    owner = data.get("owner_credit")
    if not isinstance(owner, dict) or not owner.get("customer_id"):
        return data
    customer = str(owner["customer_id"])
    found = (
        audit.query(db, customer_id=customer, limit=1) if db.table_exists("decision_audit") else []
    )
    out = copy.deepcopy(data)
    if not found:
        out["owner_credit"] = {**owner, "source": "no decision in the audit"}
        return out
    entry = found[0]
    out["owner_credit"] = {
        **owner,
        "pd": round(entry.pd, 6),
        "score": entry.score,
        "model_version": entry.model_version,
        "decision_id": entry.decision_id,
        "decided_at": entry.decided_at,
        "source": "decision_audit",
    }
    return out
