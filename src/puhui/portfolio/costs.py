"""The operating-cost model of a simulated book: what running it costs besides funding.

Three unit costs, all integer minor units (fen): IT cost per account per year (the seed's
figure for the reference operator is 2 yuan per account per year), cost per credit decision
(bureau and data queries, model scoring) and cost per call (a collection or marketing call).
Funding is charged on the principal outstanding each day at `funding_rate` (actual/365).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from puhui.errors import ValidationError
from puhui.rate import PPB, Rate

#: The seed: "about 2 yuan of IT cost per account per year".
SEED_IT_COST_PER_ACCOUNT_YEAR_MINOR = 200
#: The default strategy's marginal funding rate.
FUNDING_RATE = Rate.of("0.03")


@dataclass(frozen=True)
class CostModel:
    """Unit costs in minor units; `funding_rate` is the annual cost of the money lent."""

    it_per_account_year_minor: int = SEED_IT_COST_PER_ACCOUNT_YEAR_MINOR
    per_decision_minor: int = 50  # assumption: 0.5 yuan of data queries and scoring
    per_call_minor: int = 200  # assumption: 2 yuan per outbound call (agent time, telecom)
    funding_rate: Rate = FUNDING_RATE

    def __post_init__(self) -> None:
        for name in ("it_per_account_year_minor", "per_decision_minor", "per_call_minor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError(f"{name} must be a whole number >= 0", field=name)
        if not isinstance(self.funding_rate, Rate) or not 0 <= self.funding_rate.fraction <= 1:
            raise ValidationError("funding_rate must be a Rate in [0, 1]", field="funding_rate")
        self.funding_rate.per_unit(PPB, "funding_rate")

    def it_cost(self, account_months: int) -> int:
        """IT cost of `account_months` (accounts open x months), rounded half-even."""
        return _round(Decimal(account_months * self.it_per_account_year_minor) / 12)

    def funding_cost(self, balance_days: int) -> int:
        """Funding of `balance_days` (sum over days of the end-of-day principal, minor units)."""
        return _round(
            Decimal(balance_days) * Decimal(self.funding_rate.per_unit(PPB)) / (365 * PPB)
        )

    def to_dict(self) -> dict[str, str | int]:
        return {
            "it_per_account_year_minor": self.it_per_account_year_minor,
            "per_decision_minor": self.per_decision_minor,
            "per_call_minor": self.per_call_minor,
            "funding_rate": self.funding_rate.text(),
        }


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding="ROUND_HALF_EVEN"))
