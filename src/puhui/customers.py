"""Customers: the profiles the bank knows (`platform_customers`), owned here.

A profile is the customer's own data as the bank holds it (the model's inputs and the policy's
fields), stored as JSON by customer id. The main job writes the demo population's profiles;
the API and console read them. Personal data: callers decide who may see what.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from puhui.db import Database

DDL = """
CREATE TABLE IF NOT EXISTS platform_customers (
    customer_id TEXT PRIMARY KEY,
    profile_json TEXT NOT NULL
)
"""
_LOCK_KEY = 7345202
_CHUNK = 20_000


def create_customer_tables(db: Database) -> None:
    db.create_tables(DDL, _LOCK_KEY)


def save_profiles(db: Database, profiles: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
    """Store profiles in the caller's transaction; an id already stored is left as it is.

    Returns how many rows were offered."""
    rows = [(cid, json.dumps(dict(p), default=str)) for cid, p in profiles]
    for start in range(0, len(rows), _CHUNK):
        db.many(
            "INSERT INTO platform_customers (customer_id, profile_json) VALUES (?, ?) "
            "ON CONFLICT (customer_id) DO NOTHING",
            rows[start : start + _CHUNK],
        )
    return len(rows)


def profile(db: Database, customer_id: str) -> dict[str, Any] | None:
    """A customer's stored profile, or None (also when no profile was ever stored)."""
    if not db.table_exists("platform_customers"):
        return None
    row = db.one(
        "SELECT profile_json FROM platform_customers WHERE customer_id = ?", (customer_id,)
    )
    return None if row is None else dict(json.loads(row[0]))
