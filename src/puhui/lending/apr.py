"""APR over dated cash flows: the PBOC IRR figures and Regulation Z Appendix J's actuarial rate.

- `irr_apr`: PBOC announcement [2021] No. 3 asks for the annualized rate on the principal the
  borrower actually has outstanding, counting every cost: the internal rate of return of the
  borrower's flows (advance in; fees and payments out). We give the periodic IRR times periods
  per year (nominal, what a "12% APR" means) and the compounded effective annual rate, labelled.
- `reg_z_apr`: 12 CFR 1026 Appendix J (b)(8) general equation, with unit periods counted back
  from each payment (months as calendar months, odd days over 30, semimonths over 15, weeks
  over 7) and the odd fraction as simple interest at the start of the term.

Both solve with Newton's method on floats, then polish the root with Newton steps on Decimal at
40 digits until the equation's residual is below 1e-24 (checked, or for the IRR proven by a
Taylor bound after one step); if the float stage fails they fall back to the pure-Decimal
solver `_solve` (Newton from 1%, then bisection), which is also the reference they are tested
against. `schedule_apr` is the IRR figure of a generated schedule, as booked with each drawdown.
"""

from __future__ import annotations

import decimal
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING

from puhui.errors import ValidationError
from puhui.lending.dates import add_months
from puhui.lending.terms import Frequency
from puhui.rate import Rate

if TYPE_CHECKING:
    from puhui.lending.schedule import Schedule

_CTX = decimal.Context(prec=40)
_ONE = Decimal(1)
_ZERO = Decimal(0)
_TOLERANCE = Decimal("1e-24")
_AT_PAR = Decimal("1e-20")
_LOW, _HIGH = Decimal("-0.99"), Decimal(100)


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
        return _PER_YEAR[self.unit] / Decimal(self.count)

    def __str__(self) -> str:
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}"


_PER_YEAR = {
    "month": Decimal(12),
    "semimonth": Decimal(24),
    "week": Decimal(52),
    "day": Decimal(365),
}
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
    """The disclosed APR: `periodic` = the rate per unit period (the IRR), `nominal` = periodic
    x periods per year, `effective` = (1 + periodic)^(periods per year) - 1. Regulation Z's
    APR and PBOC's annualized rate are the nominal figure."""

    method: str
    unit_period: UnitPeriod
    periodic: Rate
    nominal: Rate
    effective: Rate


def _interval(start: date, end: date, unit: UnitPeriod) -> tuple[int, Decimal]:
    """(full unit periods counted back from `end`, remaining fraction) per Appendix J (b)(5)."""
    if end < start:
        raise ValidationError("a payment is dated before the advance", field="payments")
    if unit.unit in ("day", "week"):
        step = unit.count if unit.unit == "day" else 7 * unit.count
        full, rest = divmod((end - start).days, step)
        return full, Decimal(rest) / Decimal(step) if rest else _ZERO
    if unit.unit == "semimonth":
        months = _months_back(start, end)
        cursor = _back(end, months, start) if months else end
        full = 2 * months
        if cursor - timedelta(days=15) >= start:
            full += 1
            cursor -= timedelta(days=15)
        return full // unit.count, (
            Decimal(full % unit.count) + Decimal((cursor - start).days) / 15
        ) / Decimal(unit.count)
    months = _months_back(start, end)
    full, extra_months = divmod(months, unit.count)
    odd_days = (_back(end, months, start) - start).days
    if not extra_months and not odd_days:
        return full, _ZERO
    return full, (Decimal(extra_months) + Decimal(odd_days) / 30) / Decimal(unit.count)


def _terms(
    flows: Sequence[Flow], start: date, unit: UnitPeriod
) -> list[tuple[Decimal, int, Decimal]]:
    """(amount, full unit periods, fraction) of each flow: `_interval`, with the one-month unit
    (every monthly loan's APR) inlined. Flows are `_check`ed: none is dated before `start`."""
    if unit.unit != "month" or unit.count != 1:
        return [(f.amount, *_interval(start, f.on, unit)) for f in flows]
    origin = start.year * 12 + start.month
    terms = []
    for flow in flows:
        end = flow.on
        months = end.year * 12 + end.month - origin
        cursor = end
        if months > 0:
            cursor = _back(end, months, start)
            while cursor < start:
                months -= 1
                cursor = _back(end, months, start) if months else end
        else:
            months = 0
        odd_days = (cursor - start).days
        terms.append((flow.amount, months, Decimal(odd_days) / 30 if odd_days else _ZERO))
    return terms


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _back(end: date, months: int, start: date) -> date:
    """`end` less whole calendar months, counted back as Appendix J counts them: when both the
    term's start and `end` are the last days of their months, from month end to month end
    (Feb 28 back one month is Jan 31, not Jan 28: an advance on Jan 31 repaid on Feb 28 is one
    whole month); otherwise to the same day of the month, clamped to the month's end."""
    back = add_months(end, -months)
    if _is_month_end(end) and _is_month_end(start):
        return add_months(back.replace(day=1), 1) - timedelta(days=1)
    return back


