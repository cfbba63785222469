"""A small running bank for the console tests, built only through the platform's real paths.

A PD model is trained on the synthetic population and registered; the decision service
decides applications and, for approvals, grants a credit line in the lending tables in the
same transaction; customers draw down, close of business runs for three months, and some of
them repay on their due dates while others fall behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from puhui.db import Database
from puhui.governance import approvals, monitoring
from puhui.governance.approvals import SYSTEM_MAKER
from puhui.governance.baseline import build_baseline, write_baseline
from puhui.governance.lifecycle import Meta
from puhui.governance.registry import register_model, register_strategy
from puhui.governance.thresholds import load_thresholds
from puhui.population import PopulationConfig, generate_population
from puhui.population.generator import NON_FEATURES
from puhui.rate import Rate
from puhui.risk import TrainConfig, save_model, train_model
from puhui.risk.card import model_card, model_card_zh
from puhui.risk.decide import Decider, DecisionResult, bind_model
from puhui.risk.model import CARD_FILE, CARD_ZH_FILE, METRICS_FILE
from puhui.risk.strategy import load_strategy
from puhui.services.decisions import DecisionService
from puhui.services.governance import validation_report
from puhui.servicing import lines
from puhui.servicing.service import LendingService

START = date(2026, 1, 15)
PRODUCT = "puhui-revolving-micro"


@dataclass
class Bank:
    model_version: str = ""
    decisions: dict[str, str] = field(default_factory=dict)  # decision id -> outcome
    customers: list[str] = field(default_factory=list)
    loans: list[int] = field(default_factory=list)
    late_loans: list[int] = field(default_factory=list)


def seed_bank(url: str, workdir: Path, applications: int = 40) -> Bank:
    bank = Bank()
    frame = generate_population(PopulationConfig(n=3000, seed=5))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    trained = train_model(
        frame, TrainConfig(target="defaulted", bad_value="true", exclude=exclude, kind="scorecard")
    )
    model_dir = workdir / "model"
    save_model(trained.model, model_dir)
    (model_dir / METRICS_FILE).write_text(json.dumps(trained.metrics, default=str))
    (model_dir / CARD_FILE).write_text(model_card(trained.metrics, "population seed 5"))
    (model_dir / CARD_ZH_FILE).write_text(model_card_zh(trained.metrics, "population seed 5"))
    write_baseline(build_baseline(trained.model, frame), model_dir)
    bank.model_version = trained.model.version

    service = LendingService(url)
    service.register_product()
    service.start(START)
    service.fund("CNY", "5000000", "seed-funding")
    db: Database = service.db
    strategy = bind_model(load_strategy(), trained.model)

    def grant(db: Database, result: DecisionResult, decision_id: str) -> str:
        line_id = f"L-{result.customer_id}"
        rate = result.nominal_rate or Rate.of("0.18")
        limit = Decimal(result.limit_minor) / 100
        lines.create_line(db, line_id, result.customer_id, limit, rate, date(2027, 12, 31), PRODUCT)
        return line_id

    decisions = DecisionService(
        db, Decider.single(trained.model, strategy), grant_line=grant, model_cache=workdir / "c"
    )  # creates the audit and registry tables
    register_model(db, model_dir)
    register_strategy(db, strategy)
    applicants = frame.tail(applications).drop([c for c in NON_FEATURES if c != "customer_id"])
    approved: list[str] = []
    for row in applicants.to_dicts():
        row["customer_id"] = f"C{row['customer_id']:06d}"
        entry = decisions.decide(row, f"app-{row['customer_id']}")
        bank.decisions[entry.decision_id] = entry.outcome
        bank.customers.append(entry.customer_id)
        if entry.line_id:
            approved.append(entry.line_id)

    # three monthly vintages of four loans; every third borrower never pays
    waves = {0: approved[0:4], 31: approved[4:8], 62: approved[8:12]}
    for offset in range(95):
        today = service.business_date()
        for i, line_id in enumerate(waves.get(offset, [])):
            line = service.line(line_id)
            amount = min(Decimal(line.available) / 100, Decimal(1000 + 250 * i))
            loan = service.drawdown(f"draw-{line_id}", line_id, str(amount), 5).loan
            bank.loans.append(loan.id)
            if len(bank.loans) % 3 == 1:
                bank.late_loans.append(loan.id)
        for loan_id in bank.loans:
            if loan_id in bank.late_loans:
                continue
            for row in service.installments(loan_id):
                if row["due_day"] == today.toordinal():
                    due = row["sched_principal"] + row["sched_interest"] + row["sched_fee"]
                    service.repay(loan_id, str(Decimal(due).scaleb(-2)), f"pay-{loan_id}-{today}")
        service.run_cob(today)
    # governance: the maker registers and validates; monitoring runs over every decision
    approvals.create_governance_tables(db)
    monitoring.create_monitoring_tables(db)
    meta = Meta("risk modelling", "PD for credit lines", "high", ("population seed 5",))
    approvals.register_model(db, model_dir, SYSTEM_MAKER, meta)
    approvals.register_strategy(db, strategy, SYSTEM_MAKER, meta)
    sample = generate_population(PopulationConfig(n=3000, seed=6))
    approvals.record_validation(
        db,
        trained.model.version,
        SYSTEM_MAKER,
        *validation_report(
            trained.model,
            sample,
            sample["defaulted"].to_numpy(),
            "population seed 6",
            actor=SYSTEM_MAKER,
            baseline=build_baseline(trained.model, frame),
        ),
    )
    monitoring.run_monitoring(db, monitoring.Window("2026-01-15", "", "9999"), load_thresholds())
    service.close()
    return bank
