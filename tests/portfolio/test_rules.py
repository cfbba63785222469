"""The servicing rules the twin reproduces, read from the product."""

from __future__ import annotations

import pytest

from puhui.errors import ValidationError
from puhui.lending.products import default_product
from puhui.lending.terms import ScheduleEngine
from puhui.portfolio.costs import CostModel
from puhui.portfolio.rules import ServicingRules, recovery_minor
from puhui.rate import Rate


def test_default_product_rules() -> None:
    rules = ServicingRules.from_product(default_product())
    assert rules.year_days == 360 and rules.grace_days == 3 and rules.write_off_dpd == 180
    assert rules.terms == (5, 10, 20)
    assert rules.min_amount_minor == 50_000 and rules.max_amount_minor == 20_000_000
    # the overdue rate is the line's own rate x 1.5 (27% on an 18% line)
    assert rules.penalty_rate_ppm(180_000) == 270_000
    assert rules.penalty_rate_ppm(100_000) == 150_000
    assert not rules.contract_interest_on_overdue and rules.freeze_line_dpd == 1
    # DPD counts from the due date once the grace has passed
    assert rules.dpd(100, 103) == 0 and rules.dpd(100, 104) == 4
    assert rules.write_off_cob_day(1000) == 1179


def test_a_product_the_twin_does_not_model_is_refused_by_field() -> None:
    product = default_product()
    progressive = product.model_copy(
        update={
            "schedule": product.schedule.model_copy(update={"engine": ScheduleEngine.PROGRESSIVE})
        }
    )
    with pytest.raises(ValidationError) as err:
        ServicingRules.from_product(progressive)
    assert err.value.field == "schedule.engine"


def test_recovery_rounds_half_up_in_both_bookers() -> None:
    assert recovery_minor(1_000, 150_000) == 150
    assert recovery_minor(3, 500_000) == 2  # 1.5 fen -> 2
    assert recovery_minor(0, 150_000) == 0


def test_the_seed_it_cost_is_two_yuan_per_account_per_year() -> None:
    costs = CostModel()
    assert costs.it_cost(12) == 200  # one account for a year
    assert costs.it_cost(1_000_000) == 16_666_667  # a million account-months
    # funding: 1,000 yuan outstanding for a year at 3% is 30 yuan
    assert CostModel(funding_rate=Rate.of("0.03")).funding_cost(100_000 * 365) == 3_000
    with pytest.raises(ValidationError):
        CostModel(per_call_minor=-1)
