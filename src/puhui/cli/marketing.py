"""`puhui marketing target`: whom to call about a pre-approved line, under a contact budget."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from puhui.cli.simulate import STRATEGY_HELP, load_strategy_ref, model_pd, save_for_console
from puhui.errors import ValidationError
from puhui.output import err_console, print_json, print_table

if TYPE_CHECKING:
    import polars as pl

app = typer.Typer(help="Precision marketing (精准营销): uplift targeting.", no_args_is_help=True)


@app.command("target")
def target_command(
    budget: int = typer.Option(..., "--budget", help="Contacts the campaign can afford."),
    out: Path = typer.Option(..., "--out", help="The contact list, .csv or .parquet."),
    strategy: str = typer.Option("default", "--strategy", help=STRATEGY_HELP),
    population: Path | None = typer.Option(
        None, "--population", help="Customers to target (.parquet; default: generated)."
    ),
    experiment: Path | None = typer.Option(
        None,
        "--experiment",
        help="A past randomised contact experiment (.parquet; default: generated).",
    ),
    customers: int = typer.Option(40_000, "--customers", help="Generated population's size."),
    population_seed: int = typer.Option(22, "--population-seed", help="Its seed."),
    experiment_seed: int = typer.Option(21, "--experiment-seed", help="The experiment's seed."),
    learner: str = typer.Option("s", "--learner", help="Uplift meta-learner: s, t or x."),
    seed: int = typer.Option(0, "--seed", help="Seed of the models and the simulation."),
    model: Path | None = typer.Option(None, "--model", help="PD model directory."),
    save: bool = typer.Option(False, "--save", help="Keep the run (curves) for the console."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Rank customers by expected incremental profit (uplift x value - call cost) and write the
    best BUDGET of them; compare with targeting by take-up alone."""
    from puhui.marketing.campaign import run_campaign
    from puhui.population import PopulationConfig, generate_population
    from puhui.tabular import check_suffix, read_table, write_table

    check_suffix(out, "out")
    if budget < 1:
        raise ValidationError("budget must be >= 1", field="budget")
    chosen = load_strategy_ref(strategy)

    def frame_of(path: Path | None, seed_: int) -> pl.DataFrame:
        if path is not None:
            return read_table(path, field="population")
        return generate_population(
            PopulationConfig(n=customers, seed=seed_, contact_experiment=True)
        )

    experiment_frame = frame_of(experiment, experiment_seed)
    target_frame = frame_of(population, population_seed)
    experiment_pd, model_text = model_pd(chosen, experiment_frame, model, json_output)
    target_pd, _ = model_pd(chosen, target_frame, model, True)
    if not json_output:
        err_console.print("[dim]training take-up and uplift models, valuing customers…[/dim]")
    result = run_campaign(
        chosen,
        experiment_frame,
        experiment_pd,
        target_frame,
        target_pd,
        budget=budget,
        learner=learner,
        seed=seed,
    )
    write_table(result.contacts, out)
    summary = {**result.summary, "out": str(out), "model": model_text}
    if save:
        summary["run_id"] = save_for_console("targeting", summary)
    if json_output:
        print_json(summary)
        return
    rows = []
    for key, label in (("by_uplift", "uplift × value 增量利润"), ("by_response", "response 响应")):
        s = summary[key]
        profit = s["expected_incremental_profit_minor"]
        rows.append(
            [
                label,
                f"{s['contacts']:,}",
                f"{s.get('true_incremental_takeup', s['expected_incremental_takeup']):,.1f}",
                f"{s.get('true_incremental_profit_minor', profit) / 100:,.0f}",
            ]
        )
    print_table(
        f"targeting at a budget of {budget:,} 预算",
        ["list 名单", "contacts 触达", "incremental take-up 增量", "incremental profit 增量利润"],
        rows,
    )
    err_console.print(f"contact list: {out}")
