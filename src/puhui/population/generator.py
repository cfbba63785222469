"""Seeded, vectorised synthetic customers of a pure-online inclusive-credit book, with a known PD.

Every field is drawn with numpy from one explicit seed, in blocks, so ten million rows fit in
seconds and the same seed always gives the same population. The probability of default comes
from a non-linear latent model (thresholds, interactions, an unobserved noise term), so a model
trained on the observable fields can approach, but never reach, the ranking of the true PD.
Field meanings are documented in `docs/population.md` and `FIELDS` below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from puhui.errors import ValidationError

CITY_TIERS = ("tier_1", "tier_1_new", "tier_2", "tier_3", "tier_4", "tier_5")
_CITY_SHARE = (0.06, 0.12, 0.18, 0.22, 0.22, 0.20)
_CITY_INCOME = (0.45, 0.30, 0.15, 0.0, -0.12, -0.22)
_CITY_RISK = (-0.10, -0.05, 0.0, 0.05, 0.10, 0.15)

EDUCATION = ("junior_high_or_below", "high_school", "junior_college", "bachelor", "master_or_above")
_EDU_SHARE = (0.24, 0.31, 0.30, 0.13, 0.02)
_EDU_INCOME = (-0.25, -0.10, 0.05, 0.30, 0.55)
_EDU_RISK = (0.25, 0.10, 0.0, -0.20, -0.35)

OCCUPATIONS = (
    "factory_worker",
    "service_staff",
    "delivery_or_driver",
    "self_employed",
    "farmer",
    "office_clerk",
    "professional",
    "civil_servant",
    "student",
    "unemployed",
)
# Occupation shares by education (rows follow EDUCATION); each row sums to 1.
_OCC_BY_EDU = np.array(
    [
        [0.30, 0.20, 0.15, 0.12, 0.13, 0.02, 0.00, 0.00, 0.02, 0.06],
        [0.22, 0.22, 0.15, 0.14, 0.06, 0.09, 0.02, 0.01, 0.05, 0.04],
        [0.10, 0.18, 0.10, 0.13, 0.02, 0.22, 0.10, 0.04, 0.08, 0.03],
        [0.03, 0.08, 0.03, 0.10, 0.01, 0.30, 0.28, 0.09, 0.06, 0.02],
        [0.01, 0.03, 0.01, 0.06, 0.00, 0.24, 0.48, 0.12, 0.03, 0.02],
    ]
)
_OCC_INCOME = (-0.05, -0.10, 0.05, 0.10, -0.35, 0.05, 0.35, 0.20, -0.80, -0.70)
_OCC_RISK = (0.05, 0.10, 0.15, 0.25, 0.05, -0.10, -0.25, -0.45, 0.30, 0.60)

#: The protected attribute: drawn last, from the rows' own stream, independent of every other
#: field and of the true PD, so a gap between the groups' decisions is the model's own doing.
GENDERS = ("female", "male")
_FEMALE_SHARE = 0.48

INCOME_BANDS = ("lt_3k", "3k_5k", "5k_8k", "8k_12k", "12k_20k", "ge_20k")
_INCOME_EDGES = np.array([3_000, 5_000, 8_000, 12_000, 20_000])

DEFAULT_BAD_RATE = 0.03
DEFAULT_CHUNK = 1_000_000
BLOCK = 1 << 16
_CALIBRATION_ROWS = 200_000

# (name, polars type, meaning) — the public contract of a population frame.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("customer_id", "Int64", "row id, 0..n-1"),
    ("age", "Int16", "age in years, 18-65"),
    (
        "gender",
        "Enum",
        "female or male: the protected attribute for fairness reports; independent of every "
        "other field and of true_pd; never a model feature",
    ),
    ("city_tier", "Enum", f"city tier of residence: {', '.join(CITY_TIERS)}"),
    ("education", "Enum", f"highest education: {', '.join(EDUCATION)}"),
    ("occupation", "Enum", f"occupation: {', '.join(OCCUPATIONS)}"),
    ("monthly_income", "Int32", "estimated monthly income, CNY yuan"),
    ("income_band", "Enum", f"band of monthly_income: {', '.join(INCOME_BANDS)}"),
    ("months_on_platform", "Int16", "months since the customer joined the platform"),
    ("payment_txn_90d", "Int32", "payments made through the platform in the last 90 days"),
    ("payment_amount_90d", "Int32", "amount paid through the platform in 90 days, CNY yuan"),
    ("has_credit_history", "Boolean", "has a credit-bureau record (false: first-time borrower)"),
    ("credit_history_months", "Int16", "age of the oldest bureau tradeline; null without history"),
    ("worst_dpd_12m", "Int16", "worst days past due in 12 months at any lender; null w/o history"),
    ("existing_debt", "Int32", "outstanding consumer debt at other lenders, CNY yuan"),
    ("monthly_obligations", "Int32", "monthly repayments due on existing debt, CNY yuan"),
    ("debt_to_income", "Float32", "monthly_obligations / monthly_income"),
    ("inquiries_30d", "Int16", "credit inquiries by other lenders in 30 days (multi-lending)"),
    ("inquiries_90d", "Int16", "credit inquiries by other lenders in 90 days (>= inquiries_30d)"),
    ("overdue_elsewhere", "Boolean", "currently overdue at another lender"),
    ("identity_match", "Float32", "face / ID-document match score, 0-1"),
    ("device_age_days", "Int32", "days since the customer's device was first seen"),
    ("accounts_on_device", "Int16", "distinct accounts seen on the same device"),
    ("blacklisted", "Boolean", "on a fraud or court-enforcement blacklist"),
    ("true_pd", "Float32", "ground-truth 12-month probability of default (not observable)"),
    ("defaulted", "Boolean", "sampled default outcome: Bernoulli(true_pd)"),
    ("drawdown_propensity", "Float32", "monthly probability of drawing on a granted line"),
    ("early_repay_prob", "Float32", "probability a loan is repaid in full before term"),
    ("late_payment_prob", "Float32", "probability an instalment is paid late (then cured)"),
)

#: Protected attributes: reported on by fairness checks, never seen by a model.
PROTECTED = ("gender",)

#: The randomised contact experiment (`PopulationConfig(contact_experiment=True)`): appended
#: after FIELDS, drawn from a stream of their own, so every other column is unchanged.
CONTACT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("contacted", "Boolean", "randomly assigned to a marketing contact (50%)"),
    ("took_up", "Boolean", "drew on the pre-approved line within the 30-day campaign"),
    ("takeup_prob_control", "Float32", "ground truth: take-up probability if not contacted"),
    ("takeup_prob_contacted", "Float32", "ground truth: take-up probability if contacted"),
)
#: Columns of the contact experiment; like NON_FEATURES, never a risk model's input.
CONTACT_COLUMNS = tuple(name for name, _, _ in CONTACT_FIELDS)
CONTACT_SHARE = 0.5

# Columns a risk model must never see: ids, the truth, the outcome, behaviour hooks and the
# protected attributes.
NON_FEATURES = (
    "customer_id",
    *PROTECTED,
    "true_pd",
    "defaulted",
    "drawdown_propensity",
    "early_repay_prob",
    "late_payment_prob",
)


@dataclass(frozen=True)
class PopulationConfig:
    """What to generate: `n` customers from `seed` with a portfolio bad rate near `bad_rate`."""

    n: int
    seed: int = 0
    bad_rate: float = DEFAULT_BAD_RATE
    chunk_size: int = DEFAULT_CHUNK
    contact_experiment: bool = False

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValidationError("n must be >= 0", field="n")
        if not 0.001 <= self.bad_rate <= 0.5:
            raise ValidationError("bad_rate must be within [0.001, 0.5]", field="bad_rate")
        if self.chunk_size < 1:
            raise ValidationError("chunk_size must be >= 1", field="chunk_size")


def generate_population(
    config: PopulationConfig, progress: Callable[[int], None] | None = None
) -> pl.DataFrame:
    """The whole population as one polars frame (chunks concatenated without copying)."""
    chunks = list(iter_population(config, progress))
    if not chunks:
        contact = np.random.default_rng(1) if config.contact_experiment else None
        return _draw(np.random.default_rng(0), 0, 0, 0.0, contact)
    return pl.concat(chunks, rechunk=False)


def iter_population(
    config: PopulationConfig, progress: Callable[[int], None] | None = None
) -> Iterator[pl.DataFrame]:
    """Yield the population chunk by chunk; `progress(rows)` is called after each chunk.

    Rows are drawn in fixed blocks of `BLOCK` rows, block k from `SeedSequence(seed,
    spawn_key=(k,))`, and a partial last block is drawn whole and cut. So a row depends only on
    the seed, the bad rate and its position: the chunk size changes nothing, and the first m
    rows of a population of n are the population of m.
    """
    intercept = calibrate_intercept(config.seed, config.bad_rate)
    drawn: dict[int, pl.DataFrame] = {}  # the last block, reused by small chunks
    start = 0
    while start < config.n:
        end = min(start + config.chunk_size, config.n)
        parts = []
        for block in range(start // BLOCK, (end - 1) // BLOCK + 1):
            if block not in drawn:
                seed = np.random.SeedSequence(config.seed, spawn_key=(block,))
                contact = None
                if config.contact_experiment:
                    stream = np.random.SeedSequence(config.seed, spawn_key=(block, 1))
                    contact = np.random.default_rng(stream)
                rows = _draw(np.random.default_rng(seed), BLOCK, block * BLOCK, intercept, contact)
                drawn = {block: rows}
            frame = drawn[block]
            low = max(start - block * BLOCK, 0)
            high = min(end - block * BLOCK, BLOCK)
            parts.append(frame.slice(low, high - low))
        yield pl.concat(parts, rechunk=False)
        if progress is not None:
            progress(end - start)
        start = end


def calibrate_intercept(seed: int, bad_rate: float) -> float:
    """Intercept of the latent model that makes the mean true PD equal `bad_rate`.

    Solved by bisection on a fixed-size draw from a stream of its own, so every population size
    shares one intercept and hits the target bad rate in expectation.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xBAD]))
    risk = _draw_columns(rng, _CALIBRATION_ROWS)["_risk"]
    low, high = -20.0, 10.0
    for _ in range(60):
        mid = (low + high) / 2
        mean_pd = float(np.mean(_sigmoid(risk + mid)))
        if mean_pd < bad_rate:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _sigmoid(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return result


def _choice(rng: np.random.Generator, size: int, shares: tuple[float, ...]) -> np.ndarray:
    cumulative = np.cumsum(shares)
    cumulative[-1] = 1.0
    codes: np.ndarray = np.searchsorted(cumulative, rng.random(size), side="right")
    return codes.astype(np.int8)


def _choice_by_row(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    cumulative: np.ndarray = np.cumsum(probs, axis=1)
    cumulative[:, -1] = 1.0
    u = rng.random((probs.shape[0], 1))
    counts: np.ndarray = (u >= cumulative).sum(axis=1)
    return counts.astype(np.int8)


def _draw_columns(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Every observable field plus `_risk`, the latent log-odds without intercept."""
    age = np.clip(18 + rng.gamma(3.2, 4.6, n), 18, 65).astype(np.int16)
    city = _choice(rng, n, _CITY_SHARE)
    edu_shift = np.where(age < 24, -0.3, 0.0)
    edu_u = np.clip(rng.random(n) + edu_shift * rng.random(n), 0.0, 0.999999)
    edu_cum = np.cumsum(_EDU_SHARE)
    edu = np.searchsorted(edu_cum, edu_u, side="right").astype(np.int8)
    occ = _choice_by_row(rng, _OCC_BY_EDU[edu])
    student = occ == OCCUPATIONS.index("student")

    age_income = -0.35 * ((age - 38.0) / 14.0) ** 2
    log_income = (
        np.log(5_200.0)
        + np.take(_CITY_INCOME, city)
        + np.take(_EDU_INCOME, edu)
        + np.take(_OCC_INCOME, occ)
        + age_income
        + rng.normal(0.0, 0.42, n)
    )
    income = np.clip(np.exp(log_income), 800, 200_000)
    income_band = np.searchsorted(_INCOME_EDGES, income, side="right").astype(np.int8)

    months = np.minimum(rng.exponential(26.0, n), 12.0 * (age - 16)).astype(np.int16)
    activity = np.exp(0.5 * np.log1p(months) + 0.4 * (log_income - 8.5) + rng.normal(0, 0.6, n))
    txn = rng.poisson(6.0 * activity).astype(np.int32)
    pay_amount = (txn * income * 0.02 * np.exp(rng.normal(0, 0.4, n))).astype(np.int32)

    p_history = np.clip(0.84 - 0.35 * (age < 22) - 0.15 * student + 0.02 * (edu >= 3), 0.02, 0.98)
    history = rng.random(n) < p_history
    history_months = np.where(
        history, np.clip(rng.gamma(2.0, 0.22 * (age - 17) * 12 / 2.0 + 1), 1, 480), np.nan
    )

    # A hidden financial-stress trait drives debt, inquiries, lateness and default together.
    stress = rng.normal(0.0, 1.0, n)
    debt_ratio = np.exp(-1.2 + 0.55 * stress + rng.normal(0, 0.7, n)) * history
    existing_debt = (income * 3.0 * debt_ratio).astype(np.int32)
    obligations = (existing_debt * rng.uniform(0.04, 0.12, n)).astype(np.int32)
    dti = obligations / income

    inquiry_rate = np.exp(-0.9 + 0.65 * stress + 0.35 * (1 - history) + 0.2 * (age < 25))
    inq30 = rng.poisson(inquiry_rate).astype(np.int16)
    inq90 = (inq30 + rng.poisson(2.0 * inquiry_rate)).astype(np.int16)

    delinquency_rate = np.exp(-3.3 + 0.8 * stress)
    dpd_draw = rng.exponential(25.0, n) * (rng.random(n) < delinquency_rate * 4)
    worst_dpd = np.where(history, np.minimum(np.round(dpd_draw), 180), np.nan)
    overdue = history & (rng.random(n) < np.clip(delinquency_rate * 0.9, 0, 0.6))

    fraud = rng.random(n) < 0.004
    identity = np.where(
        fraud,
        rng.beta(4.0, 3.0, n),
        1.0 - rng.beta(1.2, 40.0, n),
    )
    device_age = np.where(
        fraud, rng.exponential(6.0, n), rng.exponential(420.0, n) + rng.exponential(20.0, n)
    ).astype(np.int32)
    accounts_on_device = (1 + rng.poisson(np.where(fraud, 3.5, 0.06), n)).astype(np.int16)
    blacklisted = (rng.random(n) < 0.003) | (fraud & (rng.random(n) < 0.25))

    # Latent log-odds: thresholds, saturations and interactions, then unobserved noise.
    inq_effect = 0.55 * np.log1p(inq30) + 0.25 * np.log1p(inq90 - inq30)
    risk = (
        np.take(_CITY_RISK, city)
        + np.take(_EDU_RISK, edu)
        + np.take(_OCC_RISK, occ)
        + 0.55 * np.where(age < 23, 1.0, 0.0)
        + 0.012 * np.maximum(age - 50, 0)
        - 0.55 * np.tanh((log_income - np.log(5_000.0)) * 1.2)
        + 2.2 * np.maximum(dti - 0.35, 0.0)
        + 0.5 * np.minimum(dti, 0.35)
        + inq_effect * (1.0 + 0.6 * (1 - history))
        + 1.5 * overdue
        + np.where(history, 0.9 * np.tanh(np.nan_to_num(worst_dpd) / 30.0), 0.0)
        + np.where(history, -0.25 * np.tanh(np.nan_to_num(history_months) / 60.0), 0.35)
        - 0.45 * np.tanh(months / 24.0)
        - 0.30 * np.tanh(txn / 40.0) * (1 + 0.5 * (months > 12))
        + 5.0 * np.maximum(0.85 - identity, 0.0)
        + 0.7 * (device_age < 14)
        + 0.5 * np.log(accounts_on_device)
        + 2.8 * blacklisted
        + 1.2 * fraud
        + 0.3 * stress
        + rng.normal(0.0, 0.45, n)
    )
    return {
        "age": age,
        "city_tier": city,
        "education": edu,
        "occupation": occ,
        "monthly_income": income.astype(np.int32),
        "income_band": income_band,
        "months_on_platform": months,
        "payment_txn_90d": txn,
        "payment_amount_90d": pay_amount,
        "has_credit_history": history,
        "credit_history_months": history_months,
        "worst_dpd_12m": worst_dpd,
        "existing_debt": existing_debt,
        "monthly_obligations": obligations,
        "debt_to_income": dti.astype(np.float32),
        "inquiries_30d": inq30,
        "inquiries_90d": inq90,
        "overdue_elsewhere": overdue,
        "identity_match": identity.astype(np.float32),
        "device_age_days": device_age,
        "accounts_on_device": accounts_on_device,
        "blacklisted": blacklisted,
        "_risk": risk,
        "_stress": stress,
    }


def _enum(codes: np.ndarray, labels: tuple[str, ...]) -> pl.Series:
    return pl.Series(codes).replace_strict(
        list(range(len(labels))), list(labels), return_dtype=pl.Enum(labels)
    )


def _int_or_null(values: np.ndarray, dtype: type[pl.DataType]) -> pl.Series:
    return pl.Series(values).fill_nan(None).cast(dtype)


def _draw(
    rng: np.random.Generator,
    n: int,
    start: int,
    intercept: float,
    contact: np.random.Generator | None = None,
) -> pl.DataFrame:
    c = _draw_columns(rng, n)
    true_pd = _sigmoid(c["_risk"] + intercept)
    defaulted = rng.random(n) < true_pd
    stress = c["_stress"]
    drawdown = _sigmoid(-1.0 + 0.5 * stress + 0.3 * np.log1p(c["inquiries_30d"]))
    early = _sigmoid(-1.2 - 0.4 * stress + 0.3 * (c["education"] >= 3) + rng.normal(0, 0.3, n))
    late = np.clip(true_pd * 2.5 + 0.02 * _sigmoid(stress), 0.0, 0.95)
    male = rng.random(n) >= _FEMALE_SHARE  # drawn after everything else: nothing above moves
    frame = pl.DataFrame(
        {
            "customer_id": pl.Series(np.arange(start, start + n, dtype=np.int64)),
            "age": c["age"],
            "gender": _enum(male.astype(np.int8), GENDERS),
            "city_tier": _enum(c["city_tier"], CITY_TIERS),
            "education": _enum(c["education"], EDUCATION),
            "occupation": _enum(c["occupation"], OCCUPATIONS),
            "monthly_income": c["monthly_income"],
            "income_band": _enum(c["income_band"], INCOME_BANDS),
            "months_on_platform": c["months_on_platform"],
            "payment_txn_90d": c["payment_txn_90d"],
            "payment_amount_90d": c["payment_amount_90d"],
            "has_credit_history": c["has_credit_history"],
            "credit_history_months": _int_or_null(c["credit_history_months"], pl.Int16),
            "worst_dpd_12m": _int_or_null(c["worst_dpd_12m"], pl.Int16),
            "existing_debt": c["existing_debt"],
            "monthly_obligations": c["monthly_obligations"],
            "debt_to_income": c["debt_to_income"],
            "inquiries_30d": c["inquiries_30d"],
            "inquiries_90d": c["inquiries_90d"],
            "overdue_elsewhere": c["overdue_elsewhere"],
            "identity_match": c["identity_match"],
            "device_age_days": c["device_age_days"],
            "accounts_on_device": c["accounts_on_device"],
            "blacklisted": c["blacklisted"],
            "true_pd": true_pd.astype(np.float32),
            "defaulted": defaulted,
            "drawdown_propensity": drawdown.astype(np.float32),
            "early_repay_prob": early.astype(np.float32),
            "late_payment_prob": late.astype(np.float32),
        }
    )
    if contact is None:
        return frame
    return frame.with_columns(
        [pl.Series(k, v) for k, v in _contact_experiment(contact, c, drawdown).items()]
    )


def _contact_experiment(
    rng: np.random.Generator, c: dict[str, np.ndarray], drawdown: np.ndarray
) -> dict[str, np.ndarray]:
    """A randomised campaign: half the customers are contacted; who takes the line up.

    Without contact a customer draws within the campaign month with 35% of its monthly
    propensity (many do not know the line is there). A contact adds a heterogeneous effect to
    that probability: persuadable customers (lower-tier cities, 22-35, first-time borrowers,
    active payers) gain most; the credit-hungry (many inquiries) would draw anyway (sure
    things); older, well-off, long-tenured customers take a call badly (sleeping dogs: the
    effect is negative). So ranking by take-up and ranking by uplift differ.
    """
    n = drawdown.shape[0]
    age, tier, txn = c["age"], c["city_tier"], c["payment_txn_90d"]
    base = 0.35 * drawdown
    persuadable = (
        0.8 * (tier >= 3)
        + 0.6 * ((age >= 22) & (age <= 35))
        + 0.7 * ~c["has_credit_history"]
        + 0.5 * np.tanh(txn / 30.0)
        - 0.6 * np.tanh(c["inquiries_30d"])
    )
    sleeping = 1.2 * ((age >= 50) & (c["monthly_income"] >= 12_000)) + 0.5 * (
        c["months_on_platform"] > 60
    )
    sure_thing = np.maximum(base - 0.10, 0.0)  # would draw anyway: a call adds little
    uplift = (
        0.05 * persuadable - 0.07 * sleeping - 0.8 * sure_thing + 0.005 + rng.normal(0.0, 0.01, n)
    )
    treated = np.clip(base + uplift, 0.001, 0.95)
    contacted = rng.random(n) < CONTACT_SHARE
    took_up = rng.random(n) < np.where(contacted, treated, base)
    return {
        "contacted": contacted,
        "took_up": took_up,
        "takeup_prob_control": base.astype(np.float32),
        "takeup_prob_contacted": treated.astype(np.float32),
    }
