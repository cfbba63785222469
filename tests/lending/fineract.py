"""Helpers for Fineract reference schedules: build terms, compare rows to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from puhui.lending.schedule import Schedule, generate_schedule
from puhui.lending.terms import LoanTerms
from puhui.rate import Rate


def rows(text: str) -> list[tuple[str, str]]:
    """'255.0/50.0 257.55/47.45 ...' -> [(principal, interest)] normalised to 2 places."""
    out = []
    for pair in text.split():
        principal, interest = pair.split("/")
        out.append((f"{Decimal(principal):.2f}", f"{Decimal(interest):.2f}"))
    return out


def schedule(principal: str, rate: str, n: int, disbursed: date, **kw: object) -> Schedule:
    terms = LoanTerms(
        principal=Decimal(principal),
        nominal_rate=Rate.from_percent(rate),
        installments=n,
        disbursed=disbursed,
        currency="EUR",
        **kw,  # type: ignore[arg-type]
    )
    return generate_schedule(terms)


def assert_matches(s: Schedule, expected: list[tuple[str, str]]) -> None:
    got = [(s.format(i.principal), s.format(i.interest)) for i in s.installments]
    assert got == expected
    assert s.total_principal == s.principal
    assert s.installments[-1].balance == 0
