"""`puhui simulate` and `puhui optimise`: see the risk-profit-scale triangle of a strategy.

`simulate` runs a strategy (a TOML file, or a registered version id) over a population month
by month, through the real lending engine for small runs and its vectorised twin for large
ones, and prints the monthly and total figures; `--compare` runs a candidate on the same
customers beside it. `optimise` searches a strategy's cut-off, prices per risk band and limit
multipliers with optuna under the constraints given, prints the frontier and writes the best
candidate as a strategy file. Heavy imports happen inside the commands.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from puhui.errors import ValidationError
from puhui.output import err_console, print_json, print_table

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import polars as pl

    from puhui.risk.strategy import Strategy

STRATEGY_HELP = "Strategy TOML file, a registered version id (sha256:...), or 'default'."


def load_strategy_ref(ref: str) -> Strategy:
    """A strategy from a file, the registry of the platform database, or the packaged default."""
    from puhui.risk.strategy import load_strategy

    if ref == "default":
        return load_strategy()
    path = Path(ref)
    if path.exists():
        return load_strategy(path)
    if ref.startswith("sha256:"):
        from puhui.db import Database
        from puhui.governance.registry import load_strategy_version
        from puhui.settings import get_settings

        db = Database(get_settings().database_url)
        try:
            return load_strategy_version(db, ref)
        finally:
            db.close()
    raise ValidationError(f"no strategy file or version {ref!r}", field="strategy")


def load_population(
    population: Path | None, customers: int, seed: int, bad_rate: float
) -> pl.DataFrame:
    """The population file, or `customers` generated from `seed`."""
    from puhui.population import PopulationConfig, generate_population
    from puhui.tabular import read_table

    if population is not None:
        frame = read_table(population, field="population")
        missing = {"true_pd", "drawdown_propensity", "has_credit_history"} - set(frame.columns)
        if missing:
            raise ValidationError(
                f"population lacks {', '.join(sorted(missing))}: use `puhui population generate`",
                field="population",
            )
        return frame
    if customers < 1:
        raise ValidationError("customers must be >= 1", field="customers")
    return generate_population(PopulationConfig(n=customers, seed=seed, bad_rate=bad_rate))


def model_pd(
    strategy: Strategy, frame: pl.DataFrame, model_dir: Path | None, quiet: bool
) -> tuple[npt.NDArray[np.float64], str]:
    """The PD of every customer from the strategy's model (see `portfolio.scoring`)."""
    from puhui.portfolio.scoring import resolve_model, score
    from puhui.settings import get_settings

    settings = get_settings()
    cache = Path(settings.data_dir) / "simulation"
    if model_dir is None and strategy.model.path.startswith("registry:"):
        # A strategy bound to a registered model (`puhui run` binds its champion so).
        from puhui.db import Database
        from puhui.governance.registry import materialise_model

        db = Database(settings.database_url)
        try:
            model_dir = materialise_model(db, strategy.model.version, cache / "registry")
        finally:
            db.close()
    say = None if quiet else (lambda text: err_console.print(f"[dim]{text}[/dim]"))
    model, where = resolve_model(strategy, model_dir, cache, say)
    return score(model, frame), f"{model.version} ({where})"


def progress_bar(enabled: bool, label: str, total: int) -> tuple[Progress, Callable[[int], None]]:
    bar = Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not enabled,
    )
    task = bar.add_task(label, total=total)
    return bar, lambda n: bar.advance(task, n)


def save_for_console(kind: str, data: dict[str, Any]) -> str:
    from puhui.db import Database
    from puhui.portfolio.store import save_run
    from puhui.settings import get_settings

    db = Database(get_settings().database_url)
    try:
        return save_run(db, kind, data)
    finally:
        db.close()


def yuan(minor: int) -> str:
    return f"{minor / 100:,.0f}"


