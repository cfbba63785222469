"""Read and write the tables commands take and produce: Parquet or CSV, chosen by suffix."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from puhui.errors import NotFoundError, ValidationError

SUFFIXES = (".parquet", ".csv")


def check_suffix(path: Path, field: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError(f"{path.name}: file must end in .parquet or .csv", field=field)
    return suffix


def read_table(path: Path, field: str = "data") -> pl.DataFrame:
    """A whole table; CSV types are inferred from up to 10,000 rows, empty or NA cells are null."""
    suffix = check_suffix(path, field)
    if not path.is_file():
        raise NotFoundError(f"no file {path}", field=field)
    if suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, infer_schema_length=10_000, null_values=["", "NA"])


def write_table(frame: pl.DataFrame, path: Path, field: str = "out") -> None:
    suffix = check_suffix(path, field)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)
