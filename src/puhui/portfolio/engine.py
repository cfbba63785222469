"""The real lending engine as a booker: `LendingService` on a throwaway SQLite database.

Every event goes through the public servicing API (credit lines, `drawdown_each`, `repay`,
`quote`, `run_cob`), so the simulation exercises the very code that books real loans:
allocation, COB, ageing, write-off, the ledger. Money totals are read from the general
ledger's accounts, as a report would; the principal written off is the last principal the
service reported for each loan it wrote off. For small runs: every business day is a COB.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from puhui.errors import PuhuiError
from puhui.lending.products import Product
from puhui.money import Money
from puhui.portfolio.book import EndPosition, IntArray, Totals
from puhui.portfolio.rules import ServicingRules, recovery_minor
from puhui.rate import PPM, Rate
from puhui.servicing.chart import Code, account_id, ledger_of
from puhui.servicing.drawdown import DrawdownRequest
from puhui.servicing.service import LendingService

#: Funding put into settlement before the first drawdown (the ledger refuses overdrafts).
_FUNDING_YUAN = "100000000000"


class EngineBook:
    """Books on a fresh SQLite database under `directory` (a temporary one by default)."""

    def __init__(
        self,
        product: Product,
        rules: ServicingRules,
        start: date,
        line_days: int,
        directory: str | Path | None = None,
    ) -> None:
        self.rules = rules
        self.product = product
        self._own_dir = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="puhui-sim-"))
        self.directory.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{self.directory / 'engine.db'}"
        self.lending = LendingService(url)
        self.lending.register_product(product)
        self.lending.start(start)
        self.lending.fund(product.currency, _FUNDING_YUAN, "portfolio-simulation-funding")
        self.expires = start + timedelta(days=line_days)
        self.number = ledger_of(product.currency)
        self.loan_of: dict[int, int] = {}  # customer row -> live loan id
        self.principal: dict[int, int] = {}  # live loan id -> last principal reported
        self.written_off: dict[int, int] = {}  # row -> amount written off
        self.written_loan: dict[int, int] = {}  # row -> written-off loan id
        self._write_off_principal = 0
        self._balance_days = 0
        self._refused = 0

    def _yuan(self, minor: int) -> str:
        return str(Money(int(minor), self.product.currency).amount)

    # -- lines and events ------------------------------------------------------------------
    def grant(self, who: IntArray, limit_minor: IntArray, rate_ppm: IntArray) -> None:
        for row, limit, rate in zip(who, limit_minor, rate_ppm, strict=True):
            self.lending.create_line(
                f"L{row}",
                f"C{row}",
                self._yuan(limit),
                Rate.from_units(int(rate), PPM),
                self.expires,
                self.product.id,
                self.product.version,
            )

    def draw(self, day: int, who: IntArray, amount: IntArray, installments: IntArray) -> None:
        on = date.fromordinal(day)
        requests = [
            DrawdownRequest(f"sim-{row}-{on.isoformat()}", f"L{row}", self._yuan(a), int(n))
            for row, a, n in zip(who, amount, installments, strict=True)
        ]
        for row, outcome in zip(who, self.lending.drawdown_each(requests), strict=True):
            if isinstance(outcome, PuhuiError):
                self._refused += 1
                continue
            self.loan_of[int(row)] = outcome.loan.id
            self.principal[outcome.loan.id] = outcome.loan.principal_outstanding

    def pay_billed(self, day: int, who: IntArray) -> None:
        on = date.fromordinal(day)
        for row in who:
            loan_id = self.loan_of.get(int(row))
            if loan_id is None:
                continue
            loan = self.lending.loan(loan_id)
            owed = loan.principal_billed + loan.interest_billed + loan.fee_billed
            owed += loan.penalty_unpaid
            if loan.status != "active" or owed <= 0:
                continue
            self._repay(int(row), loan_id, owed, f"pay-{loan_id}-{day}", on)

    def pay_off(self, day: int, who: IntArray) -> None:
        on = date.fromordinal(day)
        for row in who:
            loan_id = self.loan_of.get(int(row))
            if loan_id is None:
                continue
            quote = self.lending.quote(loan_id)
            self._repay(int(row), loan_id, int(quote["total_minor"]), f"off-{loan_id}-{day}", on)

    def _repay(self, row: int, loan_id: int, minor: int, client_id: str, on: date) -> None:
        try:
            result = self.lending.repay(loan_id, self._yuan(minor), client_id, on)
        except PuhuiError:
            self._refused += 1
            return
        self.principal[loan_id] = result.loan.principal_outstanding
        if result.loan.status != "active":
            del self.loan_of[row]
            del self.principal[loan_id]

    def recover(self, day: int, who: IntArray, recovery_ppm: int) -> None:
        on = date.fromordinal(day)
        for row in who:
            loan_id = self.written_loan.get(int(row))
            if loan_id is None:
                self._refused += 1
                continue
            amount = recovery_minor(self.written_off[int(row)], recovery_ppm)
            if amount > 0:
                self.lending.repay(loan_id, self._yuan(amount), f"rec-{loan_id}", on)

    # -- close of business -----------------------------------------------------------------
    def close_day(self, day: int) -> None:
        report = self.lending.run_cob(date.fromordinal(day))
        if report.steps.get("write_off", 0):
            for row, loan_id in list(self.loan_of.items()):
                loan = self.lending.loan(loan_id)
                if loan.status == "written_off":
                    self._write_off_principal += self.principal.pop(loan_id)
                    self.written_off[row] = loan.written_off
                    self.written_loan[row] = loan_id
                    del self.loan_of[row]
        self._balance_days += self._balance(Code.PRINCIPAL_RECEIVABLE)

    def _balances(self) -> dict[Code, int]:
        codes = list(Code)
        accounts = self.lending.ledger.lookup_accounts(
            [account_id(self.number, code) for code in codes]
        )
        by_id = {a.id: a for a in accounts}
        out = {}
        for code in codes:
            a = by_id[account_id(self.number, code)]
            debit_normal = a.debits_posted - a.credits_posted
            out[code] = -debit_normal if code.credit_normal else debit_normal
        return out

    def _balance(self, code: Code) -> int:
        return self._balances()[code]

    def totals(self) -> Totals:
        b = self._balances()
        return Totals(
            interest_income=b[Code.INTEREST_INCOME],
            penalty_income=b[Code.PENALTY_INCOME],
            fee_income=b[Code.FEE_INCOME],
            recovery_income=b[Code.RECOVERY_INCOME],
            write_off=b[Code.WRITE_OFF_EXPENSE],
            write_off_principal=self._write_off_principal,
            principal_outstanding=b[Code.PRINCIPAL_RECEIVABLE],
            balance_days=self._balance_days,
            refused=self._refused,
        )

    def end_position(self, day: int) -> EndPosition:
        past_due = receivable = 0
        for loan_id in self.loan_of.values():
            loan = self.lending.loan(loan_id)
            if loan.oldest_due_day is not None and self.rules.dpd(loan.oldest_due_day, day) > 0:
                past_due += 1
                receivable += loan.total_due_now
        return EndPosition(past_due, receivable, len(self.loan_of))

    def reconciled(self) -> bool:
        return bool(self.lending.reconcile().ok)

    def close(self) -> None:
        self.lending.close()
        if self._own_dir:
            shutil.rmtree(self.directory, ignore_errors=True)
