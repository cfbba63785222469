"""Points scaling and reason texts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.risk import PointsScale
from puhui.risk.reasons import reason_text, top_positive


@settings(max_examples=200)
@given(
    odds=st.floats(0.01, 1e5),
    base_points=st.floats(300, 900),
    base_odds=st.floats(1, 200),
    pdo=st.floats(5, 80),
)
def test_doubling_the_odds_adds_pdo_points(
    odds: float, base_points: float, base_odds: float, pdo: float
) -> None:
    scale = PointsScale(base_points=base_points, base_odds=base_odds, pdo=pdo)
    pd_at = np.array([1 / (1 + odds), 1 / (1 + 2 * odds)])  # good:bad odds x and 2x
    low, high = scale.points(pd_at)
    assert abs((high - low) - pdo) <= 1  # points are rounded to integers


def test_base_points_at_base_odds_and_monotone() -> None:
    scale = PointsScale()  # 600 at 50:1, PDO 20
    assert scale.points(np.array([1 / 51]))[0] == 600
    assert scale.points(np.array([1 / 26]))[0] == 580
    pds = np.linspace(0.001, 0.999, 500)
    assert np.all(np.diff(scale.points(pds)) <= 0)
    assert scale.factor == pytest.approx(20 / math.log(2))


def test_bad_scale_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        PointsScale(pdo=0)
    assert error.value.field == "pdo"


def test_reason_texts() -> None:
    assert reason_text("inquiries_30d", "high", 6.0) == (
        "近30天多头查询次数偏高",
        "Credit inquiries at other lenders in 30 days is high",
    )
    assert reason_text("blacklisted", "high", 1.0)[1] == "On a fraud or court-enforcement blacklist"
    assert reason_text("purpose", "value", "car (new)") == (
        "purpose为「car (new)」",
        "Purpose is 'car (new)'",
    )
    assert reason_text("some_field", "missing", None) == ("some_field缺失", "Some field is missing")


def test_top_positive_keeps_only_risk_raising_features_largest_first() -> None:
    contributions = np.array([[0.1, -0.5, 0.7, 0.0, 0.3], [-1.0, -2.0, 0.0, -0.1, -0.3]])
    index, size = top_positive(contributions, 4)
    assert index.tolist() == [[2, 4, 0, -1], [-1, -1, -1, -1]]
    assert size[0].tolist() == [0.7, 0.3, 0.1, 0.0]
