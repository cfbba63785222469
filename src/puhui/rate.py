"""Rate: one exact fraction for every rate Puhui handles.

A rate is held as an exact Decimal fraction (0.18 is eighteen percent), whatever it measures:
the priced **nominal annual rate** of a credit line or loan, the disclosed **APR** (the IRR of
the borrower's cash flows), a PD, a fee percentage, a cost of funds. People read it in percent
(`.percent`, `.format()`); storage and integer arithmetic read it in whole units of a stated
scale (`.per_unit(PPM)`: parts per million), which refuses a rate finer than the unit instead
of rounding it away. Floats are refused: a rate is written as text ("0.18", "18%") or Decimal.

    Rate.from_percent("18").per_unit(PPM)   # 180000
    Rate.parse("18%") == Rate.of("0.18")     # True
    Rate.of("0.180356").format(places=2)     # '18.04%'
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from puhui.errors import ValidationError

#: Scales for integer rates: percent, basis points, parts per million, parts per billion.
PERCENT = 100
BASIS_POINTS = 10_000
PPM = 1_000_000
PPB = 1_000_000_000


def _exact(value: Any, field: str) -> Decimal:
    if isinstance(value, bool | float):
        raise ValidationError(
            f"{field} must be a decimal string or Decimal, not a float", field=field
        )
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise ValidationError(f"{field} {value!r} is not a number", field=field) from None
    if not number.is_finite():
        raise ValidationError(f"{field} must be finite", field=field)
    return number


def _plain(value: Decimal) -> str:
    """A Decimal without exponent notation or trailing zeros ('18', '0.1825', '-0.5')."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


@dataclass(frozen=True, slots=True, order=True)
class Rate:
    """An exact rate as a fraction of one (0.18 = 18%)."""

    fraction: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "fraction", _exact(self.fraction, "rate"))

    # -- making one -----------------------------------------------------------------------
    @classmethod
    def of(cls, value: Rate | Decimal | int | str, field: str = "rate") -> Rate:
        """A rate given as a fraction ("0.18")."""
        if isinstance(value, Rate):
            return value
        return cls(_exact(value, field))

    @classmethod
    def from_percent(cls, value: Decimal | int | str, field: str = "rate") -> Rate:
        """A rate given in percent ("18" is 0.18)."""
        return cls(_exact(value, field).scaleb(-2))

    @classmethod
    def from_units(cls, units: int, scale: int) -> Rate:
        """A rate given as whole units of 1/scale (180000 ppm is 0.18), exactly."""
        digits = len(str(abs(int(units)))) + len(str(scale)) + 30
        return cls(decimal.Context(prec=digits).divide(Decimal(int(units)), Decimal(scale)))

    @classmethod
    def parse(cls, text: str | Rate, field: str = "rate") -> Rate:
        """People's spelling: "18%" is percent; a bare number is a fraction ("0.18")."""
        if isinstance(text, Rate):
            return text
        if not isinstance(text, str):
            raise ValidationError(f"{field} must be text like '18%' or '0.18'", field=field)
        stripped = text.strip()
        if stripped.endswith("%"):
            return cls.from_percent(stripped[:-1], field)
        return cls.of(stripped, field)

    # -- reading it -----------------------------------------------------------------------
    @property
    def percent(self) -> Decimal:
        """The rate in percent, exactly (0.18 -> 18)."""
        return self.fraction.scaleb(2)

    def per_unit(self, scale: int, field: str = "rate") -> int:
        """The rate as whole units of 1/scale; a ValidationError if it is finer than that."""
        digits = len(self.fraction.as_tuple().digits) + len(str(scale)) + 2
        scaled = decimal.Context(prec=digits).multiply(self.fraction, Decimal(scale))
        if scaled != scaled.to_integral_value():
            raise ValidationError(
                f"{field} {self.format(places=None)} is finer than 1/{scale}", field=field
            )
        return int(scaled)

    def percent_text(self, places: int | None = 4) -> str:
        """The percent figure as text, rounded half-even to `places` decimals (None: exact).

        Works at any size: a one-day loan with a fee compounds to an effective rate of
        hundreds of digits, more than Decimal's default 28-digit context can round."""
        value = self.percent
        if places is None:
            return _plain(value)
        digits = max(value.adjusted(), 0) + places + 2
        return str(value.quantize(Decimal(1).scaleb(-places), context=decimal.Context(prec=digits)))

    def format(self, places: int | None = 2) -> str:
        """For people: '18.00%' (places=None: every digit the rate has, '18.0356%')."""
        return self.percent_text(places) + "%"

    def text(self) -> str:
        """The fraction as plain text for storage and JSON ('0.18'); `Rate.of` reads it back."""
        return _plain(self.fraction)

    def __str__(self) -> str:
        return self.format(places=None)

    def __bool__(self) -> bool:
        return bool(self.fraction)

    def __mul__(self, factor: Decimal | int) -> Rate:
        return Rate(self.fraction * factor)

    __rmul__ = __mul__


ZERO = Rate(Decimal(0))
