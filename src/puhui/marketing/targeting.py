"""Whom to call under a contact budget: by expected incremental profit, or by response alone.

Expected incremental profit of calling a customer = uplift x value - the cost of a call
(uplift from the uplift model, value from the simulator, the call from the cost model). The
uplift list takes the budget's best customers whose expected incremental profit is positive
(a sleeping dog is worth *not* calling); the response list takes the customers most likely to
take up when called, which spends calls on people who would draw anyway. With the population's
ground truth both lists are scored on the true incremental take-up and profit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from puhui.errors import ValidationError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Targeting:
    """Two lists of the same budget, and how each does."""

    by_uplift: IntArray
    by_response: IntArray
    scores: dict[str, Any]


def top(
    score: FloatArray, eligible: npt.NDArray[np.bool_], budget: int, positive: bool
) -> IntArray:
    """The `budget` eligible rows of highest score (only positive scores if `positive`)."""
    if budget < 0:
        raise ValidationError("budget must be >= 0", field="budget")
    keep = eligible & (score > 0) if positive else eligible
    rows = np.flatnonzero(keep)
    order = rows[np.argsort(-score[rows], kind="stable")]
    chosen: IntArray = order[:budget]
    return chosen


def target(
    uplift: FloatArray,
    response: FloatArray,
    value_minor: FloatArray,
    eligible: npt.NDArray[np.bool_],
    budget: int,
    call_cost_minor: int,
) -> tuple[IntArray, IntArray, FloatArray]:
    """(uplift list, response list, expected incremental profit per customer)."""
    expected = uplift * value_minor - call_cost_minor
    return (
        top(expected, eligible, budget, positive=True),
        top(response, eligible, budget, positive=False),
        expected,
    )


def evaluate(
    rows: IntArray,
    true_uplift: FloatArray | None,
    uplift: FloatArray,
    value_minor: FloatArray,
    call_cost_minor: int,
) -> dict[str, Any]:
    """A list's size, its expected incremental take-up and profit, and the true ones if known."""
    out: dict[str, Any] = {
        "contacts": int(rows.size),
        "expected_incremental_takeup": round(float(uplift[rows].sum()), 2),
        "expected_incremental_profit_minor": round(
            float((uplift[rows] * value_minor[rows]).sum() - call_cost_minor * rows.size)
        ),
    }
    if true_uplift is not None:
        out["true_incremental_takeup"] = round(float(true_uplift[rows].sum()), 2)
        out["true_incremental_profit_minor"] = round(
            float((true_uplift[rows] * value_minor[rows]).sum() - call_cost_minor * rows.size)
        )
    return out
