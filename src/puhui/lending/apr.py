"""APR over dated cash flows: the PBOC IRR figures and Regulation Z Appendix J's actuarial rate.

- `irr_apr`: PBOC announcement [2021] No. 3 asks for the annualized rate on the principal the
  borrower actually has outstanding, counting every cost: the internal rate of return of the
  borrower's flows (advance in; fees and payments out). We give the periodic IRR times periods
  per year (nominal, what a "12% APR" means) and the compounded effective annual rate, labelled.
- `reg_z_apr`: 12 CFR 1026 Appendix J (b)(8) general equation, with unit periods counted back
  from each payment (months as calendar months, odd days over 30, semimonths over 15, weeks
  over 7) and the odd fraction as simple interest at the start of the term.

Both solve with Newton's method on Decimal at 40 digits, falling back to bisection.
"""

from __future__ import annotations

import decimal
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from puhui.errors import ValidationError
from puhui.lending.dates import add_months

_CTX = decimal.Context(prec=40)
_ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class Flow:
    """A dated amount; positive = to the borrower (advance), negative = from the borrower."""

    on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class UnitPeriod:
    """A unit period: `count` x unit, unit in month | semimonth | week | day."""

    count: int
    unit: str

    @property
    def per_year(self) -> Decimal:
        base = {"month": 12, "semimonth": 24, "week": 52, "day": 365}[self.unit]
        return Decimal(base) / Decimal(self.count)

    def __str__(self) -> str:
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}"


_UNIT_RE = re.compile(r"^\s*(\d+)?\s*(month|semimonth|week|day)s?\s*$", re.IGNORECASE)


def parse_unit_period(text: str) -> UnitPeriod:
    """Read '1 month', '2 weeks', 'semimonth', '255 days'."""
    match = _UNIT_RE.match(text or "")
    if not match:
        raise ValidationError(
            f"unit_period {text!r} is not like '1 month', '2 weeks', 'semimonth', '255 days'",
            field="unit_period",
        )
    count = int(match.group(1) or 1)
    if count < 1:
        raise ValidationError("unit_period count must be positive", field="unit_period")
    return UnitPeriod(count, match.group(2).lower())


@dataclass(frozen=True, slots=True)
class AprResult:
    """APR figures in percent. `nominal` = periodic rate x periods per year; `effective`
    = (1 + periodic)^(periods per year) - 1. Regulation Z's APR is the nominal figure."""

    method: str
    unit_period: UnitPeriod
    periodic_rate: Decimal
    nominal_pct: Decimal
    effective_pct: Decimal


def _interval(start: date, end: date, unit: UnitPeriod) -> tuple[int, Decimal]:
    """(full unit periods counted back from `end`, remaining fraction) per Appendix J (b)(5)."""
    if end < start:
        raise ValidationError("a payment is dated before the advance", field="payments")
    if unit.unit == "day":
        days = (end - start).days
        return days // unit.count, Decimal(days % unit.count) / Decimal(unit.count)
    if unit.unit == "week":
        days = (end - start).days
        step = 7 * unit.count
        return days // step, Decimal(days % step) / Decimal(step)
    if unit.unit == "semimonth":
        months = _months_back(start, end)
        cursor = add_months(end, -months) if months else end
        full = 2 * months
        if cursor - timedelta(days=15) >= start:
            full += 1
            cursor -= timedelta(days=15)
        return full // unit.count, (
            Decimal(full % unit.count) + Decimal((cursor - start).days) / 15
        ) / Decimal(unit.count)
    months = _months_back(start, end)
    full, extra_months = divmod(months, unit.count)
    cursor = add_months(end, -months)
    odd_days = Decimal((cursor - start).days)
    return full, (Decimal(extra_months) + odd_days / 30) / Decimal(unit.count)


def _months_back(start: date, end: date) -> int:
    """Whole calendar months that fit when counting back from `end` towards `start`."""
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(end, -months) < start:
        months -= 1
    return max(months, 0)


