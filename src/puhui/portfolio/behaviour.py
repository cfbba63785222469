"""What simulated customers do, month by month: draw, repay, pay late, prepay, default.

The plan is the one source of behaviour for both bookers (the lending engine and its twin),
so the two are compared on exactly the same events. It reads the population's behaviour
hooks (`docs/population.md`) and draws every random number from `SeedSequence(seed,
spawn_key=(month, kind))` over the whole population, by row: the same customer gets the same
draws whichever strategy is simulated, so a champion and a candidate meet the same people.

Each month starts on the first of a month; on that day installments fall due and are paid
(on time, or late by a few days, or not at all once the customer has defaulted), loans are
prepaid at the installment the customer chose, and customers without a loan draw. A customer
holds at most one loan at a time. Modelling choices (assumptions, not ground truth):

- a customer with a live loan defaults at a due date with the monthly hazard of its 12-month
  true PD, 1 - (1 - true_pd)^(1/12), and never pays again; the loan is written off at the
  product's write-off DPD and `recovery_rate` of what was written off comes back
  `recovery_lag_days` later;
- the monthly chance of drawing is `drawdown_propensity x exp(-price_elasticity x (rate -
  reference_rate))`: a dearer line is drawn on less;
- a drawdown is a uniform 20-100% of the limit (whole 100 yuan, within the product's amounts),
  for a term drawn uniformly from the product's offer;
- a loan is prepaid with probability `early_repay_prob`, at an installment drawn uniformly from
  all but the last; an installment is paid late with probability `late_payment_prob`, by 5-25
  days (so within its month);
- a late payment past the grace days freezes the customer's lines when the product says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from puhui.errors import ValidationError
from puhui.lending.dates import add_months
from puhui.portfolio.rules import ServicingRules
from puhui.rate import PPB, PPM, Rate

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: The product's own rate: the price at which the population's draw propensity holds as given.
REFERENCE_RATE = Rate.of("0.18")
#: 1 - LGD of the default strategy's pricing.
RECOVERY_RATE = Rate.of("0.15")

#: Spawn keys of the random streams, one per kind of draw.
_DRAW, _AMOUNT, _TERM, _DEFAULT, _LATE, _LATE_DAYS, _PREPAY, _PREPAY_AT = range(8)


@dataclass(frozen=True)
class BehaviourParams:
    """The behaviour model's assumptions (see the module docstring)."""

    price_elasticity: float = 4.0
    reference_rate: Rate = REFERENCE_RATE
    min_share: float = 0.2
    amount_multiple_minor: int = 10_000
    late_days_min: int = 5
    late_days_max: int = 25
    recovery_rate: Rate = RECOVERY_RATE
    recovery_lag_days: int = 30

    def __post_init__(self) -> None:
        if not 0 <= self.price_elasticity <= 100:
            raise ValidationError("price_elasticity must be in [0, 100]", field="price_elasticity")
        if not 0 < self.min_share <= 1:
            raise ValidationError("min_share must be in (0, 1]", field="min_share")
        if not 1 <= self.late_days_min <= self.late_days_max <= 27:
            raise ValidationError("late days must satisfy 1 <= min <= max <= 27", field="late_days")
        if not 0 <= self.recovery_rate.fraction <= 1:
            raise ValidationError("recovery_rate must be in [0, 1]", field="recovery_rate")

    def to_dict(self) -> dict[str, object]:
        return {
            "price_elasticity": self.price_elasticity,
            "reference_rate": self.reference_rate.text(),
            "min_share": self.min_share,
            "late_days": [self.late_days_min, self.late_days_max],
            "recovery_rate": self.recovery_rate.text(),
            "recovery_lag_days": self.recovery_lag_days,
        }


@dataclass(frozen=True)
class Calendar:
    """Month starts as day ordinals: month m runs over [starts[m], starts[m + 1])."""

    start: date
    months: int
    starts: IntArray

    @classmethod
    def of(cls, start: date, months: int, beyond: int = 32) -> Calendar:
        if start.day != 1:
            raise ValidationError("a simulation starts on the first of a month", field="start")
        if not 1 <= months <= 120:
            raise ValidationError("months must be between 1 and 120", field="months")
        starts = np.array(
            [add_months(start, m).toordinal() for m in range(months + beyond + 1)], dtype=np.int64
        )
        return cls(start, months, starts)

    def day(self, m: int) -> int:
        return int(self.starts[m])

    @property
    def end(self) -> int:
        """The first day after the horizon."""
        return int(self.starts[self.months])


