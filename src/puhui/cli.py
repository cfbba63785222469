"""The `puhui` command. Each domain adds its own sub-app; every command has --help and --json."""

from __future__ import annotations

import typer

from puhui import __version__
from puhui.lending import cli as lending_cli
from puhui.output import print_json

app = typer.Typer(
    name="puhui",
    help="Puhui (普惠): run an AI-native, pure-online inclusive-lending business.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def version(json_output: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print the Puhui version."""
    if json_output:
        print_json({"version": __version__})
    else:
        print(f"puhui {__version__}")


app.command("schedule")(lending_cli.schedule)
app.command("apr")(lending_cli.apr)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
