"""Loading a pre-approval run into the lending book, and the daily refresh of granted lines.

`load_run` grants the approved lines of a finished run (`puhui preapprove --out DIR`) in bulk
— COPY on PostgreSQL, batched inserts on SQLite — each decision with its audit row, one
transaction per partition. It is idempotent by run id: a partition's load is recorded in
`preapproval_loads` in the same transaction, and every audit row's application id is
`preapproval-<run id>-<customer>` (unique), so loading a run twice never grants twice. A
customer who already holds an open line of the product keeps it (the refresh re-decides it).

`refresh_lines` re-decides customers who hold an open line, with the champion, and applies the
refresh rules, each change with its audit row:

- approve: the line is active at the newly decided limit (raised, lowered or unchanged; a
  frozen line is unfrozen);
- refer: the line is left as it is (a person reviews it);
- decline: the line is frozen at its limit (no new drawdowns; loans run on).

A refresh is idempotent by its id (by default the business date).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from puhui.db import Database
from puhui.errors import ValidationError
from puhui.governance import audit
from puhui.governance.registry import (
    create_registry_tables,
    load_strategy_version,
    materialise_model,
)
from puhui.population.generator import NON_FEATURES
from puhui.preapproval.partitions import MANIFEST, plan
from puhui.preapproval.scoring import ScoringBundle, score_batch
from puhui.rate import PPB, Rate
from puhui.risk.model import RiskModel, load_model
from puhui.risk.strategy import Strategy
from puhui.services.decisions import batch_entry, line_id_for
from puhui.servicing import catalog, lines
from puhui.servicing.lines import LineChange, LineGrant, LineStatus
from puhui.servicing.service import LendingService

PRODUCT_ID = "puhui-revolving-micro"
CHUNK = 20_000
#: Population columns a decision never sees (ground truth and behaviour of the synthetic data).
HIDDEN = tuple(c for c in NON_FEATURES if c != "customer_id")

DDL = """
CREATE TABLE IF NOT EXISTS preapproval_loads (
    run_id TEXT NOT NULL,
    partition_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    decisions BIGINT NOT NULL,
    changes BIGINT NOT NULL,
    loaded_at TEXT NOT NULL,
    PRIMARY KEY (run_id, partition_name)
)
"""
LOADS_LOCK_KEY = 7345301

Advance = Callable[[int], None]


def _tables(db: Database) -> None:
    audit.create_audit_tables(db)
    create_registry_tables(db)
    db.create_tables(DDL, LOADS_LOCK_KEY)


def _loaded(db: Database, run_id: str) -> set[str]:
    rows = db.all("SELECT partition_name FROM preapproval_loads WHERE run_id = ?", (run_id,))
    return {str(r[0]) for r in rows}


def _mark(db: Database, run_id: str, name: str, kind: str, decisions: int, changes: int) -> None:
    db.execute(
        "INSERT INTO preapproval_loads (run_id, partition_name, kind, decisions, changes,"
        " loaded_at) VALUES (?, ?, ?, ?, ?, ?)",
        (run_id, name, kind, decisions, changes, datetime.now(UTC).isoformat()),
    )


def _features(frame: pl.DataFrame) -> pl.DataFrame:
    """The customer's own fields as the audit snapshots them (ids as text, no hidden truth)."""
    frame = frame.drop([c for c in HIDDEN if c in frame.columns])
    return frame.with_columns(pl.col("customer_id").cast(pl.String))


def _model(db: Database, version: str, cache: Path) -> RiskModel:
    return load_model(materialise_model(db, version, cache))


def load_run(
    lending: LendingService,
    out: Path,
    *,
    model_cache: Path,
    product_id: str = PRODUCT_ID,
    valid_days: int = 365,
    advance: Advance | None = None,
) -> dict[str, Any]:
    """Grant a finished run's approvals and log its decisions; returns what was loaded."""
    manifest_path = out / MANIFEST
    if not manifest_path.is_file():
        raise ValidationError(f"{out} holds no finished run (no {MANIFEST})", field="run")
    manifest = json.loads(manifest_path.read_text())
    db = lending.db
    _tables(db)
    run_id = str(manifest["run_id"])
    strategy = load_strategy_version(db, manifest["strategy_version"])
    model = _model(db, manifest["model_version"], model_cache)
    product = lending.product(product_id)
    inputs = {i["name"]: i["path"] for i in manifest["inputs"]}
    with db.read():
        done = _loaded(db, run_id)
        expires = catalog.business_date(db) + timedelta(days=valid_days)
    when = datetime.now(UTC)
    granted = logged = skipped_partitions = 0
    for part in manifest["partitions"]:
        name = part["name"]
        if name in done:
            skipped_partitions += 1
            if advance is not None:
                advance(part["rows"])
            continue
        decisions = pl.read_parquet([str(out / f["path"]) for f in part["files"]])
        features = _features(pl.read_parquet(inputs[name]))
        joined = decisions.join(features, on="customer_id", how="left", suffix="_input")
        feature_names = [c for c in features.columns]
        lines_in_partition = 0
        with db.tx():
            for start in range(0, joined.height, CHUNK):
                chunk = joined.slice(start, CHUNK)
                holders = lines.lines_by_customer(db, chunk["customer_id"].to_list(), product_id)
                grants, entries = [], []
                for row, snapshot in zip(
                    chunk.iter_rows(named=True),
                    chunk.select(feature_names).iter_rows(named=True),
                    strict=True,
                ):
                    decision_id = audit.new_decision_id()
                    line_id = None
                    customer = row["customer_id"]
                    if row["decision"] == "approve" and row["rate_ppb"] is not None:
                        if customer in holders:
                            line_id = holders[customer][0]  # keeps the line it has
                        else:
                            line_id = line_id_for(decision_id)
                            rate = Rate.from_units(row["rate_ppb"], PPB)
                            grants.append(
                                LineGrant(line_id, customer, row["limit_minor"], rate, expires)
                            )
                    entries.append(
                        batch_entry(
                            row,
                            snapshot,
                            decision_id,
                            when,
                            strategy,
                            model,
                            line_id,
                            application_id=f"preapproval-{run_id}-{customer}",
                        )
                    )
                lines_in_partition += lines.grant_lines(db, grants, product)
                audit.record_many(db, entries)
                if advance is not None:
                    advance(chunk.height)
            _mark(db, run_id, name, "load", joined.height, lines_in_partition)
        granted += lines_in_partition
        logged += joined.height
    return {
        "run_id": run_id,
        "partitions": len(manifest["partitions"]),
        "already_loaded_partitions": skipped_partitions,
        "decisions_logged": logged,
        "lines_granted": granted,
        "strategy_version": strategy.version_id,
        "model_version": model.version,
    }


