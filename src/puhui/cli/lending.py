"""`puhui schedule` and `puhui apr`: the lending math from the command line.

Thin shell over the pure functions: parse and validate flags, call, print JSON (`--json`) or a
rich table. Bad input exits 2 with a message naming the field.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from puhui.cli.common import parse_date
from puhui.errors import ValidationError
from puhui.lending.apr import (
    Flow,
    UnitPeriod,
    irr_apr,
    parse_unit_period,
    reg_z_apr,
    schedule_apr,
)
from puhui.lending.products import default_product, load_product
from puhui.lending.schedule import Schedule, generate_schedule
from puhui.lending.terms import LoanTerms
from puhui.money import Rounding, to_decimal_amount
from puhui.output import console, print_json, print_table
from puhui.rate import Rate


def schedule(
    principal: str = typer.Option(..., help="Loan amount, a decimal string (e.g. 5000)."),
    annual_rate: str | None = typer.Option(
        None, help="Nominal annual interest rate in percent (required without --product)."
    ),
    installments: int = typer.Option(..., help="Number of installments."),
    every: int = typer.Option(1, help="Repay every N frequency units."),
    frequency: str = typer.Option("months", help="days | weeks | months"),
    engine: str = typer.Option("cumulative", help="cumulative | progressive"),
    interest_method: str = typer.Option("declining-balance", help="declining-balance | flat"),
    amortization: str | None = typer.Option(
        None, help="equal-installments (default) | equal-principal"
    ),
    interest_period: str = typer.Option("daily", help="daily | same-as-repayment"),
    days_in_year: str = typer.Option("actual", help="actual | 360 | 364 | 365"),
    days_in_month: str = typer.Option("actual", help="actual | 30"),
    disbursed: str = typer.Option(..., help="Disbursement date, YYYY-MM-DD."),
    first_due: str | None = typer.Option(None, help="First due date, YYYY-MM-DD."),
    currency: str = typer.Option("CNY", help="ISO 4217 currency."),
    digits: int | None = typer.Option(None, help="Decimal places (default: the currency's)."),
    installment_multiple: int | None = typer.Option(
        None, help="Round installments to multiples of this."
    ),
    rounding: str = typer.Option("half-even", help="half-even | half-up | down | up | ..."),
    grace_principal: int = typer.Option(0, help="Periods without principal."),
    grace_interest: int = typer.Option(0, help="Periods whose interest is deferred."),
    interest_free: int = typer.Option(0, help="Periods that charge no interest."),
    installment_fee: str = typer.Option("0", help="Fee added to every installment."),
    upfront_fee: str = typer.Option("0", help="Fee taken at disbursement (counts in the APR)."),
    product: str | None = typer.Option(
        None,
        help="'default' or a product TOML file: its terms replace the loan flags; only "
        "--principal, --installments, --disbursed, --first-due, --amortization apply.",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Generate a repayment schedule (Fineract arithmetic) 生成还款计划."""
    disbursed_on = parse_date(disbursed, "disbursed")
    assert disbursed_on is not None
    if product is not None:
        chosen = default_product() if product == "default" else load_product(product)
        terms = chosen.terms_for(
            principal, installments, disbursed_on, amortization, parse_date(first_due, "first_due")
        )
        _print_schedule(generate_schedule(terms), json_output)
        return
    if annual_rate is None:
        raise ValidationError("annual_rate is required without --product", field="annual_rate")
    terms = LoanTerms(
        principal=to_decimal_amount(principal, "principal"),
        nominal_rate=Rate.from_percent(to_decimal_amount(annual_rate, "annual_rate")),
        installments=installments,
        disbursed=disbursed_on,
        every=every,
        frequency=frequency,  # type: ignore[arg-type]
        engine=engine,  # type: ignore[arg-type]
        interest_method=interest_method,  # type: ignore[arg-type]
        amortization=amortization or "equal-installments",  # type: ignore[arg-type]
        interest_period=interest_period,  # type: ignore[arg-type]
        days_in_year=days_in_year,  # type: ignore[arg-type]
        days_in_month=days_in_month,  # type: ignore[arg-type]
        first_due=parse_date(first_due, "first_due"),
        currency=currency,
        digits=digits,
        rounding=Rounding.parse(rounding),
        installment_multiple=installment_multiple,
        grace_principal=grace_principal,
        grace_interest=grace_interest,
        interest_free=interest_free,
        installment_fee=to_decimal_amount(installment_fee, "installment_fee"),
        upfront_fee=to_decimal_amount(upfront_fee, "upfront_fee"),
    )
    _print_schedule(generate_schedule(terms), json_output)


