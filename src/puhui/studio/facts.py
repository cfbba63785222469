"""The figures a piece of marketing may state, read from the lending core, never typed in.

`offer_facts(product)` takes a catalog product (`lending.products`, as `servicing.catalog`
stores it) and computes what the copy quotes: the nominal annual rate (the contract's price),
its daily equivalent as the product accrues it, and the APR range — the PBOC IRR
(`lending.apr.schedule_apr`) of an illustrative drawdown for every term and amortization the
product offers. The APR is the disclosure; "low interest" without it is never written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from puhui.lending.apr import schedule_apr
from puhui.lending.products import Product, default_product
from puhui.lending.schedule import generate_schedule
from puhui.rate import Rate

#: The illustrative drawdown's amount and date (the APR of this product does not depend on
#: either beyond rounding; they are fixed so a poster's figures are reproducible).
SAMPLE_AMOUNT = Decimal(10_000)
SAMPLE_DATE = date(2026, 1, 15)

LENDER = {"zh": "普惠银行", "en": "Puhui Bank"}


@dataclass(frozen=True, slots=True)
class OfferFacts:
    product_id: str
    product_version: int
    product_name: str
    currency: str
    nominal: Rate  # the contract's nominal annual rate
    daily: Rate  # nominal / days in year, as the product accrues interest
    apr_low: Rate  # PBOC IRR APR, the lowest over the offered terms and amortizations
    apr_high: Rate
    amount_min: Decimal
    amount_max: Decimal
    terms: tuple[int, ...]
    interest_free: bool  # the product has an interest-free period
    lender: dict[str, str]

    def apr_range(self) -> str:
        low, high = self.apr_low.format(2), self.apr_high.format(2)
        return low if low == high else f"{low}–{high}"

    def values(self, lang: str) -> dict[str, str]:
        """The placeholders templates and layouts fill in, formatted for `lang`."""
        unit = "元" if lang == "zh" and self.currency == "CNY" else ""
        prefix = "" if unit else f"{self.currency} "
        return {
            "product": _name(self.product_name, lang),
            "product_lc": _name(self.product_name, lang)[:1].lower()
            + _name(self.product_name, lang)[1:],
            "nominal": self.nominal.format(2),
            "daily": self.daily.format(3),
            "apr": self.apr_range(),
            "amount_min": f"{prefix}{_amount(self.amount_min)}{unit}",
            "amount_max": f"{prefix}{_amount(self.amount_max)}{unit}",
            "terms": "/".join(str(t) for t in self.terms),
            "lender": self.lender.get(lang, self.lender["en"]),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "product_version": self.product_version,
            "product_name": self.product_name,
            "currency": self.currency,
            "nominal_rate": self.nominal.text(),
            "daily_rate": self.daily.text(),
            "apr_low": self.apr_low.text(),
            "apr_high": self.apr_high.text(),
            "apr_range": self.apr_range(),
            "amount_min": str(self.amount_min),
            "amount_max": str(self.amount_max),
            "terms": list(self.terms),
            "interest_free": self.interest_free,
            "lender": dict(self.lender),
        }


def facts_from_dict(data: dict[str, Any]) -> OfferFacts:
    """The inverse of `OfferFacts.to_dict`: a stored draft keeps the figures it was written with."""
    return OfferFacts(
        product_id=str(data["product_id"]),
        product_version=int(data["product_version"]),
        product_name=str(data["product_name"]),
        currency=str(data["currency"]),
        nominal=Rate.of(data["nominal_rate"]),
        daily=Rate.of(data["daily_rate"]),
        apr_low=Rate.of(data["apr_low"]),
        apr_high=Rate.of(data["apr_high"]),
        amount_min=Decimal(data["amount_min"]),
        amount_max=Decimal(data["amount_max"]),
        terms=tuple(int(t) for t in data["terms"]),
        interest_free=bool(data["interest_free"]),
        lender={str(k): str(v) for k, v in data["lender"].items()},
    )


def _name(name: str, lang: str) -> str:
    """'Revolving micro-loan (循环微贷)' -> the part in `lang`."""
    if "(" in name and name.endswith(")"):
        en, zh = name[:-1].split("(", 1)
        return zh.strip() if lang == "zh" else en.strip()
    return name


def _amount(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def offer_facts(product: Product | None = None, lender: dict[str, str] | None = None) -> OfferFacts:
    """The figures of `product` (default: the shipped catalog product)."""
    product = product or default_product()
    amount = min(max(SAMPLE_AMOUNT, product.amount.min), product.amount.max)
    aprs = [
        schedule_apr(
            generate_schedule(product.terms_for(amount, n, SAMPLE_DATE, amortization))
        ).nominal.fraction
        for n in product.terms.installments
        for amortization in product.schedule.amortizations
    ]
    quantum = Decimal("0.0001")  # to a hundredth of a percent, the way it is printed
    days = Decimal(product.schedule.days_in_year.days())  # ACTUAL: 365
    return OfferFacts(
        product_id=product.id,
        product_version=product.version,
        product_name=product.name or product.id,
        currency=product.currency,
        nominal=product.nominal_rate,
        daily=Rate(product.nominal_rate.fraction / days),
        apr_low=Rate(min(aprs).quantize(quantum)),
        apr_high=Rate(max(aprs).quantize(quantum)),
        amount_min=product.amount.min,
        amount_max=product.amount.max,
        terms=tuple(product.terms.installments),
        interest_free=product.schedule.interest_free_periods > 0,
        lender=dict(lender or LENDER),
    )
