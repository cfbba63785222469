"""Database URLs and the shared transaction helper, on both real backends."""

from __future__ import annotations

import pytest

from puhui.db import Database, parse_database_url
from puhui.errors import ValidationError


def test_urls() -> None:
    assert parse_database_url("sqlite:///./x.db").target == "./x.db"
    assert parse_database_url("sqlite:////abs/x.db").target == "/abs/x.db"
    pg = parse_database_url("postgres://u@h:5432/d")
    assert pg.dialect == "postgresql" and pg.target == "postgresql://u@h:5432/d"
    for bad in ("", "ftp://x", "sqlite:/x.db"):
        with pytest.raises(ValidationError) as err:
            parse_database_url(bad)
        assert err.value.field == "url"


def test_transactions_are_all_or_nothing(database_url: str) -> None:
    db = Database(database_url)
    db.create_tables("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)", 1)
    assert db.table_exists("t") and not db.table_exists("nope")
    with db.tx():
        db.execute("INSERT INTO t (k, v) VALUES (?, ?)", (1, "100% sure"))
    with pytest.raises(RuntimeError), db.tx():
        db.execute("INSERT INTO t (k, v) VALUES (?, ?)", (2, "lost"))
        with db.tx():  # re-entrant: joins the outer transaction
            db.execute("INSERT INTO t (k, v) VALUES (?, ?)", (3, "lost too"))
        raise RuntimeError("crash mid-transaction")
    with db.read():
        assert db.all("SELECT k, v FROM t ORDER BY k") == [(1, "100% sure")]
    db.many("INSERT INTO t (k, v) VALUES (?, ?)", [(4, "a"), (5, "b")])
    assert db.one("SELECT count(*) FROM t")[0] == 3
    db.close()
