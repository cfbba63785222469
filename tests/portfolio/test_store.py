"""Runs kept for the console, on both database backends."""

from __future__ import annotations

import pytest

from puhui.db import Database
from puhui.errors import ValidationError
from puhui.portfolio.store import latest_run, save_run


def test_the_latest_run_of_each_kind(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert latest_run(db, "optimisation") is None  # no table yet
        first = save_run(db, "optimisation", {"n": 1})
        save_run(db, "targeting", {"n": 2})
        run = latest_run(db, "optimisation")
        assert run is not None and run["id"] == first and run["n"] == 1
        assert latest_run(db, "simulation") is None
        with pytest.raises(ValidationError):
            save_run(db, "other", {})
    finally:
        db.close()
