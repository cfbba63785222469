"""Reconciliation: the sub-ledger's totals per currency equal the general ledger's balances.

Each control account in the chart has a sub-ledger counterpart (a sum over `lending_loans`).
Queued postings are flushed first, so after any completed operation every pair must match and
every ledger's trial balance must be zero. A mismatch means a bug, never a timing artefact.
"""

from __future__ import annotations

from dataclasses import dataclass

from puhui.ledger import Ledger
from puhui.servicing.chart import Code, account_id
from puhui.servicing.outbox import flush
from puhui.servicing.store import Db

#: Chart account -> the sub-ledger expression it must equal.
PAIRS: dict[Code, str] = {
    Code.PRINCIPAL_RECEIVABLE: "SUM(principal_outstanding)",
    Code.INTEREST_RECEIVABLE: "SUM(interest_unbilled + interest_billed)",
    Code.FEE_RECEIVABLE: "SUM(fee_billed)",
    Code.PENALTY_RECEIVABLE: "SUM(penalty_unpaid)",
    Code.CUSTOMER_CREDIT: "SUM(credit_balance)",
    Code.WRITE_OFF_EXPENSE: "SUM(written_off)",
    Code.RECOVERY_INCOME: "SUM(recovered)",
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

    @property
    def ok(self) -> bool:
        return self.trial_balance_zero and all(line.ok for line in self.lines)

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
        }


def reconcile(db: Db, ledger: Ledger) -> Reconciliation:
    flush(db, ledger)
    sums = ", ".join(f"COALESCE({expr}, 0)" for expr in PAIRS.values())
    with db.read():
        rows = db.all(f"SELECT ledger, {sums} FROM lending_loans GROUP BY ledger")
    lines = []
    for row in rows:
        number = int(row[0])
        ids = [account_id(number, code) for code in PAIRS]
        accounts = {a.id: a for a in ledger.lookup_accounts(ids)}
        for code, expected in zip(PAIRS, row[1:], strict=True):
            account = accounts.get(account_id(number, code))
            net = 0
            if account is not None:
                net = account.debits_posted - account.credits_posted
                net = -net if code.credit_normal else net
            lines.append(ReconLine(number, code, int(expected), net))
    balanced = all(t.balanced for t in ledger.trial_balance())
    return Reconciliation(tuple(lines), balanced)
