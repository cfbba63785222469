"""One-time sign-in codes for borrowers: six digits, stored hashed, short-lived, single use.

A code is issued for a customer who holds a credit line and handed to a `CodeSender` (SMS in
production; `DemoSender` keeps and prints it for the demo). Only a salted SHA-256 of the code
is stored; a code expires after `TTL_SECONDS`, is spent by its first correct use, and is
burnt after `MAX_ATTEMPTS` wrong guesses, so guessing one of a million codes has at most a
5-in-a-million chance. Issuing a new code replaces the customer's previous one; at most
`MAX_CODES_PER_HOUR` are issued to a customer in an hour (`TooManyCodes`), so guesses
against one customer stay bounded however often someone asks for a code.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Protocol

from puhui.db import Database, DatabaseUrl
from puhui.errors import PuhuiError, ValidationError

TTL_SECONDS = 300
MAX_ATTEMPTS = 5
#: Codes one customer may be sent per hour (each brings MAX_ATTEMPTS more guesses).
MAX_CODES_PER_HOUR = 10
DIGITS = 6
MAX_CUSTOMER_ID = 64

SCHEMA = """
CREATE TABLE IF NOT EXISTS borrower_codes (
    customer_id TEXT PRIMARY KEY,
    salt TEXT NOT NULL,
    code_sha256 TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0,
    window_start DOUBLE PRECISION NOT NULL,
    issued INTEGER NOT NULL
)
"""

log = logging.getLogger("puhui.borrower")


class TooManyCodes(PuhuiError):
    code = "rate_limited"


class CodeSender(Protocol):
    """Delivers a sign-in code to the customer (SMS, push); the real channel is pluggable."""

    def send(self, customer_id: str, code: str) -> None: ...


class DemoSender:
    """The demo channel: keeps the last code per customer and writes it to the log (or `out`)."""

    def __init__(self, out: Callable[[str], object] | None = None) -> None:
        self.sent: dict[str, str] = {}
        self._out = out

    def send(self, customer_id: str, code: str) -> None:
        self.sent[customer_id] = code
        line = f"demo sign-in code for {customer_id}: {code}"
        if self._out is not None:
            self._out(line)
        else:
            log.warning(line)


def check_customer_id(customer_id: object) -> str:
    if (
        not isinstance(customer_id, str)
        or not customer_id.strip()
        or len(customer_id) > MAX_CUSTOMER_ID
    ):
        raise ValidationError(
            f"customer_id must be 1..{MAX_CUSTOMER_ID} characters", field="customer_id"
        )
    return customer_id.strip()


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


class SignInCodes:
    """Issues and checks one-time codes in the platform database."""

    def __init__(
        self,
        url: str | DatabaseUrl,
        *,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = Database(url)
        self.db.create_tables(SCHEMA, 7345319)
        self._lock = threading.Lock()
        self._ttl = ttl
        self._clock = clock

    def issue(self, customer_id: str, sender: CodeSender | None = None) -> str:
        """A new code for `customer_id` (replacing any earlier one), sent through `sender`."""
        customer_id = check_customer_id(customer_id)
        code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
        salt = secrets.token_hex(16)
        now = self._clock()
        with self._lock, self.db.tx():
            row = self.db.one(
                "SELECT window_start, issued FROM borrower_codes WHERE customer_id = ?",
                (customer_id,),
            )
            window, issued = (now, 0) if row is None else (float(row[0]), int(row[1]))
            if now - window >= 3600:
                window, issued = now, 0
            if issued >= MAX_CODES_PER_HOUR:
                raise TooManyCodes(
                    f"at most {MAX_CODES_PER_HOUR} codes an hour for one customer",
                    field="customer_id",
                )
            self.db.execute("DELETE FROM borrower_codes WHERE customer_id = ?", (customer_id,))
            self.db.execute(
                "INSERT INTO borrower_codes (customer_id, salt, code_sha256, expires_at,"
                " window_start, issued) VALUES (?, ?, ?, ?, ?, ?)",
                (customer_id, salt, _digest(salt, code), now + self._ttl, window, issued + 1),
            )
        if sender is not None:
            sender.send(customer_id, code)
        return code

    def redeem(self, customer_id: str, code: str) -> bool:
        """True once for the right, unexpired code; a wrong guess counts against the code."""
        customer_id, code = str(customer_id).strip(), str(code).strip()
        with self._lock, self.db.tx():
            row = self.db.one(
                "SELECT salt, code_sha256, expires_at, attempts, used FROM borrower_codes"
                " WHERE customer_id = ?",
                (customer_id,),
            )
            if row is None:
                return False
            salt, digest, expires, attempts, used = row
            if used or int(attempts) >= MAX_ATTEMPTS or self._clock() >= float(expires):
                return False
            if hmac.compare_digest(str(digest), _digest(str(salt), code)):
                self.db.execute(
                    "UPDATE borrower_codes SET used = 1 WHERE customer_id = ?", (customer_id,)
                )
                return True
            self.db.execute(
                "UPDATE borrower_codes SET attempts = attempts + 1 WHERE customer_id = ?",
                (customer_id,),
            )
            return False

    def close(self) -> None:
        self.db.close()
