"""The synthetic population: determinism, target shares and internal consistency."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from puhui.errors import ValidationError
from puhui.population import FIELDS, PopulationConfig, generate_population

N = 100_000


@pytest.fixture(scope="module")
def population() -> pl.DataFrame:
    return generate_population(PopulationConfig(n=N, seed=11, chunk_size=40_000))


def test_columns_match_the_documented_fields(population: pl.DataFrame) -> None:
    assert population.columns == [name for name, _, _ in FIELDS]
    assert population["customer_id"].to_list() == list(range(N))


def test_same_seed_same_rows_and_other_seed_other_rows() -> None:
    a = generate_population(PopulationConfig(n=3_000, seed=5, chunk_size=1_000))
    b = generate_population(PopulationConfig(n=3_000, seed=5, chunk_size=1_000))
    c = generate_population(PopulationConfig(n=3_000, seed=6, chunk_size=1_000))
    assert a.equals(b)
    assert not a.drop("customer_id").equals(c.drop("customer_id"))


@settings(max_examples=8, deadline=None)
@given(
    m=st.integers(1, 4_000),
    extra=st.integers(0, 140_000),
    chunk=st.integers(500, 200_000),
)
def test_a_row_depends_only_on_seed_and_position(m: int, extra: int, chunk: int) -> None:
    # The first m rows of any larger population, in any chunk size, are the population of m.
    small = generate_population(PopulationConfig(n=m, seed=8))
    large = generate_population(PopulationConfig(n=m + extra, seed=8, chunk_size=chunk))
    assert large.head(m).equals(small)


def test_bad_rate_near_the_default_target(population: pl.DataFrame) -> None:
    # 100k Bernoulli draws at 3%: standard error 0.00054, and the intercept is solved on
    # another draw; 0.0025 is about four standard errors.
    assert abs(float(population["true_pd"].mean()) - 0.03) < 0.0025  # type: ignore[arg-type]
    assert abs(float(population["defaulted"].mean()) - 0.03) < 0.0025  # type: ignore[arg-type]


@pytest.mark.parametrize("bad_rate", [0.01, 0.08])
def test_bad_rate_is_configurable(bad_rate: float) -> None:
    frame = generate_population(PopulationConfig(n=60_000, seed=2, bad_rate=bad_rate))
    observed = float(frame["defaulted"].mean())  # type: ignore[arg-type]
    assert abs(observed - bad_rate) < 0.15 * bad_rate


def test_first_time_borrowers_are_about_18_percent(population: pl.DataFrame) -> None:
    first_time = 1 - float(population["has_credit_history"].mean())  # type: ignore[arg-type]
    assert 0.165 < first_time < 0.195


def test_about_85_percent_have_junior_college_or_less(population: pl.DataFrame) -> None:
    low = population["education"].is_in(["junior_high_or_below", "high_school", "junior_college"])
    assert 0.82 < float(low.mean()) < 0.88  # type: ignore[arg-type]


def test_bureau_fields_are_null_exactly_for_first_time_borrowers(
    population: pl.DataFrame,
) -> None:
    no_history = ~population["has_credit_history"]
    assert (population["credit_history_months"].is_null() == no_history).all()
    assert (population["worst_dpd_12m"].is_null() == no_history).all()
    assert not population.filter(no_history)["overdue_elsewhere"].any()


def test_ranges_and_orderings(population: pl.DataFrame) -> None:
    assert population["age"].min() >= 18 and population["age"].max() <= 65  # type: ignore[operator]
    assert (population["inquiries_90d"] >= population["inquiries_30d"]).all()
    identity = population["identity_match"]
    assert identity.min() >= 0 and identity.max() <= 1  # type: ignore[operator]
    for name in ("true_pd", "drawdown_propensity", "early_repay_prob", "late_payment_prob"):
        column = population[name]
        assert column.min() > 0 and column.max() < 1, name  # type: ignore[operator]


def test_income_band_is_the_band_of_monthly_income(population: pl.DataFrame) -> None:
    edges = [3_000, 5_000, 8_000, 12_000, 20_000]
    band = np.searchsorted(edges, population["monthly_income"].to_numpy(), side="right")
    labels = population["income_band"].to_physical().to_numpy()
    assert np.array_equal(band, labels)


def test_true_pd_ranks_defaults_and_risk_rises_with_inquiries(population: pl.DataFrame) -> None:
    bad = population["defaulted"].to_numpy()
    assert roc_auc_score(bad, population["true_pd"].to_numpy()) > 0.75
    by_inquiries = (
        population.group_by(pl.col("inquiries_30d").clip(0, 4))
        .agg(pl.col("defaulted").mean())
        .sort("inquiries_30d")["defaulted"]
        .to_numpy()
    )
    assert np.all(np.diff(by_inquiries) > 0)


def test_bad_config_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        PopulationConfig(n=10, bad_rate=0.9)
    assert error.value.field == "bad_rate"
    with pytest.raises(ValidationError) as error:
        PopulationConfig(n=-1)
    assert error.value.field == "n"


@settings(max_examples=15, deadline=None)
@given(n=st.integers(min_value=0, max_value=2_500), seed=st.integers(0, 2**32 - 1))
def test_any_size_and_seed_gives_n_consistent_rows(n: int, seed: int) -> None:
    frame = generate_population(PopulationConfig(n=n, seed=seed, chunk_size=1_000))
    assert frame.height == n
    assert frame["customer_id"].to_list() == list(range(n))
    assert (
        frame.null_count().drop("credit_history_months", "worst_dpd_12m").sum_horizontal()[0] == 0
    )


def test_every_field_is_documented() -> None:
    doc = (Path(__file__).parent.parent.parent / "docs" / "population.md").read_text()
    for name, _, _ in FIELDS:
        assert f"| `{name}` |" in doc, name


# -- the randomised contact experiment (marketing) -----------------------------------------
def test_the_contact_experiment_adds_columns_and_changes_no_other() -> None:
    from puhui.population import CONTACT_COLUMNS

    plain = generate_population(PopulationConfig(n=70_000, seed=11))
    with_contact = generate_population(
        PopulationConfig(n=70_000, seed=11, contact_experiment=True, chunk_size=30_000)
    )
    assert with_contact.columns == [*plain.columns, *CONTACT_COLUMNS]
    assert with_contact.select(plain.columns).equals(plain)
    again = generate_population(PopulationConfig(n=70_000, seed=11, contact_experiment=True))
    assert again.equals(with_contact)  # chunking changes nothing


def test_contact_is_randomised_and_has_a_heterogeneous_true_effect() -> None:
    import numpy as np

    frame = generate_population(PopulationConfig(n=60_000, seed=5, contact_experiment=True))
    contacted = frame["contacted"].to_numpy()
    assert abs(contacted.mean() - 0.5) < 0.01
    # randomised: the truth is balanced across arms
    control = frame["takeup_prob_control"].to_numpy()
    assert abs(control[contacted].mean() - control[~contacted].mean()) < 0.003
    uplift = frame["takeup_prob_contacted"].to_numpy() - control
    assert 0.02 < uplift.mean() < 0.07  # contact helps on average ...
    assert 0.05 < (uplift < 0).mean() < 0.3  # ... and hurts some (sleeping dogs)
    took_up = frame["took_up"].to_numpy()
    observed = took_up[contacted].mean() - took_up[~contacted].mean()
    assert abs(observed - uplift.mean()) < 0.01  # the experiment measures the true effect
    assert np.corrcoef(frame["takeup_prob_contacted"].to_numpy(), uplift)[0, 1] < 0.7
