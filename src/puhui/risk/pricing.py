"""Risk-based pricing: the nominal annual rate a customer pays is the cost of lending to them,
plus a margin. (The APR disclosed at drawdown is computed from the loan's cash flows at this
rate, by `puhui.lending.apr`; the two differ when fees are charged.)

    rate = cost of funds
        + expected loss        PD x LGD, annualised over the term
        + operating cost       cost per loan, annualised over the average outstanding balance
        + capital charge       capital ratio x cost of equity
        + target margin
    rounded UP to the quoting step (1 basis point), then clipped to [floor, cap].

Every component is returned for disclosure, and they add up exactly to the rate (the rounding
and the clip are components too). The cap defaults to 24%: the ceiling Chinese courts protected
under the Supreme People's Court's 2015 private-lending provisions, and the line regulators hold
licensed consumer lenders to; since 2020 private lending is capped at 4x the one-year LPR, so
the cap is a parameter.

PD: the probability of default over `pd_horizon_months` (12 for a model trained on "bad within
12 months"). It is scaled linearly to the loan's term (capped at 1), and the expected loss over
the term is annualised by 12 / term. With `pd_horizon_months = None` the PD is taken to be over
the loan's own term. Every component is non-decreasing in PD and so is the rate.

The operating cost is annualised over the average outstanding balance of an amortising loan,
principal x (n + 1) / 2n over n months (straight-line approximation), so a small or short loan
pays more per yuan. Pricing comes before the limit, so by default the principal is a reference
drawdown (`reference_principal`); a caller that knows the amount passes it.

A price per risk band: `margin_bands` (optional) replace the target margin by PD band, the
first band whose `max_pd` is at or above the PD (PDs above the last band keep
`target_margin`). A strategy without bands resolves exactly as before (same fingerprint).

Arithmetic is integer parts per billion (`Rate.per_unit(PPB)`, see `puhui.risk.units`), so
`price` (one customer) and `price_batch` (NumPy arrays) give identical results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    PrivateAttr,
    field_validator,
    model_validator,
)

from puhui.errors import ValidationError
from puhui.money import exponent
from puhui.rate import PPB, Rate
from puhui.risk.units import (
    RATIO_SCALE,
    IntArray,
    decimal_to_units,
    probability_units,
    probability_units_batch,
)

MAX_TERM_MONTHS = 600
#: Operating cost per loan is bounded so that integer products stay inside int64.
MAX_OPERATING_COST = Decimal(100_000)


@dataclass(frozen=True, slots=True)
class _PricingUnits:
    cost_of_funds: int
    lgd: int  # micro-units (1e-6): keeps annual PD x LGD inside int64
    operating_cost_minor: int
    reference_principal_minor: int
    capital_charge: int
    target_margin: int
    band_edges: tuple[int, ...]  # max PD of each margin band, parts per billion
    band_margins: tuple[int, ...]
    floor: int
    cap: int
    step: int


def _as_rate(value: Any) -> Rate:
    return value if isinstance(value, Rate) else Rate.of(value)


#: A rate parameter written as a fraction (0.03) in strategy files, held as a `Rate`.
FractionRate = Annotated[
    Rate,
    BeforeValidator(_as_rate),
    PlainSerializer(lambda r: r.fraction, return_type=Decimal),
]


class MarginBand(BaseModel):
    """The margin priced for PDs up to `max_pd` (a price per risk band)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_pd: Decimal
    margin: FractionRate