def _print_schedule(result: Schedule, json_output: bool) -> None:
    terms = result.terms
    apr = schedule_apr(result)
    f = result.format
    if json_output:
        print_json(
            {
                "installments": [
                    {
                        "n": i.n,
                        "due_date": i.due_date.isoformat(),
                        "days": i.days,
                        "principal": f(i.principal),
                        "interest": f(i.interest),
                        "fee": f(i.fee),
                        "total": f(i.total),
                        "balance": f(i.balance),
                    }
                    for i in result.installments
                ],
                "total_principal": f(result.total_principal),
                "total_interest": f(result.total_interest),
                "total_fee": f(result.total_fee),
                "apr": apr.nominal.percent_text(),
                "apr_effective": apr.effective.percent_text(),
            }
        )
        return
    with_fee = result.total_fee != 0
    table = Table(
        title=f"还款计划 Repayment schedule ({terms.currency} {terms.principal}, {terms.engine})"
    )
    headers = ["期 #", "到期日 due", "天 days", "本金 principal", "利息 interest"]
    headers += ["费用 fee"] if with_fee else []
    headers += ["应还 total", "余额 balance"]
    for k, header in enumerate(headers):
        table.add_column(header, no_wrap=k in (1, 2), justify="left" if k < 2 else "right")
    for i in result.installments:
        cells = [str(i.n), i.due_date.isoformat(), str(i.days), f(i.principal), f(i.interest)]
        cells += [f(i.fee)] if with_fee else []
        table.add_row(*cells, f(i.total), f(i.balance))
    totals = ["合计", "total", "", f(result.total_principal), f(result.total_interest)]
    totals += [f(result.total_fee)] if with_fee else []
    table.add_row(*totals, f(result.total), "", style="bold")
    console.print(table)
    console.print(
        f"APR 年化利率 (IRR): nominal 名义 {apr.nominal.format()} · "
        f"effective 实际 {apr.effective.format()}"
    )


def _read_flows(source: str) -> tuple[list[Flow], UnitPeriod | None]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"cannot read flows: {exc}", field="flows") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"flows are not JSON: {exc}", field="flows") from None
    if not isinstance(data, dict) or not isinstance(data.get("advance"), dict):
        raise ValidationError("flows need an 'advance' object", field="advance")
    advance_on = _need_date(data["advance"], "advance")
    flows = [Flow(advance_on, _need_amount(data["advance"], "advance"))]
    for name, sign in (("fees", -1), ("payments", -1)):
        items = data.get(name, [])
        if not isinstance(items, list):
            raise ValidationError(f"{name} must be a list", field=name)
        for k, item in enumerate(items):
            where = f"{name}[{k}]"
            if not isinstance(item, dict):
                raise ValidationError(f"{where} must be an object", field=where)
            on = advance_on if name == "fees" and "date" not in item else _need_date(item, where)
            flows.append(Flow(on, sign * _need_amount(item, where)))
    unit = data.get("unit_period")
    return flows, parse_unit_period(unit) if unit else None


def _need_date(item: dict[str, Any], where: str) -> date:
    value = parse_date(str(item.get("date")) if "date" in item else None, f"{where}.date")
    if value is None:
        raise ValidationError(f"{where}.date is missing", field=f"{where}.date")
    return value


def _need_amount(item: dict[str, Any], where: str) -> Decimal:
    if "amount" not in item:
        raise ValidationError(f"{where}.amount is missing", field=f"{where}.amount")
    amount = to_decimal_amount(item["amount"], f"{where}.amount")
    if amount <= 0:
        raise ValidationError(f"{where}.amount must be positive", field=f"{where}.amount")
    return amount


def apr(
    flows: str = typer.Option(..., help="JSON file of advance, fees and payments, or - for stdin."),
    method: str = typer.Option("irr", help="irr (PBOC) | us-actuarial (Reg Z Appendix J)"),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Annual percentage rate of a loan's cash flows 计算年化利率 (APR)."""
    if method not in ("irr", "us-actuarial"):
        raise ValidationError(f"method {method!r} is not one of: irr, us-actuarial", field="method")
    parsed, unit = _read_flows(flows)
    result = irr_apr(parsed, unit) if method == "irr" else reg_z_apr(parsed, unit)
    out: dict[str, Any] = {
        "method": result.method,
        "unit_period": str(result.unit_period),
        "periodic_rate": result.periodic.percent_text(8),
        "apr_pct": result.nominal.percent_text(),
    }
    if method == "irr":
        out["nominal_apr_pct"] = result.nominal.percent_text()
        out["nominal_label"] = "periodic IRR x periods per year (PBOC 2021 No.3 annualized rate)"
        out["effective_apr_pct"] = result.effective.percent_text()
        out["effective_label"] = "(1 + periodic IRR)^(periods per year) - 1"
    if json_output:
        print_json(out)
        return
    print_table("APR 年化利率", ["figure 指标", "value 数值"], [(k, v) for k, v in out.items()])
