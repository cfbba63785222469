"""From what the workload used to yuan per account-year, and to the seed's scale.

    CPU yuan      = sum over kinds (work per account-year x CPU-s per unit) / 3600 x CPU-hour price
    storage yuan  = (bytes per account + transfers per account-year x bytes per transfer)
                    x copies x 12 months x GB-month price / 1e9      (held the whole year)
    model yuan    = calls per account-year x (tokens in x price in + tokens out x price out) / 1000

The projection sizes machines *of the kind measured* (its core count) for the three loads
that set a bank's fleet: the busiest hour of the peak day (`peak_hour_share` of its
transactions, each a drawdown or a repayment, at the planned CPU utilisation), the nightly
close of business over every live loan in its window, and the monthly pre-approval of the
whole base in its window. Provisioned yuan per account-year prices the largest of the three
fleets for a whole year.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from puhui.cost.meter import Measured
from puhui.cost.prices import CostInputs
from puhui.db import Database

#: The seed's figure: about 2 yuan of IT cost per account per year.
SEED_YUAN_PER_ACCOUNT_YEAR = 2.0

DDL = """
CREATE TABLE IF NOT EXISTS cost_reports (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    report_json TEXT NOT NULL
)
"""


@dataclass
class CostReport:
    measured: dict[str, Any]
    inputs: dict[str, Any]
    ai: dict[str, dict[str, int]]
    per_account_year: dict[str, float] = field(default_factory=dict)  # usage
    yuan_per_account_year: dict[str, float] = field(default_factory=dict)  # cost by part
    projection: dict[str, Any] = field(default_factory=dict)

    @property
    def total_yuan(self) -> float:
        return self.yuan_per_account_year["total"]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_report(
    measured: Measured, inputs: CostInputs, ai: dict[str, dict[str, int]]
) -> CostReport:
    p, w, s = inputs.prices, inputs.workload, inputs.scale
    cpu = measured.cpu_seconds
    work = {
        "preapproval_row": float(w.preapproval_rows),
        "decision": float(w.decisions),
        "drawdown": float(w.drawdowns),
        "repayment": float(w.repayments),
        "cob_loan_day": float(w.loan_days),
    }
    cpu_s = {k: work[k] * cpu.get(k, 0.0) for k in work}
    cpu_total = sum(cpu_s.values())
    moves = measured.units.get("drawdown", 0) + measured.units.get("repayment", 0)
    transfers_per_move = measured.transfers / moves if moves else 0.0
    transfers_year = transfers_per_move * (work["drawdown"] + work["repayment"])
    stored = measured.bytes_per_account + transfers_year * measured.bytes_per_transfer
    gb_month = float(p.storage_gb_month_yuan)
    storage_yuan = stored * p.storage_copies * 12 * gb_month / 1e9
    cpu_yuan = cpu_total / 3600 * float(p.cpu_hour_yuan)

    def per_call(kind: str) -> tuple[float, float]:
        seen = ai.get(kind, {})
        if seen.get("calls"):
            return seen["input_tokens"] / seen["calls"], seen["output_tokens"] / seen["calls"]
        return float(w.default_input_tokens), float(w.default_output_tokens)

    large_in, large_out = per_call("large")
    small_in, small_out = per_call("small")
    large_yuan = (
        float(w.large_model_calls)
        * (
            large_in * float(p.large_input_per_1k_tokens_yuan)
            + large_out * float(p.large_output_per_1k_tokens_yuan)
        )
        / 1000
    )
    small_yuan = (
        float(w.small_model_calls)
        * (
            small_in * float(p.small_input_per_1k_tokens_yuan)
            + small_out * float(p.small_output_per_1k_tokens_yuan)
        )
        / 1000
    )
    total = cpu_yuan + storage_yuan + large_yuan + small_yuan

    # -- the seed's scale ------------------------------------------------------------------
    cores = int(measured.machine.get("cores") or 1)
    usable = cores * float(s.cpu_utilisation)  # CPU-seconds per second one machine gives
    per_txn = (
        (cpu_s["drawdown"] + cpu_s["repayment"]) / (work["drawdown"] + work["repayment"])
        if work["drawdown"] + work["repayment"]
        else 0.0
    )
    peak_hour = s.peak_day_transactions * float(s.peak_hour_share)
    peak_machines = peak_hour * per_txn / (3600 * usable)
    live_loans = s.accounts * work["cob_loan_day"] / 365
    cob_machines = (
        live_loans * cpu.get("cob_loan_day", 0.0) / (float(s.cob_window_hours) * 3600 * usable)
    )
    preapproval_machines = (
        s.accounts
        * cpu.get("preapproval_row", 0.0)
        / (float(s.preapproval_window_hours) * 3600 * usable)
    )
    fleet = max(peak_machines, cob_machines, preapproval_machines)
    machines = math.ceil(fleet)
    provisioned_cpu_yuan = machines * cores * 8760 * float(p.cpu_hour_yuan) / s.accounts
    storage_tb = s.accounts * stored * p.storage_copies / 1e12
    return CostReport(
        measured=measured.to_dict(),
        inputs=inputs.to_dict(),
        ai=ai,
        per_account_year={
            "cpu_seconds": cpu_total,
            **{f"cpu_seconds_{k}": v for k, v in cpu_s.items()},
            "transfers": transfers_year,
            "bytes_stored": stored,
            "large_model_calls": float(w.large_model_calls),
            "small_model_calls": float(w.small_model_calls),
        },
        yuan_per_account_year={
            "cpu": cpu_yuan,
            "storage": storage_yuan,
            "large_model": large_yuan,
            "small_model": small_yuan,
            "total": total,
            "seed_target": SEED_YUAN_PER_ACCOUNT_YEAR,
        },
        projection={
            "accounts": s.accounts,
            "peak_day_transactions": s.peak_day_transactions,
            "cores_per_machine": cores,
            "cpu_seconds_per_transaction": per_txn,
            "peak_hour_transactions": peak_hour,
            "machines_peak_day": peak_machines,
            "machines_cob": cob_machines,
            "machines_preapproval": preapproval_machines,
            "machines": machines,
            "live_loans": live_loans,
            "storage_tb": storage_tb,
            "yuan_per_account_year_provisioned": provisioned_cpu_yuan
            + storage_yuan
            + large_yuan
            + small_yuan,
            "yuan_per_year_total": total * s.accounts,
        },
    )


def save_report(db: Database, report: CostReport) -> str:
    """Keep the report in the platform database for the console; returns its id."""
    db.create_tables(DDL, 7345202)
    report_id = uuid.uuid4().hex
    with db.tx():
        db.execute(
            "INSERT INTO cost_reports (id, created_at, report_json) VALUES (?, ?, ?)",
            (report_id, datetime.now(UTC).isoformat(), json.dumps(report.to_dict(), default=str)),
        )
    return report_id


def latest_report(db: Database) -> dict[str, Any] | None:
    db.create_tables(DDL, 7345202)
    with db.read():
        row = db.one("SELECT report_json FROM cost_reports ORDER BY created_at DESC LIMIT 1")
    return json.loads(row[0]) if row else None
