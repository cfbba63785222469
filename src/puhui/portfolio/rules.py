"""The servicing rules the vectorised twin reproduces, read from the product, in one place.

The twin (`portfolio.twin`) books the same loans as the lending engine (`servicing`) with
array arithmetic instead of SQL; everything it must agree on is here: the day count, the
penalty rate, grace days, write-off and line-freeze thresholds, early repayment. Values come
from the `Product` wherever the product says them; the engine semantics the product does not
say (whether contract interest keeps accruing on overdue principal, whether early-repayment
rules are enforced) are the flags at the top, so a change of the engine is a change here and
`tests/portfolio/test_twin_tolerance.py` is the one test to re-run.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from puhui.errors import ValidationError
from puhui.lending.products import Product
from puhui.lending.terms import (
    Amortization,
    DaysInYear,
    Frequency,
    InterestMethod,
    InterestPeriod,
    ScheduleEngine,
)
from puhui.rate import PPM, Rate

IntArray = npt.NDArray[np.int64]

#: The engine stops contract interest on overdue principal: the overdue rate replaces it
#: (issue 12, item 6).
CONTRACT_INTEREST_ON_OVERDUE = False
#: The engine refuses early repayment or charges the product's fee on the principal prepaid
#: (issue 12, item 2).
ENFORCES_EARLY_REPAYMENT_RULES = True
#: Divisor of an ACTUAL day count in the engine (`servicing.loans.ACTUAL_K`).
ACTUAL_YEAR_DAYS = 365


@dataclass(frozen=True)
class ServicingRules:
    """What a loan of this product does, day by day, as the engine books it."""

    product_id: str
    product_version: int
    currency: str
    digits: int
    year_days: int
    grace_days: int
    write_off_dpd: int
    #: DPD at which every line of the customer is frozen (None: the engine never freezes).
    freeze_line_dpd: int | None
    #: Penalty rate: a fixed rate in ppm, or the line's nominal rate times a multiplier.
    penalty_fixed_ppm: int | None
    penalty_multiplier: Decimal | None
    contract_interest_on_overdue: bool
    early_repayment_allowed: bool
    early_fee_kind: str
    early_fee_value: Decimal
    upfront_fee_kind: str
    upfront_fee_value: Decimal
    installment_fee_kind: str
    installment_fee_value: Decimal
    terms: tuple[int, ...]
    min_amount_minor: int
    max_amount_minor: int
    rounding: str

    @classmethod
    def from_product(cls, product: Product) -> ServicingRules:
        """The rules of `product`; refuses a product the twin does not model (naming why)."""
        s = product.schedule
        unsupported = {
            "schedule.engine": s.engine is not ScheduleEngine.CUMULATIVE,
            "schedule.interest_method": s.interest_method is not InterestMethod.DECLINING_BALANCE,
            "schedule.interest_period": s.interest_period is not InterestPeriod.DAILY,
            "schedule.amortizations": s.amortizations[0] is not Amortization.EQUAL_INSTALLMENTS,
            "schedule.grace_principal": bool(s.grace_principal),
            "schedule.grace_interest": bool(s.grace_interest or s.interest_free_periods),
            "schedule.installment_multiple": s.installment_multiple is not None,
            "terms.frequency": product.terms.frequency is not Frequency.MONTHS
            or product.terms.every != 1,
            "overdue.grace_days": product.overdue.grace_days >= 28,
        }
        for field, bad in unsupported.items():
            if bad:
                raise ValidationError(
                    f"the portfolio twin models monthly cumulative equal-installment products"
                    f" with daily interest; {product.id}@{product.version} differs in {field}",
                    field=field,
                )
        diy = s.days_in_year
        year_days = ACTUAL_YEAR_DAYS if diy is DaysInYear.ACTUAL else diy.days()
        overdue = product.overdue
        multiplier = overdue.penalty_multiplier
        fixed = None
        scale = Decimal(1).scaleb(s.digits)
        return cls(
            product_id=product.id,
            product_version=product.version,
            currency=product.currency,
            digits=s.digits,
            year_days=year_days,
            grace_days=overdue.grace_days,
            write_off_dpd=product.delinquency.write_off_dpd,
            freeze_line_dpd=product.delinquency.freeze_line_dpd,
            penalty_fixed_ppm=fixed,
            penalty_multiplier=None if multiplier is None else Decimal(multiplier),
            contract_interest_on_overdue=CONTRACT_INTEREST_ON_OVERDUE,
            early_repayment_allowed=(
                product.repayment.early_repayment_allowed or not ENFORCES_EARLY_REPAYMENT_RULES
            ),
            early_fee_kind=product.repayment.early_repayment_fee.kind,
            early_fee_value=(
                product.repayment.early_repayment_fee.value
                if ENFORCES_EARLY_REPAYMENT_RULES
                else Decimal(0)
            ),
            upfront_fee_kind=product.fees.upfront.kind,
            upfront_fee_value=product.fees.upfront.value,
            installment_fee_kind=product.fees.per_installment.kind,
            installment_fee_value=product.fees.per_installment.value,
            terms=product.terms.installments,
            min_amount_minor=int(product.amount.min * scale),
            max_amount_minor=int(product.amount.max * scale),
            rounding=s.rounding.value,
        )

    # -- rates ---------------------------------------------------------------------------
    @property
    def divisor(self) -> int:
        """Denominator of a day's accrual numerator `principal x rate_ppm`."""
        return PPM * self.year_days

    def penalty_rate_ppm(self, nominal_ppm: int) -> int:
        """The overdue rate of a loan whose line is priced at `nominal_ppm`."""
        if self.penalty_multiplier is None:
            assert self.penalty_fixed_ppm is not None
            return self.penalty_fixed_ppm
        rate = Rate(Rate.from_units(nominal_ppm, PPM).fraction * self.penalty_multiplier)
        return rate.per_unit(PPM, "penalty_rate")

    def penalty_rates_ppm(self, nominal_ppm: IntArray) -> IntArray:
        """`penalty_rate_ppm` of many lines (once per distinct rate)."""
        distinct, inverse = np.unique(nominal_ppm, return_inverse=True)
        rates = np.array([self.penalty_rate_ppm(int(r)) for r in distinct], dtype=np.int64)
        result: IntArray = rates[inverse]
        return result

    # -- fees ----------------------------------------------------------------------------
    def fee_minor(self, kind: str, value: Decimal, principal_minor: int) -> int:
        """A flat fee or a percent of `principal_minor`, rounded half-even to the minor unit."""
        scale = Decimal(1).scaleb(self.digits)
        if kind == "flat":
            return int(value * scale)
        return int((Decimal(principal_minor) * value / 100).quantize(1, ROUND_HALF_EVEN))

    def fee_minor_batch(self, kind: str, value: Decimal, principal_minor: IntArray) -> IntArray:
        """`fee_minor` of many principals (integer arithmetic: the same cents)."""
        if kind == "flat" or value == 0:
            flat = self.fee_minor(kind, value, 0)
            return np.full(principal_minor.shape, flat, dtype=np.int64)
        numerator, denominator = value.as_integer_ratio()
        q, r = np.divmod(principal_minor * numerator, denominator * 100)
        twice, whole = 2 * r, denominator * 100
        up = (twice > whole) | ((twice == whole) & (q % 2 == 1))
        result: IntArray = q + up.astype(np.int64)
        return result

    def upfront_fee(self, principal_minor: int) -> int:
        return self.fee_minor(self.upfront_fee_kind, self.upfront_fee_value, principal_minor)

    def installment_fee(self, principal_minor: int) -> int:
        return self.fee_minor(
            self.installment_fee_kind, self.installment_fee_value, principal_minor
        )

    def early_fee(self, principal_minor: int) -> int:
        """Fee charged on prepaying `principal_minor` before the last due date."""
        return self.fee_minor(self.early_fee_kind, self.early_fee_value, principal_minor)

    # -- delinquency ---------------------------------------------------------------------
    def dpd(self, oldest_due_day: int, day: int) -> int:
        """`lending.delinquency.days_past_due` on day ordinals."""
        late = day - oldest_due_day
        return late if late > self.grace_days else 0

    def write_off_cob_day(self, oldest_due_day: int) -> int:
        """The COB day that writes off a loan whose oldest unpaid due date is `oldest_due_day`
        (COB ages for the next day, then writes off at the threshold)."""
        return oldest_due_day + max(self.write_off_dpd, self.grace_days + 1) - 1

    def freezes(self, dpd_reached: int) -> bool:
        """Whether a loan that reached `dpd_reached` freezes its customer's lines."""
        return self.freeze_line_dpd is not None and dpd_reached >= self.freeze_line_dpd


Amount = TypeVar("Amount", int, IntArray)


def recovery_minor(written_off_minor: Amount, recovery_ppm: int) -> Amount:
    """A recovery of `recovery_ppm` parts per million of what was written off, rounded half-up
    (the one formula both bookers use, on ints or arrays, so they recover the same cents)."""
    return (written_off_minor * recovery_ppm + PPM // 2) // PPM
