"""Repayments, their reversal, and payoff quotes.

A repayment is booked on the business date, for any amount. What is owed is laid out as
`allocation.Due` items — penalties and billed installments past due or due today, then, in
advance, the interest accrued so far and the principal not yet billed — and split with the
product's allocation order (`allocation.allocate`). So money beyond what is due pays the
accrued interest and then prepays principal: interest runs by the day on the principal
outstanding, and early repayment saves interest. Whatever is left after the loan is paid off
becomes a customer credit balance. On a written-off loan a payment is a recovery.

A reversal posts the mirror-image transfers and restores the balances it paid; nothing is
deleted. It does not re-run the interest of the days in between (Fineract would reprocess).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from puhui.errors import ConflictError, NotFoundError, ValidationError
from puhui.lending import payoff as lending_payoff
from puhui.lending.allocation import Allocation, Bucket, Component, Due, allocate
from puhui.lending.payoff import Owed, Upcoming, split_prepayment
from puhui.lending.products import Product
from puhui.servicing.catalog import business_date, load_product
from puhui.servicing.chart import Code, TransferCode, transfer_id
from puhui.servicing.lines import parse_amount
from puhui.servicing.loans import (
    LoanRow,
    LoanStatus,
    age,
    load_loan,
    save_balances,
    settle_status,
)
from puhui.servicing.outbox import Posting, enqueue
from puhui.servicing.store import Db

#: The journal's paid-component columns (net: a reversal's are negative, less any credit it
#: applied), which reconciliation ties each loan's balances to.
_PAID_ORDER = (Component.PRINCIPAL, Component.INTEREST, Component.FEE, Component.PENALTY)
_PAID_COLUMNS = "paid_principal, paid_interest, paid_fee, paid_penalty"

_RECEIVABLE = {
    Component.PRINCIPAL: Code.PRINCIPAL_RECEIVABLE,
    Component.INTEREST: Code.INTEREST_RECEIVABLE,
    Component.FEE: Code.FEE_RECEIVABLE,
    Component.PENALTY: Code.PENALTY_RECEIVABLE,
}


@dataclass(frozen=True, slots=True)
class PaymentResult:
    transaction_id: int
    client_id: str
    kind: str
    amount: int
    paid: dict[str, int]
    loan: LoanRow
    created: bool

    def to_dict(self) -> dict[str, Any]:
        f = self.loan.fmt
        return {
            "transaction_id": self.transaction_id,
            "client_id": self.client_id,
            "kind": self.kind,
            "amount": f(self.amount),
            "paid": {k: f(v) for k, v in self.paid.items()},
            "created": self.created,
            "loan": self.loan.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class LoanTransaction:
    """One entry of a loan's sub-ledger journal: a repayment, recovery or reversal (whose
    client id is the reversed payment's: a reversal is keyed by what it reverses)."""

    id: int
    client_id: str
    kind: str
    business_day: int
    amount: int
    paid: dict[str, int]
    reverses: int | None
    reversed_by: int | None


def transactions_of(db: Db, loan_id: int) -> list[LoanTransaction]:
    """The loan's journal, oldest first (the disbursement is the loan itself)."""
    rows = db.all(
        "SELECT t.id, COALESCE(t.client_id, p.client_id), t.kind, t.business_day, t.amount,"
        " t.reverses, t.reversed_by, t.detail FROM lending_transactions AS t"
        " LEFT JOIN lending_transactions AS p ON p.id = t.reverses"
        " WHERE t.loan_id = ? ORDER BY t.id",
        (loan_id,),
    )
    return [
        LoanTransaction(
            id=int(r[0]),
            client_id=str(r[1]),
            kind=str(r[2]),
            business_day=int(r[3]),
            amount=int(r[4]),
            paid={k: int(v) for k, v in json.loads(r[7])["paid"].items()},
            reverses=None if r[5] is None else int(r[5]),
            reversed_by=None if r[6] is None else int(r[6]),
        )
        for r in rows
    ]


def _check_client_id(client_id: str) -> None:
    if not isinstance(client_id, str) or not client_id.strip() or len(client_id) > 64:
        raise ValidationError("client_id must be 1..64 characters", field="client_id")


