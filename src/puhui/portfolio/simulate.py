"""Run a strategy over a population, month by month, and report the triangle's figures.

`decide` applies the strategy to the model's PDs (approve, limit, nominal rate: the real
`risk.outcome.apply_strategy_batch`; a referral is not approved in a simulation), `simulate`
runs the behaviour plan through a booker (the lending engine for small runs, the twin for
large ones) and `compare` runs a champion and a candidate on the same customers.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from puhui.errors import ValidationError
from puhui.lending.products import Product, default_product
from puhui.portfolio.behaviour import BehaviourParams, Calendar, Customers, Event, Plan
from puhui.portfolio.book import Book
from puhui.portfolio.costs import CostModel
from puhui.portfolio.engine import EngineBook
from puhui.portfolio.figures import MonthFigures, Summary, month_figures, summarise
from puhui.portfolio.rules import ServicingRules
from puhui.portfolio.twin import TwinBook
from puhui.rate import PPB, Rate
from puhui.risk.outcome import apply_strategy_batch
from puhui.risk.strategy import Strategy

#: `mode="auto"` books through the engine up to this many customers, through the twin above.
ENGINE_MAX_CUSTOMERS = 2_000
DEFAULT_START = date(2026, 1, 1)
MODES = ("auto", "engine", "twin")


def decide(strategy: Strategy, population: pl.DataFrame, pd: npt.ArrayLike) -> Customers:
    """The strategy's decision for every row, with the behaviour hooks the plan reads."""
    decided = apply_strategy_batch(pd, population, strategy)
    approved = (decided["decision"] == "approve").to_numpy()
    rate = decided["rate_ppb"].fill_null(0).to_numpy().astype(np.int64)
    first_time = ~population["has_credit_history"].to_numpy().astype(bool)
    return Customers(
        approved=approved,
        limit_minor=np.where(approved, decided["limit_minor"].to_numpy(), 0).astype(np.int64),
        rate_ppb=np.where(approved, rate, 0),
        model_pd=np.asarray(pd, dtype=np.float64),
        true_pd=population["true_pd"].to_numpy().astype(np.float64),
        drawdown_propensity=population["drawdown_propensity"].to_numpy().astype(np.float64),
        early_repay_prob=population["early_repay_prob"].to_numpy().astype(np.float64),
        late_payment_prob=population["late_payment_prob"].to_numpy().astype(np.float64),
        first_time=first_time,
    )


@dataclass
class SimulationResult:
    """The months, the total, and what produced them."""

    strategy_version: str
    strategy_name: str
    mode: str
    months: list[MonthFigures]
    summary: Summary
    seed: int
    seconds: float
    settings: dict[str, Any] = field(default_factory=dict)
    #: Per-customer money from the twin (for the value of a customer); None from the engine.
    by_row: dict[str, npt.NDArray[np.int64]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy_version": self.strategy_version,
            "strategy_name": self.strategy_name,
            "mode": self.mode,
            "seed": self.seed,
            "seconds": round(self.seconds, 3),
            "settings": self.settings,
            "summary": self.summary.to_dict(),
            "months": [m.to_dict() for m in self.months],
        }


