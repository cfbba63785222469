"""`puhui lending ...`: credit lines, drawdowns, repayments and COB from the command line.

A thin shell over `LendingService` on the configured database (`PUHUI_DATABASE_URL`).
Every command has `--json`; bad input exits 2 with a message naming the field.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.progress import Progress

from puhui.cli.common import JSON, parse_date, show
from puhui.lending.products import load_product
from puhui.output import print_json, print_table
from puhui.rate import Rate
from puhui.servicing.cob import STEPS
from puhui.servicing.service import LendingService
from puhui.settings import get_settings

app = typer.Typer(
    help="Loan servicing 贷款服务: lines, drawdowns, repayments, COB.", no_args_is_help=True
)
line_app = typer.Typer(help="Credit lines 授信额度.", no_args_is_help=True)
cob_app = typer.Typer(help="Close of business 日终批处理.", no_args_is_help=True)
app.add_typer(line_app, name="line")
app.add_typer(cob_app, name="cob")


def _service() -> LendingService:
    return LendingService(get_settings().database_url)


@app.command()
def start(
    on: str = typer.Option(..., "--date", help="First business date, YYYY-MM-DD."),
    product_file: Path | None = typer.Option(
        None, "--product", help="Product TOML (default: shipped)."
    ),
    json_output: bool = JSON,
) -> None:
    """Register the product and set the first business date 设定首个营业日."""
    with _service() as s:
        product = load_product(product_file) if product_file else None
        pid, version, fingerprint = s.register_product(product)
        first = s.start(parse_date(on, "date") or date.min)
    show(
        "Lending started / 已开始",
        {"business_date": first, "product": f"{pid}@{version}", "fingerprint": fingerprint},
        json_output,
    )


@app.command("product")
def product_register(
    product_file: Path | None = typer.Option(
        None, "--file", help="Product TOML (default: shipped)."
    ),
    json_output: bool = JSON,
) -> None:
    """Register a product version (same id@version with other content is refused) 登记产品."""
    with _service() as s:
        product = load_product(product_file) if product_file else None
        s.register_product(product)
        rows = s.products()
    if json_output:
        print_json([{"id": i, "version": v, "fingerprint": f} for i, v, f in rows])
    else:
        print_table("Products / 产品", ["id", "version", "fingerprint"], [list(r) for r in rows])


@app.command()
def fund(
    amount: str = typer.Option(..., help="Amount to put into settlement."),
    client_id: str = typer.Option(..., help="Idempotency key."),
    currency: str = typer.Option("CNY"),
    json_output: bool = JSON,
) -> None:
    """Fund the settlement account from equity 注资."""
    with _service() as s:
        s.fund(currency, amount, client_id)
    show("Funded / 已注资", {"currency": currency, "amount": amount}, json_output)


@line_app.command("create")
def line_create(
    line_id: str = typer.Option(..., "--id"),
    customer: str = typer.Option(...),
    limit: str = typer.Option(...),
    rate: str = typer.Option(..., help="Nominal annual interest rate, percent (18 = 18%)."),
    expires: str = typer.Option(..., help="YYYY-MM-DD"),
    product: str = typer.Option("puhui-revolving-micro"),
    json_output: bool = JSON,
) -> None:
    """Grant a credit line 授信."""
    with _service() as s:
        line = s.create_line(
            line_id,
            customer,
            limit,
            Rate.from_percent(rate, "rate"),
            parse_date(expires, "expires") or date.min,
            product,
        )
    show("Credit line / 授信", line.to_dict(), json_output)


@line_app.command("show")
def line_show(line_id: str = typer.Argument(...), json_output: bool = JSON) -> None:
    """Show a line with its available amount 查看额度."""
    with _service() as s:
        show("Credit line / 授信", s.line(line_id).to_dict(), json_output)


@line_app.command("limit")
def line_limit(
    line_id: str = typer.Argument(...), limit: str = typer.Option(...), json_output: bool = JSON
) -> None:
    """Change a line's limit 调整额度."""
    with _service() as s:
        show("Credit line / 授信", s.change_limit(line_id, limit).to_dict(), json_output)


