"""Close of business (COB) for one business date: set-based over every loan.

Steps, in order, each in its own transaction together with its status row (so a crash
resumes at the first step not done, and running a date again changes nothing):

1. `accrue`    — the day's contract interest on the principal outstanding that is not
                 overdue, for loans disbursed and not yet mature. Exact: the numerator
                 `principal × nominal_rate_ppm × day weight` is added to the carried remainder
                 `interest_rem`, the quotient is today's interest; so the sum of daily accruals
                 is the exact interest rounded down, never drifting (`interest.day_weight`:
                 actual/actual loans count each day against its own year's length).
2. `penalty`   — the overdue rate, the same way, on principal overdue beyond the grace days:
                 it replaces the contract rate there (PBOC 银发〔2003〕251号), it is not added.
3. `bill`      — installments falling due on the next date become due: their principal
                 (never more than is still unbilled; the last takes the rest) and the interest
                 accrued in the period, rounded the product's way (the +1 cent of rounding up
                 is accrued at this point, so billed interest matches the schedule's).
4. `age`       — overdue principal, days past due (counted from the due date once the grace
                 days have passed, as `delinquency.days_past_due`) and the bucket.
5. `write_off` — loans at the product's write-off DPD: every receivable to write-off expense.
6. `freeze`    — every line of a customer with a loan at the product's freeze DPD, or written
                 off, is frozen (no new drawdowns until an operator unfreezes it).
7. `summarise` — the console's daily summaries (`summary`): ledger transfers per day and
                 code (only those since the last run), the book by bucket, active lines.
8. `advance`   — the business date moves to the next date.

The per-loan changes are single SQL statements over all loans; the general ledger gets ONE
aggregated transfer per currency per step per day, with a deterministic id (via the outbox).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from puhui.errors import ValidationError
from puhui.lending.interest import ACTUAL_YEAR_DAYS, ACTUAL_YEARS, day_weight
from puhui.rate import PPM
from puhui.servicing import summary
from puhui.servicing.catalog import business_day
from puhui.servicing.chart import Code, TransferCode, transfer_id
from puhui.servicing.loans import age
from puhui.servicing.outbox import Posting, enqueue
from puhui.servicing.store import Db

STEPS = ("accrue", "penalty", "bill", "age", "write_off", "freeze", "summarise", "advance")

#: The accrual divisor and a day's weight, as SQL over a loan row (`lending.interest`).
_DIV = (
    f"({PPM} * (CASE WHEN year_days = {ACTUAL_YEAR_DAYS} THEN {ACTUAL_YEARS} ELSE year_days END))"
)
_WEIGHT = f"(CASE WHEN year_days = {ACTUAL_YEAR_DAYS} THEN :w ELSE 1 END)"


def _weighted(sql: str, day: date) -> str:
    """`sql` with the day's actual/actual weight in place of `:w` (an integer we compute)."""
    return sql.replace(":w", str(day_weight(ACTUAL_YEAR_DAYS, day)))


StepResult = tuple[int, list[Posting]]


@dataclass
class CobReport:
    business_date: date
    steps: dict[str, int] = field(default_factory=dict)  # loans touched per step
    skipped: list[str] = field(default_factory=list)  # steps already done earlier

    def to_dict(self) -> dict[str, Any]:
        return {
            "business_date": self.business_date.isoformat(),
            "next_business_date": (self.business_date + timedelta(days=1)).isoformat(),
            "steps": self.steps,
            "skipped": self.skipped,
        }


def _post(
    day: date, step: str, rows: list[Any], legs: list[tuple[str, Code, Code]]
) -> list[Posting]:
    """One posting per (currency ledger, leg) from aggregated rows (ledger, count, *amounts)."""
    out = []
    for row in rows:
        ledger = int(row[0])
        for (leg, debit, credit), amount in zip(legs, row[2:], strict=True):
            if amount:
                code = {
                    "accrue": TransferCode.ACCRUAL,
                    "penalty": TransferCode.PENALTY,
                    "bill": TransferCode.BILLING,
                    "write_off": TransferCode.WRITE_OFF,
                }[step]
                tid = transfer_id("cob", day.isoformat(), step, ledger, leg)
                out.append(Posting(tid, ledger, debit, credit, int(amount), code))
    return out


