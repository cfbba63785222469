"""Credit limits that a customer can carry: affordability first, then risk, then product bounds.

    budget      = monthly income x maximum debt-service ratio - existing monthly obligations
    affordable  = the largest principal whose equal installment, at the priced APR over the
                  product's longest term (or a given term), fits in the budget
    limit       = min(affordable, max_limit) x PD-band multiplier, rounded DOWN to a multiple
                  (100 yuan); 0 when below min_limit.

"Low burden" is an invariant, not a hope: the installment at the full limit (rounded UP to the
minor unit, so it holds whatever rounding a schedule uses) plus the existing obligations never
exceeds income x the debt-service ratio. The annuity factor (1 - (1 + r)^-n) / r is computed in
Decimal and rounded DOWN to 1e-6 before it multiplies the budget, so the limit errs low.

Money is integer minor units. The annuity factor depends only on (APR, term), and APRs are
quantised by pricing, so the batch path computes each distinct factor once with the same
Decimal code as the scalar path and gathers it: `limit` and `limit_batch` agree to the fen.
"""

from __future__ import annotations

import bisect
import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator

from puhui.errors import ValidationError
from puhui.money import exponent
from puhui.rate import Rate
from puhui.risk.units import (
    RATE_SCALE,
    RATIO_SCALE,
    IntArray,
    decimal_to_units,
    dense_index,
    probability_units,
    probability_units_batch,
    units_to_decimal,
)

#: Annuity factors are integers of 1e-6 (a 600-month factor stays under 6e8).
FACTOR_SCALE = 10**6
MAX_TERM_MONTHS = 600
#: Bounds that keep every intermediate product inside int64.
MAX_LIMIT_BOUND = Decimal(10_000_000)
MAX_INCOME_MINOR = 10**12


@dataclass(frozen=True, slots=True)
class _LimitUnits:
    dsr: int
    min_limit: int
    max_limit: int
    multiple: int
    band_max_pd: tuple[int, ...]
    band_multiplier: tuple[int, ...]  # one more than bands: PD above the last band gets 0


class PdBand(BaseModel):
    """Customers with PD <= `max_pd` (and above the previous band) get `multiplier` x limit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_pd: Decimal
    multiplier: Decimal


class LimitParams(BaseModel):
    """Product and risk-appetite bounds of the limit. Amounts in major units (yuan), exact."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_debt_service_ratio: Decimal = Decimal("0.4")
    term_months: int = 12
    min_limit: Decimal = Decimal("500")
    max_limit: Decimal = Decimal("200000")
    multiple: Decimal = Decimal("100")
    pd_bands: tuple[PdBand, ...] = (
        PdBand(max_pd=Decimal("0.01"), multiplier=Decimal("1")),
        PdBand(max_pd=Decimal("0.03"), multiplier=Decimal("0.8")),
        PdBand(max_pd=Decimal("0.06"), multiplier=Decimal("0.6")),
        PdBand(max_pd=Decimal("0.10"), multiplier=Decimal("0.4")),
        PdBand(max_pd=Decimal("0.20"), multiplier=Decimal("0.2")),
    )
    currency: str = "CNY"

    _units: _LimitUnits = PrivateAttr()

    @model_validator(mode="after")
    def _consistent(self) -> LimitParams:
        if not 0 < self.max_debt_service_ratio <= 1:
            raise ValueError("max_debt_service_ratio must be in (0, 1]")
        _check_units(self.max_debt_service_ratio, RATIO_SCALE, "max_debt_service_ratio")
        if not 1 <= self.term_months <= MAX_TERM_MONTHS:
            raise ValueError(f"term_months must be between 1 and {MAX_TERM_MONTHS}")
        if not 0 <= self.min_limit <= self.max_limit <= MAX_LIMIT_BOUND:
            raise ValueError(f"need 0 <= min_limit <= max_limit <= {MAX_LIMIT_BOUND}")
        if self.multiple <= 0:
            raise ValueError("multiple must be positive")
        digits = exponent(self.currency)
        for name in ("min_limit", "max_limit", "multiple"):
            amount: Decimal = getattr(self, name)
            if amount.scaleb(digits) != amount.scaleb(digits).to_integral_value():
                raise ValueError(f"{name} has more than {digits} decimal places")
        previous_pd, previous_multiplier = Decimal(-1), Decimal(2)
        for i, band in enumerate(self.pd_bands):
            if not 0 <= band.max_pd <= 1 or band.max_pd <= previous_pd:
                raise ValueError(f"pd_bands[{i}].max_pd must be in [0, 1] and increasing")
            if not 0 <= band.multiplier <= previous_multiplier or band.multiplier > 1:
                raise ValueError(
                    f"pd_bands[{i}].multiplier must be in [0, 1] and not increase with PD"
                )
            _check_units(band.max_pd, RATE_SCALE, f"pd_bands[{i}].max_pd")
            _check_units(band.multiplier, RATIO_SCALE, f"pd_bands[{i}].multiplier")
            previous_pd, previous_multiplier = band.max_pd, band.multiplier
        return self

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> LimitParams:
        """A validated copy: the integer units are derived again from the updated fields."""
        return type(self).model_validate(self.model_dump() | dict(update or {}))

    def model_post_init(self, context: Any, /) -> None:
        digits = exponent(self.currency)
        self._units = _LimitUnits(
            dsr=decimal_to_units(self.max_debt_service_ratio, RATIO_SCALE, "dsr"),
            min_limit=int(self.min_limit.scaleb(digits)),
            max_limit=int(self.max_limit.scaleb(digits)),
            multiple=int(self.multiple.scaleb(digits)),
            band_max_pd=tuple(int(b.max_pd * RATE_SCALE) for b in self.pd_bands),
            band_multiplier=(*(int(b.multiplier * RATIO_SCALE) for b in self.pd_bands), 0),
        )

    @property
    def units(self) -> _LimitUnits:
        # Straight from the private store: `self._units` goes through pydantic's __getattr__,
        # ~3 us, a tenth of a real-time decision.
        units: _LimitUnits = self.__pydantic_private__["_units"]  # type: ignore[index]
        return units


