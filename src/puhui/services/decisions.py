"""Decide, grant and audit in one transaction; replay a logged decision exactly.

`DecisionService.decide` is idempotent by application id: a repeated application returns the
decision already logged and changes nothing. The audit row and the decision's effect (the
credit line an approval grants) commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from puhui.db import Database
from puhui.errors import ValidationError
from puhui.fingerprint import fingerprint
from puhui.governance import audit
from puhui.governance.audit import AuditEntry
from puhui.governance.registry import (
    create_registry_tables,
    load_strategy_version,
    materialise_model,
)
from puhui.rate import PPB, Rate
from puhui.risk.decide import Decider, DecisionResult
from puhui.risk.model import RiskModel, load_model
from puhui.risk.outcome import reason_text
from puhui.risk.strategy import Strategy

#: Grants the effect of an approval inside the caller's transaction; returns the line id.
GrantLine = Callable[[Database, DecisionResult, str], str]


@dataclass(frozen=True)
class Replay:
    decision_id: str
    matches: bool
    original: Mapping[str, Any]
    replayed: Mapping[str, Any]
    differences: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "matches": self.matches,
            "differences": self.differences,
            "original": dict(self.original),
            "replayed": dict(self.replayed),
        }


class DecisionService:
    def __init__(
        self,
        db: Database,
        decider: Decider,
        *,
        grant_line: GrantLine | None = None,
        model_cache: str | Path = "./puhui-data/models",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.decider = decider
        self.grant_line = grant_line
        self.model_cache = Path(model_cache)
        self.clock = clock
        audit.create_audit_tables(db)
        create_registry_tables(db)
        self._models: dict[str, RiskModel] = {decider.model.version: decider.model}

    def decide(
        self, fields: Mapping[str, Any], application_id: str | None = None, *, grant: bool = True
    ) -> AuditEntry:
        """Decide one application, grant its line if approved, and log it — atomically."""
        return self.record(self.evaluate(fields, application_id), grant=grant)

    def evaluate(
        self, fields: Mapping[str, Any], application_id: str | None = None
    ) -> DecisionResult:
        """The decision alone (pure CPU, no database): what `record` then logs."""
        if application_id is not None and (
            not isinstance(application_id, str) or not 0 < len(application_id) <= 128
        ):
            raise ValidationError("application_id must be 1-128 characters", field="application_id")
        return self.decider.decide(fields, application_id)

    def record(self, result: DecisionResult, *, grant: bool = True) -> AuditEntry:
        """Grant (if approved) and log an evaluated decision in one transaction; a repeated
        application id returns the decision already logged and changes nothing."""
        with self.db.tx():
            existing = audit.by_application(self.db, result.application_id)
            if existing is not None:
                return existing
            decision_id = audit.new_decision_id()
            line_id = None
            if grant and result.outcome == "approve" and self.grant_line is not None:
                line_id = self.grant_line(self.db, result, decision_id)
            entry = entry_for(result, decision_id, self.clock(), line_id)
            audit.record(self.db, entry)
        return entry

    def _model(self, version: str) -> RiskModel:
        model = self._models.get(version)
        if model is None:
            model = load_model(materialise_model(self.db, version, self.model_cache))
            self._models[version] = model
        return model

    def replay(self, decision_id: str) -> Replay:
        """Re-run a logged decision with its own strategy and model versions."""
        entry = audit.get(self.db, decision_id)
        strategy = load_strategy_version(self.db, entry.strategy_version)
        model = self._model(entry.model_version)
        original = dict(entry.outputs)
        if original.get("mode") == "batch":
            again = batch_outputs(model, strategy, entry.features)
        else:
            decider = Decider.single(model, strategy, currency=entry.currency)
            again = decider.decide(entry.features, entry.application_id).outputs()
            # An experiment's arm is the live routing, not part of what a strategy computes.
            for key in ("arm", "shadow"):
                again[key] = original.get(key)
        differences = sorted(
            k for k in original.keys() | again.keys() if original.get(k) != again.get(k)
        )
        return Replay(decision_id, not differences, original, again, differences)


def batch_outputs(
    model: RiskModel, strategy: Strategy, features: Mapping[str, Any]
) -> dict[str, Any]:
    """What the batch pre-approval logs for one customer, recomputed from its features."""
    import polars as pl

    from puhui.preapproval.engine import decide_frame

    row = decide_frame(model, strategy, pl.DataFrame([dict(features)])).row(0, named=True)
    return batch_outputs_of(row, strategy)


def batch_reasons_of(row: Mapping[str, Any], strategy: Strategy) -> list[dict[str, Any]]:
    """A decided row's reasons: the strategy's codes, then the model's, each in zh and en."""
    reasons: list[dict[str, Any]] = []
    for code in row["reason_codes"]:
        zh, en = reason_text(strategy, code)
        reasons.append({"code": code, "source": "policy", "text_zh": zh, "text_en": en})
    for slot in range(1, 5):
        code = row.get(f"reason_{slot}")
        if code:
            reasons.append(
                {
                    "code": code,
                    "source": "model",
                    "text_zh": row.get(f"reason_{slot}_zh"),
                    "text_en": row.get(f"reason_{slot}_en"),
                }
            )
    return reasons


