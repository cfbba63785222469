"""`puhui access ...`: need-to-know access to personal data (references, cases, access log)."""

from __future__ import annotations

import typer

from puhui.cli.common import JSON
from puhui.db import Database
from puhui.errors import NotFoundError
from puhui.output import print_json, print_table
from puhui.services import privacy
from puhui.settings import get_settings

app = typer.Typer(
    help="Personal-data access 个人信息访问: customer references, agents' cases, the access log.",
    no_args_is_help=True,
)


def _db() -> Database:
    db = Database(get_settings().database_url)
    privacy.create_privacy_tables(db)
    return db


@app.command("ref")
def ref(
    customer: str = typer.Option(..., help="Internal customer id."), json_output: bool = JSON
) -> None:
    """The unguessable reference (cu_...) that addresses a customer in URLs 客户引用."""
    db = _db()
    try:
        out = {
            "customer_id": customer,
            "customer_ref": privacy.customer_ref(db, customer, get_settings().customer_ref_secret),
        }
    finally:
        db.close()
    if json_output:
        print_json(out)
    else:
        print(out["customer_ref"])


@app.command("assign")
def assign(
    customer: str = typer.Option(..., help="Internal customer id."),
    agent: str = typer.Option(..., help="The agent's key id (`puhui keys list`)."),
    reason: str = typer.Option(..., help="Why the agent serves this customer."),
    json_output: bool = JSON,
) -> None:
    """Open a case: the agent may read this customer until it is closed 分派案件."""
    db = _db()
    try:
        privacy.assign(db, customer, agent, "cli", reason)
    finally:
        db.close()
    if json_output:
        print_json({"customer_id": customer, "agent": agent, "status": "open"})
    else:
        print(f"case open: {agent} serves {customer}")


@app.command("log")
def log(
    customer: str | None = typer.Option(None, help="Only this internal customer id."),
    actor: str | None = typer.Option(None, help="Only this key id."),
    since: str | None = typer.Option(None, help="ISO timestamp, UTC."),
    limit: int = typer.Option(100, help="At most this many rows, newest first."),
    json_output: bool = JSON,
) -> None:
    """Who read which customer's personal data, which fields, and why 访问日志."""
    db = _db()
    try:
        rows = [
            r.to_dict()
            for r in privacy.access_log(
                db, customer_id=customer, actor=actor, since=since, limit=limit
            )
        ]
    finally:
        db.close()
    if json_output:
        print_json(rows)
        return
    print_table(
        "Personal-data access log / 个人信息访问日志",
        ["at", "actor", "role", "customer", "fields", "purpose"],
        [
            [
                r["at"][:19],
                r["actor"],
                r["role"],
                r["customer_id"],
                ", ".join(r["fields"]),
                r["purpose"],
            ]
            for r in rows
        ],
    )


@app.command("close")
def close(
    customer: str = typer.Option(..., help="Internal customer id."),
    agent: str = typer.Option(..., help="The agent's key id."),
    json_output: bool = JSON,
) -> None:
    """Close the agent's case: from now on they may not read this customer 结案."""
    db = _db()
    try:
        closed = privacy.unassign(db, customer, agent)
    finally:
        db.close()
    if not closed:
        raise NotFoundError("no open case for that agent and customer", field="agent")
    if json_output:
        print_json({"customer_id": customer, "agent": agent, "status": "closed"})
    else:
        print(f"case closed: {agent} no longer serves {customer}")
