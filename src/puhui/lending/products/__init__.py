"""Loan products as data: a TOML file read into a frozen, validated `Product`.

`load_product(path)` / `default_product()` read one; `Product.terms_for(...)` turns a drawdown
(amount, installments, date) into `LoanTerms` after checking it against the product.
`to_dict()` is stable and `fingerprint()` hashes it, so the servicing layer can store and
version products and record which product version priced a loan.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from puhui.errors import ValidationError
from puhui.lending.allocation import Bucket, Component
from puhui.lending.terms import (
    MAX_RATE,
    Amortization,
    DaysInMonth,
    DaysInYear,
    Frequency,
    InterestMethod,
    InterestPeriod,
    LoanTerms,
    ScheduleEngine,
)
from puhui.money import CURRENCY_EXPONENTS, Rounding, to_decimal_amount
from puhui.rate import Rate

__all__ = ["Product", "default_product", "load_product", "parse_product"]


def _decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError("write amounts and rates as decimal strings, not floats")
    return to_decimal_amount(value)


DecimalStr = Annotated[Decimal, pydantic.BeforeValidator(_decimal)]


def _percent_rate(value: Any) -> Rate:
    if isinstance(value, Rate):
        return value
    if not isinstance(value, str) or not value.strip().endswith("%"):
        raise ValueError('write a rate in percent with its sign, e.g. "18%"')
    return Rate.parse(value)


#: A rate written in percent with its sign ("18%"), read into a `Rate`, written back the same.
PercentRate = Annotated[
    Rate,
    pydantic.BeforeValidator(_percent_rate),
    pydantic.PlainSerializer(lambda r: r.format(places=None), return_type=str),
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FeeRule(_Frozen):
    """A fee: a flat amount, or a percent of the principal."""

    kind: Literal["flat", "percent"] = "flat"
    value: DecimalStr = Decimal(0)

    @field_validator("value")
    @classmethod
    def _not_negative(cls, v: Decimal) -> Decimal:
        if v < 0:
            raise ValueError("must not be negative")
        return v

    def amount(self, principal: Decimal) -> Decimal:
        return self.value if self.kind == "flat" else principal * self.value / 100


class AmountRange(_Frozen):
    min: DecimalStr
    max: DecimalStr

    @model_validator(mode="after")
    def _ordered(self) -> AmountRange:
        if self.min <= 0:
            raise ValueError("min must be positive")
        if self.max < self.min:
            raise ValueError("max must be at least min")
        return self


class TermsOffered(_Frozen):
    installments: tuple[int, ...]
    frequency: Frequency = Frequency.MONTHS
    every: int = Field(default=1, ge=1)

    @field_validator("installments")
    @classmethod
    def _positive(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if not v or any(n < 1 for n in v):
            raise ValueError("offer at least one positive installment count")
        return tuple(sorted(set(v)))


class ScheduleRules(_Frozen):
    engine: ScheduleEngine = ScheduleEngine.CUMULATIVE
    interest_method: InterestMethod = InterestMethod.DECLINING_BALANCE
    amortizations: tuple[Amortization, ...] = (Amortization.EQUAL_INSTALLMENTS,)
    interest_period: InterestPeriod = InterestPeriod.DAILY
    days_in_year: DaysInYear = DaysInYear.ACTUAL
    days_in_month: DaysInMonth = DaysInMonth.ACTUAL
    digits: int = Field(default=2, ge=0, le=6)
    rounding: Rounding = Rounding.HALF_EVEN
    installment_multiple: int | None = Field(default=None, ge=1)
    grace_principal: int = Field(default=0, ge=0)
    grace_interest: int = Field(default=0, ge=0)
    interest_free_periods: int = Field(default=0, ge=0)

    @field_validator("amortizations")
    @classmethod
    def _some(cls, v: tuple[Amortization, ...]) -> tuple[Amortization, ...]:
        if not v:
            raise ValueError("offer at least one amortization")
        return v


class FeeRules(_Frozen):
    upfront: FeeRule = FeeRule()
    per_installment: FeeRule = FeeRule()


class OverdueRules(_Frozen):
    """Overdue principal (past its due date by more than `grace_days`) is charged the overdue
    rate instead of the contract rate, from then on: the line's own nominal rate times
    `penalty_multiplier` (PBOC, 银发〔2003〕251号: 逾期贷款罚息利率为合同利率水平上加收30%-50%,
    从逾期之日起按罚息利率计收罚息)."""

    penalty_multiplier: DecimalStr = Decimal(1)
    grace_days: int = Field(default=0, ge=0)

    @field_validator("penalty_multiplier")
    @classmethod
    def _multiplier(cls, v: Decimal) -> Decimal:
        if not 0 <= v <= 10:
            raise ValueError("must be between 0 and 10 (1.5 is the contract rate plus 50%)")
        return v

    def penalty_rate(self, nominal: Rate) -> Rate:
        """The overdue rate of a loan priced at `nominal`."""
        return Rate(nominal.fraction * self.penalty_multiplier)


class RepaymentRules(_Frozen):
    """How a payment is split, whether principal may be prepaid, and how far a payment may
    exceed the payoff: `overpayment_tolerance` (major units) is the most a payment may leave
    as the customer's credit balance; more is refused naming `amount`. None: no cap (products
    registered before the rule)."""

    allocation_order: tuple[tuple[Bucket, Component], ...]
    early_repayment_allowed: bool = True
    early_repayment_fee: FeeRule = FeeRule()
    overpayment_tolerance: DecimalStr | None = None

    @field_validator("overpayment_tolerance")
    @classmethod
    def _tolerance(cls, v: Decimal | None) -> Decimal | None:
        if v is not None and v < 0:
            raise ValueError("must not be negative")
        return v

    @field_validator("allocation_order", mode="before")
    @classmethod
    def _pairs(cls, v: Any) -> Any:
        if isinstance(v, list | tuple) and all(isinstance(x, str) for x in v):
            pairs = []
            for item in v:
                bucket, sep, component = item.partition(":")
                if not sep:
                    raise ValueError(f"{item!r} is not 'bucket:component'")
                pairs.append((bucket.strip(), component.strip()))
            return pairs
        return v

    @field_serializer("allocation_order")
    def _as_text(self, order: tuple[tuple[Bucket, Component], ...]) -> list[str]:
        """Written back as in the TOML file: 'past-due:penalty', ..."""
        return [f"{bucket.value}:{component.value}" for bucket, component in order]

    @field_validator("allocation_order")
    @classmethod
    def _complete(
        cls, v: tuple[tuple[Bucket, Component], ...]
    ) -> tuple[tuple[Bucket, Component], ...]:
        if len(set(v)) != len(v) or len(v) != len(Bucket) * len(Component):
            raise ValueError("list every bucket:component pair exactly once (12 pairs)")
        return v


class DelinquencyBucket(_Frozen):
    name: str
    from_: int = Field(alias="from", ge=1)
    to: int | None = None

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class DelinquencyRules(_Frozen):
    """Buckets by days past due; the DPD at which COB freezes every line of the customer (no
    new drawdowns until an operator unfreezes one); the DPD at which a loan is written off."""

    buckets: tuple[DelinquencyBucket, ...]
    freeze_line_dpd: int = Field(default=1, ge=1)
    write_off_dpd: int = Field(ge=1)

    @field_validator("buckets")
    @classmethod
    def _contiguous(cls, v: tuple[DelinquencyBucket, ...]) -> tuple[DelinquencyBucket, ...]:
        expected = 1
        for i, bucket in enumerate(v):
            if bucket.from_ != expected:
                raise ValueError(f"bucket {bucket.name} must start at day {expected}")
            if bucket.to is None:
                if i != len(v) - 1:
                    raise ValueError("only the last bucket may be open-ended")
                return v
            if bucket.to < bucket.from_:
                raise ValueError(f"bucket {bucket.name} ends before it starts")
            expected = bucket.to + 1
        raise ValueError("the last bucket must be open-ended (no 'to')")

    def bucket_for(self, dpd: int) -> str:
        """The bucket name for `dpd` days past due; 'M0' when current."""
        if dpd <= 0:
            return "M0"
        for bucket in self.buckets:
            if bucket.to is None or dpd <= bucket.to:
                return bucket.name
        raise AssertionError("unreachable: last bucket is open-ended")


class Product(_Frozen):
    """A loan product. `nominal_rate` is the contract's nominal annual rate (a line may be
    priced otherwise); amounts are major-unit decimals."""

    id: str = Field(min_length=1)
    version: int = Field(ge=1)
    name: str = ""
    currency: str
    nominal_rate: PercentRate
    amount: AmountRange
    terms: TermsOffered
    schedule: ScheduleRules = ScheduleRules()
    fees: FeeRules = FeeRules()
    overdue: OverdueRules = OverdueRules()
    repayment: RepaymentRules
    delinquency: DelinquencyRules

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, v: str) -> str:
        if v not in CURRENCY_EXPONENTS:
            raise ValueError(f"unknown currency {v!r}")
        return v

    @field_validator("nominal_rate")
    @classmethod
    def _rate(cls, v: Rate) -> Rate:
        if not 0 <= v.fraction <= MAX_RATE:
            raise ValueError("must be between 0% and 1000%")
        return v

    @model_validator(mode="after")
    def _amounts_fit_the_digits(self) -> Product:
        quantum = Decimal(1).scaleb(-self.schedule.digits)
        amounts = {
            "amount.min": self.amount.min,
            "amount.max": self.amount.max,
            "fees.upfront.value": self.fees.upfront.value,
            "fees.per_installment.value": self.fees.per_installment.value,
        }
        if self.repayment.overpayment_tolerance is not None:
            amounts["repayment.overpayment_tolerance"] = self.repayment.overpayment_tolerance
        for name, value in amounts.items():
            flat = (
                not name.startswith("fees") or getattr(self.fees, name.split(".")[1]).kind == "flat"
            )
            if flat and value != value.quantize(quantum):
                raise PydanticCustomError(
                    "too_many_digits",
                    "{field} has more than {digits} decimal places",
                    {"field": name, "digits": self.schedule.digits},
                )
        return self

    def to_dict(self) -> dict[str, Any]:
        """Stable plain data: decimals as strings, enums as their values, keys by alias. An
        unset overpayment tolerance is left out, so products registered before the rule keep
        their fingerprints."""
        data = self.model_dump(mode="json", by_alias=True)
        if data["repayment"].get("overpayment_tolerance") is None:
            data["repayment"].pop("overpayment_tolerance", None)
        return data

    def fingerprint(self) -> str:
        """sha256 of the canonical JSON of `to_dict()`: equal products, equal fingerprints."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def terms_for(
        self,
        principal: Decimal | str,
        installments: int,
        disbursed: date,
        amortization: Amortization | str | None = None,
        first_due: date | None = None,
    ) -> LoanTerms:
        """LoanTerms for a drawdown, after checking amount, term and amortization."""
        amount = to_decimal_amount(principal, "principal")
        if not self.amount.min <= amount <= self.amount.max:
            raise ValidationError(
                f"principal must be between {self.amount.min} and {self.amount.max}",
                field="principal",
            )
        if installments not in self.terms.installments:
            offered = ", ".join(str(n) for n in self.terms.installments)
            raise ValidationError(f"installments must be one of {offered}", field="installments")
        chosen = (
            self.schedule.amortizations[0]
            if amortization is None
            else Amortization.parse(amortization, "amortization")
        )
        if chosen not in self.schedule.amortizations:
            raise ValidationError(f"amortization {chosen} is not offered", field="amortization")
        s = self.schedule
        quantum = Decimal(1).scaleb(-s.digits)
        mode = s.rounding.decimal_mode
        return LoanTerms(
            principal=amount,
            nominal_rate=self.nominal_rate,
            installments=installments,
            disbursed=disbursed,
            every=self.terms.every,
            frequency=self.terms.frequency,
            engine=s.engine,
            interest_method=s.interest_method,
            amortization=chosen,
            interest_period=s.interest_period,
            days_in_year=s.days_in_year,
            days_in_month=s.days_in_month,
            first_due=first_due,
            currency=self.currency,
            digits=s.digits,
            rounding=s.rounding,
            installment_multiple=s.installment_multiple,
            grace_principal=s.grace_principal,
            grace_interest=s.grace_interest,
            interest_free=s.interest_free_periods,
            installment_fee=self.fees.per_installment.amount(amount).quantize(quantum, mode),
            upfront_fee=self.fees.upfront.amount(amount).quantize(quantum, mode),
        )


def parse_product(data: dict[str, Any]) -> Product:
    """Validate plain data into a Product; the first problem is raised naming its field."""
    try:
        return Product.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        context = first.get("ctx") or {}
        where = ".".join(str(p) for p in first["loc"]) or str(context.get("field", "product"))
        raise ValidationError(f"{where}: {first['msg']}", field=where) from None


def load_product(path: str | Path) -> Product:
    """Read a product TOML file."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ValidationError(f"cannot read product file: {exc}", field="path") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"product file is not valid TOML: {exc}", field="path") from None
    return parse_product(data)


def default_product() -> Product:
    """The shipped default: a CNY revolving micro-loan (see products/default.toml)."""
    text = resources.files(__package__).joinpath("default.toml").read_text(encoding="utf-8")
    return parse_product(tomllib.loads(text))
