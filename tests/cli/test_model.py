"""`puhui population generate`, `puhui model train` and `puhui model score` end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from puhui.cli import app

runner = CliRunner()
EXCLUDE = "customer_id,gender,true_pd,drawdown_propensity,early_repay_prob,late_payment_prob"


def _run(command: str) -> Result:
    """Invoke `puhui` with a command line (the paths here hold no spaces)."""
    return runner.invoke(app, command.split())


def _json(output: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(output)
    return result


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cli")
    data = folder / "population.csv"
    result = _run(f"population generate --n 20000 --seed 9 --bad-rate 0.05 --out {data} --json")
    assert result.exit_code == 0, result.output
    model_dir = folder / "model"
    result = _run(
        f"model train --data {data} --target defaulted --bad-value true --exclude {EXCLUDE} "
        f"--kind scorecard --out {model_dir} --json"
    )
    assert result.exit_code == 0, result.output
    return data, model_dir


def test_generate_reports_the_population(tmp_path: Path) -> None:
    out = tmp_path / "pop.parquet"
    result = _run(f"population generate --n 2000 --seed 1 --out {out} --json")
    assert result.exit_code == 0, result.output
    summary = _json(result.output)
    assert summary["rows"] == 2000 and pl.read_parquet(out).height == 2000
    assert 0 < float(summary["bad_rate"]) < 0.1


def test_generate_refuses_an_unknown_format(tmp_path: Path) -> None:
    result = _run(f"population generate --n 10 --out {tmp_path / 'x.txt'} --json")
    assert result.exit_code == 2
    assert _json(result.output)["error"]["field"] == "out"


def test_train_writes_model_spec_metrics_and_card(trained: tuple[Path, Path]) -> None:
    _, model_dir = trained
    names = {p.name for p in model_dir.iterdir()}
    expected = {"model.json", "feature_spec.json", "binning.json", "metrics.json", "model_card.md"}
    assert expected <= names
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["kind"] == "scorecard" and metrics["held_out"]["auc"] > 0.7
    assert set(metrics["iv"]) == set(metrics["features"])
    assert "customer_id" not in metrics["features"]
    card = (model_dir / "model_card.md").read_text()
    for heading in ("Intended use", "Data", "Performance", "Limitations", "Fairness"):
        assert f"## {heading}" in card


def test_score_keeps_input_order_and_writes_reasons(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    data, model_dir = trained
    shuffled = pl.read_csv(data).sample(fraction=1.0, shuffle=True, seed=1)
    source = tmp_path / "to_score.parquet"
    shuffled.write_parquet(source)
    out = tmp_path / "scores.csv"
    result = _run(f"model score --model {model_dir} --data {source} --out {out} --json")
    assert result.exit_code == 0, result.output
    scores = pl.read_csv(out)
    assert scores["customer_id"].to_list() == shuffled["customer_id"].to_list()
    for column in ("pd", "score", "reason_1", "reason_1_zh", "reason_1_en", "reason_4_en"):
        assert column in scores.columns
    assert scores["pd"].is_between(0, 1).all()
    assert scores["reason_1"].null_count() < scores.height


def test_score_names_a_missing_field(trained: tuple[Path, Path], tmp_path: Path) -> None:
    data, model_dir = trained
    broken = tmp_path / "broken.csv"
    pl.read_csv(data).drop("inquiries_30d").write_csv(broken)
    out = tmp_path / "s.csv"
    result = _run(f"model score --model {model_dir} --data {broken} --out {out} --json")
    assert result.exit_code == 2
    assert _json(result.output)["error"] == {
        "code": "missing_field",
        "field": "inquiries_30d",
        "detail": "missing field 'inquiries_30d'",
    }
    assert not out.exists()


def test_train_refuses_bad_arguments(trained: tuple[Path, Path], tmp_path: Path) -> None:
    data, _ = trained
    base = f"model train --data {data} --out {tmp_path / 'm'} --json"
    cases = [
        ("--target nope --bad-value 1", "target"),
        ("--target defaulted --bad-value maybe", "bad_value"),
        ("--target defaulted --bad-value true --kind forest", "kind"),
        ("--target defaulted --bad-value true --exclude ghost", "exclude"),
    ]
    for extra, field in cases:
        result = _run(f"{base} {extra}")
        assert result.exit_code == 2, result.output
        assert _json(result.output)["error"]["field"] == field
    assert not (tmp_path / "m").exists()


def test_hmda_with_the_protected_column_excluded(tmp_path: Path) -> None:
    data = Path(__file__).parent.parent / "data" / "hmda_boston_aer.csv"
    result = _run(
        f"model train --data {data} --target deny --bad-value yes --exclude afam "
        f"--out {tmp_path / 'hmda'} --json"
    )
    assert result.exit_code == 0, result.output
    summary = _json(result.output)
    assert float(summary["auc"]) > 0.75
    # 2,380 rows, all held out once in 5-fold CV, PD cross-fitted: calibration is checkable.
    assert float(summary["ece"]) < 0.02
    metrics = json.loads((tmp_path / "hmda" / "metrics.json").read_text())
    assert "afam" not in metrics["features"] and metrics["excluded"] == ["afam"]
