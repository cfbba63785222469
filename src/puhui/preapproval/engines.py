"""Run the scoring function over Parquet partitions on one machine, on Ray Data or on Spark.

Every engine calls `score_batch` with the same `ScoringBundle`; only the plumbing differs.

- `local`: one process (`workers=1`) or a pool of `workers` processes, one partition per task,
  read and written in chunks of `CHUNK` rows, so memory stays bounded by
  workers × chunk whatever the partition sizes.
- `ray`: Ray Data reads a wave of partitions, `map_batches` scores them on a pool of actors (one
  scorer per actor), and `write_parquet` writes them by partition. `ray.init()` joins the
  cluster named by `--ray-address` or `RAY_ADDRESS`, else starts a local one with `workers` CPUs.
- `spark`: a DataFrame over a wave of partitions, `mapInArrow` scores each Arrow batch, and the
  result is written partitioned by input partition. The session is `--spark-master` (default
  `local[workers]`), or the active one when launched by `spark-submit`.

Ray and Spark work in waves of a few partitions per job, so a crash loses at most one wave; the
finished partitions of earlier waves are kept for `--resume`. On a real cluster every node must
see the input and output paths (a shared filesystem mount).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from puhui.errors import ValidationError
from puhui.preapproval.partitions import (
    Partition,
    PartitionResult,
    RunDirectory,
    new_run_head,
)
from puhui.preapproval.scoring import DECISIONS, ScoringBundle, score_batch, scorer_for

ENGINES = ("local", "ray", "spark")
CHUNK = 262_144
PARTITION_COLUMN = "_partition"

#: rows -> None: how a run reports progress (a rich bar locally; Ray and Spark show their own).
Progress = Callable[[int], None]
Done = Callable[[PartitionResult], None]


def run(
    bundle: ScoringBundle,
    partitions: Sequence[Partition],
    out: Path,
    *,
    engine: str = "local",
    workers: int = 1,
    resume: bool = False,
    progress: Progress | None = None,
    ray_address: str | None = None,
    spark_master: str | None = None,
    chunk: int = CHUNK,
) -> dict[str, Any]:
    """Decide every partition not yet finished; returns the manifest (also written to OUT)."""
    if engine not in ENGINES:
        raise ValidationError(f"engine must be one of {', '.join(ENGINES)}", field="engine")
    if workers < 1:
        raise ValidationError("workers must be >= 1", field="workers")
    if chunk < 1:
        raise ValidationError("chunk must be >= 1", field="chunk")
    started = time.perf_counter()
    scorer = scorer_for(bundle)  # fail fast (and build the compiled trees once) before workers
    directory = RunDirectory(out)
    finished = directory.open(
        new_run_head(
            engine=engine,
            workers=workers,
            model_version=bundle.model_version,
            strategy_version=bundle.strategy_version,
            reasons=bundle.reasons,
            scoring=scorer.describe(),
            inputs=[{"name": p.name, "path": p.path, "rows": p.rows} for p in partitions],
        ),
        resume=resume,
    )
    pending = [p for p in partitions if p.name not in finished]
    skipped = len(partitions) - len(pending)
    if progress is not None and skipped:
        progress(sum(p.rows for p in partitions if p.name in finished))

    def done(result: PartitionResult) -> None:
        finished[result.name] = result

    if pending:
        if engine == "local":
            _run_local(bundle, pending, directory, workers, chunk, progress, done)
        elif engine == "ray":
            _run_ray(bundle, pending, directory, workers, chunk, ray_address, progress, done)
        else:
            _run_spark(bundle, pending, directory, workers, chunk, spark_master, progress, done)
    seconds = time.perf_counter() - started
    decided = sum(finished[p.name].rows for p in pending)
    return directory.write_manifest(
        partitions,
        finished,
        resumed_partitions=skipped,
        decided_this_run=decided,
        seconds=round(seconds, 3),
        customers_per_second=round(decided / seconds) if seconds else 0,
    )


# -- local -----------------------------------------------------------------------------------
def decide_partition(
    bundle: ScoringBundle,
    source: str,
    staging: str,
    chunk: int = CHUNK,
    progress: Any = None,
) -> float:
    """Score one Parquet file chunk by chunk into `staging/part-00000.parquet`; returns seconds.

    `progress` is a callable or a queue (`put(rows)`) when called in another process."""
    started = time.perf_counter()
    scorer = scorer_for(bundle)
    Path(staging).mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(str(Path(staging) / "part-00000.parquet"), DECISIONS) as writer:
        for batch in pq.ParquetFile(source).iter_batches(batch_size=chunk):
            writer.write_table(score_batch(scorer, batch))
            if progress is not None:
                (progress.put if hasattr(progress, "put") else progress)(batch.num_rows)
    return time.perf_counter() - started


def _run_local(
    bundle: ScoringBundle,
    pending: Sequence[Partition],
    directory: RunDirectory,
    workers: int,
    chunk: int,
    progress: Progress | None,
    done: Done,
) -> None:
    if workers == 1:
        for p in pending:
            staging = directory.staging_dir(p.name)
            seconds = decide_partition(bundle, p.path, str(staging), chunk, progress)
            done(directory.commit(p.name, staging, seconds))
        return
    import multiprocessing
    import queue as queues
    import threading

    context = multiprocessing.get_context("spawn")  # forking a threaded process can deadlock
    with context.Manager() as manager, ProcessPoolExecutor(workers, mp_context=context) as pool:
        rows: Any = manager.Queue()
        stop = threading.Event()

        def drain() -> None:
            while not stop.is_set() or not rows.empty():
                try:
                    n = rows.get(timeout=0.2)
                except queues.Empty:
                    continue
                if progress is not None:
                    progress(n)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        staged = {p.name: directory.staging_dir(p.name) for p in pending}
        futures = {
            pool.submit(decide_partition, bundle, p.path, str(staged[p.name]), chunk, rows): p
            for p in pending
        }
        try:
            for future in as_completed(futures):
                p = futures[future]
                done(directory.commit(p.name, staged[p.name], future.result()))
        finally:
            stop.set()
            reader.join()


# -- waves for Ray and Spark -----------------------------------------------------------------
def _waves(pending: Sequence[Partition], workers: int) -> Iterator[list[Partition]]:
    """Groups of partitions per engine job: enough to keep every worker busy, few enough that
    a crash loses little."""
    size = max(2 * workers, 1)
    for start in range(0, len(pending), size):
        yield list(pending[start : start + size])


def _commit_wave(
    directory: RunDirectory,
    wave: Sequence[Partition],
    staging: Path,
    seconds: float,
    progress: Progress | None,
    done: Done,
) -> None:
    """Each partition's folder of a partitioned write becomes its part (empty if no rows)."""
    for p in wave:
        folder = staging / f"{PARTITION_COLUMN}={p.name}"
        if not folder.exists():
            folder.mkdir(parents=True)
            pq.write_table(DECISIONS.empty_table(), str(folder / "part-00000.parquet"))
        done(directory.commit(p.name, folder, seconds * p.rows / max(1, _rows(wave))))
        if progress is not None:
            progress(p.rows)
    shutil.rmtree(staging, ignore_errors=True)