def _payment(db: Db, row: Any, client_id: str) -> PaymentResult:
    detail = json.loads(row[4])
    loan = load_loan(db, loan_id=int(row[1]))
    paid = dict(detail["paid"])
    return PaymentResult(int(row[0]), client_id, str(row[2]), int(row[3]), paid, loan, False)


def _existing(db: Db, client_id: str) -> PaymentResult | None:
    """The payment booked under a caller's client id (reversals are keyed by the payment
    they reverse, never by a client id, so the two namespaces cannot meet)."""
    row = db.one(
        "SELECT id, loan_id, kind, amount, detail FROM lending_transactions WHERE client_id = ?",
        (client_id,),
    )
    return None if row is None else _payment(db, row, client_id)


def _check_date(loan: LoanRow, on: date | None, today: date) -> None:
    if on is None:
        return
    if not isinstance(on, date):
        raise ValidationError("on must be a date", field="on")
    if on.toordinal() < loan.disbursed_day:
        raise ValidationError(
            f"{on} is before the disbursement on {date.fromordinal(loan.disbursed_day)}", field="on"
        )
    if on != today:
        raise ValidationError(
            f"payments are booked on the business date {today}, not {on}", field="on"
        )


def dues_of(db: Db, loan: LoanRow, today: int) -> list[Due]:
    """What the loan owes on `today`, as allocation items."""
    rows = db.all(
        "SELECT n, due_day, principal_billed - principal_paid, interest_billed - interest_paid,"
        " fee_billed - fee_paid FROM lending_installments WHERE loan_id = ? AND billed = 1"
        " ORDER BY n",
        (loan.id,),
    )
    dues: list[Due] = []
    oldest = None
    for n, due_day, principal, interest, fee in rows:
        bucket = Bucket.PAST_DUE if int(due_day) < today else Bucket.DUE
        for component, amount in (
            (Component.PRINCIPAL, principal),
            (Component.INTEREST, interest),
            (Component.FEE, fee),
        ):
            if int(amount) > 0:
                oldest = int(n) if oldest is None else oldest
                dues.append(Due(int(n), bucket, component, int(amount)))
    (next_n,) = db.one(
        "SELECT COALESCE(MIN(n), ?) FROM lending_installments WHERE loan_id = ? AND billed = 0",
        (loan.installments + 1, loan.id),
    )
    if loan.penalty_unpaid:
        dues.append(
            Due(oldest or int(next_n), Bucket.PAST_DUE, Component.PENALTY, loan.penalty_unpaid)
        )
    unbilled = loan.principal_outstanding - loan.principal_billed
    if loan.interest_unbilled:
        dues.append(Due(int(next_n), Bucket.IN_ADVANCE, Component.INTEREST, loan.interest_unbilled))
    if unbilled:
        dues.append(Due(int(next_n), Bucket.IN_ADVANCE, Component.PRINCIPAL, unbilled))
    return dues


def _apply(
    db: Db, loan: LoanRow, n: int, bucket: Bucket, component: Component, amount: int
) -> None:
    """Pay (amount > 0) or restore (amount < 0) one allocation on the loan and installment."""
    if bucket is not Bucket.IN_ADVANCE and component is not Component.PENALTY:
        column = {"principal": "principal_paid", "interest": "interest_paid", "fee": "fee_paid"}
        db.execute(
            f"UPDATE lending_installments SET {column[component.value]} ="
            f" {column[component.value]} + ? WHERE loan_id = ? AND n = ?",
            (amount, loan.id, n),
        )
    if component is Component.PRINCIPAL:
        loan.principal_outstanding -= amount
        if bucket is not Bucket.IN_ADVANCE:
            loan.principal_billed -= amount
    elif component is Component.INTEREST:
        if bucket is Bucket.IN_ADVANCE:
            loan.interest_unbilled -= amount
        else:
            loan.interest_billed -= amount
    elif component is Component.FEE:
        loan.fee_billed -= amount
    else:
        loan.penalty_unpaid -= amount


