"""`puhui policy check` and `puhui price`: run the policy rules and the pricing from a shell.

Heavy imports (Polars, NumPy) happen inside the commands so that `puhui --help` stays fast.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer

from puhui.errors import ValidationError
from puhui.output import console, print_json, print_table

policy_app = typer.Typer(
    help="Policy rules (准入规则): knock-outs and refers, with reason codes.",
    no_args_is_help=True,
)

strategy_app = typer.Typer(
    help="Strategies (策略): policy + model + pricing + limits, versioned by content hash.",
    no_args_is_help=True,
)

MAX_TABLE_ROWS = 50


@strategy_app.command("show")
def strategy_show(
    strategy_file: Path | None = typer.Option(
        None, "--strategy", help="Strategy TOML (default: the packaged strategy)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a strategy's version id (sha256 of its content) and its resolved settings."""
    from puhui.risk.strategy import load_strategy

    strategy = load_strategy(strategy_file)
    if json_output:
        print_json(
            {
                "version_id": strategy.version_id,
                "fingerprint": strategy.fingerprint,
                "content": strategy.to_data(),
            }
        )
        return
    cut = strategy.cutoffs
    print_table(
        f"{strategy.name} {strategy.label} — 策略 strategy",
        ["setting 设置", "value"],
        [
            ["version id 版本", strategy.version_id],
            ["model 模型", f"{strategy.model.name}@{strategy.model.version} {strategy.model.path}"],
            ["approve if PD ≤ 通过", str(cut.approve_max_pd)],
            ["refer if PD ≤ 人工复核", str(cut.refer_max_pd)],
            [
                "rate floor–cap 利率区间",
                f"{strategy.pricing.rate_floor.format()}–{strategy.pricing.rate_cap.format()}",
            ],
            ["limit 额度 (yuan)", f"{strategy.limits.min_limit}–{strategy.limits.max_limit}"],
            ["rules 规则", ", ".join(strategy.policy.codes)],
        ],
    )


@policy_app.command("check")
def policy_check(
    customer_file: Path = typer.Option(
        ..., "--customer-file", help="Customers as JSON (object or list), CSV or Parquet."
    ),
    strategy_file: Path | None = typer.Option(
        None, "--strategy", help="Strategy or policy TOML (default: the packaged strategy)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Evaluate the policy rules for one or many customers (评估准入规则)."""
    result = _policy_check(customer_file, strategy_file)
    if json_output:
        print_json(result)
        return
    rows = result["customers"]
    print_table(
        f"{result['policy']} {result['policy_version']} — 准入规则 policy check",
        ["customer", "decision 结果", "reason codes 原因", "原因说明 / reasons"],
        (
            [
                r.get("customer_id", i),
                r["decision"],
                ", ".join(r["reason_codes"]) or "-",
                "; ".join(f"{x['zh']} / {x['en']}" for x in r["reasons"]) or "-",
            ]
            for i, r in enumerate(rows[:MAX_TABLE_ROWS])
        ),
    )
    if len(rows) > MAX_TABLE_ROWS:
        console.print(f"… {len(rows) - MAX_TABLE_ROWS} more; use --json for all")
    summary = ", ".join(f"{k} {v}" for k, v in result["summary"].items())
    console.print(f"{len(rows)} customers: {summary}")


def _policy_check(customer_file: Path, strategy_file: Path | None) -> dict[str, Any]:
    from puhui.risk.policy import load_policy
    from puhui.risk.strategy import DEFAULT_STRATEGY_PATH

    policy = load_policy(strategy_file or DEFAULT_STRATEGY_PATH)
    texts = {r.code: {"code": r.code, "zh": r.zh, "en": r.en} for r in policy.rules}
    suffix = customer_file.suffix.lower()
    customers: list[dict[str, Any]] = []
    if suffix == ".json":
        for row in _read_json_customers(customer_file):
            result = policy.evaluate(row)
            customers.append(_customer(row, result.decision.value, result.reason_codes, texts))
    elif suffix in (".csv", ".parquet"):
        frame = _read_frame(customer_file)
        batch = policy.evaluate_batch(frame)
        ids = frame["customer_id"].to_list() if "customer_id" in frame.columns else None
        for i, (decision, codes) in enumerate(
            zip(batch["policy_decision"], batch["policy_reasons"], strict=True)
        ):
            row = {"customer_id": ids[i]} if ids is not None else {}
            customers.append(_customer(row, decision, tuple(codes), texts))
    else:
        raise ValidationError(
            f"{customer_file.name}: use a .json, .csv or .parquet file", field="customer_file"
        )
    counts = Counter(c["decision"] for c in customers)
    return {
        "policy": policy.name,
        "policy_version": policy.version,
        "policy_fingerprint": policy.fingerprint,
        "summary": {k: counts.get(k, 0) for k in ("pass", "refer", "decline")},
        "customers": customers,
    }


def _customer(
    row: dict[str, Any], decision: str, codes: tuple[str, ...], texts: dict[str, dict[str, str]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "customer_id" in row:
        out["customer_id"] = row["customer_id"]
    out |= {"decision": decision, "reason_codes": list(codes), "reasons": [texts[c] for c in codes]}
    return out


def _read_json_customers(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ValidationError(
            f"cannot read {path}: {err.strerror}", field="customer_file"
        ) from None
    except json.JSONDecodeError as err:
        raise ValidationError(f"{path.name} is not JSON: {err}", field="customer_file") from None
    rows = data if isinstance(data, list) else [data]
    if not all(isinstance(r, dict) for r in rows):
        raise ValidationError("customers must be JSON objects", field="customer_file")
    return rows


def _read_frame(path: Path) -> Any:
    import polars as pl

    try:
        if path.suffix.lower() == ".csv":
            return pl.read_csv(path)
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as err:
        raise ValidationError(f"cannot read {path}: {err}", field="customer_file") from None


def price_command(
    pd: str = typer.Option(..., "--pd", help="Probability of default, e.g. 0.03."),
    term: int = typer.Option(..., "--term", help="Loan term in months."),
    principal: str | None = typer.Option(
        None, "--principal", help="Loan amount in yuan (default: the reference drawdown)."
    ),
    strategy_file: Path | None = typer.Option(
        None, "--strategy", help="Strategy TOML whose [pricing] to use (default: packaged)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Risk-based nominal annual rate with its components (风险定价：名义年利率及构成)."""
    from puhui.money import Money
    from puhui.risk.pricing import price
    from puhui.risk.strategy import load_strategy

    pd_value = _decimal(pd, "pd")
    strategy = load_strategy(strategy_file)
    params = strategy.pricing
    amount = None if principal is None else Money.parse(principal, params.currency).minor
    quote = price(pd_value, term, params, principal_minor=amount)
    data = quote.to_dict() | {"pd": pd_value, "strategy_id": strategy.version_id}
    if json_output:
        print_json(data)
        return
    labels = {
        "cost_of_funds": "资金成本 cost of funds",
        "expected_loss": "预期损失 expected loss",
        "operating_cost": "运营成本 operating cost",
        "capital_charge": "资本成本 capital charge",
        "target_margin": "目标利润 target margin",
        "rounding": "取整 rounding",
        "clip": "上下限调整 floor/cap",
    }
    rows = [[labels[k], v.format(places=4)] for k, v in quote.components().items()]
    rows.append(["名义年利率 nominal rate", quote.nominal_rate.format()])
    print_table(
        f"PD {pd_value}, {term} months — 风险定价 pricing", ["component 构成", "rate"], rows
    )


def _decimal(text: str, field: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{field} {text!r} is not a number", field=field) from None