@dataclass(frozen=True)
class Customers:
    """The decided population, by row: what the bookers and the plan need of each customer."""

    approved: BoolArray
    limit_minor: IntArray
    rate_ppb: IntArray  # 0 where not approved
    model_pd: FloatArray
    true_pd: FloatArray
    drawdown_propensity: FloatArray
    early_repay_prob: FloatArray
    late_payment_prob: FloatArray
    first_time: BoolArray

    @property
    def n(self) -> int:
        return int(self.approved.shape[0])

    @property
    def rate_ppm(self) -> IntArray:
        ppm: IntArray = self.rate_ppb // (PPB // PPM)
        return ppm


@dataclass
class Event:
    """Something the bookers book on `day` for the customers at rows `who`."""

    day: int
    kind: str  # "pay_billed" | "pay_off" | "draw" | "recover"
    who: IntArray
    amount_minor: IntArray | None = None
    installments: IntArray | None = None


@dataclass
class MonthActivity:
    """What customers did in a month (the plan's counts; money comes from the book)."""

    drawdowns: int = 0
    disbursed_minor: int = 0
    new_borrowers: int = 0
    new_first_time_borrowers: int = 0
    prepayments: int = 0
    late_payments: int = 0
    defaults: int = 0
    calls: int = 0
    expected_loss_minor: float = 0.0