class PricingParams(BaseModel):
    """Everything the price depends on besides the PD and the term. Rates are `Rate`s (written
    as fractions in strategy files); `lgd` and `capital_ratio` are plain ratios."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cost_of_funds: FractionRate = Rate.of("0.03")
    lgd: Decimal = Decimal("0.85")
    pd_horizon_months: int | None = 12
    operating_cost_per_loan: Decimal = Decimal("20")
    reference_principal: Decimal = Decimal("5000")
    capital_ratio: Decimal = Decimal("0.105")
    cost_of_equity: FractionRate = Rate.of("0.12")
    target_margin: FractionRate = Rate.of("0.02")
    rate_floor: FractionRate = Rate.of("0.06")
    rate_cap: FractionRate = Rate.of("0.24")
    rate_step: FractionRate = Rate.of("0.0001")
    currency: str = "CNY"
    margin_bands: tuple[MarginBand, ...] = ()
    #: credit-conversion factor on the undrawn limit, for EAD and expected loss
    #: (`puhui.risk.exposure`; 10%: Basel III, unconditionally cancellable commitments)
    ccf: Decimal = Decimal("0.10")

    _units: _PricingUnits = PrivateAttr()

    @field_validator("lgd", "capital_ratio", "ccf")
    @classmethod
    def _ratio(cls, value: Decimal, info: Any) -> Decimal:
        if not value.is_finite() or not 0 <= value <= 1:
            raise ValueError(f"{info.field_name} must be a fraction between 0 and 1")
        scale = PPB if info.field_name == "capital_ratio" else RATIO_SCALE
        if value * scale != (value * scale).to_integral_value():
            raise ValueError(f"{info.field_name} must be a whole number of 1/{scale} units")
        return value

    @field_validator(
        "cost_of_funds", "cost_of_equity", "target_margin", "rate_floor", "rate_cap", "rate_step"
    )
    @classmethod
    def _rate(cls, value: Rate, info: Any) -> Rate:
        if not 0 <= value.fraction <= 1:
            raise ValueError(f"{info.field_name} must be between 0% and 100%")
        try:
            value.per_unit(PPB, info.field_name)
        except ValidationError:
            raise ValueError(f"{info.field_name} must be a whole number of 1/{PPB} units") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PricingParams:
        if self.rate_floor > self.rate_cap:
            raise ValueError("rate_floor must not exceed rate_cap")
        if self.rate_step.fraction <= 0:
            raise ValueError("rate_step must be positive")
        if self.pd_horizon_months is not None and not 1 <= self.pd_horizon_months <= 600:
            raise ValueError("pd_horizon_months must be between 1 and 600")
        if not 0 <= self.operating_cost_per_loan <= MAX_OPERATING_COST:
            raise ValueError(f"operating_cost_per_loan must be between 0 and {MAX_OPERATING_COST}")
        if self.reference_principal <= 0:
            raise ValueError("reference_principal must be positive")
        previous = Decimal(-1)
        for i, band in enumerate(self.margin_bands):
            if not 0 <= band.max_pd <= 1 or band.max_pd <= previous:
                raise ValueError(f"margin_bands[{i}].max_pd must be in [0, 1] and increasing")
            if not 0 <= band.margin.fraction <= 1:
                raise ValueError(f"margin_bands[{i}].margin must be between 0% and 100%")
            for name, value in (("max_pd", band.max_pd), ("margin", band.margin.fraction)):
                if value * PPB != (value * PPB).to_integral_value():
                    raise ValueError(f"margin_bands[{i}].{name} must be a whole number of 1e-9")
            previous = band.max_pd
        digits = exponent(self.currency)
        for name in ("operating_cost_per_loan", "reference_principal"):
            amount: Decimal = getattr(self, name)
            if amount.scaleb(digits) != amount.scaleb(digits).to_integral_value():
                raise ValueError(f"{name} has more than {digits} decimal places")
        return self

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> PricingParams:
        """A validated copy: the integer units are derived again from the updated fields."""
        return type(self).model_validate(self.model_dump() | dict(update or {}))

    def model_post_init(self, context: Any, /) -> None:
        digits = exponent(self.currency)
        self._units = _PricingUnits(
            cost_of_funds=self.cost_of_funds.per_unit(PPB),
            lgd=decimal_to_units(self.lgd, RATIO_SCALE, "lgd"),
            operating_cost_minor=int(self.operating_cost_per_loan.scaleb(digits)),
            reference_principal_minor=int(self.reference_principal.scaleb(digits)),
            capital_charge=decimal_to_units(self.capital_ratio, PPB, "capital_ratio")
            * self.cost_of_equity.per_unit(PPB)
            // PPB,
            target_margin=self.target_margin.per_unit(PPB),
            band_edges=tuple(int(b.max_pd * PPB) for b in self.margin_bands),
            band_margins=tuple(b.margin.per_unit(PPB) for b in self.margin_bands),
            floor=self.rate_floor.per_unit(PPB),
            cap=self.rate_cap.per_unit(PPB),
            step=self.rate_step.per_unit(PPB),
        )

    @property
    def units(self) -> _PricingUnits:
        # Straight from the private store: `self._units` goes through pydantic's __getattr__,
        # ~3 us, a tenth of a real-time decision.
        units: _PricingUnits = self.__pydantic_private__["_units"]  # type: ignore[index]
        return units


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """One customer's nominal annual rate and the components it is made of (they sum to it)."""

    nominal_rate: Rate
    cost_of_funds: Rate
    expected_loss: Rate
    operating_cost: Rate
    capital_charge: Rate
    target_margin: Rate
    rounding: Rate
    clip: Rate
    capped: bool
    floored: bool
    term_months: int
    rate_ppb: int

    def components(self) -> dict[str, Rate]:
        """The additive parts of the rate, in disclosure order."""
        return {
            "cost_of_funds": self.cost_of_funds,
            "expected_loss": self.expected_loss,
            "operating_cost": self.operating_cost,
            "capital_charge": self.capital_charge,
            "target_margin": self.target_margin,
            "rounding": self.rounding,
            "clip": self.clip,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "nominal_rate": self.nominal_rate.text(),
            "term_months": self.term_months,
            "capped": self.capped,
            "floored": self.floored,
            "components": {k: v.text() for k, v in self.components().items()},
        }


