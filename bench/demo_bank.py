"""The demo bank's figures a risk manager checks first: approval rate, delinquency, loss.

Builds the main job's bank (`puhui.services.bank.build_bank`, the code `puhui run` runs) on a
throwaway SQLite database and prints:

- the approval rate of the batch pre-approval (decision_audit);
- the 30+ days-past-due rate at month 3: loans 90 days or more on book whose days past due are
  30 or more, by count and by principal outstanding (lending_loans);
- realised against expected loss over the approved lines: EL = PD x LGD x EAD
  (`ReadModel.expected_loss`) against the same exposure with PD replaced by the population's
  ground-truth 12-month default (`defaulted`), i.e. the loss the book will realise;
- the share of first-time borrowers among approved customers.

    python -m bench bench.demo_bank
    PUHUI_BENCH_CUSTOMERS=20000 PUHUI_BENCH_DAYS=120 python -m bench bench.demo_bank
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.machine import info
from puhui.db import Database
from puhui.population import PopulationConfig, generate_population
from puhui.services.bank import BankConfig, build_bank, customer_id
from puhui.web.queries import ReadModel


def figures(url: str, config: BankConfig) -> dict[str, Any]:
    """The calibration figures of a bank built with `config` in `url`."""
    db = Database(url)
    try:
        (today,) = db.one("SELECT business_day FROM lending_state")
        outcomes = dict(db.all("SELECT outcome, COUNT(*) FROM decision_audit GROUP BY outcome"))
        n, late, principal, late_principal = db.one(
            "SELECT COUNT(*), SUM(CASE WHEN dpd >= 30 THEN 1 ELSE 0 END), "
            "SUM(principal), SUM(CASE WHEN dpd >= 30 THEN principal ELSE 0 END) "
            "FROM lending_loans WHERE disbursed_day <= ?",
            (int(today) - 90,),
        )
        owners = dict(db.all("SELECT id, customer_id FROM lending_lines"))
    finally:
        db.close()
    frame = generate_population(PopulationConfig(n=config.customers, seed=config.seed))
    truth = {
        customer_id(int(i)): (bool(d), bool(h))
        for i, d, h in frame.select("customer_id", "defaulted", "has_credit_history").iter_rows()
    }
    realised = expected = ead = Decimal(0)
    first_time = 0
    rows = ReadModel(url).line_exposures() or []
    for row in rows:
        e = row.exposure
        if e is None:
            continue
        defaulted, history = truth[str(owners[row.line_id])]
        first_time += not history
        expected += e.el
        ead += e.ead
        realised += e.lgd * e.ead if defaulted else 0
    total = sum(outcomes.values())
    return {
        "prospects": total,
        "approval_rate": outcomes.get("approve", 0) / total,
        "refer_rate": outcomes.get("refer", 0) / total,
        "first_time_share_of_approved": first_time / len(rows) if rows else None,
        "loans_90d_on_book": int(n or 0),
        "dpd30_rate_month3_count": (late or 0) / n if n else None,
        "dpd30_rate_month3_principal": (late_principal or 0) / principal if principal else None,
        "expected_loss_rate": float(expected / ead) if ead else None,
        "realised_loss_rate": float(realised / ead) if ead else None,
        "realised_over_expected": float(realised / expected) if expected else None,
    }


def main() -> None:
    print(info())
    config = BankConfig(
        customers=int(os.environ.get("PUHUI_BENCH_CUSTOMERS", "20000")),
        history=int(os.environ.get("PUHUI_BENCH_HISTORY", "40000")),
        days=int(os.environ.get("PUHUI_BENCH_DAYS", "120")),
        borrowers=int(os.environ.get("PUHUI_BENCH_BORROWERS", "1500")),
        start=date(2026, 1, 5),
        demo_calls=False,
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bank.db'}"
        start = time.perf_counter()
        summary = build_bank(url, tmp, config)
        seconds = time.perf_counter() - start
        out = figures(url, config)
    print(f"demo bank: {config.customers:,} prospects, {config.days} days, {seconds:.0f} s")
    print(f"  model {summary.get('model_version')}")
    for key, value in out.items():
        print(f"  {key:32} {value:.4f}" if isinstance(value, float) else f"  {key:32} {value}")


if __name__ == "__main__":
    main()
