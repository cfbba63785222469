"""The fast APR solvers (float Newton + Decimal polish) against the pure-Decimal solver.

`irr_apr` and `reg_z_apr` solve on floats first and polish on Decimal at 40 digits; the
pure-Decimal `_solve` (Newton from 1%, then bisection) is their fallback and the reference
here: on loan-like flows both must give the same APR to far more digits than we store (four
decimals of a percent), and the fast IRR's residual must be below the solver's 1e-24.
"""

from __future__ import annotations

import decimal
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.lending import apr
from puhui.lending.apr import AprResult, Flow, UnitPeriod, irr_apr, reg_z_apr, schedule_flows
from puhui.lending.dates import add_months
from puhui.lending.schedule import generate_schedule
from puhui.lending.terms import LoanTerms
from puhui.rate import Rate

D = Decimal
STORED = D("0.0001")  # apr_nominal / apr_effective are stored to 0.0001 percent


def old_interval(start: date, end: date, unit: UnitPeriod) -> tuple[int, Decimal]:
    """`apr._interval` as it was before the fast solver (verbatim, but for the month count back,
    which follows Appendix J's month-end rule since audit defect 4: `apr._back`)."""
    if unit.unit == "day":
        days = (end - start).days
        return days // unit.count, Decimal(days % unit.count) / Decimal(unit.count)
    if unit.unit == "week":
        days = (end - start).days
        step = 7 * unit.count
        return days // step, Decimal(days % step) / Decimal(step)
    if unit.unit == "semimonth":
        months = apr._months_back(start, end)
        cursor = apr._back(end, months, start) if months else end
        full = 2 * months
        if cursor - timedelta(days=15) >= start:
            full += 1
            cursor -= timedelta(days=15)
        return full // unit.count, (
            Decimal(full % unit.count) + Decimal((cursor - start).days) / 15
        ) / Decimal(unit.count)
    months = apr._months_back(start, end)
    full, extra_months = divmod(months, unit.count)
    cursor = apr._back(end, months, start)
    odd_days = Decimal((cursor - start).days)
    return full, (Decimal(extra_months) + odd_days / 30) / Decimal(unit.count)


def old_terms(flows: list[Flow], unit: UnitPeriod) -> list[tuple[Decimal, int, Decimal]]:
    start = min(f.on for f in flows if f.amount > 0)
    return [(f.amount, *old_interval(start, f.on, unit)) for f in flows]


def reference_irr(flows: list[Flow], unit: UnitPeriod) -> AprResult:
    """The pure-Decimal IRR: `_solve` on the old f and f'."""
    return apr._result("irr", unit, apr._solve(*apr._irr_equations(old_terms(flows, unit))))


def reference_reg_z(flows: list[Flow], unit: UnitPeriod) -> AprResult:
    """The pure-Decimal Appendix J rate: `_solve` on the old f and f'."""
    terms = old_terms(flows, unit)
    return apr._result("us-actuarial", unit, apr._solve(*apr._reg_z_equations(terms)))


def irr_residual(flows: list[Flow], unit: UnitPeriod, i: Decimal) -> Decimal:
    """sum a (1 + i)^-t at 80 digits, t as the solver has it."""
    ctx = decimal.Context(prec=80)
    total = D(0)
    for a, full, frac in old_terms(flows, unit):
        t = D(full) + frac
        total = ctx.add(total, ctx.divide(a, ctx.power(ctx.add(1, i), t)))
    return total


def assert_same(new: AprResult, old: AprResult) -> None:
    for field in ("nominal", "effective"):
        a, b = getattr(new, field).percent, getattr(old, field).percent
        # 1e-12 relative; the floor only matters at a 0% rate (both ~1e-25 percent).
        assert abs(a - b) <= D("1e-12") * abs(b) + D("1e-18"), (field, a, b)
        # The stored figure agrees too, below a million percent (short daily loans with fees go
        # far past that, and their fourth decimal is beyond the ~21 digits the old solver pins
        # down), except at an exact tie x.xxxx5 (a rational rate: one payment), which the old
        # solver missed on either side (mostly below): then both are within 1e-20 of the tie.
        if abs(b) < D("1e6") and a.quantize(STORED) != b.quantize(STORED):
            tie = (a.quantize(STORED) + b.quantize(STORED)) / 2
            assert abs(a - tie) < D("1e-20") and abs(b - tie) < D("1e-20"), (field, a, b)
    assert new.unit_period == old.unit_period and new.method == old.method


UNITS = [
    UnitPeriod(1, "month"),
    UnitPeriod(2, "month"),
    UnitPeriod(3, "month"),
    UnitPeriod(1, "week"),
    UnitPeriod(2, "week"),
    UnitPeriod(1, "semimonth"),
    UnitPeriod(1, "day"),
    UnitPeriod(14, "day"),
]