def _batches(path: str) -> Iterator[pl.DataFrame]:
    for batch in pq.ParquetFile(path).iter_batches(batch_size=CHUNK):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        yield frame


def refresh_lines(
    lending: LendingService,
    data: Path,
    model: RiskModel,
    strategy: Strategy,
    *,
    refresh_id: str | None = None,
    product_id: str = PRODUCT_ID,
    advance: Advance | None = None,
) -> dict[str, Any]:
    """Re-decide the line holders among the customers in `data` and raise, lower, freeze or
    unfreeze their lines by the refresh rules; each re-decision is audited with its line."""
    db = lending.db
    _tables(db)
    with db.read():
        day = catalog.business_date(db)
    refresh_id = refresh_id or day.isoformat()
    run_id = f"refresh-{refresh_id}"
    scorer = ScoringBundle.of(model, strategy).load()
    with db.read():
        done = _loaded(db, run_id)
    when = datetime.now(UTC)
    counts = {"raised": 0, "lowered": 0, "unchanged": 0, "frozen": 0, "unfrozen": 0}
    decided = 0
    for part in plan(data):
        in_partition = 0
        if part.name in done:
            if advance is not None:
                advance(part.rows)
            continue
        changed = 0
        with db.tx():
            for frame in _batches(part.path):
                features = _features(frame)
                holders = lines.lines_by_customer(db, features["customer_id"].to_list(), product_id)
                if holders:
                    held = features.filter(pl.col("customer_id").is_in(list(holders)))
                    result = pl.from_arrow(score_batch(scorer, held))
                    assert isinstance(result, pl.DataFrame)
                    changes, entries = [], []
                    for row, snapshot in zip(
                        result.iter_rows(named=True), held.iter_rows(named=True), strict=True
                    ):
                        line_id, limit_minor, status = holders[row["customer_id"]]
                        change = _rule(row, limit_minor, status)
                        counts[change[0]] += 1
                        if change[1] is not None:
                            changes.append(LineChange(line_id, *change[1]))
                        entries.append(
                            batch_entry(
                                row,
                                snapshot,
                                audit.new_decision_id(),
                                when,
                                strategy,
                                scorer.model,
                                line_id,
                                application_id=f"{run_id}-{row['customer_id']}",
                            )
                        )
                    changed += lines.change_lines(db, changes)
                    audit.record_many(db, entries)
                    in_partition += len(entries)
                if advance is not None:
                    advance(frame.height)
            _mark(db, run_id, part.name, "refresh", in_partition, changed)
        decided += in_partition
    return {
        "refresh_id": refresh_id,
        "business_date": day.isoformat(),
        "re_decided": decided,
        **counts,
    }


def _rule(
    row: dict[str, Any], limit_minor: int, status: LineStatus
) -> tuple[str, tuple[int, LineStatus] | None]:
    """(what happened, the line's new limit and status or None when it stays as it is)."""
    if row["decision"] == "decline":
        if status is LineStatus.FROZEN:
            return "unchanged", None
        return "frozen", (limit_minor, LineStatus.FROZEN)
    if row["decision"] == "refer":
        return "unchanged", None
    new_limit = int(row["limit_minor"])
    if status is LineStatus.FROZEN:
        return "unfrozen", (new_limit, LineStatus.ACTIVE)
    if new_limit == limit_minor:
        return "unchanged", None
    return ("raised" if new_limit > limit_minor else "lowered"), (new_limit, LineStatus.ACTIVE)


def champion_of(db: Database, model_cache: Path) -> tuple[RiskModel, Strategy]:
    """The live champion strategy and its model, from the registry."""
    from puhui.governance.registry import champion

    create_registry_tables(db)
    strategy_version, _ = champion(db)
    strategy = load_strategy_version(db, strategy_version)
    return _model(db, strategy.model.version, model_cache), strategy