def _batch_rate(row: Mapping[str, Any]) -> Rate | None:
    return None if row["rate_ppb"] is None else Rate.from_units(row["rate_ppb"], PPB)


def batch_outputs_of(row: Mapping[str, Any], strategy: Strategy) -> dict[str, Any]:
    """The audit's `outputs` of one row decided by `decide_frame` (mode "batch")."""
    rate = _batch_rate(row)
    reasons = batch_reasons_of(row, strategy)
    return {
        "mode": "batch",
        "outcome": row["decision"],
        "pd": float(row["pd"]),
        "score": int(row["score"]),
        "limit_minor": int(row["limit_minor"]),
        "nominal_rate": None if rate is None else rate.text(),
        "term_months": int(row["term_months"]),
        "reason_codes": list(row["reason_codes"]),
        "model_reasons": [r["code"] for r in reasons if r["source"] == "model"],
    }


def batch_entry(
    row: Mapping[str, Any],
    features: Mapping[str, Any],
    decision_id: str,
    when: datetime,
    strategy: Strategy,
    model: RiskModel,
    line_id: str | None,
    application_id: str | None = None,
) -> AuditEntry:
    """The audit row of a batch decision (pre-approval), as `DecisionService.replay` reads it."""
    rate = _batch_rate(row)
    return AuditEntry(
        decision_id=decision_id,
        application_id=application_id or f"preapproval-{strategy.version_id}-{row['customer_id']}",
        customer_id=row["customer_id"],
        decided_at=when.isoformat(timespec="microseconds"),
        inputs_sha256=fingerprint(features),
        features=dict(features),
        strategy_version=strategy.version_id,
        model_version=model.version,
        arm="champion",
        outcome=row["decision"],
        pd=float(row["pd"]),
        score=int(row["score"]),
        limit_minor=int(row["limit_minor"]),
        nominal_rate=None if rate is None else rate.text(),
        currency=strategy.pricing.currency,
        rules_fired=list(row["rules_fired"]),
        reasons=batch_reasons_of(row, strategy)[:4],
        outputs=batch_outputs_of(row, strategy),
        line_id=line_id,
    )


def line_id_for(decision_id: str) -> str:
    """The id of the credit line an approval grants (one line per decision)."""
    return f"line-{decision_id}"


def grant_credit_line(
    product_id: str = "puhui-revolving-micro", valid_days: int = 365
) -> GrantLine:
    """Grant the approved limit at the priced APR as a credit line, in the caller's transaction.

    The caller's database must be the lending sub-ledger's (`LendingService.db`), so the line
    and the audit row commit together.
    """
    from puhui.money import Money
    from puhui.servicing import catalog, lines
    from puhui.servicing.store import Db

    def grant(db: Database, result: DecisionResult, decision_id: str) -> str:
        if not isinstance(db, Db):
            raise TypeError("grant_credit_line needs the lending database")
        if result.nominal_rate is None:
            raise ValidationError(
                "an approval without a priced rate cannot be granted", field="nominal_rate"
            )
        today = catalog.business_date(db)
        line = lines.create_line(
            db,
            line_id_for(decision_id),
            result.customer_id,
            Money(result.limit_minor, result.currency).format(),
            result.nominal_rate,
            today + timedelta(days=valid_days),
            product_id,
        )
        return line.id

    return grant


def entry_for(
    result: DecisionResult, decision_id: str, when: datetime, line_id: str | None
) -> AuditEntry:
    outputs = result.outputs()
    return AuditEntry(
        decision_id=decision_id,
        application_id=result.application_id,
        customer_id=result.customer_id,
        decided_at=when.isoformat(timespec="microseconds"),
        inputs_sha256=result.inputs_sha256,
        features=result.features,
        strategy_version=result.strategy_version,
        model_version=result.model_version,
        arm=result.arm,
        outcome=result.outcome,
        pd=result.pd,
        score=result.score,
        limit_minor=result.limit_minor,
        nominal_rate=None if result.nominal_rate is None else result.nominal_rate.text(),
        currency=result.currency,
        rules_fired=list(result.rules_fired),
        reasons=[dict(r) for r in result.reasons],
        outputs=outputs,
        shadow=result.shadow,
        line_id=line_id,
    )
