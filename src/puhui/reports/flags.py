"""Red flags (风险预警信号): each with the statement rows that raised it and the figure it crossed.

Thresholds are named constants; `bench/reports.py` measures each detector's recall and false
alarm rate on generated applicants whose planted signs are known.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from puhui.reports.statement import Transaction

if TYPE_CHECKING:
    from puhui.reports.analysis import Analysis

#: concentration: the largest customer pays at least this share of revenue
TOP_CUSTOMER_SHARE = 0.40
#: declining revenue: seasonally adjusted trend a year at or below this, and the last three
#: months at most this share of the first three
DECLINE_TREND = -0.15
DECLINE_LAST_VS_FIRST = 0.80
#: round-tripping: money out and back from the same account within this many days, the
#: amount within this share, at least this often, each at least this share of median revenue
ROUND_TRIP_DAYS = 7
ROUND_TRIP_TOLERANCE = 0.02
ROUND_TRIP_PAIRS = 3
ROUND_TRIP_MIN_SHARE = 0.05
#: cash: withdrawals of at least max(floor, share of median monthly revenue), at least twice
CASH_FLOOR = 1_000_000  # 10,000 yuan in fen
CASH_SHARE = 0.10
CASH_COUNT = 2
#: debt growth: within this many days of the statement's end, at least this many new loans
#: adding up to at least this share of average monthly revenue
NEW_DEBT_DAYS = 183
NEW_DEBT_COUNT = 2
NEW_DEBT_SHARE = 0.5
#: tax: declared sales below this share of the statement's revenue in a quarter
TAX_RATIO = 0.70

SIGNS = ("concentration", "declining_revenue", "round_tripping", "cash_withdrawals", "debt_growth")


def _flag(
    code: str, severity: str, rows: list[str], facts: list[str], **figures: Any
) -> dict[str, Any]:
    return {"code": code, "severity": severity, "rows": rows, "facts": facts, "figures": figures}


def detect_flags(a: Analysis) -> list[dict[str, Any]]:
    flags: list[dict[str, Any]] = []
    share = a.value("customer.top_share")
    if share >= TOP_CUSTOMER_SHARE:
        flags.append(
            _flag(
                "concentration",
                "high" if share >= 0.6 else "medium",
                list(a.facts["customer.top_share"].rows),
                ["customer.top_share"],
                share=share,
                name=a.customers[0]["name"],
            )
        )
    trend = a.value("revenue.trend")
    ratio = a.value("revenue.last3_vs_first3")
    if trend <= DECLINE_TREND and ratio <= DECLINE_LAST_VS_FIRST:
        last = a.monthly[-3:]
        flags.append(
            _flag(
                "declining_revenue",
                "high" if trend <= -0.4 else "medium",
                [r for m in last for r in m["revenue_rows"]],
                ["revenue.trend", "revenue.last3_vs_first3"],
                trend=trend,
                ratio=ratio,
            )
        )
    pairs = round_trips(a)
    if len(pairs) >= ROUND_TRIP_PAIRS:
        related = set(a.applicant.related_by_account())
        declared = sum(1 for out, _ in pairs if out.account in related)
        flags.append(
            _flag(
                "round_tripping",
                "high",
                [t.id for pair in pairs for t in pair],
                ["related.in", "related.out"],
                pairs=len(pairs),
                declared_related=declared,
                amount=sum(back.amount for _, back in pairs),
            )
        )
    cash = large_cash(a)
    if len(cash) >= CASH_COUNT:
        flags.append(
            _flag(
                "cash_withdrawals",
                "medium",
                [t.id for t in cash],
                ["category.cash_withdrawal"],
                count=len(cash),
                amount=-sum(t.amount for t in cash),
            )
        )
    new = new_debt(a)
    if new["count"] >= NEW_DEBT_COUNT and new["amount"] >= NEW_DEBT_SHARE * max(
        1, a.value("revenue.avg")
    ):
        flags.append(
            _flag(
                "debt_growth",
                "high",
                new["rows"],
                ["debt.balance", "debt.service"],
                count=new["count"],
                amount=new["amount"],
            )
        )
    for t in a.tax:
        if t["ratio"] is not None and t["ratio"] < TAX_RATIO:
            flags.append(
                _flag(
                    "tax_gap",
                    "low",
                    list(a.facts[t["fact"]].rows),
                    [t["fact"]],
                    period=t["period"],
                    ratio=t["ratio"],
                )
            )
    return flags


def round_trips(a: Analysis) -> list[tuple[Transaction, Transaction]]:
    """Pairs (out, back): money to an account that returns from it within days, same amount."""
    floor = ROUND_TRIP_MIN_SHARE * a.value("revenue.median")
    outs: dict[str, list[Transaction]] = {}
    ins: dict[str, list[Transaction]] = {}
    for c in a.rows:
        t = c.txn
        if t.account and abs(t.amount) >= floor:
            (outs if t.amount < 0 else ins).setdefault(t.account, []).append(t)
    pairs: list[tuple[Transaction, Transaction]] = []
    for account in sorted(outs):
        backs = sorted(ins.get(account, ()), key=lambda t: (t.date, t.id))
        used: set[str] = set()
        for out in sorted(outs[account], key=lambda t: (t.date, t.id)):
            for back in backs:
                if back.id in used or back.date < out.date:
                    continue
                if back.date > out.date + timedelta(days=ROUND_TRIP_DAYS):
                    break
                if abs(back.amount + out.amount) <= ROUND_TRIP_TOLERANCE * -out.amount:
                    used.add(back.id)
                    pairs.append((out, back))
                    break
    return pairs


def large_cash(a: Analysis) -> list[Transaction]:
    floor = max(CASH_FLOOR, CASH_SHARE * a.value("revenue.median"))
    return [c.txn for c in a.rows if c.category == "cash_withdrawal" and -c.txn.amount >= floor]


def new_debt(a: Analysis) -> dict[str, Any]:
    """New borrowing near the statement's end: declared loans and disbursements in the rows."""
    since = a.end - timedelta(days=NEW_DEBT_DAYS)
    declared = [d for d in a.applicant.debts if d.opened > since]
    seen = [c.txn for c in a.rows if c.category == "loan_in" and c.txn.date > since]
    count = max(len(declared), len(seen))
    amount = max(sum(d.principal for d in declared), sum(t.amount for t in seen))
    return {"count": count, "amount": amount, "rows": [t.id for t in seen]}
