"""Database URLs and connections for the two real backends: SQLite (embedded) and PostgreSQL.

Everything that persists (the ledger, the lending sub-ledger, the decision audit, the AI call
log) opens its connections here, so both backends are configured one way: SQLite in WAL mode
with `synchronous=FULL`, PostgreSQL through psycopg 3 in autocommit-off transactions.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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
    conn.execute("PRAGMA cache_size=-262144")  # 256 MiB of page cache per connection
    # Checkpoint the WAL every ~64 MiB instead of 4 MiB: pages rewritten by every batch (hot
    # accounts, index interiors) are copied back once per checkpoint, not once per commit.
    conn.execute("PRAGMA wal_autocheckpoint=16384")
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


class Database:
    """One connection with all-or-nothing transactions, on either backend.

    Modules that keep their own tables (decision audit, API keys, AI call log, lending)
    share this so that SQL runs the same way on SQLite and PostgreSQL: `?` placeholders,
    `tx()` for a write transaction (`BEGIN IMMEDIATE` on SQLite, so the write lock is taken
    before anything is read), `read()` for a consistent snapshot.
    """

    def __init__(self, url: str | DatabaseUrl) -> None:
        self.url = url if isinstance(url, DatabaseUrl) else parse_database_url(url)
        self.dialect: Dialect = self.url.dialect
        if self.dialect == "sqlite":
            self.conn: Any = connect_sqlite(self.url.target)
        else:
            # Autocommit outside `tx()`/`read()`: a stray read never holds a transaction open.
            import psycopg

            self.conn = psycopg.connect(self.url.target, autocommit=True)
        self.for_update = "" if self.dialect == "sqlite" else " FOR UPDATE"
        self._depth = 0

    def create_tables(self, ddl: str, lock_key: int) -> None:
        """Run `;`-separated DDL once; `lock_key` serialises concurrent creators on PostgreSQL."""
        with self.tx():
            if self.dialect == "postgresql":
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key,))
            for statement in ddl.split(";"):
                if statement.strip():
                    self.conn.execute(statement)

    @contextmanager
    def tx(self) -> Iterator[Database]:
        """One all-or-nothing write transaction (re-entrant: inner calls join the outer)."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        if self.dialect == "postgresql":
            self._depth = 1
            try:
                with self.conn.transaction():
                    yield self
            finally:
                self._depth = 0
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (a deferred constraint, a full disk) leaves SQLite's transaction
            # open: end it, so the connection's next BEGIN works and nothing half-stays.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    @contextmanager
    def read(self) -> Iterator[Database]:
        """A consistent read (a snapshot on both backends)."""
        if self._depth:
            yield self
            return
        self._depth = 1
        try:
            if self.dialect == "postgresql":
                with self.conn.transaction(force_rollback=True):
                    yield self
            else:
                self.conn.execute("BEGIN")
                try:
                    yield self
                finally:
                    self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    def sql(self, text: str) -> str:
        """`?` placeholders to the backend's style (and `%` escaped for psycopg)."""
        if self.dialect == "sqlite":
            return text
        return text.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.sql(sql), tuple(params))

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.execute(sql, params).fetchall())

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.dialect == "sqlite":
            self.conn.executemany(sql, rows)
        else:
            with self.conn.cursor() as cur:
                cur.executemany(self.sql(sql), rows)

    def table_exists(self, name: str) -> bool:
        if self.dialect == "sqlite":
            row = self.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        else:
            row = self.one("SELECT to_regclass(?)", (name,))
            row = row if row and row[0] else None
        return row is not None

    def close(self) -> None:
        self.conn.close()