def repay(
    db: Db, loan_id: int, amount: Decimal | str, client_id: str, on: date | None = None
) -> PaymentResult:
    """Book a repayment (or, on a written-off loan, a recovery); idempotent by client id: a
    retry with the same loan and amount returns the first payment, anything else is refused."""
    _check_client_id(client_id)
    previous = _existing(db, client_id)
    loan = load_loan(db, loan_id=loan_id, lock=previous is None)
    minor = parse_amount(amount, loan.currency)
    if previous is not None:
        if previous.loan.id != loan_id or previous.amount != minor:
            raise ConflictError(
                f"client_id {client_id!r} was used for a payment of"
                f" {loan.fmt(previous.amount)} on loan {previous.loan.id}",
                field="client_id",
            )
        return previous
    today = business_date(db)
    _check_date(loan, on, today)
    if loan.status == LoanStatus.CLOSED:
        raise ConflictError(f"loan {loan_id} is closed", field="loan_id")
    postings: list[tuple[str, Code, Code, int]] = []
    allocations: list[list[Any]] = []
    paid: dict[str, int] = {}
    product = load_product(db, loan.product_id, loan.product_version)
    if loan.status == LoanStatus.WRITTEN_OFF:
        kind = "recovery"
        recovered = min(minor, loan.written_off - loan.recovered)
        _check_overpayment(loan, product, minor, minor - recovered)
        loan.recovered += recovered
        excess = minor - recovered
        paid["recovery"] = recovered
        postings.append(("recovery", Code.SETTLEMENT, Code.RECOVERY_INCOME, recovered))
    else:
        kind = "repayment"
        split = _allocate_payment(db, loan, minor, today.toordinal(), product)
        _check_overpayment(loan, product, minor, split.excess)
        for a in split.allocations:
            _apply(db, loan, a.installment, a.bucket, a.component, a.amount)
            allocations.append([a.installment, a.bucket.value, a.component.value, a.amount])
        for component in Component:
            total = split.total(component)
            paid[component.value] = total
            postings.append((component.value, Code.SETTLEMENT, _RECEIVABLE[component], total))
        paid["early_repayment_fee"] = split.early_fee
        postings.append(("early-fee", Code.SETTLEMENT, Code.FEE_INCOME, split.early_fee))
        loan.fee_earned += split.early_fee
        loan.early_fee_paid += split.early_fee
        excess = split.excess
    loan.credit_balance += excess
    paid["credit_balance"] = excess
    postings.append(("credit", Code.SETTLEMENT, Code.CUSTOMER_CREDIT, excess))
    settle_status(loan, today.toordinal())
    save_balances(db, loan)
    age(db, today.toordinal(), loan.id)
    loan = load_loan(db, loan_id=loan.id)
    (txn_id,) = db.next_ids("lending_transactions", 1)
    detail = {
        "paid": paid,
        "excess": excess,
        "allocations": allocations,
        "postings": [[k, int(d), int(c), a] for k, d, c, a in postings if a],
    }
    db.execute(
        "INSERT INTO lending_transactions (id, client_id, loan_id, kind, business_day, amount,"
        f" {_PAID_COLUMNS}, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            txn_id,
            client_id,
            loan.id,
            kind,
            today.toordinal(),
            minor,
            *(paid.get(c.value, 0) for c in _PAID_ORDER),
            json.dumps(detail),
        ),
    )
    enqueue(
        db,
        [
            Posting(transfer_id("pay", client_id, k), loan.ledger, d, c, a, TransferCode.REPAYMENT)
            for k, d, c, a in postings
        ],
    )
    return PaymentResult(txn_id, client_id, kind, minor, paid, loan, True)


def _check_overpayment(loan: LoanRow, product: Product, minor: int, excess: int) -> None:
    """Refuse a payment that would leave more than the product's overpayment tolerance as a
    credit balance: at most the payoff plus the tolerance is taken (ValidationError on
    `amount`, nothing booked)."""
    tolerance = product.repayment.overpayment_tolerance
    if tolerance is None:
        return
    allowed = parse_amount(tolerance, loan.currency) if tolerance else 0
    if excess > allowed:
        payoff = minor - excess
        raise ValidationError(
            f"amount {loan.fmt(minor)} is more than loan {loan.id} owes ({loan.fmt(payoff)})"
            f" plus the overpayment tolerance of {loan.fmt(allowed)}: pay at most"
            f" {loan.fmt(payoff + allowed)}",
            field="amount",
        )


