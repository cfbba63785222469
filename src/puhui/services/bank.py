"""The main job: build a working digital bank in the platform database, through the real paths.

1. a demo population (the bank's prospects) and a separate "history" population with known
   outcomes to train on;
2. train the default PD model (`auto`: scorecard or LightGBM) and validate it on a fresh
   draw; then maker-checker: `system:model-developer` registers the model (with its
   development baseline and cards in en and zh) and its validation report and the default
   strategy bound to it, `system:model-approver` approves both and promotes the strategy;
3. pre-approve every prospect through the batch decision path; each decision is audited and
   each approval's credit line is granted in the same transaction;
4. simulate drawdowns, repayments (on time, late, early) and close of business over a few
   months of business days through the lending engine;
   close of business runs monitoring (`CobMonitor`) over the day's decisions;
5. record the simulated matured outcome of every approved customer (the population's
   ground truth) and monitor the champion on them;
6. seed a few agent-assist demo calls (`puhui.assist.demo`), so the QA page is never empty;
7. record that the bank is ready, so a second run reuses it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from puhui import customers
from puhui.borrower.messages import CobMessages, MessageStore
from puhui.db import Database
from puhui.errors import ConflictError
from puhui.governance import approvals, audit, monitoring
from puhui.governance.approvals import SYSTEM_CHECKER, SYSTEM_MAKER
from puhui.governance.baseline import build_baseline, write_baseline
from puhui.governance.lifecycle import Meta
from puhui.money import Money
from puhui.population import PopulationConfig, generate_population
from puhui.population.generator import NON_FEATURES, PROTECTED
from puhui.preapproval.engine import chunks_of, run_preapproval
from puhui.rate import PPB, Rate
from puhui.risk.card import model_card, model_card_zh
from puhui.risk.decide import bind_model
from puhui.risk.model import CARD_FILE, CARD_ZH_FILE, METRICS_FILE, RiskModel, save_model
from puhui.risk.strategy import Strategy, load_strategy
from puhui.risk.training import TrainConfig, train_model
from puhui.services.decisions import batch_entry, line_id_for
from puhui.services.governance import (
    VALIDATION_ROWS,
    CobMonitor,
    synthetic_sample,
    validation_report,
)
from puhui.servicing import lines
from puhui.servicing.drawdown import DrawdownRequest
from puhui.servicing.lines import LineGrant
from puhui.servicing.service import LendingService

HOOKS = [c for c in NON_FEATURES if c != "customer_id"]
PRODUCT_ID = "puhui-revolving-micro"

STATE_DDL = "CREATE TABLE IF NOT EXISTS platform_state (k TEXT PRIMARY KEY, v TEXT NOT NULL)"

#: (label, total) -> advance(n): how a step reports progress (a rich progress bar in the CLI).
Reporter = Callable[[str, int], Callable[[int], None]]


def _silent(label: str, total: int) -> Callable[[int], None]:
    return lambda n: None


@dataclass(frozen=True)
class BankConfig:
    customers: int = 100_000
    history: int = 40_000
    seed: int = 2026
    start: date = date(2026, 1, 5)
    days: int = 90
    borrowers: int = 2_000
    funding_yuan: int = 2_000_000_000
    model_kind: str = "auto"
    demo_calls: bool = True


def ready(db: Database) -> dict[str, Any] | None:
    """The summary of a bank already built in this database, or None."""
    db.create_tables(STATE_DDL, 7345201)
    row = db.one("SELECT v FROM platform_state WHERE k = 'bank'")
    return json.loads(row[0]) if row else None


def customer_id(n: int) -> str:
    return f"C{n:09d}"


def build_bank(
    url: str, data_dir: str | Path, config: BankConfig, report: Reporter = _silent
) -> dict[str, Any]:
    """Build the bank; returns a summary (also stored in `platform_state`)."""
    data = Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    lending = LendingService(url)
    messages = MessageStore(url)
    try:
        db = lending.db
        db.create_tables(STATE_DDL, 7345201)
        customers.create_customer_tables(db)
        audit.create_audit_tables(db)
        approvals.create_governance_tables(db)
        monitoring.create_monitoring_tables(db)
        lending.register_product()
        lending.start(config.start)
        lending.fund("CNY", str(config.funding_yuan), "bank-seed-funding")

        prospects = _prospects(db, config, report)
        model, strategy = _train(db, data, config, report)
        decided = _preapprove(lending, model, strategy, prospects, config, report)
        monitor = CobMonitor(db)
        lending.after_cob.append(monitor)  # governance: the decisions since the last run
        lending.after_cob.append(CobMessages(lending, messages))  # the borrowers' app messages
        simulated = _simulate(lending, config, prospects, report)
        simulated |= _outcomes(lending, prospects, model, monitor)
        calls = _demo_calls(url, lending, config, report)
        check = lending.reconcile()
        summary = {
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "customers": prospects.height,
            "model_version": model.version,
            "model_kind": model.kind,
            "strategy_version": strategy.version_id,
            **decided,
            **simulated,
            "demo_calls": calls,
            "reconciled": check.ok,
        }
        with db.tx():
            db.execute("DELETE FROM platform_state WHERE k = 'bank'")
            db.execute(
                "INSERT INTO platform_state (k, v) VALUES ('bank', ?)", (json.dumps(summary),)
            )
        return summary
    finally:
        messages.close()
        lending.close()


def _prospects(db: Database, config: BankConfig, report: Reporter) -> pl.DataFrame:
    advance = report("population / 生成客群", config.customers)
    frame = generate_population(PopulationConfig(n=config.customers, seed=config.seed))
    frame = frame.with_columns(
        pl.col("customer_id").map_elements(customer_id, return_dtype=pl.String)
    )
    profiles = frame.drop(["true_pd", "defaulted"])
    with db.tx():
        for chunk in chunks_of(profiles, 20_000):
            customers.save_profiles(
                db, ((r["customer_id"], r) for r in chunk.iter_rows(named=True))
            )
            advance(chunk.height)
    return frame


def _train(
    db: Database, data: Path, config: BankConfig, report: Reporter
) -> tuple[RiskModel, Strategy]:
    advance = report("train PD model / 训练违约概率模型", 1)
    history = generate_population(PopulationConfig(n=config.history, seed=config.seed + 1))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    result = train_model(
        history,
        TrainConfig(
            target="defaulted",
            bad_value="true",
            exclude=exclude,
            kind=config.model_kind,
            seed=config.seed,
        ),
    )
    model = result.model
    directory = data / "models" / model.version
    save_model(model, directory)
    source = "Puhui synthetic population (history with outcomes)"
    (directory / METRICS_FILE).write_text(json.dumps(result.metrics, default=str, indent=2))
    (directory / CARD_FILE).write_text(model_card(result.metrics, source))
    (directory / CARD_ZH_FILE).write_text(model_card_zh(result.metrics, source), encoding="utf-8")
    baseline = build_baseline(model, history)
    write_baseline(baseline, directory)
    advance(1)

    advance = report("validate and approve / 验证与审批", 1)
    frame, bad, name = synthetic_sample(VALIDATION_ROWS, config.seed + 2)
    validation = validation_report(
        model, frame, bad, name, actor=SYSTEM_MAKER, baseline=baseline, protected=PROTECTED
    )
    strategy = bind_model(load_strategy(), model)
    approvals.register_and_promote(
        db,
        strategy,
        directory,
        SYSTEM_MAKER,
        SYSTEM_CHECKER,
        model_meta=Meta(
            owner="risk modelling (system:model-developer)",
            purpose="12-month probability of default for pre-approved credit lines",
            risk_tier="high",
            data=(source, *model.feature_names),
        ),
        strategy_meta=Meta(
            owner="credit policy (system:model-developer)",
            purpose="decide, price and size pre-approved revolving credit lines",
            risk_tier="high",
            data=("customer profile fields", f"pd model {model.version}"),
        ),
        validation=validation,
        reason="main job: the bank's first model and strategy",
        override_reason=(
            "main job: synthetic demo bank; the fairness gap is reviewed in the validation report"
            if validation[0]["fairness_breach"]
            else ""
        ),
    )
    advance(1)
    return model, strategy


def _preapprove(
    lending: LendingService,
    model: RiskModel,
    strategy: Strategy,
    prospects: pl.DataFrame,
    config: BankConfig,
    report: Reporter,
) -> dict[str, Any]:
    """Batch pre-approval: each chunk's audit rows and the lines its approvals grant commit
    together (the same outputs `DecisionService.replay` recomputes for a batch decision)."""
    advance = report("pre-approve / 批量预授信", prospects.height)
    db = lending.db
    customer_features = prospects.drop(HOOKS)
    product = lending.product(PRODUCT_ID)
    expires = lending.business_date() + timedelta(days=365)
    when = datetime.now(UTC)

    def on_chunk(decided: pl.DataFrame) -> None:
        ids = decided["customer_id"].to_list()
        chunk = customer_features.filter(pl.col("customer_id").is_in(ids))
        features = {r["customer_id"]: r for r in chunk.iter_rows(named=True)}
        grants, entries = [], []
        for row in decided.iter_rows(named=True):
            decision_id = audit.new_decision_id()
            line_id = None
            if row["decision"] == "approve" and row["rate_ppb"] is not None:
                line_id = line_id_for(decision_id)
                rate = Rate.from_units(row["rate_ppb"], PPB)
                grants.append(
                    LineGrant(line_id, row["customer_id"], row["limit_minor"], rate, expires)
                )
            entry = batch_entry(
                row, features[row["customer_id"]], decision_id, when, strategy, model, line_id
            )
            entries.append(entry)
        with db.tx():
            lines.grant_lines(db, grants, product)
            for entry in entries:
                audit.record(db, entry)
        advance(decided.height)

    result = run_preapproval(
        model, strategy, chunks_of(customer_features, 20_000), on_chunk=on_chunk
    )
    return {
        "approved": result.approved,
        "referred": result.referred,
        "declined": result.declined,
        "preapproval_seconds": round(result.seconds, 2),
        "expected_loss_yuan": str(Money(round(result.expected_loss_minor), "CNY").format()),
    }


def _simulate(
    lending: LendingService,
    config: BankConfig,
    prospects: pl.DataFrame,
    report: Reporter,
) -> dict[str, Any]:
    """Drawdowns over the first month, then daily COB with repayments by behaviour.

    The behaviour follows the strategy simulator's plan (`puhui.portfolio.behaviour`): at each
    due date a borrower still paying defaults with the monthly hazard of its 12-month true PD,
    1 - (1 - true_pd)^(1/12), and never pays again; otherwise the installment is paid late
    with `late_payment_prob`, 5-25 days after it fell due (then cured), or on time, and now and
    then with a prepayment of principal.
    """
    db = lending.db
    rng = random.Random(config.seed)
    with db.read():
        lines = db.all("SELECT id, customer_id, limit_minor FROM lending_lines ORDER BY id")
    hooks = prospects.select(
        ["customer_id", "drawdown_propensity", "early_repay_prob", "late_payment_prob", "true_pd"]
    )
    behaviour = {r[0]: r[1:] for r in hooks.iter_rows()}
    weights = np.array([behaviour[c][0] for _, c, _ in lines], dtype=np.float64)
    chosen_count = min(config.borrowers, len(lines))
    chosen: list[int] = []
    if chosen_count:
        picker = np.random.default_rng(config.seed)
        chosen = list(
            picker.choice(len(lines), size=chosen_count, replace=False, p=weights / weights.sum())
        )
    drawdown_days = {i: rng.randrange(0, min(30, config.days)) for i in chosen}
    terms = (5, 10, 20)
    advance = report("simulate days / 模拟营业日", config.days)
    loans = repaid = late = early = 0
    defaulted: set[str] = set()
    owner = {line_id: cust for line_id, cust, _ in lines}
    later: dict[date, list[tuple[int, int, int]]] = {}  # day -> (loan, installment, amount)
    day = lending.business_date()
    for d in range(config.days):
        requests = []
        for i in chosen:
            if drawdown_days[i] == d:
                line_id, _, limit_minor = lines[i]
                share = Decimal(rng.randint(20, 80)) / 100
                amount = max(500, int(Money(limit_minor, "CNY").amount * share) // 100 * 100)
                requests.append(
                    DrawdownRequest(f"sim-dd-{line_id}", line_id, str(amount), rng.choice(terms))
                )
        if requests:
            loans += sum(1 for r in lending.drawdown_many(requests) if r.created)
        payments = later.pop(day, [])
        for loan_id, n, amount, line_id in lending.installments_due(day):
            customer = owner[line_id]
            _, early_p, late_p, true_pd = behaviour[customer]
            if amount <= 0 or customer in defaulted:
                continue
            if rng.random() < 1 - (1 - float(true_pd)) ** (1 / 12):
                defaulted.add(customer)  # stops paying for good
                continue
            if rng.random() < late_p:
                late += 1
                when = day + timedelta(days=rng.randint(5, 25))
                # pays the installment and the overdue interest it ran up (~2% at most)
                later.setdefault(when, []).append((int(loan_id), n, int(amount) * 103 // 100))
                continue
            pay = int(amount)
            if rng.random() < early_p * 0.1:
                pay += int(amount)  # pays ahead: prepays principal, saving interest
                # never beyond the payoff (servicing refuses more than payoff + tolerance)
                pay = min(pay, int(lending.quote(int(loan_id))["total_minor"]))
                early += 1
            payments.append((int(loan_id), n, pay))
        for loan_id, n, pay in payments:
            try:
                lending.repay(loan_id, Money(pay, "CNY").format(), f"sim-rp-{loan_id}-{n}", day)
            except ConflictError:  # a late payment on a loan prepaid meanwhile
                continue
            repaid += 1
        lending.run_cob(day)  # runs `monitor` after the close (`LendingService.after_cob`)
        day = day + timedelta(days=1)
        advance(1)
    return {
        "loans": loans,
        "repayments": repaid,
        "late_installments": late,
        "defaulted_borrowers": len(defaulted),
        "early_repayments": early,
        "business_date": lending.business_date().isoformat(),
    }


def _outcomes(
    lending: LendingService, prospects: pl.DataFrame, model: RiskModel, monitor: CobMonitor
) -> dict[str, Any]:
    """Every approved customer's matured outcome, simulated from the population's ground
    truth (`defaulted`, a 12-month outcome), then the champion monitored on them."""
    db = lending.db
    with db.read():
        approved = db.all(
            "SELECT decision_id, customer_id FROM decision_audit WHERE outcome = 'approve'"
        )
    defaulted = dict(prospects.select("customer_id", "defaulted").iter_rows())
    observed = lending.business_date()
    outcomes = [
        monitoring.Outcome(
            str(decision_id), observed, bool(defaulted[customer]), "simulated: population truth"
        )
        for decision_id, customer in approved
        if customer in defaulted
    ]
    with db.tx():
        monitoring.record_outcomes(db, outcomes)
    runs = monitor(observed, also=[model.version])
    return {
        "outcomes": len(outcomes),
        "alerts": sum(len(r["alerts"]) for r in runs),
    }


# -- agent assist: demo calls ---------------------------------------------------------------
def _demo_calls(url: str, lending: LendingService, config: BankConfig, report: Reporter) -> int:
    """A few scripted calls through agent assist's live path (compliance alerts, suggestions,
    score cards), so the supervisor page has something to show on the first run."""
    if not config.demo_calls:
        return 0
    from puhui.assist.demo import CALLS, seed_demo_calls

    advance = report("demo calls / 演示通话", len(CALLS))
    stored = seed_demo_calls(url, lending)
    advance(len(CALLS))
    return stored
