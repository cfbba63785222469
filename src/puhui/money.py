"""Money: integer minor units plus an ISO 4217 currency. Never a float.

Amounts are exact integers of the currency's minor unit (fen for CNY, yen for JPY), so sums,
splits and comparisons are exact. Conversions from decimal strings refuse anything that does
not fit the currency's exponent unless a rounding mode is named.
"""

from __future__ import annotations

import decimal
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from puhui.errors import PuhuiError


class MoneyError(PuhuiError):
    """Bad money input: unknown currency, malformed amount, mixed currencies."""

    code = "money_invalid"


class Rounding(enum.StrEnum):
    """Rounding modes, named as lending products name them."""

    HALF_EVEN = "half-even"
    HALF_UP = "half-up"
    DOWN = "down"
    UP = "up"
    CEILING = "ceiling"
    FLOOR = "floor"

    @property
    def decimal_mode(self) -> str:
        return _DECIMAL_MODES[self]

    @classmethod
    def parse(cls, text: str | Rounding) -> Rounding:
        if isinstance(text, Rounding):
            return text
        key = text.strip().lower().replace("_", "-")
        for mode in cls:
            if mode.value == key:
                return mode
        raise MoneyError(f"unknown rounding mode {text!r}", field="rounding")


_DECIMAL_MODES = {
    Rounding.HALF_EVEN: decimal.ROUND_HALF_EVEN,
    Rounding.HALF_UP: decimal.ROUND_HALF_UP,
    Rounding.DOWN: decimal.ROUND_DOWN,
    Rounding.UP: decimal.ROUND_UP,
    Rounding.CEILING: decimal.ROUND_CEILING,
    Rounding.FLOOR: decimal.ROUND_FLOOR,
}

#: ISO 4217 minor-unit exponents of the currencies Puhui knows.
CURRENCY_EXPONENTS: dict[str, int] = {
    "CNY": 2,
    "HKD": 2,
    "MOP": 2,
    "TWD": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "SGD": 2,
    "MYR": 2,
    "THB": 2,
    "PHP": 2,
    "INR": 2,
    "MXN": 2,
    "BRL": 2,
    "KES": 2,
    "NGN": 2,
    "PKR": 2,
    "IDR": 2,
    "VND": 0,
    "JPY": 0,
    "KRW": 0,
    "CLP": 0,
    "UGX": 0,
    "KWD": 3,
    "BHD": 3,
    "JOD": 3,
    "OMR": 3,
    "TND": 3,
}