@dataclass(frozen=True, slots=True)
class _Split:
    """A payment laid over what the loan owes: allocations, the early-repayment fee charged
    on the principal it prepays, and the excess left for the customer's credit balance."""

    allocations: tuple[Allocation, ...]
    early_fee: int
    excess: int

    def total(self, component: Component) -> int:
        return sum(a.amount for a in self.allocations if a.component is component)


def _allocate_payment(db: Db, loan: LoanRow, minor: int, today: int, product: Product) -> _Split:
    """Allocate `minor` in the product's order, applying its early-repayment rules to the
    principal not yet due: refused when the product allows no early repayment, else charged
    the product's fee on the principal prepaid, exactly as `payoff_quote` computes it."""
    dues = dues_of(db, loan, today)
    result = allocate(minor, dues, product.repayment.allocation_order)
    prepaid = [
        a
        for a in result.allocations
        if a.bucket is Bucket.IN_ADVANCE and a.component is Component.PRINCIPAL
    ]
    if not prepaid:
        return _Split(result.allocations, 0, result.excess)
    rules = product.repayment
    if not rules.early_repayment_allowed:
        due_now = minor - result.excess - sum(a.amount for a in prepaid)
        raise ValidationError(
            f"{product.id} allows no early repayment: at most {loan.fmt(due_now)} can be paid"
            " on this business date",
            field="amount",
        )
    offered = sum(a.amount for a in prepaid) + result.excess
    prepayable = loan.principal_outstanding - loan.principal_billed
    principal, fee = split_prepayment(
        offered,
        prepayable,
        rules.early_repayment_fee,
        product.schedule.digits,
        product.schedule.rounding,
    )
    kept = [a for a in result.allocations if a not in prepaid]
    if principal:
        first = prepaid[0]
        kept.append(Allocation(first.installment, first.bucket, first.component, principal))
    return _Split(tuple(kept), fee, offered - principal - fee)


def _catch_up_billing(db: Db, loan: LoanRow, today: int) -> int:
    """Bill what a reversal put back but COB can no longer bill; returns fees billed.

    A loan closed by a payment is skipped by COB's billing, so reversing that payment can leave
    installments whose due date has passed unbilled, or (after the last one) restored
    principal and interest with no installment left to fall due with. Those are billed here,
    as COB would have, and the leftovers go to the last installment.
    """
    if loan.status == LoanStatus.WRITTEN_OFF:
        return 0
    rows = db.all(
        "SELECT n, sched_principal, sched_fee, last FROM lending_installments"
        " WHERE loan_id = ? AND billed = 0 AND due_day <= ? ORDER BY n",
        (loan.id, today),
    )
    fees = 0
    for n, sched_principal, sched_fee, last in rows:
        unbilled = loan.principal_outstanding - loan.principal_billed
        principal = unbilled if int(last) else min(int(sched_principal), unbilled)
        interest = loan.interest_unbilled
        db.execute(
            "UPDATE lending_installments SET billed = 1, principal_billed = ?,"
            " interest_billed = ?, fee_billed = ? WHERE loan_id = ? AND n = ?",
            (principal, interest, int(sched_fee), loan.id, int(n)),
        )
        loan.principal_billed += principal
        loan.interest_billed += interest
        loan.interest_unbilled = 0
        loan.fee_billed += int(sched_fee)
        fees += int(sched_fee)
    (unbilled_left,) = db.one(
        "SELECT COUNT(*) FROM lending_installments WHERE loan_id = ? AND billed = 0", (loan.id,)
    )
    principal = loan.principal_outstanding - loan.principal_billed
    interest = loan.interest_unbilled
    if int(unbilled_left) == 0 and (principal or interest):
        db.execute(
            "UPDATE lending_installments SET principal_billed = principal_billed + ?,"
            " interest_billed = interest_billed + ? WHERE loan_id = ? AND n = ?",
            (principal, interest, loan.id, loan.installments),
        )
        loan.principal_billed += principal
        loan.interest_billed += interest
        loan.interest_unbilled = 0
    return fees