def _months_back(start: date, end: date) -> int:
    """Whole calendar months that fit when counting back from `end` towards `start`."""
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and _back(end, months, start) < start:
        months -= 1
    return max(months, 0)


def _solve(f: Callable[[Decimal], Decimal], df: Callable[[Decimal], Decimal]) -> Decimal:
    """A root of f on (-0.99, 100) per unit period: Newton from 1%, bisection if it strays.

    The pure-Decimal solver: the fallback of `_solve_fast` and `_solve_irr`, and their reference.
    """
    low, high = _LOW, _HIGH
    tolerance = _TOLERANCE
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


#: (f, f') at a rate, in one pass over the flows (one power per flow).
_FloatEquation = Callable[[float], tuple[float, float]]
_DecimalEquation = Callable[[Decimal], tuple[Decimal, Decimal]]


def _newton_float(fdf: _FloatEquation) -> float | None:
    """Newton on floats from 1%, like `_solve`; None if it strays from (-0.99, 100), meets a
    zero slope or a non-finite value, or does not converge in 60 steps."""
    x = 0.01
    for _ in range(60):
        try:
            fx, dfx = fdf(x)
        except (OverflowError, ZeroDivisionError):
            return None
        if not (math.isfinite(fx) and math.isfinite(dfx)) or dfx == 0.0:
            return None
        step = fx / dfx
        x -= step
        if not -0.99 < x < 100.0:  # also catches NaN
            return None
        if abs(step) <= 1e-12 * (1.0 + abs(x)):
            return x
    return None


def _polish(fdf: _DecimalEquation, x: Decimal, evaluations: int = 4) -> Decimal | None:
    """Decimal Newton steps at 40 digits from `x` until |f| < 1e-24 (None if that fails)."""
    for _ in range(evaluations):
        fx, dfx = fdf(x)
        if abs(fx) < _TOLERANCE:
            return x
        if not dfx:
            return None
        x = _CTX.subtract(x, _CTX.divide(fx, dfx))
        if not _LOW < x < _HIGH:
            return None
    return None


def _solve_fast(
    float_fdf: _FloatEquation,
    decimal_fdf: _DecimalEquation,
    f: Callable[[Decimal], Decimal],
    df: Callable[[Decimal], Decimal],
) -> Decimal:
    """Float Newton, then Decimal polish to |f| < 1e-24; else the pure-Decimal `_solve(f, df)`."""
    guess = _newton_float(float_fdf)
    if guess is not None:
        root = _polish(decimal_fdf, _CTX.create_decimal_from_float(guess))
        if root is not None:
            return root
    return _solve(f, df)


def _check(flows: Sequence[Flow]) -> date:
    """The start of the term (the first advance); payments may not come before it."""
    start: date | None = None
    earliest = date.max
    paid = False
    for flow in flows:
        if flow.on < earliest:
            earliest = flow.on
        if flow.amount > 0:
            if start is None or flow.on < start:
                start = flow.on
        elif flow.amount < 0:
            paid = True
    if start is None or not paid:
        raise ValidationError("flows need an advance and at least one payment", field="payments")
    if earliest < start:
        raise ValidationError("a payment is dated before the advance", field="payments")
    return start


def infer_unit_period(flows: Sequence[Flow]) -> UnitPeriod:
    """The most common interval between consecutive payments (or the term, if one payment)."""
    start = _check(flows)
    paid = sorted({f.on for f in flows if f.amount < 0})
    if len(paid) == 1:
        # A single payment: the unit period is the term, but never longer than a year.
        if paid[0] > add_months(start, 12):
            return UnitPeriod(12, "month")
        return UnitPeriod(max((paid[0] - start).days, 1), "day")
    votes: Counter[UnitPeriod] = Counter()
    for a, b in pairwise(paid):
        votes[_classify(a, b)] += 1
    return votes.most_common(1)[0][0]