def due(first: date, unit: UnitPeriod, k: int) -> date:
    """The k-th due date (k = 0 is `first`) at the unit's spacing."""
    if unit.unit == "month":
        return add_months(first, unit.count * k)
    if unit.unit == "semimonth":
        return add_months(first, k // 2) + timedelta(days=15 * (k % 2))
    days = 7 if unit.unit == "week" else 1
    return first + timedelta(days=days * unit.count * k)


@st.composite
def loans(draw: st.DrawFn, units: list[UnitPeriod] = UNITS) -> tuple[list[Flow], UnitPeriod]:
    """A loan's borrower flows: advance net of an upfront fee, then 1..36 level payments (cents)
    at an annual rate of 0..100% plus an optional fee per installment, the first period
    possibly long (odd days)."""
    unit = draw(st.sampled_from(units))
    start = draw(st.dates(date(2000, 1, 1), date(2040, 12, 31)))
    principal = D(draw(st.integers(10_000, 100_000_000))).scaleb(-2)
    n = draw(st.integers(1, 36))
    annual = D(draw(st.integers(0, 10_000))).scaleb(-4)  # 0 .. 1 (100%)
    upfront = (principal * D(draw(st.integers(0, 1000))) / 10_000).quantize(D("0.01"))
    fee = D(draw(st.integers(0, 5000))).scaleb(-2)
    odd_days = draw(st.sampled_from([0, 0, 0, 1, 5, 12, 29]))
    rate = annual / unit.per_year
    level = principal * rate / (1 - (1 + rate) ** -n) if rate else principal / n
    level = level.quantize(D("0.01"))
    first = due(start, unit, 1) + timedelta(days=odd_days)
    payments = []
    left = principal
    for k in range(n):
        interest = (left * rate).quantize(D("0.01"))
        paid = left + interest if k == n - 1 else level
        left -= paid - interest
        payments.append((due(first, unit, k), paid + fee))
    flows = schedule_flows(start, principal, upfront, payments)
    return flows, unit


@settings(max_examples=250, deadline=None)
@given(loans())
def test_irr_matches_the_pure_decimal_solver(loan: tuple[list[Flow], UnitPeriod]) -> None:
    flows, unit = loan
    new = irr_apr(flows, unit)
    assert_same(new, reference_irr(flows, unit))
    assert abs(irr_residual(flows, unit, new.periodic.fraction)) < D("1e-24")


@settings(max_examples=80, deadline=None)
@given(loans(units=[UnitPeriod(1, "month")]))
def test_monthly_irr_matches_without_a_unit_given(loan: tuple[list[Flow], UnitPeriod]) -> None:
    """Unit inferred from the dates, as `puhui apr` does."""
    flows, _ = loan
    new = irr_apr(flows)
    assert_same(new, reference_irr(flows, new.unit_period))


@settings(max_examples=120, deadline=None)
@given(loans())
def test_reg_z_matches_the_pure_decimal_solver(loan: tuple[list[Flow], UnitPeriod]) -> None:
    flows, unit = loan
    assert_same(reg_z_apr(flows, unit), reference_reg_z(flows, unit))


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    days=st.lists(st.integers(0, 2000), min_size=1, max_size=40),
    unit=st.sampled_from([*UNITS, UnitPeriod(5, "day"), UnitPeriod(12, "month")]),
)
def test_terms_are_the_old_intervals(start: date, days: list[int], unit: UnitPeriod) -> None:
    flows = [Flow(start, D(100)), *(Flow(start + timedelta(days=d), D(-1)) for d in days)]
    assert apr._terms(flows, start, unit) == old_terms(flows, unit)


def test_schedule_apr_of_a_generated_schedule() -> None:
    terms = LoanTerms(
        principal=D(5000),
        nominal_rate=Rate.from_percent(12),
        installments=10,
        disbursed=date(2024, 1, 15),
        upfront_fee=D(50),
    )
    schedule = generate_schedule(terms)
    got = apr.schedule_apr(schedule)
    payments = [(i.due_date, D(i.total).scaleb(-schedule.digits)) for i in schedule.installments]
    flows = schedule_flows(terms.disbursed, terms.principal, terms.upfront_fee, payments)
    assert_same(got, reference_irr(flows, UnitPeriod(1, "month")))
    assert got.nominal.percent > D(12)  # the upfront fee costs


class Spy:
    """Counts calls of the wrapped function and keeps what it returned."""

    def __init__(self, fn: Any) -> None:
        self.fn, self.calls, self.returned = fn, 0, list[Any]()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        self.returned.append(self.fn(*args, **kwargs))
        return self.returned[-1]


TEN_MONTHS = [
    Flow(date(2024, 1, 15), D(5000)),
    *(Flow(add_months(date(2024, 2, 15), k), D("-527.91")) for k in range(10)),
]


def test_the_fast_path_does_not_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(apr._solve)
    monkeypatch.setattr(apr, "_solve", spy)
    irr_apr(TEN_MONTHS, UnitPeriod(1, "month"))
    reg_z_apr(TEN_MONTHS, UnitPeriod(1, "month"))
    assert spy.calls == 0