@line_app.command("status")
def line_status(
    line_id: str = typer.Argument(...),
    set_to: str = typer.Option(..., "--set", help="active | frozen | closed"),
    json_output: bool = JSON,
) -> None:
    """Freeze, unfreeze or close a line 冻结/解冻/关闭."""
    with _service() as s:
        show("Credit line / 授信", s.set_line_status(line_id, set_to).to_dict(), json_output)


@app.command()
def drawdown(
    client_id: str = typer.Option(..., help="Idempotency key of this drawdown."),
    line: str = typer.Option(...),
    amount: str = typer.Option(...),
    installments: int = typer.Option(...),
    amortization: str | None = typer.Option(None),
    json_output: bool = JSON,
) -> None:
    """Draw on a line: book a loan and disburse 借款."""
    with _service() as s:
        result = s.drawdown(client_id, line, amount, installments, amortization)
    show("Loan / 借据", result.to_dict(), json_output)


@app.command()
def repay(
    loan: int = typer.Option(..., help="Loan id."),
    amount: str = typer.Option(...),
    client_id: str = typer.Option(..., help="Idempotency key of this payment."),
    on: str | None = typer.Option(None, help="Must be the business date if given."),
    json_output: bool = JSON,
) -> None:
    """Repay any amount on the business date 还款."""
    with _service() as s:
        result = s.repay(loan, amount, client_id, parse_date(on, "on"))
    data = result.to_dict()
    data.pop("loan")
    show("Repayment / 还款", data, json_output)


@app.command()
def reverse(client_id: str = typer.Option(...), json_output: bool = JSON) -> None:
    """Reverse a repayment (posts reversing transfers) 冲正."""
    with _service() as s:
        result = s.reverse(client_id)
    data = result.to_dict()
    data.pop("loan")
    show("Reversal / 冲正", data, json_output)


@app.command()
def quote(
    loan: int = typer.Option(...), on: str | None = typer.Option(None), json_output: bool = JSON
) -> None:
    """Payoff quote for a date 提前结清试算."""
    with _service() as s:
        show("Payoff quote / 结清试算", s.quote(loan, parse_date(on, "on")), json_output)


@app.command("loan")
def loan_show(loan_id: int = typer.Argument(...), json_output: bool = JSON) -> None:
    """Show a loan's balances, DPD and installments 查看借据."""
    with _service() as s:
        data = s.loan(loan_id).to_dict()
        rows = s.installments(loan_id)
    if json_output:
        print_json({**data, "installments": rows})
        return
    show("Loan / 借据", data, False)
    print_table(
        "Installments / 还款计划",
        ["n", "due", "principal", "interest", "billed", "paid"],
        [
            [
                r["n"],
                date.fromordinal(r["due_day"]).isoformat(),
                r["sched_principal"] / 100,
                r["sched_interest"] / 100,
                (r["principal_billed"] + r["interest_billed"] + r["fee_billed"]) / 100,
                (r["principal_paid"] + r["interest_paid"] + r["fee_paid"]) / 100,
            ]
            for r in rows
        ],
    )


@cob_app.command("run")
def cob_run(
    on: str = typer.Option(..., "--date", help="The business date to close."),
    json_output: bool = JSON,
) -> None:
    """Close the business date: accrue, bill, age, penalise, write off 日终."""
    day = parse_date(on, "date") or date.min
    with _service() as s:
        if json_output:
            report = s.run_cob(day)
        else:
            with Progress(transient=True) as bar:
                task = bar.add_task(f"COB {day}", total=len(STEPS))
                report = s.run_cob(day, on_step=lambda _step: bar.advance(task))
    show("COB / 日终", report.to_dict(), json_output)


@app.command()
def reconcile(json_output: bool = JSON) -> None:
    """Prove the book equals the general ledger, account by account and loan by loan 对账."""
    with _service() as s:
        rec = s.reconcile()
    if json_output:
        print_json(rec.to_dict())
    else:
        print_table(
            f"Reconciliation / 对账 — ok: {rec.ok}",
            ["ledger", "account", "sub-ledger", "general ledger", "ok"],
            [
                [x.ledger, x.account.name.lower(), x.subledger, x.general_ledger, x.ok]
                for x in rec.lines
            ],
        )
        print_table(
            "Loan checks / 借据核对",
            ["check", "loans failing"],
            [[name, count] for name, count in rec.loan_checks],
        )
    if not rec.ok:
        raise typer.Exit(1)
