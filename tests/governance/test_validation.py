"""The validation report: every section computed, HMDA's race gap caught, the report offline."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl

from puhui.governance.baseline import build_baseline
from puhui.governance.lifecycle import Actor
from puhui.governance.report import render_pdf
from puhui.population import PopulationConfig, generate_population
from puhui.risk import TrainConfig, train_model
from puhui.risk.model import RiskModel
from puhui.services.governance import validation_report

HMDA = Path(__file__).parents[1] / "data" / "hmda_boston_aer.csv"  # tests/data/SOURCES.md
ACTOR = Actor("cli:test", "risk_analyst")


def test_population_report_has_every_section(model: RiskModel) -> None:
    frame = generate_population(PopulationConfig(n=4_000, seed=41))
    development = generate_population(PopulationConfig(n=4_000, seed=21))
    summary, html = validation_report(
        model,
        frame,
        frame["defaulted"].to_numpy(),
        "population seed 41",
        actor=ACTOR,
        baseline=build_baseline(model, development),
    )
    assert 0.65 < summary["discrimination"]["auc"] < 0.9
    assert summary["challenger"]["name"].startswith("benchmark: logistic regression")
    assert summary["psi_score"] < 0.1 and set(summary["csi"]) == set(model.feature_names)
    [gender] = summary["fairness"]
    # gender is independent of everything the model sees: any gap is sampling noise
    assert gender["demographic_parity_difference"] < 0.05 and not summary["fairness_breach"]
    assert {s["feature"] for s in summary["sensitivity"]} == set(model.feature_names)
    assert summary["limits"] and len(summary["calibration"]) == 10
    for heading in ("Discrimination", "Calibration", "Stability", "Fairness", "Sensitivity"):
        assert heading in html
    assert html.count("<svg") >= 4  # ROC, calibration, CSI, sensitivity (+ fairness)
    assert not re.search(r"(src|href)=\"https?://", html)  # nothing loaded from outside


def test_hmda_race_gap_is_a_breach_that_needs_an_override() -> None:
    frame = pl.read_csv(HMDA)
    trained = train_model(
        frame, TrainConfig(target="deny", bad_value="yes", exclude=("afam",), kind="scorecard")
    )
    bad = (frame["deny"] == "yes").to_numpy()
    cutoff = float(np.quantile(trained.model.predict_pd(frame), 1 - bad.mean()))
    summary, html = validation_report(
        trained.model, frame, bad, "HMDA Boston", actor=ACTOR, cutoff=cutoff, protected=("afam",)
    )
    [race] = summary["fairness"]
    rates = {g["group"]: g["selection_rate"] for g in race["groups"]}
    assert rates["no"] - rates["yes"] > 0.10  # approved less often when African American
    assert summary["fairness_breach"] is True
    assert "approval needs an override reason" in html


def test_the_report_renders_to_pdf_offline() -> None:  # `make browser` installs Pango
    pdf = render_pdf("<h1>Validation 验证</h1><svg width='10' height='10'></svg>")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1_000
