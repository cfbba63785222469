"""Streaming partitions hold exactly the rows of the whole population, in order."""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.population import PopulationConfig, generate_population
from puhui.population.partitions import partition_bounds, write_partitions


def test_partitions_concatenate_to_the_population(tmp_path: Path) -> None:
    # chunks of 7,000 rows cross partition edges (10,001 rows in 3 partitions)
    config = PopulationConfig(n=10_001, seed=3, chunk_size=7_000)
    seen: list[int] = []
    summary = write_partitions(config, tmp_path / "pop", 3, seen.append)
    files = sorted((tmp_path / "pop").glob("part-*.parquet"))
    assert [f.name for f in files] == [f"part-0000{i}.parquet" for i in range(3)]
    parts = [pl.read_parquet(f) for f in files]
    assert [p.height for p in parts] == [3_333, 3_334, 3_334]
    whole = generate_population(PopulationConfig(n=10_001, seed=3))
    assert pl.concat(parts).equals(whole)
    assert sum(seen) == summary["rows"] == 10_001
    assert summary["bad_rate"] == pytest.approx(float(whole["defaulted"].mean()), abs=1e-5)
    with pytest.raises(ValidationError) as again:
        write_partitions(config, tmp_path / "pop", 3)
    assert again.value.field == "out"


@given(rows=st.integers(1, 10**9), partitions=st.integers(1, 5_000))
def test_bounds_cover_every_row_once(rows: int, partitions: int) -> None:
    if partitions > rows:
        with pytest.raises(ValidationError):
            partition_bounds(rows, partitions)
        return
    bounds = partition_bounds(rows, partitions)
    assert bounds[0][0] == 0 and bounds[-1][1] == rows
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    sizes = {end - start for start, end in bounds}
    assert max(sizes) - min(sizes) <= 1
