"""Rate: one exact fraction for every rate, read in percent or in whole units of a scale."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.rate import BASIS_POINTS, PPB, PPM, Rate

ppms = st.integers(min_value=0, max_value=10 * PPM)


def test_percent_fraction_and_units_agree() -> None:
    eighteen = Rate.from_percent("18")
    assert eighteen == Rate.of("0.18") == Rate.parse("18%") == Rate.parse("0.18")
    assert eighteen.percent == Decimal(18)
    assert eighteen.per_unit(PPM) == 180_000
    assert eighteen.per_unit(BASIS_POINTS) == 1_800
    assert eighteen.per_unit(PPB) == 180_000_000
    assert Rate.from_units(180_000, PPM) == eighteen


def test_formats_for_people_and_storage() -> None:
    assert Rate.of("0.180356").format() == "18.04%"
    assert Rate.of("0.180356").format(places=None) == "18.0356%"
    assert Rate.of("0.18").percent_text(4) == "18.0000"
    assert Rate.of("0.1800").text() == "0.18" and Rate.of("0").text() == "0"
    assert str(Rate.from_percent("27")) == "27%"
    assert Rate.from_percent("1E+1").percent_text(None) == "10"  # never '1E+1'


def test_a_huge_rate_still_formats() -> None:
    """A one-day loan with a fee compounds to hundreds of digits of percent."""
    huge = Rate(Decimal(10) ** 120)
    whole, decimals = huge.percent_text(4).split(".")
    assert len(decimals) == 4 and len(whole) == 123


@given(ppms)
def test_units_round_trip_exactly(units: int) -> None:
    rate = Rate.from_units(units, PPM)
    assert rate.per_unit(PPM) == units
    assert Rate.of(rate.text()) == rate
    assert Rate.parse(rate.format(places=None)) == rate


@given(ppms, ppms)
def test_order_is_the_order_of_the_fractions(a: int, b: int) -> None:
    assert (Rate.from_units(a, PPM) < Rate.from_units(b, PPM)) == (a < b)


def test_finer_than_the_unit_is_refused_not_rounded() -> None:
    with pytest.raises(ValidationError) as error:
        Rate.of("0.1234567").per_unit(PPM, "nominal_rate")
    assert error.value.field == "nominal_rate"


@pytest.mark.parametrize("bad", [0.18, "abc", "Infinity", "NaN", None])
def test_bad_input_names_the_field(bad: object) -> None:
    with pytest.raises(ValidationError) as error:
        Rate.of(bad, "annual_rate")  # type: ignore[arg-type]
    assert error.value.field == "annual_rate"