def simulate(
    strategy: str = typer.Option("default", "--strategy", help=STRATEGY_HELP),
    compare: str | None = typer.Option(
        None, "--compare", help="A candidate strategy to run on the same customers."
    ),
    population: Path | None = typer.Option(
        None, "--population", help="Population file (.parquet/.csv from `puhui population`)."
    ),
    customers: int = typer.Option(
        10_000, "--customers", help="Without --population: customers to generate."
    ),
    population_seed: int = typer.Option(7, "--population-seed", help="Seed of that population."),
    bad_rate: float = typer.Option(0.03, "--bad-rate", help="Bad rate of that population."),
    months: int = typer.Option(12, "--months", help="Months to simulate."),
    seed: int = typer.Option(0, "--seed", help="Seed of the behaviour draws."),
    engine: str = typer.Option(
        "auto", "--engine", help="auto (engine up to 2,000 customers), engine or twin."
    ),
    model: Path | None = typer.Option(None, "--model", help="PD model directory."),
    save: bool = typer.Option(False, "--save", help="Keep the run for the console."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Simulate a strategy month by month: approvals, balances, income, losses, cost, profit."""
    from puhui.portfolio.simulate import compare as compare_runs
    from puhui.portfolio.simulate import simulate as run

    champion = load_strategy_ref(strategy)
    frame = load_population(population, customers, population_seed, bad_rate)
    pd, model_text = model_pd(champion, frame, model, json_output)
    options: dict[str, Any] = {"months": months, "seed": seed, "mode": engine}
    runs = 2 if compare else 1
    bar, advance = progress_bar(not json_output, "simulate months / 模拟月份", months * runs)
    with bar:
        if compare:
            result = compare_runs(
                champion,
                load_strategy_ref(compare),
                frame,
                pd,
                progress=advance,
                **options,
            )
        else:
            result = run(champion, frame, pd, progress=advance, **options).to_dict()
    result["model"] = model_text
    if save:
        result["run_id"] = save_for_console("simulation", result)
    if json_output:
        print_json(result)
        return
    if compare:
        _print_compare(result)
    else:
        _print_run(result)


def _print_run(result: dict[str, Any]) -> None:
    rows = [
        [
            m["date"][:7],
            f"{m['drawdowns']:,}",
            yuan(m["principal_outstanding_minor"]),
            yuan(m["interest_income_minor"] + m["penalty_income_minor"] + m["fee_income_minor"]),
            yuan(m["funding_cost_minor"]),
            yuan(m["write_off_minor"] - m["recoveries_minor"]),
            yuan(m["operating_cost_minor"]),
            yuan(m["profit_minor"]),
        ]
        for m in result["months"]
    ]
    print_table(
        f"{result['strategy_name']} {result['strategy_version']} — {result['mode']}",
        [
            "month 月",
            "loans 借款",
            "balance 余额",
            "income 收入",
            "funding 资金",
            "net loss 净损失",
            "opex 运营",
            "profit 利润",
        ],
        rows,
    )
    _print_summary({"value": result["summary"]})


_SUMMARY = (
    ("approvals", "approvals 通过", "{:,}"),
    ("approval_rate", "approval rate 通过率", "{:.2%}"),
    ("borrowers", "borrowers 借款客户", "{:,}"),
    ("first_time_share", "first-time borrowers 首贷户", "{:.2%}"),
    ("disbursed_minor", "disbursed 放款 (yuan)", "yuan"),
    ("average_balance_minor", "average balance 平均余额", "yuan"),
    ("interest_income_minor", "interest 利息收入", "yuan"),
    ("funding_cost_minor", "funding 资金成本", "yuan"),
    ("expected_loss_minor", "expected loss 预期损失", "yuan"),
    ("realised_loss_minor", "realised loss 实际损失", "yuan"),
    ("operating_cost_minor", "operating cost 运营成本", "yuan"),
    ("profit_minor", "profit 利润", "yuan"),
    ("loss_rate", "loss rate 损失率", "{:.2%}"),
    ("return_on_assets", "ROA 资产回报率", "{:.2%}"),
)


def _print_summary(columns: dict[str, dict[str, Any]]) -> None:
    def fmt(value: Any, style: str) -> str:
        if value is None:
            return ""
        return yuan(value) if style == "yuan" else style.format(value)

    print_table(
        "total 合计",
        ["", *columns],
        [
            [label, *(fmt(c[key], style) for c in columns.values())]
            for key, label, style in _SUMMARY
        ],
    )


def _print_compare(result: dict[str, Any]) -> None:
    _print_summary(
        {
            "champion 冠军": result["champion"]["summary"],
            "candidate 挑战者": result["candidate"]["summary"],
            "delta 差": result["delta"],
        }
    )


def optimise(
    strategy: str = typer.Option("default", "--strategy", help=STRATEGY_HELP),
    population: Path | None = typer.Option(None, "--population", help="Population file."),
    customers: int = typer.Option(
        20_000, "--customers", help="Without --population: customers to generate."
    ),
    population_seed: int = typer.Option(7, "--population-seed", help="Seed of that population."),
    bad_rate: float = typer.Option(0.03, "--bad-rate", help="Bad rate of that population."),
    months: int = typer.Option(12, "--months", help="Months to simulate per candidate."),
    seed: int = typer.Option(0, "--seed", help="Seed of the behaviour draws and the sampler."),
    trials: int = typer.Option(40, "--trials", help="Candidates to evaluate (champion first)."),
    max_loss_rate: float | None = typer.Option(None, "--max-loss-rate", help="e.g. 0.03"),
    min_approval_rate: float | None = typer.Option(None, "--min-approval-rate", help="e.g. 0.6"),
    min_first_time: float | None = typer.Option(
        None, "--min-first-time", help="First-time borrowers' share of borrowers, e.g. 0.18."
    ),
    max_apr: str = typer.Option(
        "0.24", "--max-apr", help="APR cap (IRR of the dearest loan), or 'none'."
    ),
    model: Path | None = typer.Option(None, "--model", help="PD model directory."),
    out: Path | None = typer.Option(None, "--out", help="Write the best candidate here (.toml)."),
    plot: Path | None = typer.Option(None, "--plot", help="Plot the frontier to a .png file."),
    register: bool = typer.Option(
        False, "--register", help="Register the best candidate in the platform's registry."
    ),
    save: bool = typer.Option(False, "--save", help="Keep the run for the console."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Search cut-off, prices per risk band and limits for profit under constraints (optuna)."""
    from decimal import Decimal, InvalidOperation

    from puhui.portfolio.knobs import write_strategy
    from puhui.portfolio.optimise import Constraints
    from puhui.portfolio.optimise import optimise as search

    if out is not None and out.suffix.lower() != ".toml":
        raise ValidationError("--out must end in .toml", field="out")
    if plot is not None and plot.suffix.lower() != ".png":
        raise ValidationError("--plot must end in .png", field="plot")
    try:
        cap = None if max_apr.lower() == "none" else Decimal(max_apr)
    except InvalidOperation:
        raise ValidationError(
            "--max-apr must be a fraction like 0.24 or 'none'", field="max_apr"
        ) from None
    constraints = Constraints(max_loss_rate, min_approval_rate, min_first_time, cap)
    champion = load_strategy_ref(strategy)
    frame = load_population(population, customers, population_seed, bad_rate)
    pd, model_text = model_pd(champion, frame, model, json_output)
    bar, advance = progress_bar(not json_output, "candidates / 候选策略", trials)
    with bar:
        result = search(
            champion,
            frame,
            pd,
            trials=trials,
            constraints=constraints,
            months=months,
            seed=seed,
            progress=advance,
        )
    data = result.to_dict()
    data["model"] = model_text
    data["champion_name"] = champion.name
    if result.best_strategy is not None and out is not None:
        comment = (
            f"Optimised by `puhui optimise` from {champion.version_id}: trial"
            f" {result.best.number if result.best else ''}, constraints"
            f" {constraints.to_dict()}.\nRegister and promote it through the approval path."
        )
        data["out"] = str(write_strategy(result.best_strategy, out, comment))
    if result.best_strategy is not None and register:
        from puhui.db import Database
        from puhui.governance.registry import create_registry_tables, register_strategy
        from puhui.settings import get_settings

        db = Database(get_settings().database_url)
        try:
            create_registry_tables(db)
            data["registered"] = register_strategy(db, result.best_strategy)
        finally:
            db.close()
    if plot is not None:
        from puhui.portfolio.plot import plot_frontier

        data["plot"] = str(plot_frontier(data, plot))
    if save:
        data["run_id"] = save_for_console("optimisation", data)
    if json_output:
        print_json(data)
        return
    _print_frontier(data)


def _print_frontier(data: dict[str, Any]) -> None:
    trials = {t["number"]: t for t in data["trials"]}
    best = data["best"]["number"] if data["best"] else None
    shown = sorted(set(data["frontiers"]["loss_rate"]) | {0} | ({best} if best else set()))
    rows = []
    for number in shown:
        t, s = trials[number], trials[number]["summary"]
        mark = "champion 冠军" if number == 0 else ("best 最优" if number == best else "")
        rows.append(
            [
                str(number),
                mark,
                yuan(s["profit_minor"]),
                f"{s['loss_rate']:.2%}",
                f"{s['approval_rate']:.2%}",
                f"{s['first_time_share']:.2%}",
                "" if t["max_apr"] is None else f"{float(t['max_apr']):.2%}",
                "yes" if t["feasible"] else "no",
            ]
        )
    print_table(
        "frontier: profit against loss rate 利润-损失率前沿",
        [
            "trial",
            "",
            "profit 利润",
            "loss 损失率",
            "approval 通过率",
            "first-time 首贷",
            "APR",
            "ok",
        ],
        rows,
    )
    same = data["same_loss_rate"]
    err_console.print(
        f"best at the champion's loss rate ({same['champion_loss_rate']:.2%}):"
        f" profit ratio {same['profit_ratio']}"
    )
    for key in ("out", "registered", "plot"):
        if key in data:
            err_console.print(f"{key}: {data[key]}")
