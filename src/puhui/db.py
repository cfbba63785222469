"""Database URLs and connections for the two real backends: SQLite (embedded) and PostgreSQL.

Everything that persists (the ledger, the lending sub-ledger, the decision audit, the AI call
log) opens its connections here, so both backends are configured one way: SQLite in WAL mode
with `synchronous=FULL`, PostgreSQL through psycopg 3 in autocommit-off transactions.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from puhui.errors import ValidationError

DEFAULT_URL = "sqlite:///./puhui.db"

Dialect = Literal["sqlite", "postgresql"]


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A parsed database URL: `sqlite:///path.db` or `postgresql://user@host:port/db`."""

    dialect: Dialect
    target: str  # a file path (":memory:" allowed) for sqlite, a libpq URL for postgresql
    raw: str

    @property
    def placeholder(self) -> str:
        return "?" if self.dialect == "sqlite" else "%s"

    def sql(self, text: str) -> str:
        """Translate `?` placeholders to the backend's style."""
        return text if self.dialect == "sqlite" else text.replace("?", "%s")


_PG_RE = re.compile(r"^postgres(ql)?(\+psycopg)?://[^\s]*$")


def parse_database_url(url: str, field: str = "url") -> DatabaseUrl:
    """Parse and check a database URL; a malformed one is a ValidationError naming `field`."""
    if not isinstance(url, str) or not url.strip():
        raise ValidationError("database URL must be a non-empty string", field=field)
    url = url.strip()
    if url.startswith("sqlite://"):
        rest = url[len("sqlite://") :]
        if not rest.startswith("/") or len(rest) < 2:
            raise ValidationError(
                f"malformed SQLite URL {url!r}: use sqlite:///relative.db or sqlite:////abs.db",
                field=field,
            )
        path = rest[1:]
        if path != ":memory:" and path.endswith("/"):
            raise ValidationError(f"SQLite URL {url!r} names a directory", field=field)
        return DatabaseUrl("sqlite", path, url)
    if _PG_RE.match(url):
        target = url.replace("postgresql+psycopg://", "postgresql://", 1)
        if target.startswith("postgres://"):
            target = "postgresql://" + target[len("postgres://") :]
        return DatabaseUrl("postgresql", target, url)
    raise ValidationError(
        f"unsupported database URL {url!r}: expected sqlite:///PATH or postgresql://...",
        field=field,
    )


def connect_sqlite(path: str, *, timeout: float = 30.0) -> sqlite3.Connection:
    """Open SQLite in WAL mode with synchronous=FULL (a commit survives power loss).

    `isolation_level=None` leaves transaction control to the caller (`BEGIN IMMEDIATE`), so a
    writer takes the write lock before it reads the balances it checks.
    """
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache per connection
    conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    return conn


def connect_postgres(dsn: str) -> Any:
    """Open a psycopg 3 connection (transactions managed by the caller)."""
    import psycopg

    try:
        return psycopg.connect(dsn, autocommit=False)
    except psycopg.OperationalError as exc:  # pragma: no cover - depends on the server
        raise ValidationError(f"cannot connect to PostgreSQL: {exc}", field="url") from exc


def connect(url: str | DatabaseUrl) -> Any:
    """Open a DB-API connection for `url` on its backend."""
    parsed = url if isinstance(url, DatabaseUrl) else parse_database_url(url)
    if parsed.dialect == "sqlite":
        return connect_sqlite(parsed.target)
    return connect_postgres(parsed.target)
