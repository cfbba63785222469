"""One decision's scoring path (plain look-ups) equals the batch path (numpy), bit for bit.

A customer decided alone and the same customer in a pre-approval batch must get the same WOE,
contributions and reason directions, and a logged single decision must replay exactly.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.risk.binning import FeatureBins, WoeBinning
from puhui.risk.reasons import top_positive
from puhui.risk.scorecard import ScorecardModel
from puhui.risk.spec import FeatureSpec

SPEC = FeatureSpec.from_dict(
    {
        "features": [
            {"name": "age", "kind": "numeric", "dtype": "Float64"},
            {"name": "income", "kind": "numeric", "dtype": "Float64"},
            {"name": "city", "kind": "categorical", "dtype": "String", "categories": ["a", "b"]},
        ]
    }
)


@st.composite
def binnings(draw: st.DrawFn) -> WoeBinning:
    def woe(n: int) -> tuple[float, ...]:
        return tuple(draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n)))

    def counts(n: int) -> tuple[int, ...]:
        return tuple(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)))

    numeric = []
    for name in ("age", "income"):
        splits = tuple(sorted(set(draw(st.lists(st.floats(0, 120), max_size=6)))))
        n = len(splits) + 1
        numeric.append(
            FeatureBins(name, "numeric", splits, (), woe(n), (0.1,) * n, counts(n), 0.3, 1, 0.1)
        )
    groups = ((0, 2), (1,), (3,))
    city = FeatureBins("city", "categorical", (), groups, woe(3), (0.1,) * 3, counts(3), -0.2, 0, 0)
    return WoeBinning((*numeric, city))


values = st.one_of(st.floats(-10, 130), st.just(math.nan), st.sampled_from([0.0, 30.0, 120.0]))
codes = st.one_of(st.integers(-1, 6).map(float), st.just(math.nan))


@settings(max_examples=200, deadline=None)
@given(
    st.data(),
    st.lists(st.tuples(values, values, codes), min_size=2, max_size=12),
    st.lists(st.floats(-2, 2), min_size=3, max_size=3),
)
def test_one_row_equals_its_row_in_a_batch(
    data: st.DataObject, rows: list[tuple[float, float, float]], coef: list[float]
) -> None:
    binning = data.draw(binnings())
    card = ScorecardModel(binning, tuple(coef), 0.25)
    batch = np.asarray(rows, dtype=np.float64)
    woe = binning.transform(batch)
    directions = card.directions(SPEC, batch)
    contributions = card.contributions(batch)
    margins = card.margin(batch)
    for i in range(batch.shape[0]):
        one = batch[i : i + 1]
        assert binning.transform(one).tobytes() == woe[i : i + 1].tobytes()
        assert card.directions(SPEC, one).tobytes() == directions[i : i + 1].tobytes()
        assert card.contributions(one).tobytes() == contributions[i : i + 1].tobytes()
        assert card.margin(one).tobytes() == margins[i : i + 1].tobytes()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from([0.0, 1e-10, 0.5, 2.0, -1.0]) | st.floats(-5, 5), min_size=5, max_size=5
        ),
        min_size=2,
        max_size=8,
    ),
    st.integers(0, 6),
)
def test_reason_ranking_of_one_row_equals_the_batch(rows: list[list[float]], top: int) -> None:
    """Ties keep feature order (a stable sort) on both paths; only contributions > 1e-9 count."""
    batch = np.asarray(rows, dtype=np.float64)
    index, size = top_positive(batch, top)
    for i in range(batch.shape[0]):
        one_index, one_size = top_positive(batch[i : i + 1], top)
        assert one_index.dtype == index.dtype and one_size.dtype == size.dtype
        assert one_index.tolist() == index[i : i + 1].tolist()
        assert one_size.tobytes() == size[i : i + 1].tobytes()
