"""A pre-approval run over Parquet partitions: the plan, the output layout, resume, the manifest.

    OUT/run.json                   what this run decides with (model, strategy, engine, inputs)
    OUT/parts/<name>/*.parquet     the decisions of input partition <name> (one or more files)
    OUT/_done/<name>.json          written last for a partition: its counts and file checksums
    OUT/manifest.json              written at the end: every partition, totals and timings

A partition is finished when its `_done` marker exists: the engine writes its files into a
staging folder, the folder is renamed into `parts/` (atomic on one filesystem) and only then is
the marker written. A crash leaves at most a staging folder behind, which the next run removes;
`--resume` keeps the finished partitions (after checking their files are still there, at the
sizes recorded) and decides the rest with the same model and strategy versions.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from puhui.errors import ConflictError, ValidationError

MANIFEST = "manifest.json"
RUN = "run.json"
PARTS = "parts"
DONE = "_done"
STAGING = "_staging"


@dataclass(frozen=True)
class Partition:
    """One input Parquet file and its rows (from the file's footer)."""

    name: str
    path: str
    rows: int


@dataclass
class PartitionResult:
    """A finished partition: its decision counts and its output files with their checksums."""

    name: str
    rows: int
    approved: int
    referred: int
    declined: int
    total_limit_minor: int
    expected_loss_minor: float
    seconds: float
    files: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan(data: Path) -> list[Partition]:
    """The input partitions: `data` itself, or every *.parquet under it, in name order."""
    if not data.exists():
        raise ValidationError(f"{data} does not exist", field="data")
    if data.is_file():
        files = [data]
        root = data.parent
    else:
        files = sorted(p for p in data.rglob("*.parquet") if p.is_file())
        root = data
    if not files:
        raise ValidationError(f"no .parquet files in {data}", field="data")
    partitions = []
    for path in files:
        if path.suffix.lower() != ".parquet":
            raise ValidationError(f"{path} is not a .parquet file", field="data")
        relative = str(path.relative_to(root).with_suffix("")).replace(os.sep, "__")
        name = re.sub(r"[^A-Za-z0-9._-]", "_", relative)  # a folder name on every engine
        rows = pq.ParquetFile(path).metadata.num_rows
        partitions.append(Partition(name=name, path=str(path.resolve()), rows=rows))
    return partitions


class RunDirectory:
    """The output directory of one run (possibly resumed)."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def part_dir(self, name: str) -> Path:
        return self.out / PARTS / name

    def staging_dir(self, name: str) -> Path:
        return self.out / STAGING / f"{name}-{uuid.uuid4().hex[:8]}"

    def open(self, head: dict[str, Any], *, resume: bool) -> dict[str, PartitionResult]:
        """Start or resume; returns the partitions already finished (empty unless resuming)."""
        run_file = self.out / RUN
        if run_file.exists():
            if not resume:
                raise ConflictError(
                    f"{self.out} already holds a run: pass --resume, or choose another --out",
                    field="out",
                )
            previous = json.loads(run_file.read_text())
            for key in ("model_version", "strategy_version", "reasons"):
                if previous.get(key) != head.get(key):
                    raise ConflictError(
                        f"cannot resume: the run was started with {key} "
                        f"{previous.get(key)!r}, now {head.get(key)!r}",
                        field=key,
                    )
            head = {**head, "run_id": previous["run_id"], "started_at": previous["started_at"]}
        elif self.out.exists() and any(self.out.iterdir()):
            raise ConflictError(f"{self.out} is not empty and holds no run", field="out")
        self.out.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.out / STAGING, ignore_errors=True)  # a crashed run's leftovers
        (self.out / DONE).mkdir(exist_ok=True)
        (self.out / PARTS).mkdir(exist_ok=True)
        _write_json(run_file, head)
        self.head = head
        return self.finished()

    def finished(self) -> dict[str, PartitionResult]:
        """Partitions with a marker whose files are all present at their recorded sizes."""
        done: dict[str, PartitionResult] = {}
        for marker in sorted((self.out / DONE).glob("*.json")):
            result = PartitionResult(**json.loads(marker.read_text()))
            intact = all(
                (self.out / f["path"]).is_file()
                and (self.out / f["path"]).stat().st_size == f["bytes"]
                for f in result.files
            )
            if intact:
                done[result.name] = result
            else:
                marker.unlink()
        return done

    def commit(self, name: str, staging: Path, seconds: float) -> PartitionResult:
        """Move a partition's staged files into place, count them, then write its marker."""
        target = self.part_dir(name)
        if target.exists():
            shutil.rmtree(target)  # an unfinished earlier attempt (it has no marker)
        for extra in staging.iterdir():  # engines' side files: _SUCCESS, .crc
            if extra.suffix != ".parquet":
                extra.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, target)
        result = summarise(name, target, self.out, seconds)
        _write_json(self.out / DONE / f"{name}.json", result.to_dict())
        return result

    def write_manifest(
        self, partitions: Iterable[Partition], results: dict[str, PartitionResult], **extra: Any
    ) -> dict[str, Any]:
        ordered = [results[p.name] for p in partitions]
        customers = sum(r.rows for r in ordered)
        manifest = {
            **self.head,
            "finished_at": _now(),
            **extra,
            "customers": customers,
            "approved": sum(r.approved for r in ordered),
            "referred": sum(r.referred for r in ordered),
            "declined": sum(r.declined for r in ordered),
            "total_limit_minor": sum(r.total_limit_minor for r in ordered),
            "expected_loss_minor": round(sum(r.expected_loss_minor for r in ordered)),
            "partitions": [r.to_dict() for r in ordered],
        }
        _write_json(self.out / MANIFEST, manifest)
        shutil.rmtree(self.out / STAGING, ignore_errors=True)
        return manifest


def summarise(name: str, folder: Path, root: Path, seconds: float) -> PartitionResult:
    """Counts and checksums of a partition's decision files (read back: the same for every
    engine, whatever it wrote)."""
    files = sorted(folder.glob("*.parquet"))
    counts = (
        pl.scan_parquet([str(f) for f in files])
        .select(
            pl.len().alias("rows"),
            (pl.col("decision") == "approve").sum().alias("approved"),
            (pl.col("decision") == "refer").sum().alias("referred"),
            (pl.col("decision") == "decline").sum().alias("declined"),
            pl.col("limit_minor").sum().alias("limit"),
            pl.col("expected_loss_minor").sum().alias("loss"),
        )
        .collect()
        .row(0, named=True)
        if files
        else {"rows": 0, "approved": 0, "referred": 0, "declined": 0, "limit": 0, "loss": 0.0}
    )
    return PartitionResult(
        name=name,
        rows=int(counts["rows"]),
        approved=int(counts["approved"]),
        referred=int(counts["referred"]),
        declined=int(counts["declined"]),
        total_limit_minor=int(counts["limit"] or 0),
        expected_loss_minor=float(counts["loss"] or 0.0),
        seconds=round(seconds, 3),
        files=[
            {"path": str(f.relative_to(root)), "bytes": f.stat().st_size, "sha256": _sha256(f)}
            for f in files
        ],
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, data: Any) -> None:
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(data, indent=2, default=str))
    os.replace(partial, path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_run_head(**fields: Any) -> dict[str, Any]:
    return {"run_id": uuid.uuid4().hex, "started_at": _now(), **fields}


def elapsed(started: float) -> float:
    return time.perf_counter() - started
