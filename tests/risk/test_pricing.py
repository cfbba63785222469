"""Risk-based pricing: monotone in PD, bounded by floor and cap, components add up, row == batch."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.rate import Rate
from puhui.risk.pricing import PricingParams, price, price_batch
from puhui.risk.units import RATE_SCALE

pds = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
terms = st.integers(min_value=1, max_value=60)
principals = st.integers(min_value=1, max_value=10**9)


def test_worked_example_by_hand() -> None:
    # PD 3% over 12 months, 10-month loan of the reference 5,000 yuan:
    # cost of funds 3%, EL 0.03 x 0.85 = 2.55%, operating 2000 fen x 24 / (500000 x 11)
    # = 0.8727272%, capital 0.105 x 0.12 = 1.26%, margin 2% -> 9.6827272% -> up to 9.69%.
    quote = price(0.03, 10)
    assert quote.expected_loss == Rate.of("0.0255")
    assert quote.operating_cost == Rate.of("0.008727272")
    assert quote.capital_charge == Rate.of("0.0126")
    assert quote.nominal_rate == Rate.of("0.0969")
    assert not quote.capped and not quote.floored


@given(pds, pds, terms)
def test_apr_is_non_decreasing_in_pd(a: float, b: float, term: int) -> None:
    low, high = sorted((a, b))
    assert price(low, term).nominal_rate <= price(high, term).nominal_rate


@given(pds, terms, principals)
def test_components_add_up_and_bounds_hold(pd: float, term: int, principal: int) -> None:
    params = PricingParams(rate_floor=Decimal("0.08"), rate_cap=Decimal("0.24"))
    quote = price(pd, term, params, principal_minor=principal)
    assert sum((c.fraction for c in quote.components().values()), Decimal(0)) == (
        quote.nominal_rate.fraction
    )
    assert Rate.of("0.08") <= quote.nominal_rate <= Rate.of("0.24")
    assert quote.capped == (quote.clip.fraction < 0)
    assert quote.floored == (quote.clip.fraction > 0)


def test_high_pd_is_capped_and_low_cost_is_floored() -> None:
    assert price(0.5, 12).nominal_rate == Rate.of("0.24")
    assert price(0.5, 12).capped
    cheap = PricingParams(
        cost_of_funds=Decimal(0),
        operating_cost_per_loan=Decimal(0),
        capital_ratio=Decimal(0),
        target_margin=Decimal(0),
        rate_floor=Decimal("0.05"),
    )
    quote = price(0.0, 12, cheap)
    assert quote.nominal_rate == Rate.of("0.05")
    assert quote.floored


def test_pd_over_the_loan_term_is_annualised() -> None:
    # PD 3% over a 6-month loan loses 2.55% of principal in half a year: 5.1% a year.
    quote = price(0.03, 6, PricingParams(pd_horizon_months=None))
    assert quote.expected_loss == Rate.of("0.051")


@settings(max_examples=50)
@given(
    st.lists(st.tuples(pds, terms, principals), min_size=1, max_size=50),
    st.sampled_from([None, 12, 6]),
)
def test_batch_equals_row_by_row(rows: list[tuple[float, int, int]], horizon: int | None) -> None:
    params = PricingParams(pd_horizon_months=horizon)
    pd = np.array([r[0] for r in rows])
    term = np.array([r[1] for r in rows])
    principal = np.array([r[2] for r in rows])
    batch = price_batch(pd, term, params, principal_minor=principal)
    for i, (p, t, amount) in enumerate(rows):
        assert batch.quote(i) == price(p, t, params, principal_minor=amount)


def test_batch_broadcasts_scalar_term() -> None:
    batch = price_batch([0.01, 0.2], 10)
    assert batch.rate_ppb.tolist() == [price(0.01, 10).rate_ppb, price(0.2, 10).rate_ppb]
    assert batch.rate_ppb[1] == RATE_SCALE * 24 // 100


@pytest.mark.parametrize(
    ("pd", "term", "field"),
    [(-0.1, 10, "pd"), (1.5, 10, "pd"), (float("nan"), 10, "pd"), (0.1, 0, "term_months")],
)
def test_bad_input_names_the_field(pd: float, term: int, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        price(pd, term)
    assert err.value.field == field


def test_bad_batch_input_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        price_batch([0.1, np.nan], 10)
    assert err.value.field == "pd"


def test_params_reject_floor_above_cap_and_sub_nano_rates() -> None:
    with pytest.raises(ValueError, match="rate_floor"):
        PricingParams(rate_floor=Decimal("0.3"), rate_cap=Decimal("0.24"))
    with pytest.raises(ValueError, match="cost_of_funds"):
        PricingParams(cost_of_funds=Decimal("0.0000000001"))


def test_model_copy_recomputes_the_units() -> None:
    dearer = PricingParams().model_copy(update={"target_margin": Decimal("0.03")})
    assert price(0.03, 10, dearer).nominal_rate.fraction == (
        price(0.03, 10).nominal_rate.fraction + Decimal("0.01")
    )
    with pytest.raises(ValueError, match="rate_floor"):
        PricingParams().model_copy(update={"rate_floor": Decimal("0.5")})


# -- a price per risk band (margin_bands), for the strategy optimiser -------------------------
def test_margin_bands_price_each_risk_band_and_batch_agrees() -> None:
    import numpy as np

    from puhui.risk.pricing import PricingParams, price, price_batch

    params = PricingParams.model_validate(
        {
            "margin_bands": [
                {"max_pd": "0.01", "margin": "0.005"},
                {"max_pd": "0.05", "margin": "0.03"},
            ]
        }
    )
    pds = [0.001, 0.01, 0.0100001, 0.05, 0.2]
    quotes = [price(pd, 12, params) for pd in pds]
    margins = [q.target_margin.fraction for q in quotes]
    assert [str(m) for m in margins] == ["0.005", "0.005", "0.03", "0.03", "0.02"]
    batch = price_batch(np.array(pds), 12, params)
    assert [q.rate_ppb for q in quotes] == batch.rate_ppb.tolist()
    assert [int(m * 10**9) for m in margins] == batch.target_margin.tolist()


def test_margin_bands_must_increase_and_leave_other_strategies_unchanged() -> None:
    import pydantic
    import pytest

    from puhui.risk.pricing import PricingParams
    from puhui.risk.strategy import load_strategy, parse_strategy

    with pytest.raises(pydantic.ValidationError):
        PricingParams.model_validate(
            {
                "margin_bands": [
                    {"max_pd": "0.05", "margin": "0.01"},
                    {"max_pd": "0.01", "margin": "0"},
                ]
            }
        )
    strategy = load_strategy()
    assert "margin_bands" not in strategy.to_data()["pricing"]  # same fingerprint as before
    data = strategy.to_data()
    data["pricing"]["margin_bands"] = [{"max_pd": "0.02", "margin": "0.01"}]
    banded = parse_strategy(data)
    assert banded.version_id != strategy.version_id
    assert parse_strategy(banded.to_data()).version_id == banded.version_id
