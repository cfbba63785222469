"""The triangle benchmark's response model on a slice of the UCI bank-marketing data."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import triangle

SLICE = Path(__file__).resolve().parents[1] / "data" / "bank_marketing_slice.csv"


def test_bank_marketing_response_model_ranks_better_than_chance(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = triangle.bank_marketing_response(SLICE)
    assert figures is not None
    assert figures["rows"] == 600
    assert 0.05 < figures["response_rate"] < 0.2
    assert figures["auc"] > 0.55  # the call's `duration` is left out: no leak
    assert "response model AUC" in capsys.readouterr().out


def test_a_missing_file_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert triangle.bank_marketing_response(tmp_path / "none.csv") is None
    assert "skipped" in capsys.readouterr().out
