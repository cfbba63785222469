"""A small book for the borrower's tests: two demo customers with lines on the default product."""

from __future__ import annotations

from datetime import date

from puhui.ledger import open_ledger
from puhui.rate import Rate
from puhui.servicing.service import LendingService, open_lending

START = date(2026, 1, 1)
#: Two customers, each with one line: a borrower must never see the other's.
CUSTOMERS = {"C-ALICE": "L-ALICE", "C-BOB": "L-BOB"}
NOMINAL = Rate.from_percent("18.25")


def seed_book(url: str) -> LendingService:
    """The default product, the business date, a funded settlement account and two lines."""
    lending = open_lending(url, open_ledger(url), START)
    lending.fund("CNY", "10000000", "seed")
    for customer, line in CUSTOMERS.items():
        lending.create_line(line, customer, "20000", NOMINAL, date(2030, 1, 1))
    return lending