@dataclass(frozen=True, slots=True)
class LimitQuote:
    """One customer's limit and how it was reached; amounts in minor units."""

    limit_minor: int
    budget_minor: int
    affordable_minor: int
    multiplier: Decimal
    term_months: int
    installment_minor: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "limit_minor": self.limit_minor,
            "budget_minor": self.budget_minor,
            "affordable_minor": self.affordable_minor,
            "multiplier": self.multiplier,
            "term_months": self.term_months,
            "installment_minor": self.installment_minor,
        }


@dataclass(frozen=True, slots=True)
class LimitBatch:
    """Vectorised limits: int64 arrays in minor units (multiplier in 1e-6)."""

    limit_minor: IntArray
    budget_minor: IntArray
    affordable_minor: IntArray
    multiplier: IntArray
    term_months: IntArray


def annuity_factor_units(rate_ppb: int, term_months: int) -> int:
    """(1 - (1 + r)^-n) / r with r = nominal rate / 12, in 1e-6 units rounded down; n when
    r = 0."""
    return _annuity_factor_units(int(rate_ppb), int(term_months))


@lru_cache(maxsize=65_536)
def _annuity_factor_units(rate_ppb: int, term_months: int) -> int:
    if rate_ppb == 0:
        return term_months * FACTOR_SCALE
    with decimal.localcontext() as ctx:
        ctx.prec = 40
        r = Decimal(rate_ppb) / (Decimal(RATE_SCALE) * 12)
        factor = (1 - (1 + r) ** -term_months) / r
        return int((factor * FACTOR_SCALE).to_integral_value(rounding=decimal.ROUND_FLOOR))


def installment_minor(principal_minor: int, rate: Rate, term_months: int) -> int:
    """The equal monthly installment for a principal at a nominal annual rate, rounded UP to
    the minor unit (exact)."""
    if principal_minor == 0:
        return 0
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        r = rate.fraction / 12
        if r == 0:
            exact = Decimal(principal_minor) / term_months
        else:
            exact = Decimal(principal_minor) * r / (1 - (1 + r) ** -term_months)
        return int(exact.to_integral_value(rounding=decimal.ROUND_CEILING))


@lru_cache(maxsize=65_536)
def _installment(principal_minor: int, rate_ppb: int, term_months: int) -> int:
    """`installment_minor` keyed by integers, cached: limits repeat (multiples of 100 yuan)."""
    return installment_minor(principal_minor, Rate.from_units(rate_ppb, RATE_SCALE), term_months)