def _rows(wave: Sequence[Partition]) -> int:
    return sum(p.rows for p in wave)


def _with_partition(table: pa.Table, names: pa.Array) -> pa.Table:
    return table.append_column(PARTITION_COLUMN, names)


# -- Ray Data --------------------------------------------------------------------------------
def ray_score(batch: pa.Table, bundle: ScoringBundle, names: dict[str, str]) -> pa.Table:
    """A Ray Data task: score a batch (one scorer per worker process), carrying the partition
    name. A plain function, not an actor pool: Ray fuses read, score and write into one task,
    and no actor holds a CPU the readers wait for."""
    import pyarrow.compute as pc

    index = pc.index_in(batch.column("path"), pa.array(list(names)))  # path -> partition
    partition = pc.take(pa.array(list(names.values())), index)
    return _with_partition(score_batch(bundle, batch.drop_columns(["path"])), partition)


def _run_ray(
    bundle: ScoringBundle,
    pending: Sequence[Partition],
    directory: RunDirectory,
    workers: int,
    chunk: int,
    address: str | None,
    progress: Progress | None,
    done: Done,
) -> None:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no calls home
    import ray

    address = address or os.environ.get("RAY_ADDRESS")
    started_here = not ray.is_initialized()
    if started_here:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        for wave in _waves(pending, workers):
            started = time.perf_counter()
            staging = directory.staging_dir("ray-wave")
            names = {p.path: p.name for p in wave}  # Ray's `path` column: as given
            dataset = ray.data.read_parquet([p.path for p in wave], include_paths=True)
            scored = dataset.map_batches(
                ray_score,  # type: ignore[arg-type]  # fn_kwargs supply the bundle and names
                fn_kwargs={"bundle": bundle, "names": names},
                batch_format="pyarrow",
                batch_size=chunk,
            )
            scored.write_parquet(str(staging), partition_cols=[PARTITION_COLUMN])
            _commit_wave(directory, wave, staging, time.perf_counter() - started, progress, done)
    finally:
        if started_here:
            ray.shutdown()