@dataclass(frozen=True, slots=True)
class PriceBatch:
    """Vectorised prices: int64 arrays of parts per billion, one element per customer."""

    rate_ppb: IntArray
    cost_of_funds: IntArray
    expected_loss: IntArray
    operating_cost: IntArray
    capital_charge: IntArray
    target_margin: IntArray
    rounding: IntArray
    clip: IntArray
    term_months: IntArray

    def __len__(self) -> int:
        return int(self.rate_ppb.shape[0])

    def quote(self, i: int) -> PriceQuote:
        """Element `i` as a `PriceQuote` (equal to what `price` returns for that customer)."""
        return _quote(
            rate=int(self.rate_ppb[i]),
            cost_of_funds=int(self.cost_of_funds[i]),
            expected_loss=int(self.expected_loss[i]),
            operating_cost=int(self.operating_cost[i]),
            capital_charge=int(self.capital_charge[i]),
            target_margin=int(self.target_margin[i]),
            rounding=int(self.rounding[i]),
            clip=int(self.clip[i]),
            term_months=int(self.term_months[i]),
        )


def price(
    pd: float | Decimal,
    term_months: int,
    params: PricingParams | None = None,
    principal_minor: int | None = None,
) -> PriceQuote:
    """The nominal annual rate for one customer with probability of default `pd`, for a loan of
    `term_months`."""
    p = (params or DEFAULT_PRICING).units
    pd_u = probability_units(pd)
    term = _check_term(term_months)
    principal = _check_principal(
        p.reference_principal_minor if principal_minor is None else principal_minor
    )
    horizon = (params or DEFAULT_PRICING).pd_horizon_months
    if horizon is None:
        annual_pd = pd_u * 12 // term
    else:
        annual_pd = min(PPB * horizon, pd_u * term) * 12 // (horizon * term)
    expected_loss = annual_pd * p.lgd // RATIO_SCALE
    operating = p.operating_cost_minor * 24 * PPB // (principal * (term + 1))
    margin = p.target_margin
    for edge, band_margin in zip(p.band_edges, p.band_margins, strict=True):
        if pd_u <= edge:
            margin = band_margin
            break
    raw = p.cost_of_funds + expected_loss + operating + p.capital_charge + margin
    rounded = -(-raw // p.step) * p.step
    rate = min(max(rounded, p.floor), p.cap)
    return _quote(
        rate=rate,
        cost_of_funds=p.cost_of_funds,
        expected_loss=expected_loss,
        operating_cost=operating,
        capital_charge=p.capital_charge,
        target_margin=margin,
        rounding=rounded - raw,
        clip=rate - rounded,
        term_months=term,
    )


def price_batch(
    pd: npt.ArrayLike,
    term_months: npt.ArrayLike,
    params: PricingParams | None = None,
    principal_minor: npt.ArrayLike | None = None,
) -> PriceBatch:
    """Vectorised `price`: arrays (or scalars, broadcast) in, identical numbers out."""
    params = params or DEFAULT_PRICING
    p = params.units
    pd_u = probability_units_batch(pd)
    n = pd_u.shape[0]
    term = np.broadcast_to(np.asarray(term_months, dtype=np.int64), (n,))
    if n and (term.min() < 1 or term.max() > MAX_TERM_MONTHS):
        raise ValidationError(
            f"term_months must be between 1 and {MAX_TERM_MONTHS}", field="term_months"
        )
    principal = np.broadcast_to(
        np.asarray(
            p.reference_principal_minor if principal_minor is None else principal_minor,
            dtype=np.int64,
        ),
        (n,),
    )
    if n and principal.min() <= 0:
        raise ValidationError("principal must be positive", field="principal")
    horizon = params.pd_horizon_months
    if horizon is None:
        annual_pd = pd_u * 12 // term
    else:
        annual_pd = np.minimum(PPB * horizon, pd_u * term) * 12 // (horizon * term)
    expected_loss = annual_pd * p.lgd // RATIO_SCALE
    operating = p.operating_cost_minor * 24 * PPB // (principal * (term + 1))
    if p.band_edges:
        margins = np.array((*p.band_margins, p.target_margin), dtype=np.int64)
        edges = np.array(p.band_edges, dtype=np.int64)
        margin = margins[np.searchsorted(edges, pd_u, side="left")]
    else:
        margin = np.full(n, p.target_margin, dtype=np.int64)
    raw = p.cost_of_funds + expected_loss + operating + p.capital_charge + margin
    rounded = -(-raw // p.step) * p.step
    rate = np.minimum(np.maximum(rounded, p.floor), p.cap)
    return PriceBatch(
        rate_ppb=rate,
        cost_of_funds=np.full(n, p.cost_of_funds, dtype=np.int64),
        expected_loss=expected_loss,
        operating_cost=operating,
        capital_charge=np.full(n, p.capital_charge, dtype=np.int64),
        target_margin=margin,
        rounding=rounded - raw,
        clip=rate - rounded,
        term_months=np.ascontiguousarray(term),
    )


@lru_cache(maxsize=16_384)
def _rate(units: int) -> Rate:
    """Parts per billion to a Rate, cached: most components repeat from customer to customer."""
    return Rate.from_units(units, PPB)


def _quote(
    *,
    rate: int,
    cost_of_funds: int,
    expected_loss: int,
    operating_cost: int,
    capital_charge: int,
    target_margin: int,
    rounding: int,
    clip: int,
    term_months: int,
) -> PriceQuote:
    d = _rate
    return PriceQuote(
        nominal_rate=d(rate),
        cost_of_funds=d(cost_of_funds),
        expected_loss=d(expected_loss),
        operating_cost=d(operating_cost),
        capital_charge=d(capital_charge),
        target_margin=d(target_margin),
        rounding=d(rounding),
        clip=d(clip),
        capped=clip < 0,
        floored=clip > 0,
        term_months=term_months,
        rate_ppb=rate,
    )


def _check_term(term_months: int) -> int:
    if isinstance(term_months, bool) or not isinstance(term_months, int | np.integer):
        raise ValidationError("term_months must be an integer", field="term_months")
    if not 1 <= term_months <= MAX_TERM_MONTHS:
        raise ValidationError(
            f"term_months must be between 1 and {MAX_TERM_MONTHS}, got {term_months}",
            field="term_months",
        )
    return int(term_months)


def _check_principal(principal_minor: int) -> int:
    if isinstance(principal_minor, bool) or not isinstance(principal_minor, int | np.integer):
        raise ValidationError("principal must be integer minor units", field="principal")
    if principal_minor <= 0:
        raise ValidationError("principal must be positive", field="principal")
    return int(principal_minor)


DEFAULT_PRICING = PricingParams()
