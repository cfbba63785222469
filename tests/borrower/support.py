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


def seed_book(url: str, more: int = 0) -> LendingService:
    """The default product, the business date, a funded settlement account and two lines
    (and `more` customers C-0, C-1, ... with lines L-0, L-1, ...)."""
    lending = open_lending(url, open_ledger(url), START)
    lending.fund("CNY", "10000000", "seed")
    lines = {**CUSTOMERS, **{f"C-{k}": f"L-{k}" for k in range(more)}}
    for customer, line in lines.items():
        lending.create_line(line, customer, "20000", NOMINAL, date(2030, 1, 1))
    return lending
