"""The figures of a simulation, month by month and in total: one place computes them all.

Money is integer minor units (fen). Income is booked the way the ledger books it (interest
and penalty as they accrue, fees when billed); losses are write-offs net of recoveries; the
end of the horizon provisions the loans then past due at the strategy's LGD, so a strategy
whose losses land after the horizon is not flattered. Operating cost comes from the
`CostModel`; funding is charged on the end-of-day principal.

- loss rate: (write-offs - recoveries + end provision) / average principal outstanding,
  annualised (x 12 / months);
- return on assets: profit / average principal outstanding, annualised;
- first-time borrowers: borrowers with no credit-bureau record, as a share of all borrowers
  (the seed's inclusion measure: 18%).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from puhui.portfolio.behaviour import MonthActivity
from puhui.portfolio.book import EndPosition, Totals
from puhui.portfolio.costs import CostModel


@dataclass(frozen=True)
class MonthFigures:
    month: int
    date: str
    days: int
    approvals: int
    accounts: int
    drawdowns: int
    disbursed_minor: int
    new_borrowers: int
    new_first_time_borrowers: int
    prepayments: int
    late_payments: int
    defaults: int
    calls: int
    principal_outstanding_minor: int
    average_balance_minor: int
    interest_income_minor: int
    penalty_income_minor: int
    fee_income_minor: int
    funding_cost_minor: int
    expected_loss_minor: int
    write_off_minor: int
    write_off_principal_minor: int
    recoveries_minor: int
    operating_cost_minor: int
    profit_minor: int
    return_on_assets: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def month_figures(
    month: int,
    date_text: str,
    days: int,
    flows: Totals,
    activity: MonthActivity,
    *,
    approvals: int,
    accounts: int,
    decisions: int,
    costs: CostModel,
) -> MonthFigures:
    """One month's figures from the book's flows and the plan's activity."""
    funding = costs.funding_cost(flows.balance_days)
    operating = (
        costs.it_cost(accounts)
        + decisions * costs.per_decision_minor
        + activity.calls * costs.per_call_minor
    )
    income = flows.interest_income + flows.penalty_income + flows.fee_income
    profit = income + flows.recovery_income - flows.write_off - funding - operating
    average = flows.balance_days // days if days else 0
    return MonthFigures(
        month=month,
        date=date_text,
        days=days,
        approvals=approvals,
        accounts=accounts,
        drawdowns=activity.drawdowns,
        disbursed_minor=activity.disbursed_minor,
        new_borrowers=activity.new_borrowers,
        new_first_time_borrowers=activity.new_first_time_borrowers,
        prepayments=activity.prepayments,
        late_payments=activity.late_payments,
        defaults=activity.defaults,
        calls=activity.calls,
        principal_outstanding_minor=flows.principal_outstanding,
        average_balance_minor=average,
        interest_income_minor=flows.interest_income,
        penalty_income_minor=flows.penalty_income,
        fee_income_minor=flows.fee_income,
        funding_cost_minor=funding,
        expected_loss_minor=round(activity.expected_loss_minor),
        write_off_minor=flows.write_off,
        write_off_principal_minor=flows.write_off_principal,
        recoveries_minor=flows.recovery_income,
        operating_cost_minor=operating,
        profit_minor=profit,
        return_on_assets=round(profit / average * 365 / days, 6) if average else 0.0,
    )


@dataclass(frozen=True)
class Summary:
    """The whole horizon."""

    customers: int
    approvals: int
    approval_rate: float
    borrowers: int
    first_time_borrowers: int
    first_time_share: float
    drawdowns: int
    disbursed_minor: int
    interest_income_minor: int
    penalty_income_minor: int
    fee_income_minor: int
    funding_cost_minor: int
    operating_cost_minor: int
    expected_loss_minor: int
    write_off_minor: int
    write_off_principal_minor: int
    recoveries_minor: int
    end_past_due_loans: int
    end_provision_minor: int
    realised_loss_minor: int
    average_balance_minor: int
    loss_rate: float
    profit_minor: int
    return_on_assets: float
    refused_events: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(data.pop("extra"))
        return data


def summarise(
    months: list[MonthFigures],
    end: EndPosition,
    totals: Totals,
    *,
    customers: int,
    approvals: int,
    borrowers: int,
    first_time_borrowers: int,
    lgd: float,
) -> Summary:
    """Totals over the months, the end provision, and the rates the optimiser constrains."""

    def total(name: str) -> int:
        return int(sum(getattr(m, name) for m in months))

    days = sum(m.days for m in months)
    provision = round(end.past_due_receivable * lgd)
    write_off, recoveries = total("write_off_minor"), total("recoveries_minor")
    realised = write_off - recoveries + provision
    average = totals.balance_days // days if days else 0
    profit = total("profit_minor") - provision
    annual = 365 / days if days else 0.0
    return Summary(
        customers=customers,
        approvals=approvals,
        approval_rate=round(approvals / customers, 6) if customers else 0.0,
        borrowers=borrowers,
        first_time_borrowers=first_time_borrowers,
        first_time_share=round(first_time_borrowers / borrowers, 6) if borrowers else 0.0,
        drawdowns=total("drawdowns"),
        disbursed_minor=total("disbursed_minor"),
        interest_income_minor=total("interest_income_minor"),
        penalty_income_minor=total("penalty_income_minor"),
        fee_income_minor=total("fee_income_minor"),
        funding_cost_minor=total("funding_cost_minor"),
        operating_cost_minor=total("operating_cost_minor"),
        expected_loss_minor=total("expected_loss_minor"),
        write_off_minor=write_off,
        write_off_principal_minor=total("write_off_principal_minor"),
        recoveries_minor=recoveries,
        end_past_due_loans=end.past_due_loans,
        end_provision_minor=provision,
        realised_loss_minor=realised,
        average_balance_minor=average,
        loss_rate=round(realised / average * annual, 6) if average else 0.0,
        profit_minor=profit,
        return_on_assets=round(profit / average * annual, 6) if average else 0.0,
        refused_events=totals.refused,
    )
