"""A small-business applicant as data: registration, owners, related accounts, tax, debts, request.

`parse_applicant` reads the JSON an officer (or `puhui report sample`) hands over and checks
every field; a bad one raises `ValidationError` naming it (`shareholders[1].share`). Amounts
are decimal strings in yuan in the file and integer fen here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from puhui.errors import ValidationError
from puhui.population.business import INDUSTRIES, uscc_check_char


@dataclass(frozen=True, slots=True)
class Shareholder:
    name: str
    share: Decimal
    account: str
    role: str


@dataclass(frozen=True, slots=True)
class RelatedAccount:
    name: str
    account: str
    relation: str  # shareholder, affiliate, family


@dataclass(frozen=True, slots=True)
class TaxFiling:
    period: str  # 2025Q3
    declared_sales: int  # fen
    vat_paid: int


@dataclass(frozen=True, slots=True)
class Debt:
    lender: str
    principal: int
    balance: int
    monthly_payment: int
    opened: date
    term_months: int


@dataclass(frozen=True, slots=True)
class LoanRequest:
    amount: int  # fen
    term_months: int
    annual_rate: Decimal  # nominal, a fraction
    purpose: str


@dataclass(frozen=True, slots=True)
class Applicant:
    name: str
    uscc: str
    industry: str
    founded: date
    city: str
    legal_representative: str
    shareholders: tuple[Shareholder, ...]
    related_accounts: tuple[RelatedAccount, ...]
    own_accounts: tuple[str, ...]
    owner_pd: float | None
    owner_score: int | None
    owner_source: str  # decision_audit (the bank's model), the file, or ""
    tax_filings: tuple[TaxFiling, ...]
    debts: tuple[Debt, ...]
    request: LoanRequest

    def related_by_account(self) -> dict[str, RelatedAccount]:
        out = {r.account: r for r in self.related_accounts if r.account}
        for s in self.shareholders:
            if s.account and s.account not in out:
                out[s.account] = RelatedAccount(s.name, s.account, "shareholder")
        return out


def validate_uscc(code: str, field: str = "uscc") -> str:
    """The code upper-cased, or `ValidationError` when it is not 18 characters with a valid
    GB 32100-2015 check character."""
    text = str(code).strip().upper()
    if len(text) != 18:
        raise ValidationError(
            f"unified social credit code must have 18 characters, got {len(text)}", field=field
        )
    expected = uscc_check_char(text[:17])
    if expected != text[17]:
        raise ValidationError(
            f"unified social credit code {text}: check character should be {expected!r} "
            f"(GB 32100-2015), not {text[17]!r}",
            field=field,
        )
    return text


#: Amounts at or above this many yuan are data errors, not a small business's figures.
MAX_YUAN = Decimal(10) ** 12


def yuan_to_fen(value: Any, field: str) -> int:
    if isinstance(value, bool | float) or value is None:
        raise ValidationError(f"{field} must be a decimal string in yuan", field=field)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError(f"{field}: {value!r} is not an amount", field=field) from None
    if not amount.is_finite() or abs(amount) >= MAX_YUAN:
        raise ValidationError(f"{field}: {value!r} is not an amount below 10^12", field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(f"{field}: {value!r} has more than 2 decimal places", field=field)
    return int(amount * 100)


def _text(data: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{where}{key} is required", field=f"{where}{key}")
        return ""
    if not isinstance(value, str | int):
        raise ValidationError(f"{where}{key} must be text", field=f"{where}{key}")
    return str(value).strip()


def _date(data: dict[str, Any], key: str, where: str = "") -> date:
    text = _text(data, key, where)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"{where}{key}: {text!r} is not a date (YYYY-MM-DD)", field=f"{where}{key}"
        ) from None


def _int(data: dict[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            f"{where}{key} must be a whole number between {low} and {high}", field=f"{where}{key}"
        )
    return value


def _list(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationError(f"{key} must be a list of objects", field=key)
    return value


def parse_applicant(data: Any) -> Applicant:
    """An `Applicant` from the applicant file's JSON object, every field checked."""
    if not isinstance(data, dict):
        raise ValidationError("the applicant file must hold a JSON object", field="applicant")
    industry = _text(data, "industry", "")
    if industry not in INDUSTRIES:
        raise ValidationError(
            f"industry {industry!r} is not one of: {', '.join(sorted(INDUSTRIES))}",
            field="industry",
        )
    shareholders = []
    for i, s in enumerate(_list(data, "shareholders")):
        where = f"shareholders[{i}]."
        try:
            share = Decimal(str(s.get("share", "")))
        except InvalidOperation:
            raise ValidationError(f"{where}share is not a number", field=f"{where}share") from None
        if not share.is_finite() or not Decimal(0) < share <= Decimal(1):
            raise ValidationError(f"{where}share must be in (0, 1]", field=f"{where}share")
        shareholders.append(
            Shareholder(
                _text(s, "name", where),
                share,
                _text(s, "account", where, False),
                _text(s, "role", where, False),
            )
        )
    if not shareholders:
        raise ValidationError("shareholders: at least one is required", field="shareholders")
    if sum(s.share for s in shareholders) > Decimal(1):
        raise ValidationError("shareholders: shares add up to more than 1", field="shareholders")
    related = tuple(
        RelatedAccount(
            _text(r, "name", f"related_accounts[{i}]."),
            _text(r, "account", f"related_accounts[{i}]."),
            _text(r, "relation", f"related_accounts[{i}].", False) or "related",
        )
        for i, r in enumerate(_list(data, "related_accounts"))
    )
    tax = tuple(
        TaxFiling(
            _text(t, "period", f"tax_filings[{i}]."),
            yuan_to_fen(t.get("declared_sales"), f"tax_filings[{i}].declared_sales"),
            yuan_to_fen(t.get("vat_paid", "0"), f"tax_filings[{i}].vat_paid"),
        )
        for i, t in enumerate(_list(data, "tax_filings"))
    )
    debts = tuple(
        Debt(
            _text(d, "lender", f"debts[{i}]."),
            yuan_to_fen(d.get("principal"), f"debts[{i}].principal"),
            yuan_to_fen(d.get("balance"), f"debts[{i}].balance"),
            yuan_to_fen(d.get("monthly_payment"), f"debts[{i}].monthly_payment"),
            _date(d, "opened", f"debts[{i}]."),
            _int(d, "term_months", f"debts[{i}].", 1, 600),
        )
        for i, d in enumerate(_list(data, "debts"))
    )
    req = data.get("request")
    if not isinstance(req, dict):
        raise ValidationError("request (the loan applied for) is required", field="request")
    amount = yuan_to_fen(req.get("amount"), "request.amount")
    if amount <= 0:
        raise ValidationError("request.amount must be positive", field="request.amount")
    try:
        rate = Decimal(str(req.get("annual_rate", "")))
    except InvalidOperation:
        raise ValidationError(
            "request.annual_rate is not a number", field="request.annual_rate"
        ) from None
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
        raise ValidationError(
            "request.annual_rate is a fraction between 0 and 1 (0.12 = 12%)",
            field="request.annual_rate",
        )
    request = LoanRequest(
        amount,
        _int(req, "term_months", "request.", 1, 120),
        rate,
        _text(req, "purpose", "request.", False),
    )
    owner = data.get("owner_credit") or {}
    if not isinstance(owner, dict):
        raise ValidationError("owner_credit must be an object", field="owner_credit")
    owner_pd = owner.get("pd")
    if owner_pd is not None and (
        isinstance(owner_pd, bool)
        or not isinstance(owner_pd, int | float)
        or not 0 <= owner_pd <= 1
    ):
        raise ValidationError("owner_credit.pd must be between 0 and 1", field="owner_credit.pd")
    own = data.get("own_accounts") or []
    if not isinstance(own, list):
        raise ValidationError(
            "own_accounts must be a list of account numbers", field="own_accounts"
        )
    return Applicant(
        name=_text(data, "name", ""),
        uscc=validate_uscc(_text(data, "uscc", "")),
        industry=industry,
        founded=_date(data, "founded"),
        city=_text(data, "city", "", False),
        legal_representative=_text(data, "legal_representative", "", False),
        shareholders=tuple(shareholders),
        related_accounts=related,
        own_accounts=tuple(str(a) for a in own),
        owner_pd=None if owner_pd is None else float(owner_pd),
        owner_score=owner.get("score") if isinstance(owner.get("score"), int) else None,
        owner_source=str(owner.get("source", "")) if isinstance(owner, dict) else "",
        tax_filings=tax,
        debts=debts,
        request=request,
    )


def read_applicant(raw: bytes | str) -> tuple[Applicant, dict[str, Any]]:
    """Parse the applicant file's bytes; returns the applicant and the JSON it came from."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValidationError(
            f"the applicant file is not JSON: {error}", field="applicant"
        ) from None
    return parse_applicant(data), data
