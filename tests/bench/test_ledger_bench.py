"""The ledger benchmark (`python -m bench bench.ledger`) runs and reports what it measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import ledger as ledger_bench


def test_small_run_prints_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PUHUI_TEST_POSTGRES_URL", raising=False)
    results = ledger_bench.main(accounts=100, transfers=2000, workload="hot", json_output=True)
    data = json.loads(capsys.readouterr().out)
    (row,) = data["results"]
    assert row["transfers"] == 2000 and row["transfers_per_s"] > 0
    assert results[0].transfers == 2000
    assert data["machine"]["cores"] >= 1


def test_rejects_a_bad_workload() -> None:
    with pytest.raises(ValueError, match="workload"):
        ledger_bench.main(accounts=100, transfers=10, workload="zipf", json_output=True)
