"""Server-side sessions for people who sign in through a browser.

A browser never holds a credential that outlives its session: the cookie carries a random
session token, the database keeps only its SHA-256, and the row says who (`subject`, e.g. an
API key id for staff or a customer id for a borrower), for which surface (`audience`), until
when, and whether it was revoked. Signing out, revoking the staff key behind a session, or
expiry ends it server-side, whatever the browser still has.

CSRF tokens are derived from the session token (HMAC), so they need no storage and change
with every session (the synchroniser-token pattern of the OWASP CSRF cheat sheet).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from puhui.db import Database, DatabaseUrl
from puhui.errors import ValidationError

#: The surfaces that sign people in; a token opened for one is never accepted by another.
AUDIENCES = frozenset({"staff", "borrower"})

#: Staff sessions last a working day; borrower sessions are shorter (a phone is easily lost).
DEFAULT_TTL_SECONDS = {"staff": 8 * 3600, "borrower": 30 * 60}

SCHEMA = """
CREATE TABLE IF NOT EXISTS web_sessions (
    session_id TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    audience TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    revoked_at DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS web_sessions_subject ON web_sessions (audience, subject)
"""


@dataclass(frozen=True)
class Session:
    session_id: str
    audience: str
    subject: str
    created_at: float
    expires_at: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_audience(audience: str) -> str:
    if audience not in AUDIENCES:
        names = ", ".join(sorted(AUDIENCES))
        raise ValidationError(f"unknown audience {audience!r}; one of {names}", field="audience")
    return audience


class SessionStore:
    """Opens, finds and revokes sessions in the platform database (SQLite or PostgreSQL)."""

    def __init__(
        self,
        url: str | DatabaseUrl,
        *,
        ttl_seconds: dict[str, float] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = Database(url)
        self.db.create_tables(SCHEMA, 7345302)
        self._lock = threading.Lock()  # one connection, shared by the server's threads
        self._ttl = {**DEFAULT_TTL_SECONDS, **(ttl_seconds or {})}
        self._clock = clock

    def open(self, audience: str, subject: str) -> tuple[str, Session]:
        """A new session for `subject`; the token is returned once and stored only hashed."""
        audience = _check_audience(audience)
        if not subject:
            raise ValidationError("a session needs a subject", field="subject")
        token = secrets.token_urlsafe(32)
        now = self._clock()
        session = Session(secrets.token_hex(8), audience, subject, now, now + self._ttl[audience])
        with self._lock, self.db.tx():
            self.db.execute(
                "INSERT INTO web_sessions (session_id, token_sha256, audience, subject, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (session.session_id, _digest(token), audience, subject, now, session.expires_at),
            )
        return token, session

    def find(self, audience: str, token: str | None) -> Session | None:
        """The live session `token` opens on `audience`, else None (unknown, expired, revoked)."""
        if not token or audience not in AUDIENCES:
            return None
        with self._lock, self.db.read():
            row: Any = self.db.one(
                "SELECT session_id, audience, subject, created_at, expires_at, revoked_at "
                "FROM web_sessions WHERE token_sha256 = ?",
                (_digest(token),),
            )
        if row is None or row[1] != audience or row[5] is not None:
            return None
        if self._clock() >= float(row[4]):
            return None
        return Session(row[0], row[1], row[2], float(row[3]), float(row[4]))

    def revoke(self, token: str | None) -> bool:
        """End the session `token` opens (signing out); True when one was live."""
        if not token:
            return False
        with self._lock, self.db.tx():
            cur = self.db.execute(
                "UPDATE web_sessions SET revoked_at = ? WHERE token_sha256 = ? "
                "AND revoked_at IS NULL",
                (self._clock(), _digest(token)),
            )
            return bool(cur.rowcount)

    def revoke_subject(self, audience: str, subject: str) -> int:
        """End every session of `subject` (its key was revoked); how many were live."""
        audience = _check_audience(audience)
        with self._lock, self.db.tx():
            cur = self.db.execute(
                "UPDATE web_sessions SET revoked_at = ? WHERE audience = ? AND subject = ? "
                "AND revoked_at IS NULL",
                (self._clock(), audience, subject),
            )
            return int(cur.rowcount)

    def purge_expired(self) -> int:
        """Delete sessions that expired or were revoked more than a day ago."""
        cutoff = self._clock() - 86_400
        with self._lock, self.db.tx():
            cur = self.db.execute(
                "DELETE FROM web_sessions WHERE expires_at < ? OR revoked_at < ?",
                (cutoff, cutoff),
            )
            return int(cur.rowcount)

    def close(self) -> None:
        self.db.close()


def csrf_token(token: str) -> str:
    """The CSRF token for forms of the session `token` opens (HMAC, so nothing is stored)."""
    return hmac.new(token.encode(), b"puhui-csrf", hashlib.sha256).hexdigest()


def check_csrf(token: str | None, presented: str | None) -> bool:
    """True when `presented` is the CSRF token of the session `token` (constant-time)."""
    if not token or not presented:
        return False
    return hmac.compare_digest(csrf_token(token), presented)
