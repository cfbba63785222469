"""APR: Regulation Z Appendix J's worked examples, and the PBOC IRR figures.

Reference: 12 CFR Part 1026 (Regulation Z), Appendix J — Annual Percentage Rate Computations
for Closed-End Credit Transactions, section (c) "Examples for the actuarial method"; each
test names its example. Rates are disclosed to two decimals, as in the appendix.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from puhui.errors import ValidationError
from puhui.lending.apr import (
    Flow,
    UnitPeriod,
    infer_unit_period,
    irr_apr,
    parse_unit_period,
    reg_z_apr,
    schedule_apr,
)
from puhui.lending.dates import add_months
from puhui.lending.schedule import generate_schedule
from puhui.lending.terms import LoanTerms
from puhui.rate import Rate

D = Decimal


def monthly(first: date, count: int, amount: str, step: int = 1) -> list[Flow]:
    return [Flow(add_months(first, step * k), -D(amount)) for k in range(count)]


def weekly(first: date, count: int, amount: str, weeks: int = 1) -> list[Flow]:
    return [Flow(first + timedelta(weeks=weeks * k), -D(amount)) for k in range(count)]


def semimonthly(first: date, count: int, amount: str) -> list[Flow]:
    """Payments on the 1st and 16th of each month, starting on `first` (a 1st)."""
    dates = []
    for k in range(count):
        month = add_months(first, k // 2)
        dates.append(month if k % 2 == 0 else month.replace(day=16))
    return [Flow(d, -D(amount)) for d in dates]


def apr2(flows: list[Flow], unit: str | None = None) -> Decimal:
    result = reg_z_apr(flows, parse_unit_period(unit) if unit else None)
    return result.nominal.percent.quantize(D("0.01"))


def test_c1_i_monthly_regular_first_period() -> None:
    """Appendix J (c)(1)(i): $5,000, 24 x $230 monthly, 1/10/78 -> 2/10/78: 9.69%."""
    flows = [Flow(date(1978, 1, 10), D(5000)), *monthly(date(1978, 2, 10), 24, "230")]
    assert apr2(flows) == D("9.69")


def test_c1_ii_monthly_long_first_period() -> None:
    """Appendix J (c)(1)(ii): $6,000, 36 x $200, advance 2/10/78, first 4/1/78: 11.82%."""
    flows = [Flow(date(1978, 2, 10), D(6000)), *monthly(date(1978, 4, 1), 36, "200")]
    assert apr2(flows) == D("11.82")


def test_c1_iii_semimonthly_short_first_period() -> None:
    """Appendix J (c)(1)(iii): $5,000, 24 x $219.17 on the 1st/16th from 3/1/78: 10.34%."""
    flows = [Flow(date(1978, 2, 23), D(5000)), *semimonthly(date(1978, 3, 1), 24, "219.17")]
    assert infer_unit_period(flows) == UnitPeriod(1, "semimonth")
    assert apr2(flows) == D("10.34")


def test_c1_iv_quarterly_long_first_period() -> None:
    """Appendix J (c)(1)(iv): $10,000, 40 x $385 quarterly from 10/1/78: 8.97%."""
    flows = [Flow(date(1978, 5, 23), D(10000)), *monthly(date(1978, 10, 1), 40, "385", 3)]
    assert infer_unit_period(flows) == UnitPeriod(3, "month")
    assert apr2(flows) == D("8.97")


def test_c1_v_weekly_long_first_period() -> None:
    """Appendix J (c)(1)(v): $500, 30 x $17.60 weekly from 4/21/78: 14.96%."""
    flows = [Flow(date(1978, 3, 20), D(500)), *weekly(date(1978, 4, 21), 30, "17.60")]
    assert apr2(flows) == D("14.96")


def test_c2_i_monthly_odd_first_payment() -> None:
    """Appendix J (c)(2)(i): $5,000, first $250 on 2/10/78 then 23 x $230: 10.08%."""
    flows = [
        Flow(date(1978, 1, 10), D(5000)),
        Flow(date(1978, 2, 10), D(-250)),
        *monthly(date(1978, 3, 10), 23, "230"),
    ]
    assert apr2(flows) == D("10.08")


def test_c2_ii_four_weekly_odd_first_payment() -> None:
    """Appendix J (c)(2)(ii): $400, first $39.50 on 4/20/78, 11 x $38.31 every 4 weeks: 28.50%."""
    flows = [
        Flow(date(1978, 3, 18), D(400)),
        Flow(date(1978, 4, 20), D("-39.50")),
        *weekly(date(1978, 5, 18), 11, "38.31", 4),
    ]
    assert apr2(flows, "4 weeks") == D("28.50")


def test_c3_i_monthly_odd_final_payment() -> None:
    """Appendix J (c)(3)(i): $5,000, 23 x $230 then $280: 10.50%."""
    flows = [
        Flow(date(1978, 1, 10), D(5000)),
        *monthly(date(1978, 2, 10), 23, "230"),
        Flow(add_months(date(1978, 2, 10), 23), D(-280)),
    ]
    assert apr2(flows) == D("10.50")


def test_c3_ii_biweekly_short_first_period_odd_final_payment() -> None:
    """Appendix J (c)(3)(ii): $200, 19 x $9.50 every 2 weeks from 4/11/78, final $30: 12.22%."""
    flows = [
        Flow(date(1978, 4, 3), D(200)),
        *weekly(date(1978, 4, 11), 19, "9.50", 2),
        Flow(date(1978, 4, 11) + timedelta(days=14 * 19), D(-30)),
    ]
    assert apr2(flows) == D("12.22")


def test_c4_i_monthly_odd_first_and_final_payments() -> None:
    """Appendix J (c)(4)(i): $5,000, $250 first, 22 x $230, $280 final: 10.90%."""
    flows = [
        Flow(date(1978, 1, 10), D(5000)),
        Flow(date(1978, 2, 10), D(-250)),
        *monthly(date(1978, 3, 10), 22, "230"),
        Flow(add_months(date(1978, 3, 10), 22), D(-280)),
    ]
    assert apr2(flows) == D("10.90")


def test_c4_ii_bimonthly_short_first_period() -> None:
    """Appendix J (c)(4)(ii): $8,000, $449.36 on 3/1/78, 18 x $465 every 2 months, $200: 7.30%."""
    flows = [
        Flow(date(1978, 1, 10), D(8000)),
        Flow(date(1978, 3, 1), D("-449.36")),
        *monthly(date(1978, 5, 1), 18, "465", 2),
        Flow(add_months(date(1978, 5, 1), 36), D(-200)),
    ]
    assert apr2(flows, "2 months") == D("7.30")


def test_c5_i_single_advance_single_payment_in_days() -> None:
    """Appendix J (c)(5)(i): $1,000 on 1/3/78, $1,080 on 9/15/78 (255 days): 11.45%."""
    flows = [Flow(date(1978, 1, 3), D(1000)), Flow(date(1978, 9, 15), D(-1080))]
    assert infer_unit_period(flows) == UnitPeriod(255, "day")
    assert apr2(flows) == D("11.45")


def test_irr_of_a_fee_free_level_loan_is_its_rate() -> None:
    """1000 repaid by 12 x PMT(1%) = 88.85 monthly: periodic IRR ~1%, nominal ~12%."""
    flows = [Flow(date(2024, 1, 1), D(1000)), *monthly(date(2024, 2, 1), 12, "88.85")]
    result = irr_apr(flows)
    assert abs(result.nominal.percent - 12) < D("0.01")
    assert abs(result.effective.percent - D("12.6825")) < D("0.02")
    assert result.effective.percent > result.nominal.percent


def test_fees_raise_the_irr() -> None:
    """A 2% upfront fee nets the advance down, so the APR rises above the note rate."""
    base = [Flow(date(2024, 1, 1), D(1000)), *monthly(date(2024, 2, 1), 12, "88.85")]
    with_fee = [Flow(date(2024, 1, 1), D(980)), *base[1:]]
    assert irr_apr(with_fee).nominal.percent > irr_apr(base).nominal.percent + 3


def test_bad_flows_name_the_field() -> None:
    with pytest.raises(ValidationError) as exc:
        reg_z_apr([Flow(date(2024, 1, 1), D(1000))])
    assert exc.value.field == "payments"
    with pytest.raises(ValidationError) as exc:
        parse_unit_period("fortnight")
    assert exc.value.field == "unit_period"
    with pytest.raises(ValidationError) as exc:
        reg_z_apr([Flow(date(2024, 1, 1), D(1000)), Flow(date(2023, 1, 1), D(-1100))])
    assert exc.value.field == "payments"


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("1 month", UnitPeriod(1, "month")),
        ("2 weeks", UnitPeriod(2, "week")),
        ("semimonth", UnitPeriod(1, "semimonth")),
        ("255 days", UnitPeriod(255, "day")),
        ("3 Months", UnitPeriod(3, "month")),
    ],
)
def test_parse_unit_period(text: str, unit: UnitPeriod) -> None:
    assert parse_unit_period(text) == unit


# -- audit defect 4: month-end schedules and single payments over a year ------------------
def _month_end(year: int, month: int) -> date:
    return add_months(date(year, month, 1), 1) - timedelta(days=1)


def test_apr_month_end_schedule_counts_month_end_to_month_end() -> None:
    """1,000 advanced on 31 January, six month-end payments of 172.55: Appendix J measures
    month end to month end (Feb 28 back one month is Jan 31), a 1-month unit: 12.0033%.
    We used to infer a 31-day unit and give 12.2309."""
    flows = [Flow(date(2026, 1, 31), D(1000))]
    flows += [Flow(_month_end(2026, m), D("-172.55")) for m in range(2, 8)]
    assert infer_unit_period(flows) == UnitPeriod(1, "month")
    assert reg_z_apr(flows).nominal.percent_text() == "12.0033"
    assert irr_apr(flows).nominal.percent_text() == "12.0033"


def test_apr_single_payment_over_a_year_has_a_one_year_unit() -> None:
    """1,000 repaid as 1,210 after two years: the unit period is the term, capped at a year
    (Appendix J (b)(3)), so 10% a year; we used to give 10.5 (a 730-day unit)."""
    flows = [Flow(date(2026, 1, 1), D(1000)), Flow(date(2028, 1, 1), D(-1210))]
    assert infer_unit_period(flows) == UnitPeriod(12, "month")
    assert reg_z_apr(flows).nominal.percent_text() == "10.0000"


@pytest.mark.parametrize("day", [27, 28, 29, 31])
def test_stored_irr_of_identical_cash_flows_does_not_depend_on_the_month_end(day: int) -> None:
    """10,000 over 6 months at 12%, monthly interest: the same six payments whether disbursed
    on 27, 28, 29 or 31 January; the IRR stored at drawdown is 12.0002 for all (on 31 January
    it used to be 12.1178)."""
    terms = LoanTerms(
        principal=D(10000),
        nominal_rate=Rate.from_percent(12),
        installments=6,
        disbursed=date(2026, 1, day),
        interest_period="same-as-repayment",  # type: ignore[arg-type]
    )
    assert schedule_apr(generate_schedule(terms)).nominal.percent_text() == "12.0002"
