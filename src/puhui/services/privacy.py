"""Need-to-know access to customers' personal data (PIPL 个人信息保护法, least privilege).

- **Who sees which field**: every profile field belongs to a class (`FIELD_CLASSES`); each
  role sees a class in full, masked, or not at all (`VISIBILITY`). A field nobody classified
  is shown to admins only, so a new column is private until someone decides otherwise.
- **Whom an agent may read**: the customers they are serving, i.e. an open call (agent
  assist) or an open case assigned to them (`assign` / `unassign`, by operators).
- **Every read is logged**: who (key and role), which customer, which fields, why, through
  which route, in `pii_access_log`, which the database keeps append-only (triggers refuse
  UPDATE and DELETE on both backends). Risk and compliance query it (`access_log`).
- **Unguessable ids in URLs**: a customer is addressed by `customer_ref(...)`, `cu_` and 26
  base32 letters of an HMAC-SHA256 of the internal id under the platform's secret; the
  mapping is kept so a reference resolves back (`resolve_ref`), and ids cannot be walked.

Roles are plain strings here (the API's `Role` values); this module knows no web framework.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from puhui.db import Database
from puhui.errors import ConflictError, NotFoundError, ValidationError

Visibility = Literal["full", "masked", "absent"]

#: What each profile field is. Identity: who the customer is and how to reach them; income:
#: what they earn; obligations: what they owe elsewhere; bureau and fraud: third-party and
#: anti-fraud signals; behaviour: how they use the platform; protected: never for decisions.
FIELD_CLASSES: Mapping[str, str] = {
    "customer_id": "key",
    "age": "identity",
    "city_tier": "identity",
    "education": "identity",
    "occupation": "identity",
    "name": "contact",
    "phone": "contact",
    "mobile": "contact",
    "email": "contact",
    "address": "contact",
    "id_number": "contact",
    "income_band": "income_band",
    "monthly_income": "income",
    "existing_debt": "obligations",
    "monthly_obligations": "obligations",
    "debt_to_income": "obligations",
    "has_credit_history": "bureau",
    "credit_history_months": "bureau",
    "worst_dpd_12m": "bureau",
    "inquiries_30d": "bureau",
    "inquiries_90d": "bureau",
    "overdue_elsewhere": "bureau",
    "identity_match": "fraud",
    "device_age_days": "fraud",
    "accounts_on_device": "fraud",
    "blacklisted": "fraud",
    "months_on_platform": "behaviour",
    "payment_txn_90d": "behaviour",
    "payment_amount_90d": "behaviour",
    "gender": "protected",
}

#: Per role, per class. Agents serve a customer: who they are, their income band, how they
#: use the platform; contact details masked (the call system dials); never income figures,
#: debts elsewhere, bureau or fraud flags (a blacklist flag read aloud is a tip-off).
#: Operators run the book and see the credit picture, not contact details or the protected
#: attribute. Admins see everything. Other roles read no profiles at all.
VISIBILITY: Mapping[str, Mapping[str, Visibility]] = {
    "agent": {
        "key": "full",
        "identity": "full",
        "contact": "masked",
        "income_band": "full",
        "behaviour": "full",
    },
    "operator": {
        "key": "full",
        "identity": "full",
        "contact": "masked",
        "income_band": "full",
        "income": "full",
        "obligations": "full",
        "bureau": "full",
        "fraud": "full",
        "behaviour": "full",
    },
    "admin": {
        "key": "full",
        "identity": "full",
        "contact": "full",
        "income_band": "full",
        "income": "full",
        "obligations": "full",
        "bureau": "full",
        "fraud": "full",
        "behaviour": "full",
        "protected": "full",
        "unclassified": "full",
    },
}

#: Roles that read the access log: risk (model and data governance), QA (call compliance).
LOG_READERS = frozenset({"risk_analyst", "qa_supervisor", "admin"})

MASK = "***"


def visibility(role: str, field: str) -> Visibility:
    """How `role` sees `field` (absent unless the policy says otherwise)."""
    kind = FIELD_CLASSES.get(field, "unclassified")
    return VISIBILITY.get(role, {}).get(kind, "absent")


def visible_profile(profile: Mapping[str, Any], role: str) -> tuple[dict[str, Any], list[str]]:
    """The profile as `role` may see it, and the names of the fields it shows (in full or
    masked): what the access log records as read."""
    shown: dict[str, Any] = {}
    for field, value in profile.items():
        how = visibility(role, field)
        if how == "full":
            shown[field] = value
        elif how == "masked":
            shown[field] = MASK
    return shown, sorted(shown)


# -- storage -------------------------------------------------------------------------------
DDL = """
CREATE TABLE IF NOT EXISTS pii_access_log (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    fields_json TEXT NOT NULL,
    purpose TEXT NOT NULL,
    route TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pii_access_log_customer ON pii_access_log (customer_id, at);
CREATE INDEX IF NOT EXISTS pii_access_log_actor ON pii_access_log (actor, at);
CREATE TABLE IF NOT EXISTS customer_refs (
    public_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS customer_cases (
    customer_id TEXT NOT NULL,
    agent TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    PRIMARY KEY (customer_id, agent, opened_at)
);
CREATE TABLE IF NOT EXISTS platform_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
)
"""

DDL_SQLITE = """
CREATE TRIGGER IF NOT EXISTS pii_access_log_no_update BEFORE UPDATE ON pii_access_log
BEGIN SELECT RAISE(ABORT, 'pii_access_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS pii_access_log_no_delete BEFORE DELETE ON pii_access_log
BEGIN SELECT RAISE(ABORT, 'pii_access_log is append-only'); END
"""

DDL_POSTGRES = """
CREATE OR REPLACE FUNCTION pii_access_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'pii_access_log is append-only'; END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS pii_access_log_append_only ON pii_access_log;
CREATE TRIGGER pii_access_log_append_only BEFORE UPDATE OR DELETE ON pii_access_log
FOR EACH ROW EXECUTE FUNCTION pii_access_log_append_only()
"""

LOCK_KEY = 7345401


def create_privacy_tables(db: Database) -> None:
    db.create_tables(DDL, LOCK_KEY)
    if db.dialect == "sqlite":
        db.conn.executescript(DDL_SQLITE)  # trigger bodies hold `;`: run as one script
    else:
        with db.tx():
            db.conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            db.conn.execute(DDL_POSTGRES)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


# -- unguessable references -------------------------------------------------------------------
REF_PATTERN = r"^cu_[a-z2-7]{26}$"
_REF = re.compile(REF_PATTERN)


def _secret(db: Database, configured: str) -> bytes:
    """The HMAC key: PUHUI_CUSTOMER_REF_SECRET, or one made once and kept in the database."""
    if configured:
        return configured.encode()
    with db.tx():
        row = db.one("SELECT value FROM platform_secrets WHERE name = 'customer_ref'")
        if row is None:
            db.execute(
                "INSERT INTO platform_secrets (name, value) VALUES ('customer_ref', ?) "
                "ON CONFLICT (name) DO NOTHING",
                (secrets.token_hex(32),),
            )
            row = db.one("SELECT value FROM platform_secrets WHERE name = 'customer_ref'")
    return str(row[0]).encode()


def customer_ref(db: Database, customer_id: str, secret: str = "") -> str:
    """The customer's public reference (stable; kept so it resolves back)."""
    digest = hmac.new(_secret(db, secret), customer_id.encode(), hashlib.sha256).digest()
    ref = "cu_" + base64.b32encode(digest[:16]).decode().rstrip("=").lower()
    with db.tx():
        db.execute(
            "INSERT INTO customer_refs (public_id, customer_id) VALUES (?, ?) "
            "ON CONFLICT (public_id) DO NOTHING",
            (ref, customer_id),
        )
    return ref


def resolve_ref(db: Database, ref: str) -> str:
    """The internal customer id behind `ref`; NotFound for anything not issued."""
    if not isinstance(ref, str) or not _REF.match(ref):
        raise NotFoundError("no such customer reference", field="customer_ref")
    row = db.one("SELECT customer_id FROM customer_refs WHERE public_id = ?", (ref,))
    if row is None:
        raise NotFoundError("no such customer reference", field="customer_ref")
    return str(row[0])


# -- cases ----------------------------------------------------------------------------------
def assign(db: Database, customer_id: str, agent: str, assigned_by: str, reason: str) -> None:
    """Open a case: `agent` (a key id) serves `customer_id` until it is closed."""
    if not reason.strip():
        raise ValidationError("say why the case is assigned", field="reason")
    if not agent.strip():
        raise ValidationError("agent must be a key id", field="agent")
    with db.tx():
        if has_case(db, customer_id, agent):
            raise ConflictError("that agent already has an open case for this customer")
        db.execute(
            "INSERT INTO customer_cases (customer_id, agent, assigned_by, reason, opened_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (customer_id, agent, assigned_by, reason.strip(), _now()),
        )


def unassign(db: Database, customer_id: str, agent: str) -> bool:
    """Close the agent's open case for the customer; True when one was open."""
    with db.tx():
        cur = db.execute(
            "UPDATE customer_cases SET closed_at = ? WHERE customer_id = ? AND agent = ?"
            " AND closed_at IS NULL",
            (_now(), customer_id, agent),
        )
        return bool(cur.rowcount)


def has_case(db: Database, customer_id: str, agent: str) -> bool:
    row = db.one(
        "SELECT 1 FROM customer_cases WHERE customer_id = ? AND agent = ? AND closed_at IS NULL",
        (customer_id, agent),
    )
    return row is not None


# -- the access log -----------------------------------------------------------------------------
@dataclass(frozen=True)
class AccessEntry:
    id: str
    at: str
    actor: str
    role: str
    customer_id: str
    fields: tuple[str, ...]
    purpose: str
    route: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "role": self.role,
            "customer_id": self.customer_id,
            "fields": list(self.fields),
            "purpose": self.purpose,
            "route": self.route,
        }


def record_access(
    db: Database,
    *,
    actor: str,
    role: str,
    customer_id: str,
    fields: Iterable[str],
    purpose: str,
    route: str,
) -> AccessEntry:
    """Append one read of personal data (in the caller's transaction, if any)."""
    if not purpose.strip():
        raise ValidationError("a read of personal data needs a purpose", field="purpose")
    entry = AccessEntry(
        secrets.token_hex(8),
        _now(),
        actor,
        role,
        customer_id,
        tuple(sorted(set(fields))),
        purpose.strip()[:200],
        route,
    )
    with db.tx():
        db.execute(
            "INSERT INTO pii_access_log (id, at, actor, role, customer_id, fields_json, purpose,"
            " route) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.id,
                entry.at,
                actor,
                role,
                customer_id,
                json.dumps(list(entry.fields)),
                entry.purpose,
                route,
            ),
        )
    return entry


def access_log(
    db: Database,
    *,
    customer_id: str | None = None,
    actor: str | None = None,
    since: str | None = None,
    limit: int = 100,
) -> list[AccessEntry]:
    """The log, newest first, filtered by customer, actor (key id) and time."""
    if not 1 <= limit <= 10_000:
        raise ValidationError("limit must be between 1 and 10000", field="limit")
    where, params = [], []
    for column, value in (("customer_id", customer_id), ("actor", actor)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if since:
        where.append("at >= ?")
        params.append(since)
    sql = "SELECT id, at, actor, role, customer_id, fields_json, purpose, route FROM pii_access_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY at DESC, id LIMIT ?"
    rows = db.all(sql, (*params, limit))
    return [
        AccessEntry(r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5])), r[6], r[7]) for r in rows
    ]
