"""Unit prices, the workload of one account-year and the target scale: data with sources."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from puhui.errors import ValidationError

DEFAULT_PRICES_PATH = Path(__file__).with_name("prices.toml")


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Prices(_Data):
    cpu_hour_yuan: Decimal = Field(ge=0)
    storage_gb_month_yuan: Decimal = Field(ge=0)
    storage_copies: int = Field(ge=1, le=10)
    large_input_per_1k_tokens_yuan: Decimal = Field(ge=0)
    large_output_per_1k_tokens_yuan: Decimal = Field(ge=0)
    small_input_per_1k_tokens_yuan: Decimal = Field(ge=0)
    small_output_per_1k_tokens_yuan: Decimal = Field(ge=0)


class Workload(_Data):
    decisions: Decimal = Field(ge=0)
    preapproval_rows: Decimal = Field(ge=0)
    drawdowns: Decimal = Field(ge=0)
    repayments: Decimal = Field(ge=0)
    loan_days: Decimal = Field(ge=0, le=366)
    large_model_calls: Decimal = Field(ge=0)
    small_model_calls: Decimal = Field(ge=0)
    default_input_tokens: int = Field(ge=0)
    default_output_tokens: int = Field(ge=0)


class Scale(_Data):
    accounts: int = Field(gt=0)
    peak_day_transactions: int = Field(ge=0)
    peak_hour_share: Decimal = Field(gt=0, le=1)
    cob_window_hours: Decimal = Field(gt=0, le=24)
    preapproval_window_hours: Decimal = Field(gt=0, le=24 * 31)
    cpu_utilisation: Decimal = Field(gt=0, le=1)


class CostInputs(_Data):
    prices: Prices
    sources: dict[str, str] = {}
    workload: Workload
    scale: Scale

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def parse_inputs(data: dict[str, Any]) -> CostInputs:
    """Validate plain data; the error names the first bad field (`prices.cpu_hour_yuan`)."""
    try:
        return CostInputs.model_validate(data)
    except PydanticError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationError(f"{where}: {first['msg']}", field=where) from None


def load_inputs(path: str | Path | None = None) -> CostInputs:
    """Read a prices file (the packaged default when `path` is None)."""
    source = Path(path) if path is not None else DEFAULT_PRICES_PATH
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"no prices file at {source}", field="prices") from None
    except tomllib.TOMLDecodeError as err:
        raise ValidationError(f"{source} is not valid TOML: {err}", field="prices") from None
    return parse_inputs(data)
