"""`puhui ledger ...`: inspect the ledger (its benchmark is `python -m bench bench.ledger`)."""

from __future__ import annotations

import typer

from puhui.errors import NotFoundError
from puhui.ledger.ledger import open_ledger
from puhui.output import print_json, print_table
from puhui.settings import get_settings

app = typer.Typer(help="The double-entry ledger (TigerBeetle semantics).", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print JSON for machines.")
URL = typer.Option(None, "--url", help="Database URL (default: PUHUI_DATABASE_URL).")


@app.command("trial-balance")
def trial_balance(url: str | None = URL, json_output: bool = JSON) -> None:
    """Per-ledger totals of debits and credits; every ledger must balance."""
    with open_ledger(url or get_settings().database_url) as ledger:
        totals = ledger.trial_balance()
    rows = [
        {
            "ledger": t.ledger,
            "accounts": t.accounts,
            "debits_posted": t.debits_posted,
            "credits_posted": t.credits_posted,
            "debits_pending": t.debits_pending,
            "credits_pending": t.credits_pending,
            "balanced": t.balanced,
        }
        for t in totals
    ]
    if json_output:
        print_json({"ledgers": rows, "balanced": all(r["balanced"] for r in rows)})
        return
    print_table(
        "Trial balance / 试算平衡",
        ["ledger", "accounts", "debits posted", "credits posted", "pending Dr", "pending Cr", "ok"],
        [list(r.values()) for r in rows],
    )


@app.command("account")
def account(
    account_id: int = typer.Argument(..., help="Account id (decimal)."),
    url: str | None = URL,
    json_output: bool = JSON,
) -> None:
    """Show one account's balances."""
    with open_ledger(url or get_settings().database_url) as ledger:
        found = ledger.lookup_accounts([account_id])
    if not found:
        raise NotFoundError(f"account {account_id} not found", field="account_id")
    a = found[0]
    data = {
        "id": str(a.id),
        "ledger": a.ledger,
        "code": a.code,
        "flags": a.flags,
        "debits_pending": str(a.debits_pending),
        "debits_posted": str(a.debits_posted),
        "credits_pending": str(a.credits_pending),
        "credits_posted": str(a.credits_posted),
        "timestamp": a.timestamp,
    }
    if json_output:
        print_json(data)
    else:
        print_table(f"Account {a.id}", ["field", "value"], data.items())
