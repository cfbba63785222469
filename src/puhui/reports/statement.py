"""Bank-statement CSV as Chinese banks export it (交易明细), read into transactions.

Accepted headers (Chinese as exported, or English): 交易流水号/txn_id, 交易日期/date,
交易金额/amount (signed) or 收入金额 + 支出金额 (credit and debit columns), 账户余额/balance,
对方户名/counterparty, 对方账号/counterparty_account, 摘要/用途/memo. The file may be UTF-8
(with or without a BOM) or GB18030 (what most Chinese banks write). Dates may be 2025-03-01,
2025/03/01 or 20250301; amounts may carry thousands separators. A row without an id gets
`R<line>`. A bad cell raises `ValidationError` naming the line and the column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from puhui.errors import ValidationError
from puhui.reports.applicant import yuan_to_fen

_ALIASES = {
    "id": ("交易流水号", "流水号", "交易序号", "txn_id", "id", "transaction_id"),
    "date": ("交易日期", "记账日期", "交易时间", "date"),
    "amount": ("交易金额", "发生额", "amount"),
    "credit": ("收入金额", "贷方发生额", "收入", "credit"),
    "debit": ("支出金额", "借方发生额", "支出", "debit"),
    "balance": ("账户余额", "余额", "balance"),
    "counterparty": ("对方户名", "对方名称", "对方账户名", "counterparty"),
    "account": ("对方账号", "对方账户", "counterparty_account", "account"),
    "memo": ("摘要", "用途", "附言", "交易摘要", "memo", "summary"),
}
MAX_ROWS = 200_000
#: A statement spans at most this many days (ten years), within these dates.
MAX_SPAN_DAYS = 3_660
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2099, 12, 31)


@dataclass(frozen=True, slots=True)
class Transaction:
    id: str
    date: date
    amount: int  # fen, + money in, - money out
    balance: int | None
    counterparty: str
    account: str
    memo: str

    def row(self) -> list[str | int]:
        return [self.id, self.date.isoformat(), self.amount, self.counterparty, self.memo]


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("the statement is neither UTF-8 nor GB18030 text", field="statement")


def _parse_date(text: str, where: str) -> date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S"):
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(
                f"{where}: {text} is outside {FIRST_DAY.year}-{LAST_DAY.year}", field="statement"
            )
        return day
    raise ValidationError(f"{where}: {text!r} is not a date", field="statement")


def read_statement(raw: bytes | str) -> list[Transaction]:
    """Every row of the CSV as a `Transaction`, ordered as in the file."""
    text = raw if isinstance(raw, str) else _decode(raw)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ValidationError(
            f"the statement is not readable CSV: {error}", field="statement"
        ) from None
    if not header:
        raise ValidationError("the statement is empty", field="statement")
    names = [h.strip() for h in header]
    column: dict[str, int] = {}
    for key, aliases in _ALIASES.items():
        for i, name in enumerate(names):
            if name in aliases or name.lower() in aliases:
                column.setdefault(key, i)
    if "date" not in column:
        raise ValidationError("the statement has no date column (交易日期)", field="statement")
    if "amount" not in column and not ("credit" in column and "debit" in column):
        raise ValidationError(
            "the statement needs an amount column (交易金额) or credit and debit columns "
            "(收入金额, 支出金额)",
            field="statement",
        )

    def cell(row: list[str], key: str) -> str:
        i = column.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    out: list[Transaction] = []
    seen: set[str] = set()
    try:
        body = list(reader)
    except csv.Error as error:
        raise ValidationError(
            f"the statement is not readable CSV: {error}", field="statement"
        ) from None
    for line, row in enumerate(body, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(out) >= MAX_ROWS:
            raise ValidationError(f"the statement has more than {MAX_ROWS} rows", field="statement")
        where = f"statement line {line}"
        if "amount" in column:
            amount = yuan_to_fen(cell(row, "amount") or "0", f"{where} amount")
        else:
            credit = cell(row, "credit")
            debit = cell(row, "debit")
            amount = yuan_to_fen(credit or "0", f"{where} credit") - abs(
                yuan_to_fen(debit or "0", f"{where} debit")
            )
        balance_text = cell(row, "balance")
        tid = cell(row, "id") or f"R{line}"
        if tid in seen:
            raise ValidationError(f"{where}: transaction id {tid} appears twice", field="statement")
        seen.add(tid)
        out.append(
            Transaction(
                id=tid,
                date=_parse_date(cell(row, "date"), f"{where} date"),
                amount=amount,
                balance=yuan_to_fen(balance_text, f"{where} balance") if balance_text else None,
                counterparty=cell(row, "counterparty"),
                account=cell(row, "account"),
                memo=cell(row, "memo"),
            )
        )
    if not out:
        raise ValidationError("the statement has no transactions", field="statement")
    span = (max(t.date for t in out) - min(t.date for t in out)).days
    if span > MAX_SPAN_DAYS:
        raise ValidationError(
            f"the statement spans {span} days; at most {MAX_SPAN_DAYS} (ten years)",
            field="statement",
        )
    return out
