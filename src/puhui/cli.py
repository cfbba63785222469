"""The `puhui` command. Each domain adds its own sub-app; every command has --help and --json."""

from __future__ import annotations

import typer

from puhui import __version__
from puhui.ai.cli import app as ai_app
from puhui.api.cli import keys_app, serve
from puhui.ledger.cli import app as ledger_app
from puhui.lending import cli as lending_cli
from puhui.lending.servicing_cli import app as lending_servicing_app
from puhui.output import print_json
from puhui.population.cli import app as population_app
from puhui.risk.cli import policy_app, price_command, strategy_app
from puhui.risk.model_cli import app as model_app

app = typer.Typer(
    name="puhui",
    help="Puhui (普惠): run an AI-native, pure-online inclusive-lending business.",
    no_args_is_help=True,
    add_completion=False,
)

app.add_typer(ledger_app, name="ledger")
app.add_typer(keys_app, name="keys")
app.command("serve")(serve)
app.add_typer(policy_app, name="policy")  # risk: policy rules
app.add_typer(strategy_app, name="strategy")  # risk: strategies
app.command("price")(price_command)  # risk: risk-based pricing
app.command("schedule")(lending_cli.schedule)
app.command("apr")(lending_cli.apr)
app.add_typer(ai_app, name="ai")
app.add_typer(population_app, name="population")
app.add_typer(model_app, name="model")
app.add_typer(lending_servicing_app, name="lending")  # lending: servicing


@app.command()
def version(json_output: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print the Puhui version."""
    if json_output:
        print_json({"version": __version__})
    else:
        print(f"puhui {__version__}")


@app.command()
def run(
    reset: bool = typer.Option(False, "--reset", help="Delete ./puhui-data and start over."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The main job: start the embedded bank (for now, a ledger demo that prints balances)."""
    import shutil

    from puhui.demo import run_demo
    from puhui.ledger import open_ledger
    from puhui.output import print_table
    from puhui.settings import get_settings

    settings = get_settings()
    if reset:
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    with open_ledger(settings.database_url) as ledger:
        report = run_demo(ledger)
    if json_output:
        print_json(report)
        return
    rows = [
        [b["id"], b["name_zh"], b["name_en"], b["debits"], b["credits"], b["net_debit"]]
        for b in report["balances"]  # type: ignore[attr-defined]
    ]
    print_table(
        "Puhui ledger demo / 普惠账本演示 (CNY)",
        ["account", "账户", "name", "debits", "credits", "net debit"],
        rows,
    )
    print(f"database: {settings.database_url}")
    print(f"trial balance zero / 试算平衡: {report['trial_balance_zero']}")
    if report["transfers_existing"]:
        print(f"{report['transfers_existing']} transfers were already booked (idempotent re-run).")


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