# -- Spark -----------------------------------------------------------------------------------
def spark_schema() -> str:
    """`DECISIONS` (plus the partition column) as a Spark DDL string."""
    types = {
        pa.string(): "string",
        pa.float64(): "double",
        pa.int64(): "bigint",
        pa.list_(pa.string()): "array<string>",
    }
    columns = [f"{f.name} {types[f.type]}" for f in DECISIONS]
    return ", ".join([*columns, f"{PARTITION_COLUMN} string"])


def _spark_scorer(
    bundle: ScoringBundle, names: dict[str, str]
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The `mapInArrow` function: score each Arrow batch, carrying the partition name."""

    def score(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow.compute as pc

        scorer = scorer_for(bundle)
        keys = pa.array(list(names))
        values = pa.array(list(names.values()))
        for batch in batches:
            table = pa.Table.from_batches([batch])
            index = pc.index_in(table.column("_path"), keys)
            scored = score_batch(scorer, table.drop_columns(["_path"]))
            yield from _with_partition(scored, pc.take(values, index)).to_batches()

    return score


def _run_spark(
    bundle: ScoringBundle,
    pending: Sequence[Partition],
    directory: RunDirectory,
    workers: int,
    chunk: int,
    master: str | None,
    progress: Progress | None,
    done: Done,
) -> None:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers run this interpreter
    # mapInArrow never goes through pandas; PySpark warns about pandas 3 all the same.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    active = SparkSession.getActiveSession()
    spark = active or (
        SparkSession.builder.master(master or f"local[{workers}]")
        .appName("puhui-preapprove")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(chunk))
        .config("spark.sql.files.maxPartitionBytes", str(64 << 20))
        .getOrCreate()
    )
    try:
        schema = spark_schema()
        for wave in _waves(pending, workers):
            started = time.perf_counter()
            staging = directory.staging_dir("spark-wave")
            names = {Path(p.path).as_uri(): p.name for p in wave}

            score = _spark_scorer(bundle, names)
            frame = spark.read.parquet(*[p.path for p in wave])
            frame = frame.withColumn("_path", F.input_file_name())
            scored = frame.mapInArrow(score, schema)
            scored.write.mode("overwrite").partitionBy(PARTITION_COLUMN).parquet(str(staging))
            _commit_wave(directory, wave, staging, time.perf_counter() - started, progress, done)
    finally:
        if active is None:
            spark.stop()
