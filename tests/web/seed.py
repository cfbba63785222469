"""Data for the console tests, made through the code paths that exist on main.

- the ledger demo (`puhui.demo.run_demo`) books funding, a loan and a repayment;
- decisions: `puhui.risk.outcome.apply_strategy` with the default strategy on customers from
  the synthetic population, recorded with `puhui.governance.audit.record`;
- a model: a model directory (model.json, metrics.json from `puhui.risk.metrics.summary`,
  the card from `puhui.risk.card.model_card`) stored with `puhui.governance.registry`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from puhui.db import Database
from puhui.fingerprint import fingerprint
from puhui.governance import audit, registry
from puhui.ledger import open_ledger
from puhui.population.generator import PopulationConfig, generate_population
from puhui.risk import metrics
from puhui.risk import reasons as reasons_mod
from puhui.risk.card import model_card
from puhui.risk.outcome import apply_strategy, reason_text
from puhui.risk.strategy import load_strategy
from tests.ledger.demo import run_demo

MODEL_VERSION = "pd-scorecard:test0001"


def seed_ledger(url: str) -> None:
    with open_ledger(url) as ledger:
        result = run_demo(ledger)
    assert result["trial_balance_zero"] is True


def seed_decisions(
    url: str, n: int = 12, line_ids: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Decide for `n` synthetic customers `cust-1000`...; `line_ids` links approvals to lines."""
    strategy = load_strategy()
    frame = generate_population(PopulationConfig(n=n, seed=7))
    db = Database(url)
    audit.create_audit_tables(db)
    recorded = []
    for i, customer in enumerate(frame.iter_rows(named=True)):
        pd = float(customer["true_pd"])
        outcome = apply_strategy(pd, customer, strategy)
        cid = f"cust-{1000 + i}"
        # the policy's codes (declines, referrals), then the model's top factors
        reasons = [
            {"code": code, "text_zh": zh, "text_en": en, "contribution": None}
            for code in outcome.reason_codes
            for zh, en in [reason_text(strategy, code)]
        ]
        for feature, contribution in (("debt_to_income", 0.41), ("inquiries_90d", 0.17)):
            zh, en = reasons_mod.reason_text(feature, "high", customer[feature])
            reason = reasons_mod.Reason(feature, "high", customer[feature], contribution, zh, en)
            reasons.append(reason.to_dict())
        entry = audit.AuditEntry(
            decision_id=f"dec-{i:04d}",
            application_id=f"app-{i:04d}",
            customer_id=cid,
            decided_at=f"2026-11-{1 + i % 5:02d}T10:{i:02d}:00+00:00",
            inputs_sha256=fingerprint(customer),
            features={k: v for k, v in customer.items() if k not in ("true_pd", "defaulted")},
            strategy_version=strategy.version_id,
            model_version=MODEL_VERSION,
            arm="champion",
            outcome=outcome.decision.value,
            pd=pd,
            score=600 - i,
            limit_minor=outcome.limit_minor,
            nominal_rate=None if outcome.nominal_rate is None else outcome.nominal_rate.text(),
            currency="CNY",
            rules_fired=list(outcome.rules_fired),
            reasons=reasons,
            outputs=json.loads(json.dumps(outcome.to_dict(), default=str)),
            line_id=(line_ids or {}).get(cid) if outcome.decision.value == "approve" else None,
        )
        with db.tx():
            audit.record(db, entry)
        recorded.append(entry.to_dict())
    db.close()
    return recorded


def seed_model(url: str, directory: Path) -> str:
    """Register a model whose metrics come from `metrics.summary` on seeded predictions."""
    rng = np.random.default_rng(11)
    pd = rng.uniform(0.01, 0.3, 5000)
    bad = (rng.uniform(0, 1, 5000) < pd).astype(np.int8)
    held = metrics.summary(bad, pd)
    data = {
        "version": MODEL_VERSION,
        "kind": "scorecard",
        "rows": 5000,
        "bad_rate": held["bad_rate"],
        "target": "defaulted",
        "bad_value": True,
        "features": ["debt_to_income", "inquiries_90d"],
        "excluded": [],
        "selection": "cross-validated AUC",
        "candidates": {"scorecard": {"auc": held["auc"]}},
        "calibration": {"method": "platt"},
        "points_scale": {"base_points": 600, "base_odds": 50, "pdo": 20},
        "monotone": {"debt_to_income": 1},
        "assessment": "5-fold cross-validation",
        "held_out": held,
        "iv": {"debt_to_income": 0.31, "inquiries_90d": 0.12},
        "psi": {"score_train_vs_test": 0.01, "features_train_vs_test": {"debt_to_income": 0.02}},
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "model.json").write_text(
        json.dumps({"version": MODEL_VERSION, "kind": "scorecard"})
    )
    (directory / "metrics.json").write_text(json.dumps(data))
    (directory / "model_card.md").write_text(model_card(data, "population.parquet"))
    db = Database(url)
    registry.create_registry_tables(db)
    version = registry.register_model(db, directory)
    db.close()
    return version
