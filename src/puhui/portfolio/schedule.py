"""Equal-installment schedules for many loans at once, as `lending.cumulative` computes them.

The twin needs each installment's scheduled principal. `lending.generate_schedule` is exact
but costs ~100 us a loan; here the same Fineract arithmetic runs over arrays: the EMI is the
double-precision PMT read back as a decimal and rounded to the cent (one Python evaluation per
distinct amount, rate and term), and each period's interest is the schedule balance times the
period rate (the rate rounded to 12 digits as Fineract rounds it), rounded half-even to the
cent. The float product can differ from the 12-digit decimal one only at an exact half-cent,
which `tests/portfolio/test_schedule.py` measures against the real generator.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from puhui.lending.arith import FINERACT_PRECISION, java_double, pmt
from puhui.rate import PPM

IntArray = npt.NDArray[np.int64]
_CTX_DIGITS = FINERACT_PRECISION


@lru_cache(maxsize=65_536)
def unit_rate(rate_ppm: int, per_year: int) -> Decimal:
    """Fineract's daily rate: (percent / days in year) / 100, each step to 12 digits."""
    import decimal

    ctx = decimal.Context(prec=_CTX_DIGITS, rounding=ROUND_HALF_EVEN)
    percent = Decimal(rate_ppm) / Decimal(PPM // 100)
    return ctx.divide(ctx.divide(percent, Decimal(per_year)), Decimal(100))


@lru_cache(maxsize=65_536)
def period_rate(rate_ppm: int, per_year: int, days: int) -> float:
    """The rate of a period of `days` days (12 digits), as the float the twin multiplies by."""
    import decimal

    ctx = decimal.Context(prec=_CTX_DIGITS, rounding=ROUND_HALF_EVEN)
    return float(ctx.multiply(unit_rate(rate_ppm, per_year), Decimal(days)))


@lru_cache(maxsize=262_144)
def emi_minor(amount_minor: int, rate_ppm: int, installments: int, per_year: int) -> int:
    """The equal installment in minor units (2-digit currencies), as `_Cumulative.pmt_amount`."""
    import decimal

    ctx = decimal.Context(prec=_CTX_DIGITS, rounding=ROUND_HALF_EVEN)
    rate = ctx.multiply(unit_rate(rate_ppm, per_year), ctx.multiply(Decimal(1), Decimal(30)))
    principal = Decimal(amount_minor).scaleb(-2)
    raw = java_double(pmt(float(rate), float(installments), float(-principal)))
    return int(raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN).scaleb(2))


def emis(amount: IntArray, rate_ppm: IntArray, installments: IntArray, per_year: int) -> IntArray:
    """`emi_minor` of every loan, computed once per distinct (amount, rate, term)."""
    if amount.size == 0:
        return np.zeros(0, dtype=np.int64)
    # One int64 key per (amount, rate, term): amount < 2^33, rate < 2^21, term < 2^10.
    keys = (amount << 31) | (rate_ppm << 10) | installments
    distinct, inverse = np.unique(keys, return_inverse=True)
    values = np.array(
        [
            emi_minor(int(k >> 31), int((k >> 10) & 0x1FFFFF), int(k & 0x3FF), per_year)
            for k in distinct
        ],
        dtype=np.int64,
    )
    return values[inverse]


def period_interest(
    balance: IntArray, rate_ppm: IntArray, days: IntArray, per_year: int
) -> IntArray:
    """Scheduled interest of a period: balance x period rate, rounded half-even to the cent."""
    if balance.size == 0:
        return np.zeros(0, dtype=np.int64)
    keys = (rate_ppm << 10) | days  # rate < 2^21 ppm, days < 2^10
    distinct, inverse = np.unique(keys, return_inverse=True)
    rates = np.array([period_rate(int(k >> 10), per_year, int(k & 0x3FF)) for k in distinct])
    interest: IntArray = np.rint(_twelve_digits(balance * rates[inverse])).astype(np.int64)
    return interest


def _twelve_digits(minor: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """A product in minor units rounded to 12 significant digits of the major unit (the
    precision-12 context of `Arith.money_times`), so a true half-cent stays a half-cent."""
    positive = minor > 0
    digits = np.zeros(minor.shape, dtype=np.int64)
    digits[positive] = np.floor(np.log10(minor[positive] / 100.0)).astype(np.int64) + 1
    scale = 10.0 ** np.clip(_CTX_DIGITS - digits - 2, 0, 15)
    rounded: npt.NDArray[np.float64] = np.rint(minor * scale) / scale
    return rounded
