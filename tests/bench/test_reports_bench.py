"""The reports benchmark's red-flag figures on a few generated applicants."""

from __future__ import annotations

import pytest

from bench import reports
from puhui.population.business import SIGNS


def test_flag_figures_on_a_small_sample(capsys: pytest.CaptureFixture[str]) -> None:
    figures = reports.flags(40, "clear")
    assert set(figures) == set(SIGNS)
    for sign, row in figures.items():
        assert row["planted"] > 0, sign
        assert row["recall"] >= 0.9 and row["false_alarm"] <= 0.1, (sign, row)
    assert "recall" in capsys.readouterr().out