def _solve(f: Callable[[Decimal], Decimal], df: Callable[[Decimal], Decimal]) -> Decimal:
    """A root of f on (-0.99, 100) per unit period: Newton from 1%, bisection if it strays."""
    low, high = Decimal("-0.99"), Decimal(100)
    tolerance = Decimal("1e-24")
    x = Decimal("0.01")
    for _ in range(60):
        fx = f(x)
        if abs(fx) < tolerance:
            return x
        slope = df(x)
        if slope == 0:
            break
        nxt = _CTX.subtract(x, _CTX.divide(fx, slope))
        if not low < nxt < high:
            break
        if abs(nxt - x) < tolerance:
            return nxt
        x = nxt
    f_low, f_high = f(low), f(high)
    if (f_low > 0) == (f_high > 0):
        raise ValidationError("the cash flows have no rate of return", field="payments")
    for _ in range(200):
        mid = (low + high) / 2
        f_mid = f(mid)
        if (f_mid > 0) == (f_low > 0):
            low, f_low = mid, f_mid
        else:
            high = mid
    return (low + high) / 2


def _check(flows: Sequence[Flow]) -> date:
    """The start of the term (the first advance); payments may not come before it."""
    if not any(f.amount > 0 for f in flows) or not any(f.amount < 0 for f in flows):
        raise ValidationError("flows need an advance and at least one payment", field="payments")
    start = min(f.on for f in flows if f.amount > 0)
    if any(f.on < start for f in flows):
        raise ValidationError("a payment is dated before the advance", field="payments")
    return start


def infer_unit_period(flows: Sequence[Flow]) -> UnitPeriod:
    """The most common interval between consecutive payments (or the term, if one payment)."""
    start = _check(flows)
    paid = sorted({f.on for f in flows if f.amount < 0})
    if len(paid) == 1:
        return UnitPeriod(max((paid[0] - start).days, 1), "day")
    votes: Counter[UnitPeriod] = Counter()
    for a, b in pairwise(paid):
        votes[_classify(a, b)] += 1
    return votes.most_common(1)[0][0]


def _classify(a: date, b: date) -> UnitPeriod:
    days = (b - a).days
    for months in range(1, 13):
        if add_months(a, months) == b:
            return UnitPeriod(months, "month")
    if days % 7 == 0:
        return UnitPeriod(days // 7, "week")
    if 13 <= days <= 17:
        return UnitPeriod(1, "semimonth")
    return UnitPeriod(days, "day")


def _result(method: str, unit: UnitPeriod, i: Decimal) -> AprResult:
    per_year = unit.per_year
    nominal = _CTX.multiply(i, per_year) * 100
    effective = (_CTX.power(_ONE + i, per_year) - 1) * 100
    return AprResult(method, unit, i, nominal, effective)


def reg_z_apr(flows: Sequence[Flow], unit: UnitPeriod | None = None) -> AprResult:
    """Regulation Z Appendix J actuarial APR (advances positive, payments negative)."""
    start = _check(flows)
    unit = unit or infer_unit_period(flows)
    terms = [(f.amount, *_interval(start, f.on, unit)) for f in flows]

    def f(i: Decimal) -> Decimal:
        total = Decimal(0)
        for amount, t, frac in terms:
            total += _CTX.divide(amount, (1 + frac * i) * _CTX.power(1 + i, t))
        return total

    def df(i: Decimal) -> Decimal:
        total = Decimal(0)
        for amount, t, frac in terms:
            denom = (1 + frac * i) * _CTX.power(1 + i, t)
            d_denom = frac * _CTX.power(1 + i, t) + (1 + frac * i) * t * _CTX.power(1 + i, t - 1)
            total -= _CTX.divide(amount * d_denom, denom * denom)
        return total

    return _result("us-actuarial", unit, _solve(f, df))


def irr_apr(flows: Sequence[Flow], unit: UnitPeriod | None = None) -> AprResult:
    """IRR per unit period over exact dates (fractions compound), with nominal and effective."""
    start = _check(flows)
    unit = unit or infer_unit_period(flows)
    terms = [
        (f.amount, Decimal(t) + frac) for f in flows for t, frac in [_interval(start, f.on, unit)]
    ]

    def f(i: Decimal) -> Decimal:
        return sum((_CTX.divide(a, _CTX.power(1 + i, t)) for a, t in terms), Decimal(0))

    def df(i: Decimal) -> Decimal:
        return sum((-t * _CTX.divide(a, _CTX.power(1 + i, t + 1)) for a, t in terms), Decimal(0))

    return _result("irr", unit, _solve(f, df))


def schedule_flows(
    advance_on: date,
    amount: Decimal,
    upfront_fee: Decimal,
    payments: Sequence[tuple[date, Decimal]],
) -> list[Flow]:
    """Borrower flows of a loan: the advance net of the upfront fee, then each payment out."""
    flows = [Flow(advance_on, amount - upfront_fee)]
    flows.extend(Flow(on, -paid) for on, paid in payments if paid)
    return flows
