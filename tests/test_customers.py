"""Customer profiles (`platform_customers`) on both backends: stored once, read back whole."""

from __future__ import annotations

from puhui import customers
from puhui.db import Database


def test_profiles_are_stored_once_and_read_back(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert customers.profile(db, "C1") is None  # no table yet: nobody is known
        customers.create_customer_tables(db)
        with db.tx():
            offered = customers.save_profiles(
                db, [("C1", {"age": 30, "city": "成都"}), ("C2", {"age": 41})]
            )
        with db.tx():  # a profile already stored is kept, not overwritten
            customers.save_profiles(db, [("C1", {"age": 99})])
        assert offered == 2
        assert customers.profile(db, "C1") == {"age": 30, "city": "成都"}
        assert customers.profile(db, "C2") == {"age": 41}
        assert customers.profile(db, "C3") is None
    finally:
        db.close()
