"""Apply a strategy to a PD and a customer's fields: approve, refer or decline, limit and APR.

Pure: the PD comes in as a number (or an array); the model that produced it, the audit log and
the ledger are the caller's. The order of precedence is decline > refer > approve:

- decline when a knock-out rule fires, when PD > `refer_max_pd`, or when the limit comes out
  below the product minimum (the customer cannot afford the smallest line);
- refer when a refer rule fires or `approve_max_pd` < PD <= `refer_max_pd`;
- approve otherwise, with the limit and the APR.

Reason codes are the policy rules that fired, in rule order, then the strategy's own codes
(`S-...`), each with Chinese and English text. `apply_strategy` (one customer) and
`apply_strategy_batch` (a Polars frame and a PD array) give identical outcomes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from puhui.errors import ValidationError
from puhui.rate import Rate
from puhui.risk.limits import LimitQuote, limit, limit_batch
from puhui.risk.policy import Action, PolicyDecision, code_lists
from puhui.risk.pricing import PriceQuote, price, price_batch
from puhui.risk.strategy import Arm, Assignment, Experiment, Strategy, buckets
from puhui.risk.units import (
    RATE_SCALE,
    probability_units,
    probability_units_batch,
    yuan_to_minor,
    yuan_to_minor_batch,
)

INCOME_FIELD = "monthly_income"
OBLIGATIONS_FIELD = "monthly_obligations"
ID_FIELD = "customer_id"

PD_DECLINE = "S-PD-DECLINE"
PD_REFER = "S-PD-REFER"
LIMIT_BELOW_MIN = "S-LIMIT-BELOW-MIN"

#: The strategy's own reason codes, with the text a customer (zh) and an agent (en) read.
STRATEGY_REASONS: dict[str, tuple[str, str]] = {
    PD_DECLINE: (
        "综合信用评估未达到准入标准",
        "Credit risk assessment is above the approval limit",
    ),
    PD_REFER: ("综合信用评估需人工复核", "Credit risk assessment needs manual review"),
    LIMIT_BELOW_MIN: (
        "收入与现有负债可承受的额度低于最低授信额度",
        "Income and existing debts support less than the minimum credit line",
    ),
}


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REFER = "refer"
    DECLINE = "decline"


_DECISIONS = pl.Series("decision", [d.value for d in Decision])  # gathered by 0 / 1 / 2


@dataclass(frozen=True, slots=True)
class Outcome:
    """The decision for one customer, with everything the audit log needs to explain it."""

    decision: Decision
    limit_minor: int
    nominal_rate: Rate | None
    term_months: int
    rules_fired: tuple[str, ...]
    reason_codes: tuple[str, ...]
    strategy_id: str
    model: str
    price: PriceQuote
    limit: LimitQuote

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "limit_minor": self.limit_minor,
            "nominal_rate": None if self.nominal_rate is None else self.nominal_rate.text(),
            "term_months": self.term_months,
            "rules_fired": list(self.rules_fired),
            "reason_codes": list(self.reason_codes),
            "strategy_id": self.strategy_id,
            "model": self.model,
            "price": self.price.to_dict(),
            "limit": self.limit.to_dict(),
        }


def reason_text(strategy: Strategy, code: str) -> tuple[str, str]:
    """(Chinese, English) text of a reason code from the policy or the strategy."""
    for rule in strategy.policy.rules:
        if rule.code == code:
            return rule.zh, rule.en
    return STRATEGY_REASONS[code]


def apply_strategy(pd: float | Decimal, customer: Mapping[str, Any], strategy: Strategy) -> Outcome:
    """Decide for one customer with probability of default `pd`."""
    policy = strategy.policy.evaluate(customer)
    pd_units = probability_units(pd)
    pd_decline = pd_units > _units(strategy.cutoffs.refer_max_pd)
    pd_refer = not pd_decline and pd_units > _units(strategy.cutoffs.approve_max_pd)
    term = strategy.limits.term_months
    quote = price(pd, term, strategy.pricing)
    lim = limit(
        pd,
        quote.nominal_rate,
        _minor(customer, INCOME_FIELD),
        _minor(customer, OBLIGATIONS_FIELD),
        strategy.limits,
    )
    below_min = lim.limit_minor == 0 and not pd_decline
    decline = policy.decision is PolicyDecision.DECLINE or pd_decline or below_min
    refer = not decline and (policy.decision is PolicyDecision.REFER or pd_refer)
    decision = Decision.DECLINE if decline else Decision.REFER if refer else Decision.APPROVE
    codes = list(policy.reason_codes)
    if pd_decline:
        codes.append(PD_DECLINE)
    if pd_refer:
        codes.append(PD_REFER)
    if below_min:
        codes.append(LIMIT_BELOW_MIN)
    return Outcome(
        decision=decision,
        limit_minor=0 if decline else lim.limit_minor,
        nominal_rate=None if decline else quote.nominal_rate,
        term_months=term,
        rules_fired=policy.reason_codes,
        reason_codes=tuple(codes),
        strategy_id=strategy.version_id,
        model=f"{strategy.model.name}@{strategy.model.version}",
        price=quote,
        limit=lim,
    )


def apply_strategy_batch(
    pd: npt.ArrayLike, customers: pl.DataFrame, strategy: Strategy
) -> pl.DataFrame:
    """Decide for every row of `customers` (PDs aligned by position); one row out per row in.

    Columns: `customer_id` (when present), `decision`, `limit_minor`, `rate_ppb` (the nominal
    annual rate in parts per billion, null when declined), `term_months`, `rules_fired`,
    `reason_codes`.
    """
    pd_array = np.asarray(pd, dtype=np.float64)
    if pd_array.shape != (customers.height,):
        raise ValidationError(
            f"need one PD per customer: {pd_array.size} PDs for {customers.height} rows",
            field="pd",
        )
    for name in (INCOME_FIELD, OBLIGATIONS_FIELD):
        if name not in customers.columns:
            raise ValidationError(f"customer data has no column {name!r}", field=name)
    policy = strategy.policy
    rule_mask = policy.fired_masks(customers)
    pd_units = probability_units_batch(pd_array)
    pd_decline = pd_units > _units(strategy.cutoffs.refer_max_pd)
    pd_refer = ~pd_decline & (pd_units > _units(strategy.cutoffs.approve_max_pd))
    term = strategy.limits.term_months
    prices = price_batch(pd_array, term, strategy.pricing)
    limits = limit_batch(
        pd_array,
        prices.rate_ppb,
        yuan_to_minor_batch(customers[INCOME_FIELD].cast(pl.Float64).to_numpy()),
        yuan_to_minor_batch(customers[OBLIGATIONS_FIELD].cast(pl.Float64).to_numpy()),
        strategy.limits,
    )
    below_min = (limits.limit_minor == 0) & ~pd_decline
    decline = ((rule_mask & policy.action_mask(Action.DECLINE)) != 0) | pd_decline | below_min
    refer = ~decline & (((rule_mask & policy.action_mask(Action.REFER)) != 0) | pd_refer)
    decision = _DECISIONS.gather(np.where(decline, 2, np.where(refer, 1, 0)))
    k = len(policy.rules)
    mask = (
        rule_mask
        | (pd_decline.astype(np.int64) << k)
        | (pd_refer.astype(np.int64) << (k + 1))
        | (below_min.astype(np.int64) << (k + 2))
    )
    columns: dict[str, Any] = {}
    if ID_FIELD in customers.columns:
        columns[ID_FIELD] = customers[ID_FIELD]
    columns |= {
        "decision": decision,
        "limit_minor": np.where(decline, 0, limits.limit_minor),
        "rate_ppb": pl.Series(prices.rate_ppb).set(pl.Series(decline), None),
        "term_months": np.full(customers.height, term, dtype=np.int64),
        "rules_fired": code_lists(rule_mask, policy.codes),
        "reason_codes": code_lists(mask, (*policy.codes, PD_DECLINE, PD_REFER, LIMIT_BELOW_MIN)),
    }
    return pl.DataFrame(columns)


# -- champion / challenger ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ExperimentOutcome:
    """The deciding outcome, and in shadow mode the challenger's outcome, which is only logged."""

    assignment: Assignment
    outcome: Outcome
    shadow: Outcome | None