def exponent(currency: str) -> int:
    """The number of minor-unit digits of `currency` (CNY 2, JPY 0, KWD 3)."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}", field="currency") from None


#: A decimal number as people write it: digits, optionally grouped by three with commas (or
#: underscores), an optional fraction, an optional exponent. "1,234.50" is 1234.50; "1,50" is
#: refused rather than guessed (in EUR it would mean 1.50, read here it would be 150).
_NUMBER = re.compile(
    r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:_\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?"
    r"|[+-]?\.\d+(?:[eE][+-]?\d+)?"
)


def _parse_decimal_text(value: str, field: str) -> Decimal:
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        if "," in text or "_" in text:
            raise MoneyError(
                f"{field} {value!r}: group digits in threes (1,234.50) or not at all", field=field
            )
        raise MoneyError(f"{field} {value!r} is not a decimal number", field=field)
    return Decimal(text.replace(",", "").replace("_", ""))


def to_decimal_amount(value: Decimal | int | str, field: str = "amount") -> Decimal:
    """Read an exact decimal from a string, int or Decimal; floats are refused."""
    if isinstance(value, bool | float):
        raise MoneyError(f"{field} must be a decimal string, not a float", field=field)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        result = _parse_decimal_text(value, field)
    else:
        raise MoneyError(f"{field} must be a decimal string", field=field)
    if not result.is_finite():
        raise MoneyError(f"{field} must be finite", field=field)
    return result


def quantize_minor(value: Decimal, digits: int, rounding: Rounding = Rounding.HALF_EVEN) -> int:
    """Round a major-unit decimal to `digits` places and return it in minor units."""
    scaled = value.scaleb(digits)
    return int(scaled.quantize(Decimal(1), rounding=rounding.decimal_mode))


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An exact amount: `minor` units of `currency` (e.g. Money(12345, "CNY") is ¥123.45)."""

    minor: int
    currency: str = "CNY"

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise MoneyError("minor must be an integer number of minor units", field="minor")
        exponent(self.currency)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def parse(
        cls,
        text: Decimal | int | str,
        currency: str = "CNY",
        rounding: Rounding | None = None,
        field: str = "amount",
    ) -> Money:
        """Parse a decimal string exactly; with `rounding`, round extra digits, else fail."""
        digits = exponent(currency)
        value = to_decimal_amount(text, field)
        scaled = value.scaleb(digits)
        if scaled != scaled.to_integral_value():
            if rounding is None:
                raise MoneyError(
                    f"{field} {text!r} has more than {digits} decimal places for {currency}",
                    field=field,
                )
            return cls(quantize_minor(value, digits, rounding), currency)
        return cls(int(scaled), currency)

    @classmethod
    def zero(cls, currency: str = "CNY") -> Money:
        return cls(0, currency)

    # -- views --------------------------------------------------------------------------
    @property
    def digits(self) -> int:
        return exponent(self.currency)

    @property
    def amount(self) -> Decimal:
        """The major-unit decimal, exact (¥123.45 → Decimal('123.45'))."""
        return Decimal(self.minor).scaleb(-self.digits)

    def format(self) -> str:
        """Plain decimal string with exactly the currency's digits: '123.45', '-0.05', '100'."""
        digits = self.digits
        sign = "-" if self.minor < 0 else ""
        whole, frac = divmod(abs(self.minor), 10**digits)
        return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"

    def __str__(self) -> str:
        return f"{self.format()} {self.currency}"

    # -- arithmetic ---------------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise MoneyError("can only combine Money with Money", field="amount")
        if other.currency != self.currency:
            raise MoneyError(
                f"cannot mix currencies {self.currency} and {other.currency}", field="currency"
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def multiply(self, factor: Decimal | int, rounding: Rounding = Rounding.HALF_EVEN) -> Money:
        """Multiply by an exact factor (a rate, a ratio) and round to a minor unit."""
        if isinstance(factor, float):
            raise MoneyError("factor must be a Decimal, not a float", field="factor")
        product = Decimal(self.minor) * Decimal(factor)
        return Money(
            int(product.quantize(Decimal(1), rounding=rounding.decimal_mode)), self.currency
        )

    def allocate(self, ratios: Sequence[int | Decimal]) -> list[Money]:
        """Split into parts proportional to `ratios`; parts sum exactly to this amount.

        Largest-remainder method: each part gets the floor of its share, then the leftover
        minor units go one each to the parts with the largest remainders (ties to the first).
        """
        if not ratios:
            raise MoneyError("ratios must not be empty", field="ratios")
        weights = [
            to_decimal_amount(r, "ratios") if not isinstance(r, int) else Decimal(r) for r in ratios
        ]
        if any(w < 0 for w in weights):
            raise MoneyError("ratios must not be negative", field="ratios")
        total = sum(weights, Decimal(0))
        if total == 0:
            raise MoneyError("ratios must not all be zero", field="ratios")
        sign = -1 if self.minor < 0 else 1
        amount = abs(self.minor)
        with decimal.localcontext() as ctx:
            ctx.prec = 60
            exact = [Decimal(amount) * w / total for w in weights]
        floors = [int(e) for e in exact]
        leftover = amount - sum(floors)
        order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in order[:leftover]:
            floors[i] += 1
        return [Money(sign * part, self.currency) for part in floors]

    def split(self, parts: int) -> list[Money]:
        """Split into `parts` near-equal amounts that sum exactly (earlier parts get the extra)."""
        if parts <= 0:
            raise MoneyError("parts must be positive", field="parts")
        return self.allocate([1] * parts)
