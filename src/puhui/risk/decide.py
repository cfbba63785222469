"""The decision: a model's PD and a strategy's rules, prices and limits for one application.

`Decider.decide(fields)` checks the application against the model's feature spec and the
strategy's fields (a missing, extra, mistyped or out-of-range field is a `ValidationError`
naming it, never an approval), scores it, explains it, and applies the strategy (or the
champion/challenger experiment). It is deterministic: the same fields, strategy and model
give the same decision, which is what makes a logged decision replayable. Reason codes are
the policy rules that fired, then the strategy's own codes, then the model's adverse factors,
at most four in all, as adverse-action practice expects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from puhui.errors import ValidationError
from puhui.fingerprint import fingerprint
from puhui.rate import Rate
from puhui.risk.model import RiskModel
from puhui.risk.outcome import (
    ID_FIELD,
    INCOME_FIELD,
    OBLIGATIONS_FIELD,
    Outcome,
    apply_experiment,
    reason_text,
)
from puhui.risk.strategy import Experiment, Strategy, parse_strategy

MAX_REASONS = 4


def bind_model(strategy: Strategy, model: RiskModel, name: str = "pd") -> Strategy:
    """The strategy with its model reference pinned to this model's content version."""
    data = strategy.to_data()
    data["model"] = {"name": name, "version": model.version, "path": f"registry:{model.version}"}
    return parse_strategy(data)


@dataclass(frozen=True)
class DecisionResult:
    """One decision with everything needed to explain, audit and replay it."""

    application_id: str
    customer_id: str
    outcome: str
    pd: float
    score: int
    limit_minor: int
    nominal_rate: Rate | None
    term_months: int
    currency: str
    reasons: tuple[dict[str, Any], ...]
    rules_fired: tuple[str, ...]
    strategy_version: str
    model_version: str
    arm: str
    bucket: int
    features: Mapping[str, Any]
    inputs_sha256: str
    price: Mapping[str, Any]
    limit: Mapping[str, Any]
    shadow: Mapping[str, Any] | None

    def outputs(self) -> dict[str, Any]:
        """The decision's outputs, compared exactly when a logged decision is replayed."""
        return {
            "outcome": self.outcome,
            "pd": self.pd,
            "score": self.score,
            "limit_minor": self.limit_minor,
            "nominal_rate": None if self.nominal_rate is None else self.nominal_rate.text(),
            "term_months": self.term_months,
            "currency": self.currency,
            "reasons": [dict(r) for r in self.reasons],
            "rules_fired": list(self.rules_fired),
            "strategy_version": self.strategy_version,
            "model_version": self.model_version,
            "arm": self.arm,
            "price": dict(self.price),
            "limit": dict(self.limit),
            "shadow": dict(self.shadow) if self.shadow is not None else None,
        }


def _outcome_summary(outcome: Outcome) -> dict[str, Any]:
    return {
        "outcome": outcome.decision.value,
        "limit_minor": outcome.limit_minor,
        "nominal_rate": None if outcome.nominal_rate is None else outcome.nominal_rate.text(),
        "strategy_version": outcome.strategy_id,
        "reason_codes": list(outcome.reason_codes),
    }


