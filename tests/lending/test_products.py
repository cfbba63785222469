"""Loan products: the shipped default, validation that names the field, stable fingerprints."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from puhui.errors import ValidationError
from puhui.lending.allocation import DEFAULT_ORDER
from puhui.lending.products import default_product, load_product, parse_product
from puhui.lending.schedule import generate_schedule
from puhui.lending.terms import Amortization, DaysInYear, InterestPeriod
from puhui.rate import Rate


def default_data() -> dict[str, Any]:
    text = resources.files("puhui.lending.products").joinpath("default.toml").read_text()
    return tomllib.loads(text)


def test_default_product_is_the_cny_revolving_micro_loan() -> None:
    p = default_product()
    assert p.currency == "CNY"
    assert (p.amount.min, p.amount.max) == (Decimal(500), Decimal(200000))
    assert p.terms.installments == (5, 10, 20)
    assert set(p.schedule.amortizations) == {
        Amortization.EQUAL_INSTALLMENTS,
        Amortization.EQUAL_PRINCIPAL,
    }
    assert p.schedule.interest_period is InterestPeriod.DAILY
    assert p.schedule.days_in_year is DaysInYear.D360
    assert p.nominal_rate == Rate.from_percent(18)  # 0.05% a day x 360
    assert p.repayment.early_repayment_allowed
    assert p.repayment.early_repayment_fee.value == 0
    assert p.repayment.allocation_order == DEFAULT_ORDER


def test_default_delinquency_buckets() -> None:
    d = default_product().delinquency
    assert [d.bucket_for(x) for x in (0, 1, 30, 31, 90, 91, 180, 181, 999)] == [
        "M0", "M1", "M1", "M2", "M3", "M4", "M6", "M6+", "M6+"
    ]  # fmt: skip
    assert d.write_off_dpd == 180


def test_terms_for_checks_the_drawdown() -> None:
    p = default_product()
    terms = p.terms_for("10000", 10, date(2026, 1, 15), "equal-principal")
    assert terms.amortization is Amortization.EQUAL_PRINCIPAL
    s = generate_schedule(terms)
    assert len(s.installments) == 10 and s.total_principal == 1_000_000
    with pytest.raises(ValidationError) as exc:
        p.terms_for("499.99", 10, date(2026, 1, 15))
    assert exc.value.field == "principal"
    with pytest.raises(ValidationError) as exc:
        p.terms_for("1000", 12, date(2026, 1, 15))
    assert exc.value.field == "installments"


def test_fingerprint_is_stable_and_sensitive() -> None:
    a, b = default_product(), default_product()
    assert a.fingerprint() == b.fingerprint()
    assert len(a.fingerprint()) == 64
    data = default_data()
    data["nominal_rate"] = "18.01%"
    assert parse_product(data).fingerprint() != a.fingerprint()
    assert parse_product(a.to_dict()) == a  # to_dict round-trips
    assert a.to_dict()["repayment"]["allocation_order"][0] == "past-due:penalty"
    assert a.to_dict()["delinquency"]["buckets"][0] == {"name": "M1", "from": 1, "to": 30}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(nominal_rate=18.0), "nominal_rate"),
        (lambda d: d.update(nominal_rate="18"), "nominal_rate"),
        (lambda d: d.update(currency="XXX"), "currency"),
        (lambda d: d["amount"].update(min="0"), "amount"),
        (lambda d: d["terms"].update(installments=[]), "terms.installments"),
        (lambda d: d["schedule"].update(engine="bullet"), "schedule.engine"),
        (lambda d: d["schedule"].update(days_in_year="366"), "schedule.days_in_year"),
        (
            lambda d: d["repayment"].update(allocation_order=["due:fee"]),
            "repayment.allocation_order",
        ),
        (lambda d: d["delinquency"]["buckets"].pop(2), "delinquency.buckets"),
        (lambda d: d.update(surprise=1), "surprise"),
        (lambda d: d["amount"].update(min="500.001"), "amount.min"),
    ],
)
def test_bad_product_names_the_field(change: Any, field: str) -> None:
    data = default_data()
    change(data)
    with pytest.raises(ValidationError) as exc:
        parse_product(data)
    assert exc.value.field == field


def test_load_product_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    text = resources.files("puhui.lending.products").joinpath("default.toml").read_text()
    path.write_text(text.replace("version = 1", "version = 2"))
    assert load_product(path).version == 2
    path.write_text("id = ")
    with pytest.raises(ValidationError) as exc:
        load_product(path)
    assert exc.value.field == "path"


def test_public_api_example() -> None:
    """The example in puhui.lending's docstring runs and gives Money in fen."""
    from puhui.lending import default_product as product
    from puhui.lending import generate_schedule as generate

    schedule = generate(product().terms_for("10000", 10, date(2026, 1, 15)))
    first = schedule.installments[0]
    assert schedule.money(first.interest).format() == "155.00"  # 10,000 x 18% x 31 / 360
    assert schedule.money(schedule.total_principal).format() == "10000.00"
