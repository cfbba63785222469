"""`puhui population ...`: generate synthetic customers to a Parquet or CSV file."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from puhui.errors import ValidationError
from puhui.output import err_console, print_json, print_table
from puhui.population.generator import PopulationConfig, generate_population, iter_population
from puhui.population.partitions import write_partitions

app = typer.Typer(
    help="Synthetic customers with a known ground truth (合成客群).", no_args_is_help=True
)


@app.command("generate")
def generate(
    n: int = typer.Option(100_000, "--rows", "--n", help="Number of customers."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same rows."),
    bad_rate: float = typer.Option(0.03, "--bad-rate", help="Target portfolio bad rate."),
    out: Path = typer.Option(
        ..., "--out", help="Output file (.parquet or .csv), or a folder with --partitions."
    ),
    contact_experiment: bool = typer.Option(
        False, "--contact-experiment", help="Add a randomised marketing contact experiment."
    ),
    partitions: int | None = typer.Option(
        None,
        "--partitions",
        help="Write OUT as a folder of this many Parquet partitions, streaming (bounded memory).",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Generate N customers with a ground-truth PD and write them to OUT (生成合成客户)."""
    config = PopulationConfig(
        n=n, seed=seed, bad_rate=bad_rate, contact_experiment=contact_experiment
    )
    if partitions is not None:
        summary = _write_partitions(config, out, partitions, not json_output)
    else:
        summary = write_population(config, out, not json_output)
    if json_output:
        print_json(summary)
    else:
        print_table(
            "Population 客群",
            ["field 字段", "value 值"],
            [(key, value) for key, value in summary.items()],
        )


def _progress(show: bool) -> Progress:
    return Progress(
        TextColumn("generating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        disable=not show,
        console=err_console,
    )


def _write_partitions(
    config: PopulationConfig, out: Path, partitions: int, show_progress: bool
) -> dict[str, object]:
    if out.suffix.lower() in (".parquet", ".csv"):
        raise ValidationError("with --partitions, --out is a folder", field="out")
    with _progress(show_progress) as progress:
        task = progress.add_task("generate", total=config.n)
        return write_partitions(config, out, partitions, lambda rows: progress.advance(task, rows))


def write_population(config: PopulationConfig, out: Path, show_progress: bool) -> dict[str, object]:
    """Generate and write; returns the figures people check: rows, bad rate, first-time share."""
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ValidationError("output must end in .parquet or .csv", field="out")
    started = time.perf_counter()
    with _progress(show_progress) as progress:
        task = progress.add_task("generate", total=config.n)
        chunks = list(iter_population(config, lambda rows: progress.advance(task, rows)))
    frame = pl.concat(chunks, rechunk=False) if chunks else generate_population(config)
    generated = time.perf_counter() - started
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        frame.write_parquet(out)
    else:
        frame.write_csv(out)
    rows = frame.height
    return {
        "out": str(out),
        "rows": rows,
        "seed": config.seed,
        "target_bad_rate": config.bad_rate,
        "bad_rate": _share(frame["defaulted"]),
        "first_time_share": _share(~frame["has_credit_history"]),
        "generate_seconds": round(generated, 3),
        "total_seconds": round(time.perf_counter() - started, 3),
    }


def _share(flags: pl.Series) -> float | None:
    if not flags.len():
        return None
    return round(float(flags.cast(pl.Float64).sum()) / flags.len(), 5)
