"""The `puhui` command: one module per command group, one error handler (`common.PuhuiGroup`).

Every command has `--help` and `--json`. Modules import what a command needs when it runs,
so `puhui --help` stays fast (the API app and model training load only when used).
"""

from __future__ import annotations

import typer

from puhui import __version__
from puhui.cli import (
    access,
    ai,
    assist,
    borrower,
    cost,
    decisions,
    ledger,
    lending,
    marketing,
    model,
    monitor,
    population,
    report,
    risk,
    server,
    servicing,
    simulate,
    studio,
)
from puhui.cli.common import JSON, PuhuiGroup
from puhui.cli.run import run
from puhui.output import print_json

app = typer.Typer(
    name="puhui",
    help="Puhui (普惠): run an AI-native, pure-online inclusive-lending business.",
    no_args_is_help=True,
    add_completion=False,
    cls=PuhuiGroup,
)

app.command("run")(run)
app.command("serve")(server.serve)
app.add_typer(server.keys_app, name="keys")
app.add_typer(ledger.app, name="ledger")
app.add_typer(servicing.app, name="lending")
app.command("schedule")(lending.schedule)
app.command("apr")(lending.apr)
app.add_typer(risk.policy_app, name="policy")
app.add_typer(risk.strategy_app, name="strategy")
app.command("price")(risk.price_command)
app.add_typer(population.app, name="population")
app.add_typer(model.app, name="model")
app.command("decide")(decisions.decide)
app.command("preapprove")(decisions.preapprove)
app.command("preapprove-load")(decisions.preapprove_load)
app.command("preapprove-refresh")(decisions.preapprove_refresh)
app.add_typer(ai.app, name="ai")
app.add_typer(monitor.app, name="monitor")
app.command("simulate")(simulate.simulate)
app.command("optimise")(simulate.optimise)
app.add_typer(marketing.app, name="marketing")
app.add_typer(assist.app, name="assist")
app.add_typer(access.app, name="access")
app.add_typer(borrower.app, name="app")
app.add_typer(cost.app, name="cost")
app.add_typer(report.app, name="report")
app.add_typer(studio.app, name="studio")


@app.command()
def version(json_output: bool = JSON) -> None:
    """Print the Puhui version."""
    if json_output:
        print_json({"version": __version__})
    else:
        print(f"puhui {__version__}")


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
