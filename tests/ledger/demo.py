"""The main job for now: a short ledger demo that books a few loans and prints the balances.

Every id is fixed, so running it again books nothing twice: the ledger answers `exists`.
"""

from __future__ import annotations

from dataclasses import dataclass

from puhui.ledger import Account, AccountFlags, Ledger, Transfer, TransferFlags
from puhui.money import Money
from puhui.servicing.chart import CURRENCY_LEDGERS

CNY = CURRENCY_LEDGERS["CNY"]


@dataclass(frozen=True)
class DemoAccount:
    id: int
    code: int
    name_en: str
    name_zh: str
    flags: int = 0


ACCOUNTS = [
    DemoAccount(1001, 1, "Settlement (bank)", "清算备付金"),
    DemoAccount(1002, 2, "Loan principal receivable", "贷款本金应收"),
    DemoAccount(1003, 3, "Interest receivable", "应收利息"),
    DemoAccount(2001, 4, "Funding (equity and deposits)", "资金来源"),
    DemoAccount(3001, 5, "Interest income", "利息收入"),
    DemoAccount(
        4001,
        6,
        "Customer 张三 wallet",
        "客户张三账户",
        int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
    ),
]


def _t(id: int, dr: int, cr: int, yuan: str, code: int, flags: int = 0) -> Transfer:
    return Transfer(
        id=id,
        debit_account_id=dr,
        credit_account_id=cr,
        amount=Money.parse(yuan, "CNY").minor,
        ledger=CNY,
        code=code,
        flags=flags,
    )


def run_demo(ledger: Ledger) -> dict[str, object]:
    """Book the demo's transfers (idempotently) and return balances and the trial balance."""
    account_results = ledger.create_accounts(
        [Account(id=a.id, ledger=CNY, code=a.code, flags=a.flags) for a in ACCOUNTS]
    )
    transfers = [
        _t(90001, 1001, 2001, "1000000.00", 1),  # funding arrives
        _t(90002, 1002, 1001, "5000.00", 10),  # disburse a 5,000 yuan loan ...
        _t(90003, 1001, 4001, "5000.00", 11),  # ... to the customer's wallet
        _t(90004, 1003, 3001, "1.64", 20),  # one day's interest accrues (12% / 365)
        _t(90005, 4001, 1001, "501.64", 30, int(TransferFlags.PENDING)),  # repayment hold
        Transfer(id=90006, pending_id=90005, flags=TransferFlags.POST_PENDING_TRANSFER),
        _t(90007, 1001, 1003, "1.64", 31, int(TransferFlags.LINKED)),  # allocate: interest
        _t(90008, 1001, 1002, "500.00", 32),  # ... then principal
    ]
    transfer_results = ledger.create_transfers(transfers)
    names = {a.id: a for a in ACCOUNTS}
    balances = []
    for a in ledger.lookup_accounts([a.id for a in ACCOUNTS]):
        net = Money(a.debits_posted - a.credits_posted, "CNY")
        balances.append(
            {
                "id": a.id,
                "name_en": names[a.id].name_en,
                "name_zh": names[a.id].name_zh,
                "debits": Money(a.debits_posted, "CNY").format(),
                "credits": Money(a.credits_posted, "CNY").format(),
                "net_debit": net.format(),
            }
        )
    trial = ledger.trial_balance()
    return {
        "accounts_existing": sum(1 for _, r in account_results if r.name == "EXISTS"),
        "transfers_existing": sum(1 for _, r in transfer_results if r.name == "EXISTS"),
        "transfers_failed": [(i, r.name) for i, r in transfer_results if r.name != "EXISTS"],
        "balances": balances,
        "trial_balance_zero": all(t.balanced for t in trial),
    }
