"""Reconciliation: the book proves the general ledger, account by account and loan by loan.

Every chart account the lending core posts to has a sub-ledger derivation, per currency:

- receivables, the customer credit balance, write-off expense and recovery income are sums of
  the loans' balances;
- interest, fee and penalty income are sums of what the loans have earned (accruals and their
  billing rounding; upfront, installment and early-repayment fees; penalty interest);
- funding is the funding journal; settlement is funding − principal disbursed + upfront fees
  + payments received − payments reversed (the repayment journal).

And within the book, per loan: the installments tie to the loan's billed balances, and the
journal ties everything the loan was ever charged (principal and earned income) to what it
still owes, what was written off and what the journal says was paid. So marking an
installment paid with no money, deleting a journal row, or a transfer posted around the book
(settlement to income, say) each breaks a line. Queued postings are flushed first; after any
completed operation every line must hold and every ledger's trial balance must be zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from puhui.ledger import Ledger
from puhui.servicing.chart import Code, account_id
from puhui.servicing.outbox import flush
from puhui.servicing.store import Db

#: Chart account -> the sub-ledger expression over `lending_loans` it must equal.
LOAN_SUMS: dict[Code, str] = {
    Code.PRINCIPAL_RECEIVABLE: "SUM(principal_outstanding)",
    Code.INTEREST_RECEIVABLE: "SUM(interest_unbilled + interest_billed)",
    Code.FEE_RECEIVABLE: "SUM(fee_billed)",
    Code.PENALTY_RECEIVABLE: "SUM(penalty_unpaid)",
    Code.CUSTOMER_CREDIT: "SUM(credit_balance)",
    Code.WRITE_OFF_EXPENSE: "SUM(written_off)",
    Code.RECOVERY_INCOME: "SUM(recovered)",
    Code.INTEREST_INCOME: "SUM(interest_earned)",
    Code.FEE_INCOME: "SUM(fee_earned)",
    Code.PENALTY_INCOME: "SUM(penalty_earned)",
}

#: Loan-level checks: a name and the SQL that counts the loans breaking it.
LOAN_CHECKS: dict[str, str] = {
    # Billed installments' unpaid amounts are the loan's billed balances (a written-off loan's
    # balances went to expense, its installments keep their history).
    "installments": (
        "SELECT COUNT(*) FROM lending_loans AS l JOIN (SELECT loan_id,"
        " SUM(CASE WHEN billed = 1 THEN principal_billed - principal_paid ELSE 0 END) AS p,"
        " SUM(CASE WHEN billed = 1 THEN interest_billed - interest_paid ELSE 0 END) AS i,"
        " SUM(CASE WHEN billed = 1 THEN fee_billed - fee_paid ELSE 0 END) AS f"
        " FROM lending_installments GROUP BY loan_id) AS x ON x.loan_id = l.id"
        " WHERE l.status <> 'written_off'"
        " AND (x.p <> l.principal_billed OR x.i <> l.interest_billed OR x.f <> l.fee_billed)"
    ),
    # Principal lent = outstanding + written off + paid (the journal, net of reversals).
    "journal_principal": (
        "SELECT COUNT(*) FROM lending_loans AS l LEFT JOIN (SELECT loan_id,"
        " SUM(paid_principal) AS p FROM lending_transactions GROUP BY loan_id) AS j"
        " ON j.loan_id = l.id"
        " WHERE l.principal <> l.principal_outstanding + l.principal_written_off"
        " + COALESCE(j.p, 0)"
    ),
    # Everything charged = everything owed + written off + paid.
    "journal_total": (
        "SELECT COUNT(*) FROM lending_loans AS l LEFT JOIN (SELECT loan_id,"
        " SUM(paid_principal + paid_interest + paid_fee + paid_penalty) AS p"
        " FROM lending_transactions GROUP BY loan_id) AS j ON j.loan_id = l.id"
        " WHERE l.principal + l.interest_earned + l.fee_earned - l.upfront_fee"
        " - l.early_fee_paid + l.penalty_earned <> l.principal_outstanding"
        " + l.interest_unbilled + l.interest_billed + l.fee_billed + l.penalty_unpaid"
        " + l.written_off + COALESCE(j.p, 0)"
    ),
}


@dataclass(frozen=True, slots=True)
class ReconLine:
    ledger: int
    account: Code
    subledger: int
    general_ledger: int

    @property
    def ok(self) -> bool:
        return self.subledger == self.general_ledger


@dataclass(frozen=True, slots=True)
class Reconciliation:
    lines: tuple[ReconLine, ...]
    trial_balance_zero: bool
    #: Loan-level check -> how many loans break it (0 everywhere when the book is sound).
    loan_checks: tuple[tuple[str, int], ...] = ()

    @property
    def ok(self) -> bool:
        return (
            self.trial_balance_zero
            and all(line.ok for line in self.lines)
            and all(count == 0 for _, count in self.loan_checks)
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "trial_balance_zero": self.trial_balance_zero,
            "lines": [
                {
                    "ledger": x.ledger,
                    "account": x.account.name.lower(),
                    "subledger": x.subledger,
                    "general_ledger": x.general_ledger,
                    "ok": x.ok,
                }
                for x in self.lines
            ],
            "loan_checks": [{"check": name, "loans_failing": n} for name, n in self.loan_checks],
        }


def _subledger(db: Db) -> dict[int, dict[Code, int]]:
    """Every chart account's sub-ledger figure, per currency ledger."""
    sums = ", ".join(f"COALESCE({expr}, 0)" for expr in LOAN_SUMS.values())
    book: dict[int, dict[Code, int]] = {}
    for row in db.all(f"SELECT ledger, {sums} FROM lending_loans GROUP BY ledger"):
        book[int(row[0])] = dict(zip(LOAN_SUMS, (int(v) for v in row[1:]), strict=True))
    for number, funded in db.all("SELECT ledger, SUM(amount) FROM lending_funding GROUP BY ledger"):
        book.setdefault(int(number), dict.fromkeys(LOAN_SUMS, 0))[Code.FUNDING] = int(funded)
    for number, lent, upfront in db.all(
        "SELECT ledger, SUM(principal), SUM(upfront_fee) FROM lending_loans GROUP BY ledger"
    ):
        accounts = book[int(number)]
        accounts[Code.SETTLEMENT] = accounts.get(Code.SETTLEMENT, 0) - int(lent) + int(upfront)
    for number, kind, total in db.all(
        "SELECT l.ledger, t.kind, SUM(t.amount) FROM lending_transactions AS t"
        " JOIN lending_loans AS l ON l.id = t.loan_id GROUP BY l.ledger, t.kind"
    ):
        sign = -1 if kind == "reversal" else 1
        accounts = book[int(number)]
        accounts[Code.SETTLEMENT] = accounts.get(Code.SETTLEMENT, 0) + sign * int(total)
    for accounts in book.values():
        accounts[Code.FUNDING] = accounts.get(Code.FUNDING, 0)
        accounts[Code.SETTLEMENT] = accounts.get(Code.SETTLEMENT, 0) + accounts[Code.FUNDING]
    return book


def reconcile(db: Db, ledger: Ledger) -> Reconciliation:
    flush(db, ledger)
    with db.read():
        book = _subledger(db)
        checks = tuple((name, int(db.one(sql)[0])) for name, sql in LOAN_CHECKS.items())
    lines = []
    for number, accounts in sorted(book.items()):
        ids = [account_id(number, code) for code in accounts]
        found = {a.id: a for a in ledger.lookup_accounts(ids)}
        for code, expected in accounts.items():
            account = found.get(account_id(number, code))
            net = 0
            if account is not None:
                net = account.debits_posted - account.credits_posted
                net = -net if code.credit_normal else net
            lines.append(ReconLine(number, code, expected, net))
    balanced = all(t.balanced for t in ledger.trial_balance())
    return Reconciliation(tuple(lines), balanced, checks)