@dataclass
class Plan:
    """The customers' state as behaviour sees it (no money), and the events month by month."""

    customers: Customers
    rules: ServicingRules
    params: BehaviourParams
    calendar: Calendar
    seed: int
    lgd: float = 0.85
    loan_month: IntArray = field(init=False)
    loan_terms: IntArray = field(init=False)
    prepay_at: IntArray = field(init=False)
    has_loan: BoolArray = field(init=False)
    defaulted: BoolArray = field(init=False)
    frozen: BoolArray = field(init=False)
    borrowed: BoolArray = field(init=False)
    default_day: IntArray = field(init=False)
    recoveries: dict[int, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        n = self.customers.n
        self.loan_month = np.full(n, -1, dtype=np.int64)
        self.loan_terms = np.zeros(n, dtype=np.int64)
        self.prepay_at = np.zeros(n, dtype=np.int64)
        self.has_loan = np.zeros(n, dtype=bool)
        self.defaulted = np.zeros(n, dtype=bool)
        self.frozen = np.zeros(n, dtype=bool)
        self.borrowed = np.zeros(n, dtype=bool)
        self.default_day = np.full(n, -1, dtype=np.int64)
        self.recoveries = defaultdict(list)
        c = self.customers
        self._hazard = 1.0 - np.power(1.0 - np.clip(c.true_pd, 0.0, 0.999999), 1.0 / 12.0)
        gap = (c.rate_ppb - self.params.reference_rate.per_unit(PPB)) / PPB
        price = np.exp(-self.params.price_elasticity * gap)
        self._draw_p = np.where(c.approved, np.clip(c.drawdown_propensity * price, 0.0, 1.0), 0.0)

    def _uniform(self, month: int, kind: int) -> FloatArray:
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(month, kind)))
        values: FloatArray = rng.random(self.customers.n)
        return values

    def month(self, m: int) -> tuple[list[Event], MonthActivity]:
        """The events of month `m` (in booking order) and the activity they amount to."""
        c, rules, cal = self.customers, self.rules, self.calendar
        today = cal.day(m)
        activity = MonthActivity()
        events: list[Event] = []

        # Installments falling due today, on the loans of customers still paying.
        k = m - self.loan_month
        due = self.has_loan & (k >= 1) & (k <= self.loan_terms)
        paying = due & ~self.defaulted
        defaulting = paying & (self._uniform(m, _DEFAULT) < self._hazard)
        self.defaulted |= defaulting
        self.default_day[defaulting] = today
        activity.defaults = int(defaulting.sum())
        paying &= ~defaulting
        prepay = paying & (self.prepay_at == k) & (k < self.loan_terms)
        prepay &= rules.early_repayment_allowed
        late = paying & ~prepay & (self._uniform(m, _LATE) < c.late_payment_prob)
        on_time = paying & ~prepay & ~late
        span = self.params.late_days_max - self.params.late_days_min + 1
        late_days = self.params.late_days_min + np.floor(self._uniform(m, _LATE_DAYS) * span)
        late_days = late_days.astype(np.int64)

        if on_time.any():
            events.append(Event(today, "pay_billed", np.flatnonzero(on_time)))
        if prepay.any():
            events.append(Event(today, "pay_off", np.flatnonzero(prepay)))
        late_rows = np.flatnonzero(late)
        for days in np.unique(late_days[late_rows]):
            rows = late_rows[late_days[late_rows] == days]
            events.append(Event(today + int(days), "pay_billed", rows))
        activity.prepayments = int(prepay.sum())
        activity.late_payments = int(late.sum())
        # One collection call per installment paid late or missed by a defaulted customer
        # whose loan is not yet written off.
        missed = due & self.defaulted
        written_off_by = self.default_day + rules.write_off_cob_day(0)
        live = missed & (today <= written_off_by)
        activity.calls = int(late.sum() + live.sum())
        for row in np.flatnonzero(defaulting):
            written = rules.write_off_cob_day(today)
            self.recoveries[written + 1 + self.params.recovery_lag_days].append(int(row))
        if rules.freeze_line_dpd is not None:
            reached = np.where(late_days > rules.grace_days, late_days, 0)
            self.frozen |= late & (reached >= rules.freeze_line_dpd)  # rules.freezes, vectorised
        finished = (on_time | late) & (k == self.loan_terms)
        ends_this_month = finished | prepay
        self.has_loan &= ~ends_this_month

        # Drawdowns, by customers free of loans (not one whose loan ends this month: a late
        # last installment is paid days after the drawdowns of the month).
        eligible = (
            c.approved
            & ~self.has_loan
            & ~ends_this_month
            & ~self.defaulted
            & ~self.frozen
            & (c.limit_minor >= rules.min_amount_minor)
        )
        draw = eligible & (self._uniform(m, _DRAW) < self._draw_p)
        rows = np.flatnonzero(draw)
        if rows.size:
            amount, terms = self._amounts(m, rows)
            events.append(Event(today, "draw", rows, amount, terms))
            self.has_loan[rows] = True
            self.loan_month[rows] = m
            self.loan_terms[rows] = terms
            chooses = self._uniform(m, _PREPAY)[rows] < c.early_repay_prob[rows]
            at = 1 + np.floor(self._uniform(m, _PREPAY_AT)[rows] * (terms - 1)).astype(np.int64)
            self.prepay_at[rows] = np.where(chooses & (terms > 1), at, 0)
            new = ~self.borrowed[rows]
            activity.drawdowns = int(rows.size)
            activity.disbursed_minor = int(amount.sum())
            activity.new_borrowers = int(new.sum())
            activity.new_first_time_borrowers = int((new & c.first_time[rows]).sum())
            activity.expected_loss_minor = float(np.sum(c.model_pd[rows] * self.lgd * amount))
            self.borrowed[rows] = True

        # Recoveries on loans written off earlier, in this month.
        for day in sorted(d for d in self.recoveries if today <= d < cal.day(m + 1)):
            events.append(Event(day, "recover", np.array(self.recoveries.pop(day), np.int64)))
        events.sort(key=lambda e: (e.day, e.kind != "pay_billed" and e.kind != "pay_off"))
        return events, activity

    def _amounts(self, m: int, rows: IntArray) -> tuple[IntArray, IntArray]:
        c, rules, p = self.customers, self.rules, self.params
        share = p.min_share + (1.0 - p.min_share) * self._uniform(m, _AMOUNT)[rows]
        limit = np.minimum(c.limit_minor[rows], rules.max_amount_minor)
        raw = np.floor(limit * share / p.amount_multiple_minor).astype(np.int64)
        amount = np.clip(raw * p.amount_multiple_minor, rules.min_amount_minor, limit)
        offered = np.array(rules.terms, dtype=np.int64)
        pick = np.floor(self._uniform(m, _TERM)[rows] * offered.size).astype(np.int64)
        return amount.astype(np.int64), offered[np.minimum(pick, offered.size - 1)]