def test_falls_back_when_float_newton_strays(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deeply negative IRR: Newton from 1% jumps below -99% on floats as on Decimal, so the
    pure-Decimal solver bisects; the answer is exactly its answer."""
    flows = [Flow(date(2024, 1, 15), D(100)), Flow(date(2027, 1, 15), D(-1))]
    unit = UnitPeriod(1, "month")
    assert apr._newton_float(lambda i: (100 - (1 + i) ** -36, 36 * (1 + i) ** -37)) is None
    spy = Spy(apr._solve)
    monkeypatch.setattr(apr, "_solve", spy)
    got, reg_z = irr_apr(flows, unit), reg_z_apr(flows, unit)
    assert spy.calls == 2
    monkeypatch.undo()
    assert got == reference_irr(flows, unit)
    assert reg_z == reference_reg_z(flows, unit)
    # 100 (1 + i)^-36 = 1: i = 0.01^(1/36) - 1 per month, about -12%
    assert abs(got.periodic.fraction - (D("0.01") ** (D(1) / 36) - 1)) < D("1e-20")


@pytest.mark.parametrize("failure", ["float", "polish"])
def test_falls_back_when_a_fast_stage_fails(monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    """Float Newton not converging (or the Decimal polish failing) leaves `_solve` to answer."""
    if failure == "float":
        monkeypatch.setattr(apr, "_newton_float", lambda fdf: None)
    else:
        # A float answer too poor for the one-step bound, and a polish that gives up.
        monkeypatch.setattr(apr, "_newton_float", lambda fdf: 0.02)
        monkeypatch.setattr(apr, "_polish", lambda fdf, x, evaluations=4: None)
    spy = Spy(apr._solve)
    monkeypatch.setattr(apr, "_solve", spy)
    unit = UnitPeriod(1, "month")
    got, reg_z = irr_apr(TEN_MONTHS, unit), reg_z_apr(TEN_MONTHS, unit)
    assert spy.calls == 2
    monkeypatch.undo()
    assert got == reference_irr(TEN_MONTHS, unit)
    assert reg_z == reference_reg_z(TEN_MONTHS, unit)
    assert got.nominal.percent.quantize(D("0.01")) == D("12.00")


def test_a_poor_float_answer_is_polished_by_checked_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Too far for the one-step bound: Decimal Newton steps until |f| < 1e-24 is checked."""
    monkeypatch.setattr(apr, "_newton_float", lambda fdf: 0.01)  # the root is 0.0099998...
    polish, solve = Spy(apr._polish), Spy(apr._solve)
    monkeypatch.setattr(apr, "_polish", polish)
    monkeypatch.setattr(apr, "_solve", solve)
    unit = UnitPeriod(1, "month")
    got = irr_apr(TEN_MONTHS, unit)
    assert polish.calls == 1 and polish.returned[0] == got.periodic.fraction
    assert solve.calls == 0
    monkeypatch.undo()
    assert_same(got, reference_irr(TEN_MONTHS, unit))
    assert abs(irr_residual(TEN_MONTHS, unit, got.periodic.fraction)) < D("1e-24")


@settings(max_examples=60, deadline=None)
@given(
    principal=st.integers(100, 10_000_000),
    n=st.integers(1, 36),
    unit=st.sampled_from(UNITS),
)
def test_a_zero_rate_without_fees_is_exactly_zero(principal: int, n: int, unit: UnitPeriod) -> None:
    """Flows summing to 0: the rate is 0, not a residue of either sign (-0.0000%)."""
    amount = D(principal).scaleb(-2)
    level = (amount / n).quantize(D("0.01"))
    start = date(2024, 1, 31)
    payments = [(due(start, unit, k), level) for k in range(1, n)]
    payments.append((due(start, unit, n), amount - level * (n - 1)))
    flows = schedule_flows(start, amount, D(0), payments)
    for result in (irr_apr(flows, unit), reg_z_apr(flows, unit)):
        assert result.periodic.fraction == 0
        assert str(result.nominal.percent.quantize(STORED)) == "0.0000"
        assert str(result.effective.percent.quantize(STORED)) == "0.0000"


def test_percent_text_of_a_huge_effective_rate() -> None:
    """A one-day loan with a 50% fee: the effective rate has over 100 digits, still shown."""
    flows = schedule_flows(
        date(2026, 1, 1), Decimal(1000), Decimal(500), [(date(2026, 1, 2), Decimal(1000))]
    )
    result = irr_apr(flows, UnitPeriod(1, "day"))
    assert result.nominal.percent == Decimal(36500)  # 100% a day, 365 days
    text = result.effective.percent_text()
    whole, frac = text.split(".")
    assert len(frac) == 4 and len(whole) > 100
    assert Decimal(text) == result.effective.percent.quantize(
        Decimal("0.0001"), context=decimal.Context(prec=200)
    )
    assert Rate.from_percent(Decimal("12.68250301319697")).percent_text() == "12.6825"
    assert Rate.from_percent(Decimal("-0.00001")).percent_text() == "-0.0000"
