"""Money: exact parsing, formatting, currency safety, lossless splitting, rounding modes."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.money import Money, MoneyError, Rounding, exponent


def test_exponents_follow_iso_4217() -> None:
    assert exponent("CNY") == 2
    assert exponent("HKD") == 2
    assert exponent("JPY") == 0
    assert exponent("KWD") == 3


def test_unknown_currency_is_refused_naming_the_field() -> None:
    with pytest.raises(MoneyError) as err:
        Money(1, "XXX")
    assert err.value.field == "currency"


@pytest.mark.parametrize(
    ("text", "currency", "minor", "formatted"),
    [
        ("123.45", "CNY", 12345, "123.45"),
        ("-0.05", "CNY", -5, "-0.05"),
        ("100", "CNY", 10000, "100.00"),
        ("1,000.10", "CNY", 100010, "1000.10"),
        ("1500", "JPY", 1500, "1500"),
        ("1.234", "KWD", 1234, "1.234"),
        ("0", "HKD", 0, "0.00"),
    ],
)
def test_parse_and_format_exactly(text: str, currency: str, minor: int, formatted: str) -> None:
    money = Money.parse(text, currency)
    assert money.minor == minor
    assert money.format() == formatted


def test_parse_refuses_extra_digits_unless_rounding_is_named() -> None:
    with pytest.raises(MoneyError, match="decimal places"):
        Money.parse("1.005", "CNY")
    assert Money.parse("1.005", "CNY", Rounding.HALF_EVEN).minor == 100
    assert Money.parse("1.005", "CNY", Rounding.HALF_UP).minor == 101
    with pytest.raises(MoneyError):
        Money.parse("1.5", "JPY")


@pytest.mark.parametrize("bad", ["abc", "", "1.2.3", "NaN", "Infinity"])
def test_parse_rejects_garbage(bad: str) -> None:
    with pytest.raises(MoneyError) as err:
        Money.parse(bad, field="principal")
    assert err.value.field == "principal"


def test_floats_are_never_money() -> None:
    with pytest.raises(MoneyError):
        Money.parse(1.1)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(1.0)  # type: ignore[arg-type]


def test_currencies_do_not_mix() -> None:
    with pytest.raises(MoneyError, match="mix"):
        Money(1, "CNY") + Money(1, "HKD")
    with pytest.raises(MoneyError):
        _ = Money(1, "CNY") < Money(1, "USD")


# Reference: Python's decimal module documents each rounding mode; values below are 2.5, -2.5
# and 2.4 fen rounded to whole fen.
@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (Rounding.HALF_EVEN, (2, -2, 2)),
        (Rounding.HALF_UP, (3, -3, 2)),
        (Rounding.DOWN, (2, -2, 2)),
        (Rounding.UP, (3, -3, 3)),
        (Rounding.CEILING, (3, -2, 3)),
        (Rounding.FLOOR, (2, -3, 2)),
    ],
)
def test_rounding_modes(mode: Rounding, expected: tuple[int, int, int]) -> None:
    one = Money(1, "CNY")
    got = tuple(one.multiply(Decimal(x), mode).minor for x in ("2.5", "-2.5", "2.4"))
    assert got == expected


def test_rounding_mode_parse() -> None:
    assert Rounding.parse("HALF_UP") is Rounding.HALF_UP
    with pytest.raises(MoneyError):
        Rounding.parse("banker")


def test_allocate_by_ratio_largest_remainder() -> None:
    parts = Money(100, "CNY").allocate([1, 1, 1])
    assert [p.minor for p in parts] == [34, 33, 33]
    parts = Money(1000, "CNY").allocate([Decimal("0.7"), Decimal("0.3")])
    assert [p.minor for p in parts] == [700, 300]
    assert [p.minor for p in Money(-5, "CNY").split(2)] == [-3, -2]


@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(any),
)
def test_allocate_never_loses_a_cent(minor: int, ratios: list[int]) -> None:
    parts = Money(minor, "CNY").allocate(ratios)
    assert sum(p.minor for p in parts) == minor
    total = sum(ratios)
    for part, ratio in zip(parts, ratios, strict=True):
        # each part is within one minor unit of its exact share
        assert abs(part.minor * total - minor * ratio) < total


@given(st.integers(min_value=-(10**18), max_value=10**18), st.sampled_from(["CNY", "JPY", "KWD"]))
def test_format_parse_round_trip(minor: int, currency: str) -> None:
    money = Money(minor, currency)
    assert Money.parse(money.format(), currency) == money


# -- audit defect 12: "1,50" in EUR became 150.00 ------------------------------------------
@pytest.mark.parametrize("text", ["1,50", "1,5000", "1,234,56", "12,34.00", "1_0", ",100", "1,"])
def test_money_parse_refuses_commas_that_are_not_thousands_groups(text: str) -> None:
    with pytest.raises(MoneyError) as error:
        Money.parse(text, "EUR")
    assert error.value.field == "amount" and "threes" in error.value.message


@pytest.mark.parametrize(
    ("text", "minor"),
    [("1,234.50", 123_450), ("12,345,678", 1_234_567_800), ("1_000", 100_000), ("999", 99_900)],
)
def test_money_parse_reads_thousands_groups(text: str, minor: int) -> None:
    assert Money.parse(text, "EUR").minor == minor


@given(st.integers(min_value=0, max_value=10**15))
def test_grouped_and_plain_digits_read_the_same(units: int) -> None:
    grouped = f"{units:,}.25"
    assert Money.parse(grouped, "CNY") == Money.parse(f"{units}.25", "CNY")
