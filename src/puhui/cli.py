"""The `puhui` command. Each domain adds its own sub-app; every command has --help and --json."""

from __future__ import annotations

import typer

from puhui import __version__
from puhui.output import print_json
from puhui.population.cli import app as population_app
from puhui.risk.cli import app as model_app

app = typer.Typer(
    name="puhui",
    help="Puhui (普惠): run an AI-native, pure-online inclusive-lending business.",
    no_args_is_help=True,
    add_completion=False,
)

app.add_typer(population_app, name="population")
app.add_typer(model_app, name="model")


@app.command()
def version(json_output: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print the Puhui version."""
    if json_output:
        print_json({"version": __version__})
    else:
        print(f"puhui {__version__}")


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