def _plain(value: Any) -> Any:
    """JSON-safe copy of an input value (numpy scalars to Python, NaN kept as None)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class Decider:
    """Decides with a champion strategy (and optionally a challenger) and a PD model."""

    def __init__(
        self,
        model: RiskModel,
        experiment: Experiment,
        *,
        currency: str = "CNY",
        challenger_model: RiskModel | None = None,
    ) -> None:
        for strategy in (experiment.champion, experiment.challenger):
            if strategy is not None and strategy.model.version not in {
                model.version,
                challenger_model.version if challenger_model else None,
            }:
                raise ValidationError(
                    f"strategy {strategy.version_id} is bound to model "
                    f"{strategy.model.version}, not {model.version}",
                    field="model_version",
                )
        self.model = model
        self.challenger_model = challenger_model
        self.experiment = experiment
        self.currency = currency
        strategies = [s for s in (experiment.champion, experiment.challenger) if s is not None]
        policy_fields = {
            name
            for strategy in strategies
            for rule in strategy.policy.rules
            for name in rule.when.fields()
        }
        self.kinds = {
            name: strategy.policy.fields[name]
            for strategy in strategies
            for name in policy_fields
            if name in strategy.policy.fields
        }
        self.required = [*model.feature_names, INCOME_FIELD, OBLIGATIONS_FIELD]
        self.allowed = {ID_FIELD, *self.required, *policy_fields}

    @classmethod
    def single(cls, model: RiskModel, strategy: Strategy, currency: str = "CNY") -> Decider:
        return cls(model, Experiment("single", "single", strategy), currency=currency)

    def _check(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(fields, Mapping):
            raise ValidationError("the application must be an object of fields", field="fields")
        customer_id = fields.get(ID_FIELD)
        if customer_id is None or (isinstance(customer_id, str) and not customer_id.strip()):
            raise ValidationError("customer_id is required", field=ID_FIELD)
        if not isinstance(customer_id, str | int) or isinstance(customer_id, bool):
            raise ValidationError("customer_id must be a string", field=ID_FIELD)
        for name in fields:
            if name not in self.allowed:
                raise ValidationError(
                    f"unexpected field '{name}'", field=name, code="unexpected_field"
                )
        for name in self.required:
            if name not in fields:
                raise ValidationError(f"missing field '{name}'", field=name, code="missing_field")
        for name in (INCOME_FIELD, OBLIGATIONS_FIELD):
            value = fields[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValidationError(f"{name} must be a number", field=name, code="wrong_type")
            if not math.isfinite(value) or value < 0:
                raise ValidationError(
                    f"{name} must be a non-negative amount", field=name, code="out_of_range"
                )
        for name, kind in self.kinds.items():
            value = fields.get(name)
            if value is not None and not _fits(value, kind.value):
                raise ValidationError(
                    f"{name} must be of type {kind.value}", field=name, code="wrong_type"
                )
        snapshot = {name: _plain(fields[name]) for name in sorted(fields)}
        snapshot[ID_FIELD] = str(customer_id)
        return snapshot

    def decide(
        self, fields: Mapping[str, Any], application_id: str | None = None
    ) -> DecisionResult:
        """Decide one application; raises ValidationError (naming the field) on bad input."""
        snapshot = self._check(fields)
        model_row = {name: snapshot[name] for name in self.model.feature_names}
        matrix = self.model.encode(model_row)
        pd = float(self.model.predict_pd_encoded(matrix)[0])
        challenger_pd = None
        if self.challenger_model is not None:
            row = {n: snapshot[n] for n in self.challenger_model.feature_names}
            challenger_pd = float(self.challenger_model.predict_pd(row)[0])
        result = apply_experiment(pd, snapshot, self.experiment, challenger_pd)
        outcome = result.outcome
        deciding_pd = pd
        if result.assignment.arm.value == "challenger" and challenger_pd is not None:
            deciding_pd = challenger_pd
        score = int(self.model.score_points(deciding_pd)[0])
        reasons: list[dict[str, Any]] = []
        strategy = result.assignment.deciding
        for code in outcome.reason_codes:
            zh, en = reason_text(strategy, code)
            reasons.append({"code": code, "source": "policy", "text_zh": zh, "text_en": en})
        if outcome.decision.value != "approve" or outcome.nominal_rate is not None:
            for reason in self.model.explain_encoded(matrix, MAX_REASONS)[0]:
                reasons.append(
                    {
                        "code": reason.code,
                        "source": "model",
                        "feature": reason.feature,
                        "direction": reason.direction,
                        "contribution": round(float(reason.contribution), 6),
                        "text_zh": reason.text_zh,
                        "text_en": reason.text_en,
                    }
                )
        return DecisionResult(
            application_id=application_id or f"app-{fingerprint(snapshot)[:24]}",
            customer_id=snapshot[ID_FIELD],
            outcome=outcome.decision.value,
            pd=round(deciding_pd, 12),
            score=score,
            limit_minor=outcome.limit_minor,
            nominal_rate=outcome.nominal_rate,
            term_months=outcome.term_months,
            currency=self.currency,
            reasons=tuple(reasons[:MAX_REASONS]),
            rules_fired=tuple(outcome.rules_fired),
            strategy_version=outcome.strategy_id,
            model_version=(
                self.challenger_model.version
                if self.challenger_model is not None and result.assignment.arm.value == "challenger"
                else self.model.version
            ),
            arm=result.assignment.arm.value,
            bucket=result.assignment.bucket,
            features=snapshot,
            inputs_sha256=fingerprint(snapshot),
            price=_jsonable(outcome.price.to_dict()),
            limit=_jsonable(outcome.limit.to_dict()),
            shadow=_outcome_summary(result.shadow) if result.shadow is not None else None,
        )


def _fits(value: Any, kind: str) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def _jsonable(data: Any) -> Any:
    """Decimals as exact strings, all the way down (the audit stores JSON)."""
    if isinstance(data, Mapping):
        return {k: _jsonable(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_jsonable(v) for v in data]
    return str(data) if isinstance(data, Decimal) else data