def limit(
    pd: float | Decimal,
    rate: Rate,
    monthly_income_minor: int,
    monthly_obligations_minor: int,
    params: LimitParams | None = None,
    term_months: int | None = None,
) -> LimitQuote:
    """The credit limit of one customer at the priced nominal annual `rate`."""
    params = params or DEFAULT_LIMITS
    u = params.units
    pd_u = probability_units(pd)
    rate_u = _rate_ppb(rate)
    term = _check_term(params.term_months if term_months is None else term_months)
    income = _check_amount(monthly_income_minor, "monthly_income")
    obligations = _check_amount(monthly_obligations_minor, "monthly_obligations")
    budget = max(0, min(income, MAX_INCOME_MINOR) * u.dsr // RATIO_SCALE - obligations)
    factor = _annuity_factor_units(rate_u, term)
    affordable = min(budget, 2 * u.max_limit) * factor // FACTOR_SCALE
    multiplier = u.band_multiplier[bisect.bisect_left(u.band_max_pd, pd_u)]
    amount = min(affordable, u.max_limit) * multiplier // RATIO_SCALE
    amount = amount // u.multiple * u.multiple
    if amount < u.min_limit:
        amount = 0
    return LimitQuote(
        limit_minor=amount,
        budget_minor=budget,
        affordable_minor=affordable,
        multiplier=units_to_decimal(multiplier, RATIO_SCALE),
        term_months=term,
        installment_minor=_installment(amount, rate_u, term),
    )


def limit_batch(
    pd: npt.ArrayLike,
    rate_ppb: npt.ArrayLike,
    monthly_income_minor: npt.ArrayLike,
    monthly_obligations_minor: npt.ArrayLike,
    params: LimitParams | None = None,
    term_months: npt.ArrayLike | None = None,
) -> LimitBatch:
    """Vectorised `limit`: rates as int64 parts per billion (from `price_batch`), amounts in
    minor units."""
    params = params or DEFAULT_LIMITS
    u = params.units
    pd_u = probability_units_batch(pd)
    n = pd_u.shape[0]
    rate = np.broadcast_to(np.asarray(rate_ppb, dtype=np.int64), (n,))
    if n and (rate.min() < 0 or rate.max() > RATE_SCALE):
        raise ValidationError("rate must be between 0% and 100%", field="rate")
    term = np.broadcast_to(
        np.asarray(params.term_months if term_months is None else term_months, dtype=np.int64),
        (n,),
    )
    if n and (term.min() < 1 or term.max() > MAX_TERM_MONTHS):
        raise ValidationError(
            f"term_months must be between 1 and {MAX_TERM_MONTHS}", field="term_months"
        )
    income = np.broadcast_to(np.asarray(monthly_income_minor, dtype=np.int64), (n,))
    obligations = np.broadcast_to(np.asarray(monthly_obligations_minor, dtype=np.int64), (n,))
    if n and (income.min() < 0 or obligations.min() < 0):
        raise ValidationError("income and obligations must not be negative", field="amount")
    budget = np.maximum(
        0, np.minimum(income, MAX_INCOME_MINOR) * u.dsr // RATIO_SCALE - obligations
    )
    factor = _factors_batch(rate, term)
    affordable = np.minimum(budget, 2 * u.max_limit) * factor // FACTOR_SCALE
    multipliers = np.asarray(u.band_multiplier, dtype=np.int64)
    bands = np.asarray(u.band_max_pd, dtype=np.int64)
    multiplier = multipliers[np.searchsorted(bands, pd_u, side="left")]
    amount = np.minimum(affordable, u.max_limit) * multiplier // RATIO_SCALE
    amount = amount // u.multiple * u.multiple
    amount = np.where(amount < u.min_limit, 0, amount)
    return LimitBatch(
        limit_minor=amount,
        budget_minor=budget,
        affordable_minor=affordable,
        multiplier=multiplier,
        term_months=np.ascontiguousarray(term),
    )


def _factors_batch(rate: IntArray, term: IntArray) -> IntArray:
    """The annuity factor of each (APR, term), computing each distinct pair once."""
    if rate.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    keys = rate * (MAX_TERM_MONTHS + 1) + term
    distinct, inverse = dense_index(keys)
    values = np.fromiter(
        (
            _annuity_factor_units(int(k) // (MAX_TERM_MONTHS + 1), int(k) % (MAX_TERM_MONTHS + 1))
            for k in distinct
        ),
        dtype=np.int64,
        count=distinct.shape[0],
    )
    gathered: IntArray = values[inverse]
    return gathered


def _check_units(value: Decimal, scale: int, name: str) -> None:
    if value * scale != (value * scale).to_integral_value():
        raise ValueError(f"{name} must be a whole number of 1/{scale} units")


def _rate_ppb(rate: Rate) -> int:
    if not isinstance(rate, Rate) or not 0 <= rate.fraction <= 1:
        raise ValidationError("rate must be a Rate between 0% and 100%", field="rate")
    return rate.per_unit(RATE_SCALE, "rate")


def _check_term(term_months: int) -> int:
    if isinstance(term_months, bool) or not isinstance(term_months, int | np.integer):
        raise ValidationError("term_months must be an integer", field="term_months")
    if not 1 <= term_months <= MAX_TERM_MONTHS:
        raise ValidationError(
            f"term_months must be between 1 and {MAX_TERM_MONTHS}, got {term_months}",
            field="term_months",
        )
    return int(term_months)


def _check_amount(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValidationError(f"{field} must be integer minor units", field=field)
    if value < 0:
        raise ValidationError(f"{field} must not be negative", field=field)
    return int(value)


DEFAULT_LIMITS = LimitParams()
