"""The main job builds a working bank through the real paths, on both backends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from puhui.db import Database
from puhui.governance import audit
from puhui.governance.registry import champion
from puhui.ledger import open_ledger
from puhui.services.bank import BankConfig, build_bank, ready
from puhui.services.decisions import DecisionService
from puhui.servicing.service import LendingService

SMALL = BankConfig(
    customers=1_500, history=8_000, seed=7, start=date(2026, 1, 5), days=45, borrowers=80
)


def test_build_bank_and_reuse(database_url: str, tmp_path: Path) -> None:
    summary = build_bank(database_url, tmp_path, SMALL)
    assert summary["customers"] == 1_500
    assert summary["approved"] + summary["referred"] + summary["declined"] == 1_500
    assert summary["approved"] > 1_000
    assert summary["loans"] == 80
    assert summary["repayments"] > 0  # the first installments fell due within 45 days
    assert summary["reconciled"] is True
    assert summary["business_date"] == "2026-02-19"

    db = Database(database_url)
    assert ready(db) == summary
    assert db.one("SELECT count(*) FROM decision_audit")[0] == 1_500
    assert db.one("SELECT count(*) FROM lending_lines")[0] == summary["approved"]
    assert db.one("SELECT count(*) FROM platform_customers")[0] == 1_500
    # agent assist: the demo calls ran through the live path, with alerts and score cards
    assert summary["demo_calls"] == 4
    assert db.one("SELECT count(*) FROM assist_calls WHERE status = 'ended'")[0] == 4
    assert db.one("SELECT count(DISTINCT rule_id) FROM assist_alerts")[0] >= 4
    assert champion(db)[0] == summary["strategy_version"]
    # close of business wrote the borrowers' repayment reminders (app messages), rule-checked
    assert db.one("SELECT count(*) FROM borrower_messages WHERE kind = 'reminder'")[0] > 0
    # every approval's line was granted with the decision, and declines got none
    assert (
        db.one(
            "SELECT count(*) FROM decision_audit a JOIN lending_lines l ON l.id = a.line_id "
            "WHERE a.outcome = 'approve' AND l.limit_minor = a.limit_minor"
        )[0]
        == summary["approved"]
    )
    assert (
        db.one(
            "SELECT count(*) FROM decision_audit WHERE outcome <> 'approve' AND line_id IS NOT NULL"
        )[0]
        == 0
    )

    with open_ledger(database_url) as ledger:
        assert all(t.balanced for t in ledger.trial_balance())
    with LendingService(database_url) as lending:
        assert lending.reconcile().ok

    # a pre-approval decision replays exactly from the registry
    from puhui.governance.registry import load_strategy_version, materialise_model
    from puhui.risk.decide import Decider
    from puhui.risk.model import load_model

    strategy_version, model_version = champion(db)
    model = load_model(materialise_model(db, model_version, tmp_path / "cache"))
    service = DecisionService(
        db,
        Decider.single(model, load_strategy_version(db, strategy_version)),
        model_cache=tmp_path / "cache",
    )
    for entry in audit.query(db, limit=40):
        replay = service.replay(entry.decision_id)
        assert replay.matches, replay.differences
    db.close()
