"""A champion for tests that need one: the maker-checker path with two test identities."""

from __future__ import annotations

from pathlib import Path

from puhui.db import Database
from puhui.governance import approvals
from puhui.governance.lifecycle import Actor, Meta
from puhui.risk.strategy import Strategy

MAKER = Actor("test:maker", "risk_analyst")
CHECKER = Actor("test:checker", "approver")
META = Meta("tests", "a champion for a test", "low", ("synthetic population",))


def make_champion(db: Database, model_dir: Path, strategy: Strategy) -> None:
    """Register the saved model and `strategy` (bound to it), approve both, promote."""
    approvals.create_governance_tables(db)
    approvals.register_and_promote(
        db,
        strategy,
        model_dir,
        MAKER,
        CHECKER,
        model_meta=META,
        strategy_meta=META,
        validation=({"headline": {}, "fairness_breach": False}, "<html>test</html>"),
        reason="test champion",
    )
