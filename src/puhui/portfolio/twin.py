"""The vectorised twin of the lending engine: the same loans, booked with array arithmetic.

One slot per customer (a customer holds at most one loan at a time), every balance an int64
array in minor units, and close of business as the engine runs it (`servicing.cob`): accrue
the day's interest exactly (numerator `principal x rate_ppm` carried with its remainder, so a
run of days equals the sum of single days), penalty interest on overdue principal the same
way, bill the installments falling due tomorrow (scheduled principal, the interest accrued
in the period rounded the product's way), age (overdue principal past the grace days, DPD
from the oldest unpaid due date), write off at the product's DPD. Payments pay what is billed
(a late payer pays the penalty too) or everything (a prepayment). The rules come from
`portfolio.rules.ServicingRules`, the schedule from `portfolio.schedule`.

Days on which only interest accrues are batched: the twin closes them in one step when the
next event or the next day with billing, ageing or a write-off comes. Per-customer money
(income, losses, balance-days) is kept too, for the value of a customer.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from puhui.portfolio.behaviour import Calendar
from puhui.portfolio.book import EndPosition, IntArray, Totals
from puhui.portfolio.rules import ServicingRules, recovery_minor
from puhui.portfolio.schedule import emis, period_interest

BoolArray = npt.NDArray[np.bool_]

#: What a payment of everything billed clears.
_BILLED = (
    "billed_principal",
    "latest_billed_principal",
    "interest_billed",
    "fee_billed",
    "penalty",
    "overdue",
)
#: Everything owed besides the principal not yet billed.
_OWED = (*_BILLED, "interest_unbilled")
#: The carried remainders of the day counts.
_REMAINDERS = ("interest_rem", "interest_period", "penalty_rem")


class TwinBook:
    """The book of `n` customers under `rules`, day ordinals from `calendar`."""

    def __init__(self, rules: ServicingRules, calendar: Calendar, n: int) -> None:
        self.rules = rules
        self.calendar = calendar
        self._month_starts = set(int(d) for d in calendar.starts)
        self._write_off_days: set[int] = set()
        self.n = n

        def zeros() -> IntArray:
            return np.zeros(n, dtype=np.int64)

        self.limit, self.rate, self.penalty_rate = zeros(), zeros(), zeros()
        self.active = np.zeros(n, dtype=bool)
        # balances, as `lending_loans` holds them
        self.principal = zeros()  # outstanding
        self.billed_principal = zeros()  # billed, not paid
        self.latest_billed_principal = zeros()  # of the latest installment, not paid
        self.interest_unbilled, self.interest_rem, self.interest_period = zeros(), zeros(), zeros()
        self.interest_billed, self.fee_billed = zeros(), zeros()
        self.penalty, self.penalty_rem = zeros(), zeros()
        self.overdue = zeros()
        self.oldest_due = np.full(n, -1, dtype=np.int64)
        self.latest_due = zeros()
        self.written_off = zeros()
        # the schedule
        self.emi, self.schedule_balance = zeros(), zeros()
        self.installments, self.billed_count, self.start_month = zeros(), zeros(), zeros()
        self.maturity, self.installment_fee = zeros(), zeros()
        # per-customer money, for the value of a customer
        self.income_by_row, self.loss_by_row, self.balance_days_by_row = zeros(), zeros(), zeros()
        self.recovered_by_row = zeros()
        self._totals = dict.fromkeys(Totals.__dataclass_fields__, 0)
        self._next_cob: int | None = None  # first day not yet closed

    # -- lines and events ------------------------------------------------------------------
    def grant(self, who: IntArray, limit_minor: IntArray, rate_ppm: IntArray) -> None:
        self.limit[who] = limit_minor
        self.rate[who] = rate_ppm
        self.penalty_rate[who] = self.rules.penalty_rates_ppm(rate_ppm)

    def draw(self, day: int, who: IntArray, amount: IntArray, installments: IntArray) -> None:
        self._catch_up(day)
        month = int(np.searchsorted(self.calendar.starts, day))
        if int(self.calendar.starts[month]) != day:
            raise ValueError("the twin books drawdowns on the first of a month")
        refused = self.active[who] | (amount > self.limit[who])
        self._totals["refused"] += int(refused.sum())
        who, amount, installments = who[~refused], amount[~refused], installments[~refused]
        rules = self.rules
        self.active[who] = True
        self.principal[who] = amount
        self.schedule_balance[who] = amount
        self.emi[who] = emis(amount, self.rate[who], installments, rules.year_days)
        self.installments[who] = installments
        self.billed_count[who] = 0
        self.start_month[who] = month
        self.maturity[who] = self.calendar.starts[month + installments]
        self.installment_fee[who] = rules.fee_minor_batch(
            rules.installment_fee_kind, rules.installment_fee_value, amount
        )
        upfront = rules.fee_minor_batch(rules.upfront_fee_kind, rules.upfront_fee_value, amount)
        self._income(who, upfront, "fee_income")
        self._clear(who, (*_OWED, *_REMAINDERS, "written_off"))
        self._totals["principal_outstanding"] += int(amount.sum())

    def pay_billed(self, day: int, who: IntArray) -> None:
        """Pay everything billed and unpaid, penalty included (an on-time or late payment)."""
        self._catch_up(day)
        who = who[self.active[who]]
        paid_principal = self.billed_principal[who]
        self.principal[who] -= paid_principal
        self._totals["principal_outstanding"] -= int(paid_principal.sum())
        self._clear(who, _BILLED)
        self._settle(who)

    def pay_off(self, day: int, who: IntArray) -> None:
        """Pay everything the loan owes today (and the early-repayment fee, if any)."""
        self._catch_up(day)
        who = who[self.active[who]]
        before_final = day < self.maturity[who]
        rules = self.rules
        fee = rules.fee_minor_batch(
            rules.early_fee_kind, rules.early_fee_value, self.principal[who]
        )
        fee = np.where(before_final, fee, 0)
        self._income(who, fee, "fee_income")
        self._totals["principal_outstanding"] -= int(self.principal[who].sum())
        self._clear(who, ("principal", *_OWED))
        self._settle(who)

    def recover(self, day: int, who: IntArray, recovery_ppm: int) -> None:
        self._catch_up(day)
        amount = recovery_minor(self.written_off[who], recovery_ppm)
        self._totals["recovery_income"] += int(amount.sum())
        self.recovered_by_row[who] += amount

    # -- close of business -----------------------------------------------------------------
    def close_day(self, day: int) -> None:
        """Close `day`: batched when only interest accrues, in full otherwise."""
        if self._next_cob is None:
            self._next_cob = day
        if self._is_plain(day):
            return
        self._catch_up(day)
        self._accrue(day, 1)
        if day + 1 in self._month_starts:
            self._bill(day)
        self._age(day)
        self._write_off(day)
        self._count_balance(1)
        self._next_cob = day + 1

    def totals(self) -> Totals:
        return Totals(**self._totals)

    def flush(self, through: int) -> None:
        """Close every batched day up to and including `through` (before reading totals)."""
        self._catch_up(through + 1)

    def end_position(self, day: int) -> EndPosition:
        self._catch_up(day)
        past_due = self.active & (self.oldest_due >= 0)
        dpd = np.where(past_due, day - self.oldest_due, 0)
        past_due &= dpd > self.rules.grace_days
        receivable = (
            self.principal
            + self.interest_unbilled
            + self.interest_billed
            + self.fee_billed
            + self.penalty
        )
        return EndPosition(
            past_due_loans=int(past_due.sum()),
            past_due_receivable=int(receivable[past_due].sum()),
            active_loans=int(self.active.sum()),
        )

    def past_due_receivable_by_row(self, day: int) -> IntArray:
        """What each loan past due on `day` owes (0 for the others): the end provision's base."""
        self._catch_up(day)
        past_due = self.active & (self.oldest_due >= 0) & (day - self.oldest_due > 0)
        past_due &= day - self.oldest_due > self.rules.grace_days
        owed = (
            self.principal
            + self.interest_unbilled
            + self.interest_billed
            + self.fee_billed
            + self.penalty
        )
        result: IntArray = np.where(past_due, owed, 0)
        return result

    def close(self) -> None:
        return None

    # -- the steps -------------------------------------------------------------------------
    def _is_plain(self, day: int) -> bool:
        grace = self.rules.grace_days
        return not (
            day + 1 in self._month_starts
            or day - grace in self._month_starts
            or day in self._write_off_days
        )

    def _catch_up(self, day: int) -> None:
        """Close the batched plain days before `day` in one step."""
        if self._next_cob is None or self._next_cob >= day:
            return
        self._accrue(self._next_cob, day - self._next_cob)
        self._count_balance(day - self._next_cob)
        self._next_cob = day

    def _accrue(self, first: int, days: int) -> None:
        """COB `accrue` and `penalty` for the days [first, first + days), no event between."""
        rules = self.rules
        divisor = rules.divisor
        base = (
            self.principal
            if rules.contract_interest_on_overdue
            else (self.principal - self.overdue)
        )
        accruing = np.clip(self.maturity - first, 0, days)
        numerator = self.interest_rem + base * self.rate * accruing
        interest, self.interest_rem = np.divmod(numerator, divisor)
        self.interest_unbilled += interest
        self.interest_period += interest
        penalty_numerator = self.penalty_rem + self.overdue * self.penalty_rate * days
        penalty, self.penalty_rem = np.divmod(penalty_numerator, divisor)
        self.penalty += penalty
        self._totals["interest_income"] += int(interest.sum())
        self._totals["penalty_income"] += int(penalty.sum())
        self.income_by_row += interest + penalty

    def _count_balance(self, days: int) -> None:
        """Funding base: the end-of-day principal outstanding, for `days` closed days."""
        self.balance_days_by_row += self.principal * days
        self._totals["balance_days"] += self._totals["principal_outstanding"] * days

    def _bill(self, day: int) -> None:
        due_day = day + 1
        month = int(np.searchsorted(self.calendar.starts, due_day))
        rows = np.flatnonzero(self.active & (self.start_month + self.billed_count + 1 == month))
        if rows.size == 0:
            return
        rules = self.rules
        starts = self.calendar.starts
        k = self.billed_count[rows] + 1
        last = k == self.installments[rows]
        days = starts[month] - starts[month - 1]
        scheduled_interest = period_interest(
            self.schedule_balance[rows],
            self.rate[rows],
            np.full(rows.size, days, dtype=np.int64),
            rules.year_days,
        )
        balance = self.schedule_balance[rows]
        scheduled = np.where(last, balance, self.emi[rows] - scheduled_interest)
        unbilled = self.principal[rows] - self.billed_principal[rows]
        principal = np.where(last | (scheduled > unbilled), unbilled, scheduled)
        round_up = self._round_up(rows)
        interest = self.interest_unbilled[rows] + round_up
        fee = self.installment_fee[rows]
        self.billed_principal[rows] += principal
        self.latest_billed_principal[rows] = principal
        self.interest_billed[rows] += interest
        self.fee_billed[rows] += fee
        self.interest_unbilled[rows] = 0
        self.interest_rem[rows] = 0
        self.interest_period[rows] = 0
        self._totals["interest_income"] += int(round_up.sum())
        self._totals["fee_income"] += int(fee.sum())
        self.income_by_row[rows] += round_up + fee
        starts_owing = (self.oldest_due[rows] < 0) & (principal + interest + fee > 0)
        self.oldest_due[rows] = np.where(starts_owing, due_day, self.oldest_due[rows])
        self.latest_due[rows] = due_day
        self.schedule_balance[rows] = balance - scheduled
        self.billed_count[rows] = k
        for oldest in np.unique(self.oldest_due[rows][starts_owing]):
            self._write_off_days.add(rules.write_off_cob_day(int(oldest)))

    def _round_up(self, rows: IntArray) -> IntArray:
        """The +1 of rounding the period's interest, as `cob._ROUND_UP`."""
        rem, divisor = self.interest_rem[rows], self.rules.divisor
        mode = self.rules.rounding
        if mode == "half-even":
            up = (2 * rem > divisor) | (
                (2 * rem == divisor) & (self.interest_period[rows] % 2 == 1)
            )
        elif mode == "half-up":
            up = 2 * rem >= divisor
        elif mode in ("up", "ceiling"):
            up = rem > 0
        else:
            up = np.zeros(rows.size, dtype=bool)
        result: IntArray = up.astype(np.int64)
        return result

    def _age(self, day: int) -> None:
        """Overdue principal as of `day + 1`: what was billed and not paid, past the grace."""
        tomorrow = day + 1
        ageing = self.active & (self.oldest_due >= 0) & (self.oldest_due < tomorrow)
        rows = np.flatnonzero(ageing)
        if rows.size == 0:
            return
        latest_past_grace = self.latest_due[rows] + self.rules.grace_days < tomorrow
        self.overdue[rows] = np.where(
            latest_past_grace,
            self.billed_principal[rows],
            self.billed_principal[rows] - self.latest_billed_principal[rows],
        )

    def _write_off(self, day: int) -> None:
        rules = self.rules
        delinquent = self.active & (self.oldest_due >= 0)
        dpd = np.where(delinquent, day + 1 - self.oldest_due, 0)
        rows = np.flatnonzero(delinquent & (dpd > rules.grace_days) & (dpd >= rules.write_off_dpd))
        if rows.size == 0:
            return
        amount = (
            self.principal[rows]
            + self.interest_unbilled[rows]
            + self.interest_billed[rows]
            + self.fee_billed[rows]
            + self.penalty[rows]
        )
        principal = self.principal[rows]
        self._totals["write_off"] += int(amount.sum())
        self._totals["write_off_principal"] += int(principal.sum())
        self._totals["principal_outstanding"] -= int(principal.sum())
        self.loss_by_row[rows] += amount
        self.written_off[rows] = amount
        self._clear(rows, ("principal", *_OWED, *_REMAINDERS))
        self.active[rows] = False

    def _clear(self, who: IntArray, names: tuple[str, ...]) -> None:
        """Zero the balances `names` of the loans `who`; none of them owes past due after."""
        for name in names:
            getattr(self, name)[who] = 0
        self.oldest_due[who] = -1

    def _settle(self, who: IntArray) -> None:
        """Close the loans that owe nothing (`loans.settle_status`)."""
        owes = (
            self.principal[who]
            + self.interest_unbilled[who]
            + self.interest_billed[who]
            + self.fee_billed[who]
            + self.penalty[who]
        )
        done = who[owes == 0]
        self.active[done] = False
        self.interest_rem[done] = 0
        self.penalty_rem[done] = 0
        self.interest_period[done] = 0

    def _income(self, who: IntArray, amount: IntArray, name: str) -> None:
        self._totals[name] += int(amount.sum())
        self.income_by_row[who] += amount