def apply_experiment(
    pd: float | Decimal,
    customer: Mapping[str, Any],
    experiment: Experiment,
    challenger_pd: float | Decimal | None = None,
) -> ExperimentOutcome:
    """Route one customer to champion or challenger and decide; `challenger_pd` if its model
    differs from the champion's (else the same PD is used)."""
    customer_id = customer.get(ID_FIELD)
    if not isinstance(customer_id, str):
        raise ValidationError("customer_id is required for champion/challenger", field=ID_FIELD)
    assignment = experiment.assign(customer_id)
    other_pd = pd if challenger_pd is None else challenger_pd
    deciding_pd = other_pd if assignment.arm is Arm.CHALLENGER else pd
    outcome = apply_strategy(deciding_pd, customer, assignment.deciding)
    shadow = apply_strategy(other_pd, customer, assignment.shadow) if assignment.shadow else None
    return ExperimentOutcome(assignment, outcome, shadow)


def apply_experiment_batch(
    pd: npt.ArrayLike,
    customers: pl.DataFrame,
    experiment: Experiment,
    challenger_pd: npt.ArrayLike | None = None,
) -> pl.DataFrame:
    """Vectorised `apply_experiment`: adds `bucket` and `arm`, and `shadow_*` columns in shadow
    mode (null outside the challenger slice)."""
    if ID_FIELD not in customers.columns:
        raise ValidationError("customer_id is required for champion/challenger", field=ID_FIELD)
    bucket = buckets(experiment.salt, customers[ID_FIELD].to_list())
    in_slice = bucket < experiment.challenger_buckets
    champion = apply_strategy_batch(pd, customers, experiment.champion)
    arm = np.full(customers.height, Arm.CHAMPION.value, dtype="<U10")
    rows = np.flatnonzero(in_slice)
    if experiment.challenger is None or rows.size == 0:
        return champion.with_columns(pl.Series("bucket", bucket), pl.Series("arm", arm))
    # Only the challenger's slice is evaluated with the challenger.
    other_pd = np.asarray(pd if challenger_pd is None else challenger_pd, dtype=np.float64)
    challenger = apply_strategy_batch(other_pd[rows], customers[rows], experiment.challenger)
    if experiment.shadow:
        shadow = [
            _spread(challenger[c], rows, customers.height).alias(f"shadow_{c}")
            for c in ("decision", "limit_minor", "rate_ppb", "reason_codes")
        ]
        return champion.with_columns(pl.Series("bucket", bucket), pl.Series("arm", arm), *shadow)
    arm[rows] = Arm.CHALLENGER.value
    merged = [_merge(champion[c], challenger[c], rows) for c in champion.columns]
    return pl.DataFrame(merged).with_columns(pl.Series("bucket", bucket), pl.Series("arm", arm))


def _merge(base: pl.Series, replacement: pl.Series, rows: npt.NDArray[np.int64]) -> pl.Series:
    """`base` with element rows[i] replaced by replacement[i] (gather: works for lists too)."""
    n = base.len()
    take = np.arange(n)
    take[rows] = n + np.arange(rows.size)
    return pl.concat([base, replacement]).gather(take)


def _spread(values: pl.Series, rows: npt.NDArray[np.int64], n: int) -> pl.Series:
    """`values` placed at `rows` of a length-n series, null elsewhere."""
    take = np.full(n, rows.size)
    take[rows] = np.arange(rows.size)
    return pl.concat([values, values.clear(1)]).gather(take)


def _units(value: Decimal) -> int:
    return int(value * RATE_SCALE)


def _minor(customer: Mapping[str, Any], name: str) -> int:
    if name not in customer:
        raise ValidationError(f"customer has no field {name!r}", field=name)
    return yuan_to_minor(customer[name])
