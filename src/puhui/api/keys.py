"""API keys with roles, stored hashed.

A key is `phk_<id>_<secret>`: the id finds the row, the 256-bit random secret proves
possession. Only SHA-256 of the secret is stored; for a secret of that entropy a slow
password hash adds nothing but latency on every request.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from puhui.api.sessions import SCHEMA as SESSIONS_SCHEMA
from puhui.db import Database, DatabaseUrl
from puhui.errors import ValidationError


class Role(enum.StrEnum):
    AGENT = "agent"
    RISK_ANALYST = "risk_analyst"
    OPERATOR = "operator"
    APPROVER = "approver"  # the checker of maker-checker: approves models and strategies
    QA_SUPERVISOR = "qa_supervisor"  # call quality assurance: reads every agent's calls
    ADMIN = "admin"

    @classmethod
    def parse(cls, text: str) -> Role:
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(key)
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise ValidationError(f"unknown role {text!r}; one of {names}", field="role") from None


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    role: Role
    label: str
    created_at: str


SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    secret_sha256 TEXT NOT NULL,
    role TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
)
"""


#: How long a verified key is trusted without asking the database again: a key revoked by
#: another process (`puhui keys revoke`) stops working within this many seconds.
VERIFIED_TTL_SECONDS = 5.0


class KeyStore:
    """Creates, verifies and revokes API keys in the platform database."""

    def __init__(
        self,
        url: str | DatabaseUrl,
        *,
        ttl: float = VERIFIED_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = Database(url)
        self.db.create_tables(SCHEMA, 7345301)
        self.db.create_tables(SESSIONS_SCHEMA, 7345302)  # revoking a key ends its sessions
        self._lock = threading.Lock()  # one connection, shared by the server's threads
        self._verified: dict[str, tuple[ApiKey, float]] = {}
        self._ttl = ttl
        self._clock = clock

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock, self.db.tx():
            cur = self.db.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """A read: no write lock, so verifying a key never waits behind (or blocks) a commit."""
        with self._lock, self.db.read():
            return list(self.db.execute(sql, params).fetchall())

    def create(self, role: Role | str, label: str = "") -> tuple[str, ApiKey]:
        """Create a key; the full key is returned once and never stored."""
        role = role if isinstance(role, Role) else Role.parse(role)
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        digest = hashlib.sha256(secret.encode()).hexdigest()
        created = datetime.now(UTC).isoformat(timespec="seconds")
        self._exec(
            "INSERT INTO api_keys (key_id, secret_sha256, role, label, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (key_id, digest, role.value, label, created),
        )
        return f"phk_{key_id}_{secret}", ApiKey(key_id, role, label, created)

    def verify(self, presented: str) -> ApiKey | None:
        """The key's record if `presented` is a valid, unrevoked key; else None."""
        cached = self._verified.get(presented)
        if cached is not None and self._clock() < cached[1]:
            return cached[0]
        parts = presented.split("_", 2)
        if len(parts) != 3 or parts[0] != "phk":
            return None
        _, key_id, secret = parts
        rows = self._query(
            "SELECT secret_sha256, role, label, created_at, revoked FROM api_keys WHERE key_id = ?",
            (key_id,),
        )
        if not rows:
            return None
        digest, role, label, created, revoked = rows[0]
        if revoked or not hmac.compare_digest(digest, hashlib.sha256(secret.encode()).hexdigest()):
            return None
        key = ApiKey(key_id, Role(role), label, created)
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified[presented] = (key, self._clock() + self._ttl)
        return key

    def revoke(self, key_id: str) -> bool:
        """Revoke the key and, in the same transaction, end every console session it opened."""
        with self._lock, self.db.tx():
            self.db.execute("UPDATE api_keys SET revoked = 1 WHERE key_id = ?", (key_id,))
            self.db.execute(
                "UPDATE web_sessions SET revoked_at = ? WHERE audience = 'staff' "
                "AND subject = ? AND revoked_at IS NULL",
                (time.time(), key_id),
            )
        self._verified = {k: v for k, v in self._verified.items() if v[0].key_id != key_id}
        return True

    def list(self) -> list[ApiKey]:
        rows = self._query(
            "SELECT key_id, role, label, created_at FROM api_keys WHERE revoked = 0 "
            "ORDER BY created_at"
        )
        return [ApiKey(r[0], Role(r[1]), r[2], r[3]) for r in rows]

    def close(self) -> None:
        self.db.close()