def _accrue(db: Db, day: date) -> StepResult:
    d = day.toordinal()
    inc = _weighted(
        f"(interest_rem + (principal_outstanding - principal_overdue) * nominal_rate_ppm"
        f" * {_WEIGHT})",
        day,
    )
    div = _DIV
    cond = "status = 'active' AND accrual_day < ? AND disbursed_day <= ? AND maturity_day > ?"
    rows = db.all(
        f"SELECT ledger, COUNT(*), SUM({inc} / {div}) FROM lending_loans WHERE {cond}"
        " GROUP BY ledger",
        (d, d, d),
    )
    db.execute(
        f"UPDATE lending_loans SET interest_unbilled = interest_unbilled + {inc} / {div},"
        f" interest_period = interest_period + {inc} / {div},"
        f" interest_earned = interest_earned + {inc} / {div}, interest_rem = {inc} % {div},"
        f" accrual_day = ? WHERE {cond}",
        (d, d, d, d),
    )
    legs = [("interest", Code.INTEREST_RECEIVABLE, Code.INTEREST_INCOME)]
    return sum(int(r[1]) for r in rows), _post(day, "accrue", rows, legs)


def _penalty(db: Db, day: date) -> StepResult:
    d = day.toordinal()
    inc = _weighted(f"(penalty_rem + principal_overdue * penalty_rate_ppm * {_WEIGHT})", day)
    div = _DIV
    cond = "status = 'active' AND principal_overdue > 0 AND penalty_day < ?"
    rows = db.all(
        f"SELECT ledger, COUNT(*), SUM({inc} / {div}) FROM lending_loans WHERE {cond}"
        " GROUP BY ledger",
        (d,),
    )
    db.execute(
        f"UPDATE lending_loans SET penalty_unpaid = penalty_unpaid + {inc} / {div},"
        f" penalty_earned = penalty_earned + {inc} / {div},"
        f" penalty_rem = {inc} % {div}, penalty_day = ? WHERE {cond}",
        (d, d),
    )
    legs = [("penalty", Code.PENALTY_RECEIVABLE, Code.PENALTY_INCOME)]
    return sum(int(r[1]) for r in rows), _post(day, "penalty", rows, legs)


_ROUND_UP = """(CASE l.rounding
    WHEN 'half-even' THEN (CASE WHEN 2 * l.interest_rem > {D}
        OR (2 * l.interest_rem = {D} AND l.interest_period % 2 = 1) THEN 1 ELSE 0 END)
    WHEN 'half-up' THEN (CASE WHEN 2 * l.interest_rem >= {D} THEN 1 ELSE 0 END)
    WHEN 'up' THEN (CASE WHEN l.interest_rem > 0 THEN 1 ELSE 0 END)
    WHEN 'ceiling' THEN (CASE WHEN l.interest_rem > 0 THEN 1 ELSE 0 END)
    ELSE 0 END)""".format(D=_DIV.replace("year_days", "l.year_days"))


def _bill(db: Db, day: date) -> StepResult:
    n = day.toordinal() + 1
    unbilled = "(l.principal_outstanding - l.principal_billed)"
    db.execute(
        "UPDATE lending_installments AS i SET billed = 1,"
        f" principal_billed = CASE WHEN i.last = 1 OR i.sched_principal > {unbilled}"
        f" THEN {unbilled} ELSE i.sched_principal END,"
        f" interest_billed = l.interest_unbilled + {_ROUND_UP},"
        " fee_billed = i.sched_fee"
        " FROM lending_loans AS l WHERE i.loan_id = l.id AND i.due_day = ? AND i.billed = 0"
        " AND l.status = 'active'",
        (n,),
    )
    join = (
        " FROM lending_installments AS i JOIN lending_loans AS l ON i.loan_id = l.id"
        " WHERE i.due_day = ? AND i.billed = 1 AND l.status = 'active'"
    )
    rows = db.all(
        "SELECT l.ledger, COUNT(*), SUM(i.interest_billed - l.interest_unbilled),"
        " SUM(i.fee_billed)" + join + " GROUP BY l.ledger",
        (n,),
    )
    db.execute(
        "UPDATE lending_loans AS l SET principal_billed = l.principal_billed + i.principal_billed,"
        " interest_billed = l.interest_billed + i.interest_billed,"
        " interest_earned = l.interest_earned + i.interest_billed - l.interest_unbilled,"
        " fee_billed = l.fee_billed + i.fee_billed,"
        " fee_earned = l.fee_earned + i.fee_billed,"
        " interest_unbilled = 0, interest_rem = 0, interest_period = 0,"
        " oldest_due_day = CASE WHEN l.oldest_due_day IS NULL AND"
        " i.principal_billed + i.interest_billed + i.fee_billed > 0 THEN i.due_day"
        " ELSE l.oldest_due_day END"
        " FROM lending_installments AS i WHERE i.loan_id = l.id AND i.due_day = ?"
        " AND i.billed = 1 AND l.status = 'active'",
        (n,),
    )
    legs = [
        ("interest-rounding", Code.INTEREST_RECEIVABLE, Code.INTEREST_INCOME),
        ("fee", Code.FEE_RECEIVABLE, Code.FEE_INCOME),
    ]
    return sum(int(r[1]) for r in rows), _post(day, "bill", rows, legs)