def _classify(a: date, b: date) -> UnitPeriod:
    days = (b - a).days
    for months in range(1, 13):
        if add_months(a, months) == b or (
            _is_month_end(a) and _is_month_end(b) and _back(b, months, a) == a
        ):
            return UnitPeriod(months, "month")
    if days % 7 == 0:
        return UnitPeriod(days // 7, "week")
    if 13 <= days <= 17:
        return UnitPeriod(1, "semimonth")
    return UnitPeriod(days, "day")


def _result(method: str, unit: UnitPeriod, i: Decimal) -> AprResult:
    per_year = unit.per_year
    # Both figures at Decimal's default 28 digits, as they have always been stored.
    nominal = +_CTX.multiply(i, per_year)
    effective = _CTX.power(_ONE + i, per_year) - 1
    return AprResult(method, unit, Rate(i), Rate(nominal), Rate(effective))


def reg_z_apr(flows: Sequence[Flow], unit: UnitPeriod | None = None) -> AprResult:
    """Regulation Z Appendix J actuarial APR (advances positive, payments negative)."""
    start = _check(flows)
    unit = unit or infer_unit_period(flows)
    return _result("us-actuarial", unit, _solve_reg_z(_terms(flows, start, unit)))


def _solve_reg_z(terms: Sequence[tuple[Decimal, int, Decimal]]) -> Decimal:
    """Root of sum a / ((1 + frac i)(1 + i)^t) over (amount, t, frac): fast, else `_solve`."""
    floats = [(float(a), t, float(frac)) for a, t, frac in terms]

    def float_fdf(i: float) -> tuple[float, float]:
        base = 1.0 + i
        fx = dfx = 0.0
        for a, t, frac in floats:
            odd = 1.0 + frac * i
            term = a / (odd * base**t)
            fx += term
            dfx -= term * (frac / odd + t / base)
        return fx, dfx

    def decimal_fdf(i: Decimal) -> tuple[Decimal, Decimal]:
        ctx = _CTX
        base = ctx.add(_ONE, i)
        fx = dfx = _ZERO
        for a, t, frac in terms:
            odd = ctx.add(_ONE, ctx.multiply(frac, i))
            term = ctx.divide(a, ctx.multiply(odd, ctx.power(base, t)))
            fx = ctx.add(fx, term)
            weight = ctx.add(ctx.divide(frac, odd), ctx.divide(t, base))
            dfx = ctx.subtract(dfx, ctx.multiply(term, weight))
        return fx, dfx

    f, df = _reg_z_equations(terms)
    return _zero_if_at_par(terms, _solve_fast(float_fdf, decimal_fdf, f, df))


def _reg_z_equations(
    terms: Sequence[tuple[Decimal, int, Decimal]],
) -> tuple[Callable[[Decimal], Decimal], Callable[[Decimal], Decimal]]:
    """The pure-Decimal f and f' of Appendix J's general equation (for `_solve`)."""

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

    return f, df


def irr_apr(flows: Sequence[Flow], unit: UnitPeriod | None = None) -> AprResult:
    """IRR per unit period over exact dates (fractions compound), with nominal and effective."""
    start = _check(flows)
    unit = unit or infer_unit_period(flows)
    terms = _terms(flows, start, unit)
    return _result("irr", unit, _zero_if_at_par(terms, _solve_irr(terms)))


def _zero_if_at_par(terms: Sequence[tuple[Decimal, int, Decimal]], root: Decimal) -> Decimal:
    """0 for a root within 1e-20 of 0 when the amounts sum to exactly 0 (0 is then a root).

    The solvers stop anywhere within their tolerance of the root, on either side: at a 0% rate
    with no fees that is a tiny rate of either sign, which would print as -0.0000%.
    """
    if abs(root) < _AT_PAR:
        total = _ZERO
        for a, _, _ in terms:
            total = _CTX.add(total, a)
        if not total:
            return _ZERO
    return root


def _solve_irr(terms: Sequence[tuple[Decimal, int, Decimal]]) -> Decimal:
    """Root of sum a (1 + i)^-t over (amount, full periods, fraction), t = full + fraction.

    Float Newton, then one Decimal Newton step at 40 digits whose residual is proven below
    1e-24 (if the bound is not small enough: Decimal steps until |f| < 1e-24 is checked; if those
    or the float stage fail: the pure-Decimal `_solve`, which is what this replaces).
    """
    # Per flow: amount, exponent t (as the pure-Decimal solver has it), its whole part n and
    # fractional part r (0 for whole periods: the usual case). (1 + i)^-t = v^n v^r, v = 1/(1+i):
    # v^n by one multiplication from the previous flow's, v^r once per distinct r and pass.
    parts: list[tuple[Decimal, Decimal | int, int, Decimal | None]] = []
    floats: list[tuple[float, float]] = []
    ordered, top = True, 0
    last, last_float = _ZERO, 0.0  # equal installments: convert each amount once
    for a, full, frac in terms:
        if a != last:
            last, last_float = a, float(a)
        if frac is _ZERO:
            parts.append((a, full, full, None))
            floats.append((last_float, full))
            n = full
        else:
            t = Decimal(full) + frac
            n = int(t)
            parts.append((a, t, n, _CTX.subtract(t, n)))
            floats.append((last_float, float(t)))
        if n < top:
            ordered = False
        top = n
    if not ordered:
        parts.sort(key=lambda part: part[2])
        top = parts[-1][2]

    def float_fdf(i: float) -> tuple[float, float]:
        base = 1.0 + i
        fx = dfx = 0.0
        for a, t in floats:
            term = a * base**-t
            fx += term
            dfx -= t * term
        return fx, dfx / base

    def decimal_fdf(i: Decimal) -> tuple[Decimal, Decimal]:
        with decimal.localcontext(_CTX):
            v = _ONE / (_ONE + i)
            vn, at = _ONE, 0
            fractional: dict[Decimal, Decimal] = {}
            fx = dfx = _ZERO
            for a, t, n, r in parts:
                if n != at:
                    vn = vn * (v if n - at == 1 else v ** (n - at))
                    at = n
                if r is not None:
                    vr = fractional.get(r)
                    if vr is None:
                        vr = fractional[r] = v**r
                    term = a * (vn * vr)
                else:
                    term = a * vn
                fx += term
                dfx -= t * term
            return fx, dfx * v

    guess = _newton_float(float_fdf)
    if guess is not None:
        x = _CTX.create_decimal_from_float(guess)
        fx, dfx = decimal_fdf(x)  # one pass; Newton's quadratic convergence does the rest
        if abs(fx) < _TOLERANCE:
            return x
        if dfx:
            step = _CTX.divide(fx, dfx)
            x = _CTX.subtract(x, step)
            if _LOW < x < _HIGH:
                # Accept x if |f(x)| < 1e-24 is proven: the bound is at least twice the
                # Taylor term, and here at most half of 1e-24 (rounding x itself included).
                s = abs(float(step))
                if (
                    s <= 1e-12
                    and _newton_residual_bound(floats, guess, s, top)
                    + abs(float(dfx)) * (abs(guess) + s) * 1e-38
                    < 5e-25
                ):
                    return x
                root = _polish(decimal_fdf, x)
                if root is not None:
                    return root
    return _solve(*_irr_equations(terms))


def _newton_residual_bound(
    floats: Sequence[tuple[float, float]], x: float, step: float, top: int
) -> float:
    """Bound on |f(x - step)| after a Decimal Newton step from x, but for rounding x - step.

    Taylor: f(x - step) = f''(xi) step^2 / 2 + (rounding of the Decimal f and f' at x) x ~1.
    With |step| <= 1e-12, 1 + x >= 0.01 and t <= top + 1 <= 1e6 + 1, |f''(xi)| =
    |sum a t (t+1) (1+xi)^(-t-2)| is at most twice that sum of absolute values at x (so
    step^2, not step^2 / 2). At 40 digits (unit roundoff 5e-40) the Decimal f at x rounds each
    term by less than 3 n + 5 roundoffs (v = 1/(1+x) twice, v^n by n multiplications, v^r, a)
    and the sum by one per flow; f' only enters times step. `top` is the largest n.
    """
    if top > 1_000_000:
        return math.inf
    base = 1.0 + x
    curvature = size = 0.0
    for a, t in floats:
        term = abs(a * base**-t)
        size += term
        curvature += term * t * (t + 1.0)
    curvature /= base * base
    return curvature * step * step + size * (3 * top + len(floats) + 10) * 5e-40


def _irr_equations(
    flows: Sequence[tuple[Decimal, int, Decimal]],
) -> tuple[Callable[[Decimal], Decimal], Callable[[Decimal], Decimal]]:
    """The pure-Decimal f and f' of the IRR equation over (amount, full periods, fraction)."""
    terms = [(a, Decimal(full) + frac) for a, full, frac in flows]

    def f(i: Decimal) -> Decimal:
        return sum((_CTX.divide(a, _CTX.power(1 + i, t)) for a, t in terms), Decimal(0))

    def df(i: Decimal) -> Decimal:
        return sum((-t * _CTX.divide(a, _CTX.power(1 + i, t + 1)) for a, t in terms), Decimal(0))

    return f, df


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


_UNIT_OF_FREQUENCY = {Frequency.MONTHS: "month", Frequency.WEEKS: "week", Frequency.DAYS: "day"}


def schedule_apr(schedule: Schedule) -> AprResult:
    """PBOC IRR APR of a schedule: every cost, on the principal actually outstanding; the unit
    period is the repayment period."""
    t = schedule.terms
    payments = [
        (i.due_date, Decimal(i.total).scaleb(-schedule.digits)) for i in schedule.installments
    ]
    flows = schedule_flows(t.disbursed, t.principal, t.upfront_fee, payments)
    return irr_apr(flows, UnitPeriod(t.every, _UNIT_OF_FREQUENCY[t.frequency]))
