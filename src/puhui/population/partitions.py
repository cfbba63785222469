"""Write a population as Parquet partitions, streaming: never more than one chunk in memory.

`write_partitions(config, folder, partitions)` writes `part-00000.parquet` … with the rows of
`generate_population(config)` split into `partitions` nearly equal, consecutive ranges (the
same rows, in the same order: a row depends only on the seed and its position). Each chunk
of `config.chunk_size` rows is drawn, written and dropped, so 100 million rows need the memory
of one chunk, not of the population.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from puhui.errors import ValidationError
from puhui.population.generator import PopulationConfig, iter_population


def partition_bounds(rows: int, partitions: int) -> list[tuple[int, int]]:
    """[start, end) of each partition: sizes differ by at most one row."""
    if partitions < 1:
        raise ValidationError("partitions must be >= 1", field="partitions")
    if partitions > max(rows, 1):
        raise ValidationError("more partitions than rows", field="partitions")
    return [(rows * p // partitions, rows * (p + 1) // partitions) for p in range(partitions)]


def write_partitions(
    config: PopulationConfig,
    folder: Path,
    partitions: int,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Generate and write; returns rows, partitions, bad rate, first-time share and seconds."""
    bounds = partition_bounds(config.n, partitions)
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.glob("part-*.parquet")):
        raise ValidationError(f"{folder} already holds partitions", field="out")
    started = time.perf_counter()
    defaulted = first_time = 0
    writer: pq.ParquetWriter | None = None
    current = -1
    position = 0
    try:
        for chunk in iter_population(config, progress):
            defaulted += int(chunk["defaulted"].sum())
            first_time += int((~chunk["has_credit_history"]).sum())
            offset = 0
            while offset < chunk.height:
                index = next(i for i, (_, end) in enumerate(bounds) if position < end)
                if index != current:
                    if writer is not None:
                        writer.close()
                    table = chunk.slice(0, 0).to_arrow()
                    writer = pq.ParquetWriter(
                        str(folder / f"part-{index:05d}.parquet"), table.schema
                    )
                    current = index
                take = min(chunk.height - offset, bounds[index][1] - position)
                assert writer is not None
                writer.write_table(chunk.slice(offset, take).to_arrow())
                offset += take
                position += take
    finally:
        if writer is not None:
            writer.close()
    rows = config.n
    return {
        "out": str(folder),
        "rows": rows,
        "partitions": partitions,
        "seed": config.seed,
        "target_bad_rate": config.bad_rate,
        "bad_rate": round(defaulted / rows, 5) if rows else None,
        "first_time_share": round(first_time / rows, 5) if rows else None,
        "total_seconds": round(time.perf_counter() - started, 3),
    }
