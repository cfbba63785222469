"""Partitioned runs: manifest, checksums, resume after a killed job, and local = Ray = Spark."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from puhui.db import Database
from puhui.errors import ConflictError
from puhui.preapproval.engines import run
from puhui.preapproval.partitions import plan
from puhui.preapproval.scoring import ScoringBundle
from puhui.risk import RiskModel, save_model
from puhui.risk.strategy import Strategy
from tests.governance.support import make_champion


def _partitions(customers: pl.DataFrame, folder: Path, count: int, rows: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(count):
        start = (i * rows) % customers.height
        part = customers.slice(start, rows).with_columns(pl.col("customer_id") + i * 1_000_000)
        part.write_parquet(folder / f"part-{i:05d}.parquet")
    return folder


def _decisions(out: Path) -> pl.DataFrame:
    return pl.read_parquet(str(out / "parts" / "**" / "*.parquet")).sort("customer_id")


def test_local_run_writes_partitions_and_a_manifest(
    gbdt: tuple[RiskModel, Strategy], customers: pl.DataFrame, tmp_path: Path
) -> None:
    model, strategy = gbdt
    data = _partitions(customers, tmp_path / "in", 3, 2_000)
    parts = plan(data)
    assert [p.rows for p in parts] == [2_000] * 3
    out = tmp_path / "out"
    seen: list[int] = []
    manifest = run(ScoringBundle.of(model, strategy), parts, out, progress=seen.append)
    assert sum(seen) == manifest["customers"] == 6_000
    assert manifest["approved"] + manifest["referred"] + manifest["declined"] == 6_000
    assert manifest["model_version"] == model.version
    assert manifest["strategy_version"] == strategy.version_id
    assert manifest["scoring"]["margins"] == "treelite+tl2cgen"
    decided = _decisions(out)
    assert decided.height == 6_000 and decided["customer_id"].n_unique() == 6_000
    assert int((decided["decision"] == "approve").sum()) == manifest["approved"]
    for entry in manifest["partitions"]:
        for f in entry["files"]:
            assert hashlib.sha256((out / f["path"]).read_bytes()).hexdigest() == f["sha256"]
    with pytest.raises(ConflictError):  # an existing run is never overwritten silently
        run(ScoringBundle.of(model, strategy), parts, out)
    pooled = run(ScoringBundle.of(model, strategy), parts, tmp_path / "pooled", workers=2)
    assert pooled["customers"] == 6_000
    assert _decisions(tmp_path / "pooled").equals(decided)


def _registry(tmp_path: Path, model: RiskModel, strategy: Strategy) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    db = Database(url)
    save_model(model, tmp_path / "model")
    make_champion(db, tmp_path / "model", strategy)
    db.close()
    env = dict(os.environ)
    env.update(PUHUI_DATABASE_URL=url, PUHUI_DATA_DIR=str(tmp_path / "data"))
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from puhui.cli import main; main()", *args]


def _finished(out: Path) -> int:
    return len(list((out / "_done").glob("*.json"))) if (out / "_done").exists() else 0


def test_resume_after_the_job_is_killed(
    scorecard: tuple[RiskModel, Strategy], customers: pl.DataFrame, tmp_path: Path
) -> None:
    model, strategy = scorecard
    env = _registry(tmp_path, model, strategy)
    data = _partitions(customers, tmp_path / "in", 40, 3_000)
    out = tmp_path / "out"
    job = subprocess.Popen(
        _cli("preapprove", "--data", str(data), "--out", str(out), "--json"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while _finished(out) == 0:  # kill it as soon as the first partition is done
        assert job.poll() is None, job.stderr.read().decode() if job.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.005)
    job.send_signal(signal.SIGKILL)
    job.wait()
    finished = _finished(out)
    assert 0 < finished < 40 and not (out / "manifest.json").exists()

    refused = subprocess.run(
        _cli("preapprove", "--data", str(data), "--out", str(out), "--json"),
        env=env,
        capture_output=True,
    )
    assert refused.returncode == 2 and b"--resume" in refused.stdout + refused.stderr

    resumed = subprocess.run(
        _cli("preapprove", "--data", str(data), "--out", str(out), "--resume", "--json"),
        env=env,
        capture_output=True,
        check=True,
    )
    summary = json.loads(resumed.stdout)
    assert summary["resumed_partitions"] >= finished
    assert summary["customers"] == 120_000
    assert summary["decided_this_run"] == 120_000 - 3_000 * summary["resumed_partitions"]
    decided = _decisions(out)
    assert decided.height == 120_000 and decided["customer_id"].n_unique() == 120_000
    clean = run(ScoringBundle.of(model, strategy), plan(data), tmp_path / "clean")
    assert clean["approved"] == summary["approved"]
    assert _decisions(tmp_path / "clean").equals(decided)


@pytest.mark.slow
def test_local_ray_and_spark_decide_identically(
    gbdt: tuple[RiskModel, Strategy], customers: pl.DataFrame, tmp_path: Path
) -> None:
    pytest.importorskip("ray")
    pytest.importorskip("pyspark")
    model, strategy = gbdt
    parts = plan(_partitions(customers, tmp_path / "in", 3, 2_000))
    bundle = ScoringBundle.of(model, strategy)
    outputs = {}
    for engine in ("local", "ray", "spark"):
        manifest = run(bundle, parts, tmp_path / engine, engine=engine, workers=2)
        assert manifest["customers"] == 6_000, engine
        assert [p["rows"] for p in manifest["partitions"]] == [2_000] * 3
        outputs[engine] = _decisions(tmp_path / engine)
    assert outputs["local"].height == 6_000
    assert outputs["ray"].equals(outputs["local"])
    assert outputs["spark"].equals(outputs["local"])
