"""Fixed-point units shared by pricing and limits, so scalar and batch paths agree to the unit.

Rates, probabilities and ratios are carried as integers: rates and PDs in parts per billion
(`Rate.per_unit(PPB)`), so 3% is 30_000_000. Integer arithmetic is exact and identical in
Python and in NumPy int64, which is what lets the one-customer functions and the vectorised
ones return the very same numbers. Every division floors (`//`), in both paths, on
non-negative operands.

Floats arrive only from models (a PD) and from customer data (income in yuan); they are turned
into units once, by the same IEEE operations in both paths (`round(x * scale)` in Python equals
`numpy.rint(x * scale)`: the product is the same double, and both round half to even).
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from puhui.errors import ValidationError
from puhui.rate import PPB

#: Rates and PDs are integers of 1e-9 (parts per billion, `puhui.rate.PPB`).
RATE_SCALE = PPB
#: Ratios (debt-service ratio, limit multipliers) are integers of 1e-6.
RATIO_SCALE = 10**6

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def decimal_to_units(value: Decimal | int, scale: int, field: str) -> int:
    """An exact Decimal as integer units of 1/scale; refuses values finer than one unit."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(f"{field} must be a Decimal, not {type(value).__name__}", field=field)
    scaled = Decimal(value) * scale
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise ValidationError(
            f"{field} {value} is not a whole number of 1/{scale} units", field=field
        )
    return int(scaled)


def units_to_decimal(units: int, scale: int) -> Decimal:
    """Integer units back to an exact Decimal (30_000_000 nano -> Decimal('0.03'))."""
    return Decimal(int(units)) / Decimal(scale)


def probability_units(value: float | Decimal, field: str = "pd") -> int:
    """A probability in [0, 1] as nano-units; floats round half-even like `numpy.rint`."""
    if isinstance(value, Decimal):
        if not value.is_finite() or not 0 <= value <= 1:
            raise ValidationError(f"{field} must be between 0 and 1, got {value}", field=field)
        return int((value * RATE_SCALE).to_integral_value())  # default context: half-even
    if isinstance(value, bool) or not isinstance(value, float | int):
        raise ValidationError(f"{field} must be a number, not {type(value).__name__}", field=field)
    number = float(value)
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise ValidationError(f"{field} must be between 0 and 1, got {value}", field=field)
    return round(number * RATE_SCALE)


def probability_units_batch(values: npt.ArrayLike, field: str = "pd") -> IntArray:
    """Vectorised `probability_units` for float arrays; the same numbers, element by element."""
    array = np.asarray(values, dtype=np.float64)
    if array.size and not (np.isfinite(array).all() and array.min() >= 0.0 and array.max() <= 1.0):
        raise ValidationError(f"every {field} must be a finite number in [0, 1]", field=field)
    return np.rint(array * RATE_SCALE).astype(np.int64)


def yuan_to_minor(value: float | int | Decimal | None, digits: int = 2) -> int:
    """A major-unit amount from customer data in minor units; missing or NaN counts as 0."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return int((value.scaleb(digits)).to_integral_value())
    number = float(value)
    if math.isnan(number):
        return 0
    if not math.isfinite(number):
        raise ValidationError(f"amount must be finite, got {value}", field="amount")
    return round(number * int(10**digits))


def yuan_to_minor_batch(values: npt.ArrayLike, digits: int = 2) -> IntArray:
    """Vectorised `yuan_to_minor` (NaN counts as 0), identical element by element."""
    array = np.asarray(values, dtype=np.float64)
    if np.isinf(array).any():
        raise ValidationError("amounts must be finite", field="amount")
    scaled = np.rint(np.nan_to_num(array, nan=0.0) * int(10**digits))
    return scaled.astype(np.int64)


def dense_index(keys: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    """The distinct values of integer `keys` (sorted) and each key's position among them.

    Batch paths compute something once per distinct value (an annuity factor per APR, a code
    list per rule mask) and gather. When the keys sit on a coarse grid in a narrow range -- APRs
    quantised to basis points, masks of a few rules -- a lookup table does this in O(n); other
    keys fall back to a sort (`numpy.unique`), several times slower on a million rows.
    """
    array = np.asarray(keys, dtype=np.int64)
    if array.size == 0:
        return array[:0], np.zeros(0, dtype=np.int64)
    low = int(array.min())
    shifted = array - low
    step = int(np.gcd.reduce(shifted)) or 1
    top = int(shifted.max()) // step + 1
    if top > 1 << 22:
        distinct, inverse = np.unique(array, return_inverse=True)
        return distinct, inverse.reshape(-1).astype(np.int64)
    index = shifted // step if step > 1 else shifted
    present = np.zeros(top, dtype=bool)
    present[index] = True
    seen = np.flatnonzero(present)
    position = np.zeros(top, dtype=np.int64)
    position[seen] = np.arange(seen.size)
    return (seen * step + low).astype(np.int64), position[index]
