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
from puhui.services import decide_cli

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
app.command("decide")(decide_cli.decide)
app.command("preapprove")(decide_cli.preapprove)
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
    reset: bool = typer.Option(False, "--reset", help="Delete the data directory and start over."),
    customers: int = typer.Option(100_000, help="Demo population size."),
    days: int = typer.Option(90, help="Business days to simulate."),
    borrowers: int = typer.Option(2_000, help="Customers who draw on their lines."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the API and console."),
    port: int = typer.Option(None, help="Port (default PUHUI_PORT or 8000)."),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """The main job: build the embedded bank (first run), then serve the API and console."""
    from puhui.mainjob import run_main_job

    run_main_job(
        reset=reset,
        customers=customers,
        days=days,
        borrowers=borrowers,
        serve=serve,
        port=port,
        json_output=json_output,
    )


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
