"""What every command group shares: the one error handler, `--json`, dates and key-value output.

`PuhuiGroup` is the root command's group class. A `PuhuiError` raised anywhere below it (bad
input, an unknown id, a refused operation) ends the command with exit code 2 and a message
naming the field: `{"error": {"code", "field", "detail"}}` as one line on stdout under `--json`,
a red line on stderr otherwise. Commands therefore raise, they do not catch.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import typer
from typer.core import TyperGroup

from puhui.errors import PuhuiError, ValidationError
from puhui.output import err_console, print_json, print_table

#: Exit code of a command refused for bad input or a domain rule.
EXIT_REFUSED = 2

JSON = typer.Option(False, "--json", help="Print JSON for machines.")

_WANTS_JSON = "puhui.json_output"


def report_error(error: PuhuiError, json_output: bool) -> None:
    """Print a refused command's error: JSON on stdout, or a line on stderr naming the field."""
    if json_output:
        print(json.dumps({"error": error.to_dict()}, ensure_ascii=False))
        return
    where = f"{error.field}: " if error.field else ""
    err_console.print(f"[red]error[/red] {where}{error.message}", highlight=False, markup=True)


class PuhuiGroup(TyperGroup):
    """The root group: turns a `PuhuiError` from any command into exit code 2."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta[_WANTS_JSON] = "--json" in args
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PuhuiError as error:
            report_error(error, bool(ctx.meta.get(_WANTS_JSON)))
            raise typer.Exit(EXIT_REFUSED) from None


def parse_date(text: str | None, field: str) -> date | None:
    """An ISO date from a flag; None stays None, anything else is a ValidationError."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"{field} {text!r} is not a date like 2026-01-15", field=field
        ) from None


def need_date(text: str, field: str) -> date:
    """Like `parse_date` for a required flag."""
    parsed = parse_date(text, field)
    assert parsed is not None
    return parsed


def show(title: str, data: dict[str, Any], json_output: bool) -> None:
    """One record: JSON, or a two-column table for people."""
    if json_output:
        print_json(data)
    else:
        print_table(title, ["field", "value"], [[k, str(v)] for k, v in data.items()])


def show_rows(
    title: str, columns: Sequence[str], rows: list[dict[str, Any]], json_output: bool
) -> None:
    """Many records: a JSON list, or a table of `columns`."""
    if json_output:
        print_json(rows)
    else:
        print_table(title, columns, [[row.get(c, "") for c in columns] for row in rows])