def reverse(db: Db, client_id: str) -> PaymentResult:
    """Reverse the repayment or recovery booked under `client_id` (idempotent: a repeat returns
    the same reversal, found by the payment it reverses).

    The payment's allocations are put back and its postings mirrored; then, as Fineract keeps
    an overpaid loan overpaid, a credit balance the customer still holds pays what the loan
    owes again (credit to receivables), so reversing one payment of an overpaid loan does not
    make it fall due."""
    _check_client_id(client_id)
    row = db.one(
        "SELECT id, loan_id, kind, amount, reversed_by, detail FROM lending_transactions"
        " WHERE client_id = ?" + db.for_update,
        (client_id,),
    )
    if row is None:
        raise NotFoundError(f"no payment with client_id {client_id!r}", field="client_id")
    if row[2] not in ("repayment", "recovery"):
        raise ValidationError(f"a {row[2]} cannot be reversed", field="client_id")
    if row[4] is not None:
        done = db.one(
            "SELECT id, loan_id, kind, amount, detail FROM lending_transactions WHERE reverses = ?",
            (int(row[0]),),
        )
        return _payment(db, done, client_id)
    loan = load_loan(db, loan_id=int(row[1]), lock=True)
    today = business_date(db)
    detail = json.loads(row[5])
    if row[2] == "repayment" and loan.status == LoanStatus.WRITTEN_OFF:
        raise ConflictError(
            f"loan {loan.id} was written off after this repayment; book a recovery instead",
            field="client_id",
        )
    if loan.credit_balance < detail["excess"]:
        raise ConflictError(
            "the credit balance of this payment was already used", field="client_id"
        )
    for n, bucket, component, amount in detail["allocations"]:
        _apply(db, loan, int(n), Bucket(bucket), Component(component), -int(amount))
    loan.credit_balance -= detail["excess"]
    loan.recovered -= detail["paid"].get("recovery", 0)
    early_fee = int(detail["paid"].get("early_repayment_fee", 0))
    loan.fee_earned -= early_fee
    loan.early_fee_paid -= early_fee
    catch_up_fees = _catch_up_billing(db, loan, today.toordinal())
    loan.fee_earned += catch_up_fees
    product = load_product(db, loan.product_id, loan.product_version)
    credit = _apply_credit(db, loan, today.toordinal(), product)
    settle_status(loan, today.toordinal())
    save_balances(db, loan)
    age(db, today.toordinal(), loan.id)
    loan = load_loan(db, loan_id=loan.id)
    paid = {k: -v for k, v in detail["paid"].items()}
    credit_paid = {c.value: credit.total(c) for c in Component if credit.total(c)}
    (txn_id,) = db.next_ids("lending_transactions", 1)
    db.execute(
        "INSERT INTO lending_transactions (id, client_id, loan_id, kind, business_day, amount,"
        f" {_PAID_COLUMNS}, reverses, detail) VALUES (?, NULL, ?, 'reversal', ?, ?, ?, ?, ?, ?,"
        " ?, ?)",
        (
            txn_id,
            loan.id,
            today.toordinal(),
            int(row[3]),
            *(paid.get(c.value, 0) + credit_paid.get(c.value, 0) for c in _PAID_ORDER),
            int(row[0]),
            json.dumps(
                {
                    "paid": paid,
                    "credit_applied": credit_paid,
                    "credit_allocations": [
                        [a.installment, a.bucket.value, a.component.value, a.amount]
                        for a in credit.allocations
                    ],
                }
            ),
        ),
    )
    db.execute(
        "UPDATE lending_transactions SET reversed_by = ? WHERE id = ?", (txn_id, int(row[0]))
    )
    postings = [
        Posting(
            transfer_id("reverse", client_id, "catch-up-fee"),
            loan.ledger,
            Code.FEE_RECEIVABLE,
            Code.FEE_INCOME,
            catch_up_fees,
            TransferCode.BILLING,
        ),
        *(
            Posting(
                transfer_id("reverse", client_id, k),
                loan.ledger,
                Code(c),
                Code(d),
                a,
                TransferCode.REVERSAL,
            )
            for k, d, c, a in detail["postings"]
        ),
        *(
            Posting(
                transfer_id("reverse", client_id, "credit-applied", component),
                loan.ledger,
                Code.CUSTOMER_CREDIT,
                _RECEIVABLE[Component(component)],
                amount,
                TransferCode.REPAYMENT,
            )
            for component, amount in credit_paid.items()
        ),
    ]
    enqueue(db, postings)
    if credit_paid:
        paid["credit_applied"] = sum(credit_paid.values())
    return PaymentResult(txn_id, client_id, "reversal", int(row[3]), paid, loan, True)


