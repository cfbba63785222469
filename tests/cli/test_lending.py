"""`puhui schedule` and `puhui apr` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli import app

runner = CliRunner()


def error_field(output: str) -> str | None:
    """The `field` of the JSON error line that `--json` commands print on failure."""
    for line in output.splitlines():
        if line.startswith('{"error"'):
            return str(json.loads(line)["error"]["field"])
    return None


RS03 = [
    "schedule", "--principal", "5000", "--annual-rate", "12", "--installments", "18",
    "--every", "1", "--frequency", "months", "--engine", "cumulative",
    "--interest-method", "declining-balance", "--amortization", "equal-installments",
    "--interest-period", "daily", "--days-in-year", "actual", "--days-in-month", "actual",
    "--disbursed", "2022-11-01", "--installment-multiple", "1", "--json",
]  # fmt: skip


def test_schedule_json_reproduces_fineract_rs03() -> None:
    """Loan.feature RS03 (C2493) through the CLI."""
    result = runner.invoke(app, RS03)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    first, last = data["installments"][0], data["installments"][-1]
    assert first == {
        "n": 1, "due_date": "2022-12-01", "days": 30, "principal": "255.68",
        "interest": "49.32", "fee": "0.00", "total": "305.00", "balance": "4744.32",
    }  # fmt: skip
    assert (last["principal"], last["interest"], last["balance"]) == ("299.38", "2.95", "0.00")
    assert data["total_principal"] == "5000.00"
    assert data["total_interest"] == "487.33"
    assert 11.5 < float(data["apr"]) < 12.5


def test_schedule_table_for_people() -> None:
    args = [a for a in RS03 if a != "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "还款计划" in result.output and "487.33" in result.output


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("--principal", "0"), "principal"),
        (("--principal", "-5"), "principal"),
        (("--principal", "abc"), "principal"),
        (("--frequency", "fortnights"), "frequency"),
        (("--engine", "bullet"), "engine"),
        (("--days-in-year", "366"), "days_in_year"),
        (("--disbursed", "2022-13-01"), "disbursed"),
        (("--rounding", "sideways"), "rounding"),
    ],
)
def test_schedule_bad_input_names_the_field(change: tuple[str, str], field: str) -> None:
    args = list(RS03)
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args.extend(change)
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert error_field(result.output) == field


def test_first_due_before_disbursement_is_refused_for_people() -> None:
    args = [a for a in RS03 if a != "--json"]
    result = runner.invoke(app, [*args, "--first-due", "2022-10-01"])
    assert result.exit_code == 2
    assert "first_due: first_due must be after disbursed" in result.output


APPENDIX_J_C1_I = {
    "advance": {"date": "1978-01-10", "amount": "5000"},
    "fees": [],
    "payments": [
        {"date": f"{1978 + (1 + k) // 12}-{(1 + k) % 12 + 1:02d}-10", "amount": "230"}
        for k in range(24)
    ],
}


def test_apr_us_actuarial_appendix_j_c1_i(tmp_path: Path) -> None:
    """Reg Z Appendix J (c)(1)(i): 9.69%."""
    path = tmp_path / "flows.json"
    path.write_text(json.dumps({**APPENDIX_J_C1_I, "unit_period": "1 month"}))
    result = runner.invoke(app, ["apr", "--flows", str(path), "--method", "us-actuarial", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert f"{float(data['apr_pct']):.2f}" == "9.69"
    assert data["unit_period"] == "1 month"


def test_apr_irr_from_stdin_labels_both_figures() -> None:
    flows = {**APPENDIX_J_C1_I, "fees": [{"amount": "50"}]}
    result = runner.invoke(app, ["apr", "--flows", "-", "--json"], input=json.dumps(flows))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"apr_pct", "nominal_apr_pct", "effective_apr_pct", "nominal_label"}
    assert float(data["effective_apr_pct"]) > float(data["nominal_apr_pct"]) > 9.69


@pytest.mark.parametrize(
    ("flows", "field"),
    [
        ({"payments": []}, "advance"),
        ({"advance": {"date": "1978-01-10", "amount": "-1"}, "payments": []}, "advance.amount"),
        ({"advance": {"date": "10/01/1978", "amount": "1"}, "payments": []}, "advance.date"),
        ({"advance": {"date": "1978-01-10", "amount": "1"}, "payments": []}, "payments"),
        (
            {
                "advance": {"date": "1978-01-10", "amount": "100"},
                "payments": [{"date": "1978-02-10", "amount": "101"}],
                "unit_period": "1 fortnight",
            },
            "unit_period",
        ),
    ],
)
def test_apr_bad_input_names_the_field(flows: dict[str, object], field: str) -> None:
    result = runner.invoke(app, ["apr", "--flows", "-", "--json"], input=json.dumps(flows))
    assert result.exit_code == 2
    assert error_field(result.output) == field


def test_apr_unknown_method() -> None:
    result = runner.invoke(app, ["apr", "--flows", "-", "--method", "simple"], input="{}")
    assert result.exit_code == 2 and "method:" in result.output


def test_schedule_from_the_default_product() -> None:
    """The shipped product: 18% on 360 days, first period 31 days -> 155.00 on 10,000."""
    args = ["schedule", "--product", "default", "--principal", "10000", "--installments", "5"]
    result = runner.invoke(app, [*args, "--disbursed", "2026-01-15", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["installments"]) == 5
    assert data["installments"][0]["interest"] == "155.00"
    assert data["total_principal"] == "10000.00"
    result = runner.invoke(
        app, [*args, "--disbursed", "2026-01-15", "--amortization", "equal-principal"]
    )
    assert result.exit_code == 0 and "2000.00" in result.output


def test_schedule_product_refuses_terms_it_does_not_offer() -> None:
    args = ["schedule", "--product", "default", "--principal", "10000", "--installments", "7"]
    result = runner.invoke(app, [*args, "--disbursed", "2026-01-15", "--json"])
    assert result.exit_code == 2
    assert error_field(result.output) == "installments"


def test_schedule_needs_a_rate_without_a_product() -> None:
    args = ["schedule", "--principal", "100", "--installments", "3", "--disbursed", "2026-01-15"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 2
    assert error_field(result.output) == "annual_rate"