def simulate(
    strategy: Strategy,
    population: pl.DataFrame,
    pd: npt.ArrayLike,
    *,
    months: int = 12,
    seed: int = 0,
    mode: str = "auto",
    product: Product | None = None,
    params: BehaviourParams | None = None,
    costs: CostModel | None = None,
    start: date = DEFAULT_START,
    progress: Callable[[int], None] | None = None,
    engine_dir: str | None = None,
) -> SimulationResult:
    """Simulate `strategy` on `population` (PDs `pd`, aligned by row) for `months` months."""
    if mode not in MODES:
        raise ValidationError(f"mode must be one of {', '.join(MODES)}", field="mode")
    started = time.perf_counter()
    product = product or default_product()
    params = params or BehaviourParams()
    costs = costs or CostModel(funding_rate=strategy.pricing.cost_of_funds)
    rules = ServicingRules.from_product(product)
    calendar = Calendar.of(start, months)
    customers = decide(strategy, population, pd)
    n = customers.n
    chosen = mode if mode != "auto" else ("engine" if n <= ENGINE_MAX_CUSTOMERS else "twin")
    lgd = float(strategy.pricing.lgd)
    plan = Plan(customers, rules, params, calendar, seed, lgd=lgd)
    book: Book
    if chosen == "engine":
        line_days = calendar.end - start.toordinal() + 31
        book = EngineBook(product, rules, start, line_days, engine_dir)
    else:
        book = TwinBook(rules, calendar, n)
    try:
        rows = np.flatnonzero(customers.approved)
        book.grant(rows, customers.limit_minor[rows], customers.rate_ppm[rows])
        approvals = int(rows.size)
        figures = []
        before = book.totals()
        recovery_ppm = params.recovery_rate.per_unit(1_000_000, "recovery_rate")
        for m in range(months):
            events, activity = plan.month(m)
            by_day: dict[int, list[Event]] = defaultdict(list)
            for event in events:
                by_day[event.day].append(event)
            first, after = calendar.day(m), calendar.day(m + 1)
            for day in range(first, after):
                for event in by_day.get(day, ()):
                    _book(book, event, recovery_ppm)
                book.close_day(day)
            if isinstance(book, TwinBook):
                book.flush(after - 1)
            now = book.totals()
            figures.append(
                month_figures(
                    m,
                    date.fromordinal(first).isoformat(),
                    after - first,
                    now.minus(before),
                    activity,
                    approvals=approvals if m == 0 else 0,
                    accounts=approvals,
                    decisions=n if m == 0 else 0,
                    costs=costs,
                )
            )
            before = now
            if progress is not None:
                progress(1)
        end = book.end_position(calendar.end)
        summary = summarise(
            figures,
            end,
            book.totals(),
            customers=n,
            approvals=approvals,
            borrowers=int(plan.borrowed.sum()),
            first_time_borrowers=int((plan.borrowed & customers.first_time).sum()),
            lgd=lgd,
        )
        summary.extra["max_nominal_rate"] = (
            Rate.from_units(int(customers.rate_ppb[rows].max()), PPB).text() if rows.size else None
        )
        by_row = None
        if isinstance(book, TwinBook):
            by_row = {
                "income": book.income_by_row,
                "loss": book.loss_by_row,
                "recovered": book.recovered_by_row,
                "balance_days": book.balance_days_by_row,
                "past_due_receivable": book.past_due_receivable_by_row(calendar.end),
                "borrowed": plan.borrowed.astype(np.int64),
            }
        elif isinstance(book, EngineBook):
            summary.extra["reconciled"] = book.reconciled()
    finally:
        book.close()
    return SimulationResult(
        strategy_version=strategy.version_id,
        strategy_name=strategy.name,
        mode=chosen,
        months=figures,
        summary=summary,
        seed=seed,
        seconds=time.perf_counter() - started,
        settings={
            "customers": n,
            "months": months,
            "start": start.isoformat(),
            "product": f"{product.id}@{product.version}",
            "behaviour": params.to_dict(),
            "costs": costs.to_dict(),
        },
        by_row=by_row,
    )


def _book(book: Book, event: Event, recovery_ppm: int) -> None:
    if event.kind == "draw":
        assert event.amount_minor is not None and event.installments is not None
        book.draw(event.day, event.who, event.amount_minor, event.installments)
    elif event.kind == "pay_billed":
        book.pay_billed(event.day, event.who)
    elif event.kind == "pay_off":
        book.pay_off(event.day, event.who)
    else:
        book.recover(event.day, event.who, recovery_ppm)


def compare(
    champion: Strategy,
    candidate: Strategy,
    population: pl.DataFrame,
    pd: npt.ArrayLike,
    **options: Any,
) -> dict[str, Any]:
    """Both strategies on the same customers and the same behaviour draws, side by side."""
    first = simulate(champion, population, pd, **options)
    second = simulate(candidate, population, pd, **options)
    a, b = first.summary.to_dict(), second.summary.to_dict()
    delta = {
        k: round(b[k] - a[k], 6)
        for k in a
        if isinstance(a[k], int | float) and not isinstance(a[k], bool)
    }
    return {"champion": first.to_dict(), "candidate": second.to_dict(), "delta": delta}
