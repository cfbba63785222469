"""What a booker is: the lending engine or its twin, behind one small interface.

A booker opens credit lines, books the plan's events (drawdowns, payments, recoveries),
closes each business day, and reports cumulative money totals the way the general ledger
holds them, so the simulator computes every figure in one place whichever booker ran.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Protocol

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Totals:
    """Cumulative money since the start, in minor units (as the ledger's accounts hold it)."""

    interest_income: int = 0
    penalty_income: int = 0
    fee_income: int = 0
    recovery_income: int = 0
    write_off: int = 0
    write_off_principal: int = 0
    principal_outstanding: int = 0
    balance_days: int = 0  # sum over closed days of the end-of-day principal outstanding
    refused: int = 0  # events the book refused (a drawdown on a frozen line, ...)

    def minus(self, earlier: Totals) -> Totals:
        """The flows between `earlier` and now (the balance stays a level)."""
        values = {f.name: getattr(self, f.name) - getattr(earlier, f.name) for f in fields(self)}
        values["principal_outstanding"] = self.principal_outstanding
        return Totals(**values)


@dataclass(frozen=True)
class EndPosition:
    """The book at the end of the horizon: loans past due and what they owe."""

    past_due_loans: int
    past_due_receivable: int
    active_loans: int


class Book(Protocol):
    def grant(self, who: IntArray, limit_minor: IntArray, rate_ppm: IntArray) -> None: ...

    def draw(self, day: int, who: IntArray, amount: IntArray, installments: IntArray) -> None: ...

    def pay_billed(self, day: int, who: IntArray) -> None: ...

    def pay_off(self, day: int, who: IntArray) -> None: ...

    def recover(self, day: int, who: IntArray, recovery_ppm: int) -> None: ...

    def close_day(self, day: int) -> None: ...

    def totals(self) -> Totals: ...

    def end_position(self, day: int) -> EndPosition: ...

    def close(self) -> None: ...
