"""The dashboard's expected loss: EAD with the strategy's CCF, per line and in total."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from puhui.cost import build_report, load_inputs, save_report
from puhui.db import Database
from puhui.governance import audit
from puhui.governance.registry import create_registry_tables, register_strategy
from puhui.rate import Rate
from puhui.risk.strategy import load_strategy, parse_strategy
from puhui.servicing.service import LendingService
from puhui.web.queries import ReadModel
from tests.api.conftest import Server
from tests.cost.test_cost import _measured

from .conftest import sign_in


def _decision(line_id: str, pd: float, version: str, at: str) -> audit.AuditEntry:
    return audit.AuditEntry(
        decision_id=f"d-{line_id}-{at}",
        application_id=f"a-{line_id}-{at}",
        customer_id=f"c-{line_id}",
        decided_at=at,
        inputs_sha256="0" * 64,
        features={},
        strategy_version=version,
        model_version="m",
        arm="champion",
        outcome="approve",
        pd=pd,
        score=600,
        limit_minor=0,
        nominal_rate="0.18",
        currency="CNY",
        rules_fired=[],
        reasons=[],
        outputs={},
        line_id=line_id,
    )


def test_expected_loss_by_hand(database_url: str) -> None:
    service = LendingService(database_url)
    service.register_product()
    service.start(date(2026, 3, 2))
    service.fund("CNY", "1000000", "fund")
    expires = date(2027, 3, 1)
    for line_id, limit in (("A", "50000"), ("B", "20000"), ("C", "8000"), ("D", "5000")):
        service.create_line(line_id, f"c-{line_id}", limit, Rate.of("0.18"), expires)
    service.drawdown("draw-A", "A", "10000", 5)
    service.drawdown("draw-B", "B", "4000", 5)
    service.set_line_status("B", "frozen")  # B can draw no more: its undrawn adds nothing
    db = service.db
    default = load_strategy()
    data = default.to_data()
    data["pricing"]["ccf"] = Decimal("0.5")
    data["pricing"]["lgd"] = Decimal("0.6")
    other = parse_strategy(data)
    audit.create_audit_tables(db)
    create_registry_tables(db)
    with db.tx():
        register_strategy(db, default)
        register_strategy(db, other)
        audit.record(db, _decision("A", 0.5, default.version_id, "2026-03-01T00:00:00Z"))
        # the newest decision naming the line gives its PD (a refresh lowered it)
        audit.record(db, _decision("A", 0.02, default.version_id, "2026-03-02T00:00:00Z"))
        audit.record(db, _decision("B", 0.04, default.version_id, "2026-03-02T00:00:00Z"))
        audit.record(db, _decision("C", 0.10, other.version_id, "2026-03-02T00:00:00Z"))
    service.close()  # D has no decision: counted apart

    reader = ReadModel(database_url)
    rows = {r.line_id: r for r in reader.line_exposures() or []}
    a, b, c = rows["A"].exposure, rows["B"].exposure, rows["C"].exposure
    assert a and b and c and rows["D"].exposure is None
    assert (a.drawn, a.undrawn, a.ead) == (1_000_000, 4_000_000, 1_400_000)
    assert (b.drawn, b.undrawn) == (400_000, 0)
    assert (c.lgd, c.ccf, c.undrawn, c.ead) == (Decimal("0.6"), Decimal("0.5"), 800_000, 400_000)
    el = (reader.expected_loss() or {})["CNY"]
    # A: 0.02 x 0.85 x 14,000 = 238; B: 0.04 x 0.85 x 4,000 = 136; C: 0.10 x 0.6 x 4,000 = 240
    assert el.total == 61_400
    assert el.el_drawn == Decimal("17000") + Decimal("13600")
    assert el.el_undrawn == Decimal("6800") + Decimal("24000")
    assert (el.lines, el.lines_without_pd, el.drawn) == (4, 1, 1_400_000)
    assert el.undrawn == 4_000_000 + 800_000 and el.ead == 1_400_000 + 800_000
    assert el.lgd == {Decimal("0.85"), Decimal("0.6")} and el.ccf == {
        Decimal("0.1"),
        Decimal("0.5"),
    }


def test_the_dashboard_shows_the_latest_cost_report(empty_console: Server, sqlite_url: str) -> None:
    with sign_in(empty_console, "operator") as c:
        assert "puhui cost report --save" in c.get("/console?lang=en").text
    db = Database(sqlite_url)
    try:
        save_report(db, build_report(_measured(), load_inputs(), {}))
    finally:
        db.close()
    with sign_in(empty_console, "operator") as c:
        html = c.get("/console?lang=en").text
        assert 'id="tile-it-cost">¥0.00' in html and "At 420,000,000 accounts" in html
        assert "(cost_reports" in html
        zh = c.get("/console?lang=zh").text
        assert "每户每年 IT 成本" in zh
