"""Platform.open sets lending up once: reopening after COB keeps the business date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from puhui.api.platform import Platform
from puhui.settings import Settings


def test_reopening_keeps_the_product_and_the_business_date(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=str(tmp_path),
        lending_first_business_date=date(2026, 3, 1),
    )
    first = Platform.open(settings)
    try:
        assert first.lending.business_date() == date(2026, 3, 1)
        first.with_lending(lambda s: s.run_cob(date(2026, 3, 1)))
        assert first.lending.ledger is first.ledger  # one ledger, one writer
    finally:
        first.close()
    again = Platform.open(settings)
    try:
        assert again.with_lending(lambda s: s.business_date()) == date(2026, 3, 2)
        assert again.with_lending(lambda s: s.reconcile()).ok
    finally:
        again.close()
