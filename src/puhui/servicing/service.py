"""The servicing facade: one object that owns the sub-ledger connection and the ledger.

Every write goes: validate → one sub-ledger transaction (balances + queued ledger postings)
→ flush the postings to the ledger. The per-loan balances are a SUB-LEDGER, not ledger
accounts: COB must accrue ~100M loans a day, and one ledger transfer per loan per day would
exceed the ledger's throughput, while one aggregated transfer per currency per step per day
is free; `reconcile()` proves the sub-ledger totals equal the general ledger's balances.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from puhui.errors import PuhuiError, ValidationError
from puhui.ledger import Ledger, open_ledger
from puhui.lending.products import Product, default_product
from puhui.rate import Rate
from puhui.servicing import catalog, cob, funding, lines, loans, repayment
from puhui.servicing import drawdown as dd
from puhui.servicing.chart import ensure_chart, ledger_of
from puhui.servicing.loans import LoanRow, installments_of, load_loan
from puhui.servicing.outbox import flush
from puhui.servicing.reconcile import Reconciliation, reconcile
from puhui.servicing.store import Db


class LendingService:
    """Credit lines, drawdowns, repayments and COB over one database (SQLite or PostgreSQL)."""

    def __init__(self, url: str, ledger: Ledger | None = None) -> None:
        self.db = Db(url)
        self.ledger = ledger if ledger is not None else open_ledger(url)
        self._charts: set[str] = set()
        #: Called with each business date COB has closed (monitoring, summaries, messages):
        #: the jobs other layers run at end of day, without servicing importing them.
        self.after_cob: list[Callable[[date], object]] = []

    # -- set-up ------------------------------------------------------------------------
    def register_product(self, product: Product | None = None) -> tuple[str, int, str]:
        product = product or default_product()
        self._chart(product.currency)
        with self.db.tx():
            return catalog.register_product(self.db, product)

    def start(self, on: date) -> date:
        with self.db.tx():
            return catalog.start_business_date(self.db, on)

    def product(self, product_id: str, version: int | None = None) -> Product:
        """A registered product (the latest version unless one is named)."""
        with self.db.read():
            return catalog.load_product(self.db, product_id, version)

    def products(self) -> list[tuple[str, int, str]]:
        """Every registered (product id, version, fingerprint)."""
        with self.db.read():
            return catalog.list_products(self.db)

    def business_date(self) -> date:
        with self.db.read():
            return catalog.business_date(self.db)

    def fund(self, currency: str, amount: Decimal | str, client_id: str) -> None:
        """Put money into settlement from the funding (equity) account (idempotent by
        client id)."""
        ledger_of(currency)
        minor = lines.parse_amount(amount, currency)
        self._chart(currency)
        with self.db.tx():
            funding.fund(self.db, currency, minor, client_id)
        flush(self.db, self.ledger)

    def _chart(self, currency: str) -> None:
        if currency not in self._charts:
            ensure_chart(self.ledger, currency)
            self._charts.add(currency)

    # -- credit lines ------------------------------------------------------------------
    def create_line(
        self,
        line_id: str,
        customer_id: str,
        limit: Decimal | str,
        nominal_rate: Rate,
        expires: date,
        product_id: str = "puhui-revolving-micro",
        product_version: int | None = None,
    ) -> lines.CreditLine:
        with self.db.tx():
            return lines.create_line(
                self.db,
                line_id,
                customer_id,
                limit,
                nominal_rate,
                expires,
                product_id,
                product_version,
            )

    def line(self, line_id: str) -> lines.CreditLine:
        with self.db.read():
            return lines.get_line(self.db, line_id)

    def change_limit(self, line_id: str, limit: Decimal | str) -> lines.CreditLine:
        with self.db.tx():
            return lines.change_limit(self.db, line_id, limit)

    def set_line_status(self, line_id: str, status: str) -> lines.CreditLine:
        with self.db.tx():
            return lines.set_status(self.db, line_id, status)

    # -- loans -------------------------------------------------------------------------
    def drawdown(
        self,
        client_id: str,
        line_id: str,
        amount: Decimal | str,
        installments: int,
        amortization: str | None = None,
        currency: str | None = None,
    ) -> dd.DrawdownResult:
        request = dd.DrawdownRequest(
            client_id, line_id, amount, installments, amortization, currency
        )
        return self.drawdown_many([request])[0]

    def drawdown_many(self, requests: Sequence[dd.DrawdownRequest]) -> list[dd.DrawdownResult]:
        with self.db.tx():
            results = dd.book_drawdowns(self.db, requests)
        self._disburse(results)
        return results

    def drawdown_each(
        self, requests: Sequence[dd.DrawdownRequest]
    ) -> list[dd.DrawdownResult | PuhuiError]:
        """Book independent requests together: one transaction and one ledger flush for all,
        each refused request answered with its own error (see `drawdown.book_each`)."""
        with self.db.tx():
            outcomes = dd.book_each(self.db, requests)
        self._disburse([o for o in outcomes if isinstance(o, dd.DrawdownResult)])
        return outcomes

    def _disburse(self, booked: Sequence[dd.DrawdownResult]) -> None:
        """Post the queued disbursements. Each loan's currency has its chart of accounts first
        (a product's chart is also made when it is registered, so a crash here is safe)."""
        for currency in {r.loan.currency for r in booked}:
            self._chart(currency)
        flush(self.db, self.ledger)

    def repay(
        self, loan_id: int, amount: Decimal | str, client_id: str, on: date | None = None
    ) -> repayment.PaymentResult:
        with self.db.tx():
            result = repayment.repay(self.db, loan_id, amount, client_id, on)
        flush(self.db, self.ledger)
        return result

    def reverse(self, client_id: str) -> repayment.PaymentResult:
        with self.db.tx():
            result = repayment.reverse(self.db, client_id)
        flush(self.db, self.ledger)
        return result

    def quote(self, loan_id: int, on: date | None = None) -> dict[str, Any]:
        with self.db.read():
            return repayment.payoff_quote(self.db, loan_id, on)

    def loan(self, loan_id: int) -> LoanRow:
        with self.db.read():
            return load_loan(self.db, loan_id=loan_id)

    def transactions(self, loan_id: int) -> list[repayment.LoanTransaction]:
        """The loan's repayments, recoveries and reversals (an unknown loan is NotFound)."""
        with self.db.read():
            load_loan(self.db, loan_id=loan_id)
            return repayment.transactions_of(self.db, loan_id)

    def installments_due(self, on: date) -> list[tuple[int, int, int, str]]:
        """(loan id, installment, scheduled amount not yet paid, line id) of every active loan's
        installment falling due on `on`: what a borrower paying on time pays that day."""
        with self.db.read():
            return loans.installments_due(self.db, on.toordinal())

    def lines_of_customer(self, customer_id: str) -> list[lines.CreditLine]:
        with self.db.read():
            return lines.lines_of_customer(self.db, customer_id)

    def loans_of_customer(self, customer_id: str) -> list[LoanRow]:
        """Every loan on the customer's lines, newest first."""
        with self.db.read():
            return loans.loans_of_customer(self.db, customer_id)

    def overdue_loans(self) -> list[LoanRow]:
        """Active loans with days past due."""
        with self.db.read():
            return loans.overdue_loans(self.db)

    def installments(self, loan_id: int) -> list[dict[str, Any]]:
        with self.db.read():
            load_loan(self.db, loan_id=loan_id)
            return installments_of(self.db, loan_id)

    # -- close of business -------------------------------------------------------------
    def run_cob(
        self,
        day: date,
        on_step: Callable[[str], None] | None = None,
        stop_after: str | None = None,
    ) -> cob.CobReport:
        """Close business date `day` (the current business date, or one already closed).

        Each step commits with its status row, then its postings go to the ledger, so a crash
        resumes at the first step not done. `stop_after` ends the run after that step (to test
        resuming after a crash)."""
        if not isinstance(day, date):
            raise ValidationError("date must be a date", field="date")
        with self.db.read():
            done = cob.check_closable(self.db, day)
        report = cob.CobReport(day)
        flush(self.db, self.ledger)  # anything a crash left queued goes first
        for step in cob.STEPS:
            with self.db.tx():
                touched = cob.run_step(self.db, day, step)
            if touched is None:
                report.skipped.append(step)
                report.steps[step] = done.get(step, 0)
            else:
                report.steps[step] = touched
            flush(self.db, self.ledger)
            if on_step is not None:
                on_step(step)
            if step == stop_after:
                return report
        for job in self.after_cob:
            job(day)
        return report

    def reconcile(self) -> Reconciliation:
        return reconcile(self.db, self.ledger)

    def close(self) -> None:
        self.db.close()
        self.ledger.close()

    def __enter__(self) -> LendingService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_lending(url: str, ledger: Ledger, first_business_date: date) -> LendingService:
    """Lending over the shared ledger: the default product registered, the business date set.

    Both are idempotent, so every process that opens the platform may do it.
    """
    lending = LendingService(url, ledger)
    try:
        lending.register_product()
        with lending.db.read():
            started = catalog.business_day(lending.db) is not None
        if not started:
            lending.start(first_business_date)
    except BaseException:
        lending.db.close()
        raise
    return lending
