"""Search a strategy's parameters for the most profit under the user's constraints (optuna).

Each trial sets the knobs (`portfolio.knobs`), decides the population with the real strategy
code and simulates it with the twin on the same customers and behaviour draws; the objective
is the horizon's profit (after the end provision). Constraints, all optional:

- loss rate at most `max_loss_rate`;
- approval rate at least `min_approval_rate`;
- first-time borrowers at least `min_first_time_share` of borrowers;
- APR at most `max_apr` (default 24%): the cap is about what the borrower pays, so it is
  checked on the APR (PBOC IRR of the loan's cash flows, `lending.apr`) of the dearest loan
  the strategy prices, over every term the product offers. The nominal rate is clipped at
  `rate_cap` by pricing; on a 360-day product a 24% nominal rate is a ~24.2% APR, so the
  optimiser must set the cap below 24% to pass.

Optuna's TPE sampler takes the constraints (`Trial.set_constraint`, <= 0 satisfied);
the champion's own knobs are the first trial, so the search starts from the live strategy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from puhui.errors import ValidationError
from puhui.lending.apr import schedule_apr
from puhui.lending.products import Product, default_product
from puhui.lending.schedule import generate_schedule
from puhui.portfolio.frontier import Point, best_at_most, frontier
from puhui.portfolio.knobs import Knobs, apply_knobs, knobs_of
from puhui.portfolio.simulate import DEFAULT_START, SimulationResult, simulate
from puhui.rate import PPB, Rate
from puhui.risk.strategy import Strategy

APR_CAP = Decimal("0.24")
_MARGIN_MAX = 0.10
_STEP = Decimal("0.0025")


@dataclass(frozen=True)
class Constraints:
    max_loss_rate: float | None = None
    min_approval_rate: float | None = None
    min_first_time_share: float | None = None
    max_apr: Decimal | None = APR_CAP

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_loss_rate": self.max_loss_rate,
            "min_approval_rate": self.min_approval_rate,
            "min_first_time_share": self.min_first_time_share,
            "max_apr": None if self.max_apr is None else str(self.max_apr),
        }


@dataclass
class Trial:
    number: int
    knobs: Knobs
    summary: dict[str, Any]
    max_apr: Decimal | None
    violations: dict[str, float]
    version_id: str

    @property
    def feasible(self) -> bool:
        return all(v <= 0 for v in self.violations.values())

    def point(self) -> Point:
        return Point(
            self.number,
            int(self.summary["profit_minor"]),
            float(self.summary["loss_rate"]),
            float(self.summary["approval_rate"]),
            self.feasible,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "version_id": self.version_id,
            "knobs": self.knobs.to_dict(),
            "feasible": self.feasible,
            "violations": self.violations,
            "max_apr": None if self.max_apr is None else str(self.max_apr),
            "summary": self.summary,
        }


@dataclass
class OptimisationResult:
    champion: Trial
    champion_run: SimulationResult
    trials: list[Trial]
    best: Trial | None
    best_run: SimulationResult | None
    best_strategy: Strategy | None
    constraints: Constraints
    seconds: float
    settings: dict[str, Any] = field(default_factory=dict)

    def frontiers(self) -> dict[str, list[int]]:
        points = [t.point() for t in self.trials]
        return {
            "loss_rate": frontier(points, "loss_rate"),
            "approval_rate": frontier(points, "approval_rate"),
        }

    def same_loss_rate(self) -> dict[str, Any]:
        """The best candidate at the champion's loss rate or below, against the champion."""
        champion = self.champion.point()
        rival = best_at_most([t.point() for t in self.trials[1:]], champion.loss_rate)
        return {
            "champion_profit_minor": champion.profit_minor,
            "champion_loss_rate": champion.loss_rate,
            "best_profit_minor": None if rival is None else rival.profit_minor,
            "best_trial": None if rival is None else rival.number,
            "profit_ratio": (
                None
                if rival is None or champion.profit_minor <= 0
                else round(rival.profit_minor / champion.profit_minor, 4)
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "constraints": self.constraints.to_dict(),
            "seconds": round(self.seconds, 2),
            "settings": self.settings,
            "champion": self.champion.to_dict(),
            "champion_months": [m.to_dict() for m in self.champion_run.months],
            "best": None if self.best is None else self.best.to_dict(),
            "best_months": (
                None if self.best_run is None else [m.to_dict() for m in self.best_run.months]
            ),
            "best_strategy_version": (
                None if self.best_strategy is None else self.best_strategy.version_id
            ),
            "frontiers": self.frontiers(),
            "same_loss_rate": self.same_loss_rate(),
            "trials": [t.to_dict() for t in self.trials],
        }


def max_apr(strategy: Strategy, rate_ppb: npt.NDArray[np.int64], product: Product) -> Decimal:
    """The APR (PBOC IRR, nominal) of the dearest loan priced, over the product's terms."""
    if rate_ppb.size == 0:
        return Decimal(0)
    return _apr_at(int(rate_ppb.max()), product)


@lru_cache(maxsize=4096)
def _apr_at(rate_ppb: int, product: Product) -> Decimal:
    priced = product.model_copy(update={"nominal_rate": Rate.from_units(rate_ppb, PPB)})
    reference = max(product.amount.min, Decimal(5000))
    aprs = [
        schedule_apr(generate_schedule(priced.terms_for(reference, n, DEFAULT_START))).nominal
        for n in product.terms.installments
    ]
    return max(a.fraction for a in aprs).quantize(Decimal("0.000001"))


def optimise(
    strategy: Strategy,
    population: pl.DataFrame,
    pd: npt.ArrayLike,
    *,
    trials: int = 40,
    constraints: Constraints | None = None,
    months: int = 12,
    seed: int = 0,
    product: Product | None = None,
    progress: Callable[[int], None] | None = None,
    **simulation: Any,
) -> OptimisationResult:
    """Search `trials` candidates around `strategy`; the champion is evaluated first."""
    import optuna

    if trials < 1:
        raise ValidationError("trials must be >= 1", field="trials")
    constraints = constraints or Constraints()
    product = product or default_product()
    started = time.perf_counter()
    pd_array = np.asarray(pd, dtype=np.float64)
    champion_knobs = knobs_of(strategy)
    n_bands = len(champion_knobs.multipliers)
    evaluated: list[Trial] = []
    runs: dict[int, SimulationResult] = {}

    def evaluate(number: int, knobs: Knobs) -> Trial:
        candidate = apply_knobs(strategy, knobs, label=f"{strategy.label}+opt{number}")
        run = simulate(
            candidate, population, pd_array, months=months, seed=seed, mode="twin",
            product=product, **simulation,
        )  # fmt: skip
        from puhui.portfolio.simulate import decide

        rates = decide(candidate, population, pd_array).rate_ppb
        approved_rates = rates[rates > 0]
        apr = max_apr(candidate, approved_rates, product) if constraints.max_apr else None
        s = run.summary
        violations: dict[str, float] = {}
        if constraints.max_loss_rate is not None:
            violations["loss_rate"] = s.loss_rate - constraints.max_loss_rate
        if constraints.min_approval_rate is not None:
            violations["approval_rate"] = constraints.min_approval_rate - s.approval_rate
        if constraints.min_first_time_share is not None:
            violations["first_time_share"] = constraints.min_first_time_share - s.first_time_share
        if constraints.max_apr is not None and apr is not None:
            violations["apr"] = float(apr - constraints.max_apr)
        trial = Trial(number, knobs, s.to_dict(), apr, violations, candidate.version_id)
        runs[number] = run
        return trial

    champion = evaluate(0, champion_knobs)
    champion.version_id = strategy.version_id
    champion_run = runs[0]
    evaluated.append(champion)
    if progress is not None:
        progress(1)

    def objective(t: optuna.Trial) -> float:
        knobs = Knobs(
            approve_max_pd=_q(t.suggest_float("approve_max_pd", 0.01, 0.15), Decimal("0.001")),
            band_margins=tuple(
                _q(t.suggest_float(f"margin_{i}", 0.0, _MARGIN_MAX), _STEP) for i in range(n_bands)
            ),
            rate_cap=_q(t.suggest_float("rate_cap", 0.18, 0.24), Decimal("0.0001")),
            multipliers=_multipliers(
                [t.suggest_float(f"limit_{i}", 0.3 if i else 0.5, 1.0) for i in range(n_bands)]
            ),
        )
        trial = evaluate(len(evaluated), knobs)
        evaluated.append(trial)
        for name, value in sorted(trial.violations.items()):
            t.set_constraint(name, value)
        if progress is not None:
            progress(1)
        return float(trial.summary["profit_minor"])

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, max(1, trials // 3)))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.enqueue_trial(_as_params(champion_knobs))
    study.optimize(objective, n_trials=max(trials - 1, 0))

    feasible = [t for t in evaluated[1:] if t.feasible]
    best = max(feasible, key=lambda t: t.summary["profit_minor"], default=None)
    best_strategy = None
    if best is not None:
        best_strategy = apply_knobs(
            strategy, best.knobs, label=f"{strategy.label}+opt{best.number}"
        )
    return OptimisationResult(
        champion=champion,
        champion_run=champion_run,
        trials=evaluated,
        best=best,
        best_run=None if best is None else runs[best.number],
        best_strategy=best_strategy,
        constraints=constraints,
        seconds=time.perf_counter() - started,
        settings={"customers": population.height, "months": months, "seed": seed},
    )


def _q(value: float, step: Decimal) -> Decimal:
    return (Decimal(repr(value)) / step).quantize(Decimal(1)) * step


def _multipliers(raw: list[float]) -> tuple[Decimal, ...]:
    """Multipliers non-increasing with PD: each band a fraction of the one before, in 0.05s."""
    out: list[Decimal] = []
    current = Decimal(1)
    for i, factor in enumerate(raw):
        current = _q(float(current) * factor if i else factor, Decimal("0.05"))
        if out:
            current = min(current, out[-1])
        out.append(current)
    return tuple(out)


def _as_params(k: Knobs) -> dict[str, float]:
    params: dict[str, float] = {
        "approve_max_pd": float(k.approve_max_pd),
        "rate_cap": float(k.rate_cap),
    }
    for i, m in enumerate(k.band_margins):
        params[f"margin_{i}"] = min(float(m), _MARGIN_MAX)
    previous = 1.0
    for i, m in enumerate(k.multipliers):
        params[f"limit_{i}"] = float(m) if i == 0 else (float(m) / previous if previous else 0.3)
        previous = float(m)
    return params