def _apply_credit(db: Db, loan: LoanRow, today: int, product: Product) -> _Split:
    """Pay what the loan owes from its customer credit balance (no early-repayment fee: the
    credit is money the customer already paid beyond a payoff)."""
    if loan.status == LoanStatus.WRITTEN_OFF or loan.credit_balance <= 0:
        return _Split((), 0, 0)
    result = allocate(
        loan.credit_balance, dues_of(db, loan, today), product.repayment.allocation_order
    )
    for a in result.allocations:
        _apply(db, loan, a.installment, a.bucket, a.component, a.amount)
    loan.credit_balance = result.excess
    return _Split(result.allocations, 0, result.excess)


def owed_of(loan: LoanRow, upcoming: tuple[Upcoming, ...] = ()) -> Owed:
    """The stored loan's position, for the pure payoff projection."""
    active = loan.status == LoanStatus.ACTIVE
    return Owed(
        principal=loan.principal_outstanding,
        principal_due=loan.principal_billed,
        principal_overdue=loan.principal_overdue,
        interest=loan.interest_unbilled + loan.interest_billed,
        fee=loan.fee_billed,
        penalty=loan.penalty_unpaid,
        interest_remainder=loan.interest_rem,
        penalty_remainder=loan.penalty_rem,
        rate_ppm=loan.nominal_rate_ppm if active else 0,
        penalty_rate_ppm=loan.penalty_rate_ppm,
        year_days=loan.year_days,
        accrues_from=date.fromordinal(loan.disbursed_day),
        accrues_until=date.fromordinal(loan.maturity_day),
        final_due=date.fromordinal(loan.maturity_day),
        upcoming=upcoming,
    )


def upcoming_of(db: Db, loan: LoanRow) -> tuple[Upcoming, ...]:
    """The loan's installments not yet billed: what will fall due, and when."""
    rows = db.all(
        "SELECT due_day, sched_principal, sched_fee FROM lending_installments"
        " WHERE loan_id = ? AND billed = 0 ORDER BY n",
        (loan.id,),
    )
    return tuple(Upcoming(date.fromordinal(int(r[0])), int(r[1]), int(r[2])) for r in rows)


def payoff_quote(db: Db, loan_id: int, on: date | None = None) -> dict[str, Any]:
    """What pays the loan off on `on` (default: the business date), by component
    (`lending.payoff.payoff_quote` on the stored balances and the installments to come).
    Where the product allows no early repayment, the quote says so: before maturity the loan
    can only be paid as it falls due."""
    loan = load_loan(db, loan_id=loan_id)
    today = business_date(db)
    product = load_product(db, loan.product_id, loan.product_version)
    on = on or today
    if not isinstance(on, date) or on < today:
        raise ValidationError(f"a payoff quote is for {today} or later", field="on")
    if loan.status == LoanStatus.WRITTEN_OFF:
        outstanding = loan.written_off - loan.recovered
        return {
            "loan_id": loan.id,
            "on": on.isoformat(),
            "recovery_due": loan.fmt(outstanding),
            "total": loan.fmt(outstanding),
        }
    rules = product.repayment
    quote = lending_payoff.payoff_quote(
        owed_of(loan, upcoming_of(db, loan)),
        today,
        on,
        early_fee=rules.early_repayment_fee if rules.early_repayment_allowed else None,
        digits=product.schedule.digits,
        rounding=product.schedule.rounding,
    )
    f = loan.fmt
    return {
        "loan_id": loan.id,
        "on": on.isoformat(),
        "principal": f(quote.principal),
        "interest": f(quote.interest),
        "fee": f(quote.fee),
        "penalty": f(quote.penalty),
        "early_repayment_fee": f(quote.early_repayment_fee),
        "early_repayment_allowed": rules.early_repayment_allowed,
        "credit_balance": f(loan.credit_balance),
        "total": f(quote.total),
        "total_minor": quote.total,
    }