def _age(db: Db, day: date) -> StepResult:
    return age(db, day.toordinal() + 1), []


def _write_off(db: Db, day: date) -> StepResult:
    cond = "status = 'active' AND dpd >= write_off_dpd"
    rows = db.all(
        "SELECT ledger, COUNT(*), SUM(principal_outstanding),"
        " SUM(interest_unbilled + interest_billed), SUM(fee_billed), SUM(penalty_unpaid)"
        f" FROM lending_loans WHERE {cond} GROUP BY ledger"
    )
    db.execute(
        "UPDATE lending_loans SET written_off = principal_outstanding + interest_unbilled"
        " + interest_billed + fee_billed + penalty_unpaid,"
        " principal_written_off = principal_outstanding, principal_outstanding = 0,"
        " principal_billed = 0, principal_overdue = 0, interest_unbilled = 0,"
        " interest_billed = 0, interest_rem = 0, interest_period = 0, fee_billed = 0,"
        " penalty_unpaid = 0, penalty_rem = 0, status = 'written_off', closed_day = ?"
        f" WHERE {cond}",
        (day.toordinal() + 1,),
    )
    legs = [
        ("principal", Code.WRITE_OFF_EXPENSE, Code.PRINCIPAL_RECEIVABLE),
        ("interest", Code.WRITE_OFF_EXPENSE, Code.INTEREST_RECEIVABLE),
        ("fee", Code.WRITE_OFF_EXPENSE, Code.FEE_RECEIVABLE),
        ("penalty", Code.WRITE_OFF_EXPENSE, Code.PENALTY_RECEIVABLE),
    ]
    return sum(int(r[1]) for r in rows), _post(day, "write_off", rows, legs)


def _freeze(db: Db, day: date) -> StepResult:
    """Freeze every active line of a customer who has a loan at its product's freeze DPD or
    written off (the rule is each loan's product data, copied onto the loan at drawdown)."""
    cursor = db.execute(
        "UPDATE lending_lines SET status = 'frozen' WHERE status = 'active' AND customer_id IN"
        " (SELECT c.customer_id FROM lending_loans AS l JOIN lending_lines AS c"
        " ON c.id = l.line_id WHERE l.status = 'written_off'"
        " OR (l.status = 'active' AND l.dpd >= l.freeze_dpd))"
    )
    return max(int(cursor.rowcount or 0), 0), []


def _summarise(db: Db, day: date) -> StepResult:
    """The day's summaries for the console (`puhui.servicing.summary`): no postings."""
    return summary.summarise(db, day), []


def _advance(db: Db, day: date) -> StepResult:
    db.execute("UPDATE lending_state SET business_day = ? WHERE k = 1", (day.toordinal() + 1,))
    return 0, []


_STEP_FUNCTIONS: dict[str, Callable[[Db, date], StepResult]] = {
    "accrue": _accrue,
    "penalty": _penalty,
    "bill": _bill,
    "age": _age,
    "write_off": _write_off,
    "freeze": _freeze,
    "summarise": _summarise,
    "advance": _advance,
}


def run_step(db: Db, day: date, step: str) -> int | None:
    """Run one step (in the caller's transaction, with its status row); None if it was
    already done for `day`."""
    db.one("SELECT business_day FROM lending_state WHERE k = 1" + db.for_update)
    done = db.one(
        "SELECT loans FROM lending_cob_steps WHERE business_day = ? AND step = ?",
        (day.toordinal(), step),
    )
    if done is not None:
        return None
    touched, postings = _STEP_FUNCTIONS[step](db, day)
    enqueue(db, postings)
    db.execute(
        "INSERT INTO lending_cob_steps (business_day, step, loans) VALUES (?, ?, ?)",
        (day.toordinal(), step, touched),
    )
    return touched


def check_closable(db: Db, day: date) -> dict[str, int]:
    """The steps of `day` already done (step -> loans); refuses a date COB cannot close."""
    current = business_day(db)
    done = {
        str(r[0]): int(r[1])
        for r in db.all(
            "SELECT step, loans FROM lending_cob_steps WHERE business_day = ?", (day.toordinal(),)
        )
    }
    if current is None:
        raise ValidationError("the business date is not set", field="date")
    if day.toordinal() != current and len(done) < len(STEPS):
        raise ValidationError(
            f"COB runs for the business date {date.fromordinal(current)}, not {day}", field="date"
        )
    return done
