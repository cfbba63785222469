"""Lending core, pure part: loan products as data, repayment schedules, APR, allocation.

Everything here is a pure function over plain data (no clock, no database; the only input
read is a product file): `puhui.servicing` books loans, postings and accruals with them.

    from puhui.lending import default_product, generate_schedule
    terms = default_product().terms_for("10000", 10, date(2026, 1, 15))
    schedule = generate_schedule(terms)          # amounts in minor units (fen)
"""

from puhui.lending.allocation import Allocation, Bucket, Component, Due, allocate
from puhui.lending.apr import AprResult, Flow, UnitPeriod, irr_apr, reg_z_apr
from puhui.lending.delinquency import days_past_due, is_write_off_due
from puhui.lending.interest import accrual_exact, daily_interest, spread_daily
from puhui.lending.payoff import Owed, PayoffQuote, payoff_quote
from puhui.lending.products import Product, default_product, load_product
from puhui.lending.reamortize import reamortized
from puhui.lending.schedule import Installment, Schedule, generate_schedule
from puhui.lending.terms import LoanTerms

__all__ = [
    "Allocation",
    "AprResult",
    "Bucket",
    "Component",
    "Due",
    "Flow",
    "Installment",
    "LoanTerms",
    "Owed",
    "PayoffQuote",
    "Product",
    "Schedule",
    "UnitPeriod",
    "accrual_exact",
    "allocate",
    "daily_interest",
    "days_past_due",
    "default_product",
    "generate_schedule",
    "irr_apr",
    "is_write_off_due",
    "load_product",
    "payoff_quote",
    "reamortized",
    "reg_z_apr",
    "spread_daily",
]
