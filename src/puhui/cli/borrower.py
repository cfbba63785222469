"""`puhui app ...`: the borrower's mobile app at /app (a sign-in code for a demo customer)."""

from __future__ import annotations

import typer

from puhui.cli.common import JSON
from puhui.output import print_json
from puhui.settings import get_settings

app = typer.Typer(help="The borrower's mobile app at /app.", no_args_is_help=True)


def issue_code(url: str, customer: str | None = None) -> dict[str, str] | None:
    """A one-time code for `customer` (default: a demo customer with an undrawn line)."""
    from puhui.borrower import SignInCodes
    from puhui.borrower.book import demo_customer
    from puhui.borrower.signin import TTL_SECONDS
    from puhui.servicing.service import LendingService

    lending = LendingService(url)
    try:
        if customer is None:
            customer = demo_customer(lending)
            if customer is None:
                return None
        elif not lending.lines_of_customer(customer):
            return None
    finally:
        lending.close()
    codes = SignInCodes(url)
    try:
        code = codes.issue(customer)
    finally:
        codes.close()
    return {"customer_id": customer, "code": code, "valid_seconds": str(TTL_SECONDS)}


@app.command("code")
def code(
    customer: str = typer.Argument(None, help="Customer id (default: a demo customer)."),
    json_output: bool = JSON,
) -> None:
    """Issue a one-time sign-in code (valid 5 minutes, single use) for a customer's app."""
    from puhui.errors import PuhuiError

    try:
        issued = issue_code(get_settings().database_url, customer)
    except PuhuiError as error:
        raise typer.BadParameter(error.message, param_hint="CUSTOMER") from error
    if issued is None:
        raise typer.BadParameter(
            "no credit line for this customer" if customer else "no customer with an undrawn line",
            param_hint="CUSTOMER",
        )
    if json_output:
        print_json(issued)
    else:
        print(
            f"Customer / 客户号: {issued['customer_id']}  Code / 验证码: {issued['code']}"
            f"  (valid {issued['valid_seconds']}s / 有效期5分钟, single use / 仅可使用一次)"
        )
