"""Loan terms: the inputs of a repayment schedule, validated, with Fineract's vocabulary.

The enums carry the spellings people type (`declining-balance`, `same-as-repayment`) and
`parse` accepts Fineract's names too (`DECLINING_BALANCE`), so product files and CLI flags read
the same. Bad input raises `ValidationError` naming the field.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Self

from puhui.errors import ValidationError
from puhui.money import Rounding, exponent, to_decimal_amount
from puhui.rate import Rate


class _Choice(enum.StrEnum):
    @classmethod
    def parse(cls, text: str | Self, field_name: str) -> Self:
        if isinstance(text, cls):
            return text
        key = str(text).strip().lower().replace("_", "-")
        for member in cls:
            if member.value == key or member.name.lower().replace("_", "-") == key:
                return member
        allowed = ", ".join(m.value for m in cls)
        raise ValidationError(f"{field_name} {text!r} is not one of: {allowed}", field=field_name)


class Frequency(_Choice):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"


class ScheduleEngine(_Choice):
    CUMULATIVE = "cumulative"
    PROGRESSIVE = "progressive"


class InterestMethod(_Choice):
    DECLINING_BALANCE = "declining-balance"
    FLAT = "flat"


class Amortization(_Choice):
    EQUAL_INSTALLMENTS = "equal-installments"
    EQUAL_PRINCIPAL = "equal-principal"


class InterestPeriod(_Choice):
    DAILY = "daily"
    SAME_AS_REPAYMENT = "same-as-repayment"


class DaysInYear(_Choice):
    ACTUAL = "actual"
    D360 = "360"
    D364 = "364"
    D365 = "365"

    def days(self, year: int | None = None) -> int:
        """Days in the year for this convention; ACTUAL needs the calendar year."""
        if self is DaysInYear.ACTUAL:
            if year is None:
                return 365
            leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            return 366 if leap else 365
        return int(self.value)


class DaysInMonth(_Choice):
    ACTUAL = "actual"
    D30 = "30"


#: The highest nominal rate a schedule accepts (1000% a year): above it, input is a typo.
MAX_RATE = Decimal(10)

#: More installments than this is a data error (1200 = 100 years monthly), not a loan.
MAX_INSTALLMENTS = 1200


def _positive_int(value: int, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(f"{name} must be an integer >= {minimum}", field=name)
    return value


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """Everything a schedule depends on. Amounts are major-unit Decimals; the nominal annual
    rate is a `Rate` (the contract rate the schedule charges, not the APR it discloses).

    `grace_principal`: first N periods carry no principal. `grace_interest`: first N periods
    carry no interest *payment* (the interest is deferred to the first period after).
    `interest_free`: first N periods charge no interest at all (Fineract's grace on interest
    charged). `due_day`: monthly due dates fall on this day of the month (clamped to the
    month's end). `installment_multiple`: round the installment to multiples of this many major
    units (Fineract's installmentAmountInMultiplesOf).
    """

    principal: Decimal
    nominal_rate: Rate
    installments: int
    disbursed: date
    every: int = 1
    frequency: Frequency = Frequency.MONTHS
    engine: ScheduleEngine = ScheduleEngine.CUMULATIVE
    interest_method: InterestMethod = InterestMethod.DECLINING_BALANCE
    amortization: Amortization = Amortization.EQUAL_INSTALLMENTS
    interest_period: InterestPeriod = InterestPeriod.DAILY
    days_in_year: DaysInYear = DaysInYear.ACTUAL
    days_in_month: DaysInMonth = DaysInMonth.ACTUAL
    first_due: date | None = None
    due_day: int | None = None
    currency: str = "CNY"
    digits: int | None = None
    rounding: Rounding = Rounding.HALF_EVEN
    installment_multiple: int | None = None
    grace_principal: int = 0
    grace_interest: int = 0
    interest_free: int = 0
    installment_fee: Decimal = Decimal(0)
    upfront_fee: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        principal = to_decimal_amount(self.principal, "principal")
        if principal <= 0:
            raise ValidationError("principal must be positive", field="principal")
        if not isinstance(self.nominal_rate, Rate):
            raise ValidationError("nominal_rate must be a Rate", field="nominal_rate")
        if not 0 <= self.nominal_rate.fraction <= MAX_RATE:
            raise ValidationError("nominal_rate must be between 0% and 1000%", field="nominal_rate")
        _positive_int(self.installments, "installments")
        if self.installments > MAX_INSTALLMENTS:
            raise ValidationError(
                f"installments must be at most {MAX_INSTALLMENTS}", field="installments"
            )
        _positive_int(self.every, "every")
        if not isinstance(self.disbursed, date):
            raise ValidationError("disbursed must be a date", field="disbursed")
        if self.due_day is not None:
            _positive_int(self.due_day, "due_day")
            if self.due_day > 31:
                raise ValidationError("due_day must be between 1 and 31", field="due_day")
        if self.first_due is not None and self.first_due <= self.disbursed:
            raise ValidationError("first_due must be after disbursed", field="first_due")
        digits = exponent(self.currency) if self.digits is None else self.digits
        if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 6:
            raise ValidationError("digits must be an integer between 0 and 6", field="digits")
        if principal != principal.quantize(Decimal(1).scaleb(-digits), rounding="ROUND_DOWN"):
            raise ValidationError(
                f"principal has more than {digits} decimal places", field="principal"
            )
        if self.installment_multiple is not None:
            _positive_int(self.installment_multiple, "installment_multiple")
        for name in ("grace_principal", "grace_interest", "interest_free"):
            value = getattr(self, name)
            _positive_int(value, name, minimum=0)
            if value >= self.installments:
                raise ValidationError(f"{name} must be less than installments", field=name)
        for name in ("installment_fee", "upfront_fee"):
            fee = to_decimal_amount(getattr(self, name), name)
            if fee < 0:
                raise ValidationError(f"{name} must not be negative", field=name)
            object.__setattr__(self, name, fee)
        object.__setattr__(self, "principal", principal)
        object.__setattr__(self, "digits", digits)
        object.__setattr__(self, "frequency", Frequency.parse(self.frequency, "frequency"))
        object.__setattr__(self, "engine", ScheduleEngine.parse(self.engine, "engine"))
        object.__setattr__(
            self, "interest_method", InterestMethod.parse(self.interest_method, "interest_method")
        )
        object.__setattr__(
            self, "amortization", Amortization.parse(self.amortization, "amortization")
        )
        object.__setattr__(
            self, "interest_period", InterestPeriod.parse(self.interest_period, "interest_period")
        )
        object.__setattr__(
            self, "days_in_year", DaysInYear.parse(self.days_in_year, "days_in_year")
        )
        object.__setattr__(
            self, "days_in_month", DaysInMonth.parse(self.days_in_month, "days_in_month")
        )
        object.__setattr__(self, "rounding", Rounding.parse(self.rounding))

    @property
    def scale(self) -> int:
        """Decimal places of amounts (the currency's minor-unit digits unless overridden)."""
        assert self.digits is not None
        return self.digits
