"""Applicant files, unified social credit codes, statement CSVs and the business generator."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.population.business import SIGNS, USCC_CHARS, generate_business, valid_uscc
from puhui.reports.applicant import parse_applicant, validate_uscc
from puhui.reports.statement import read_statement

# Published codes (national enterprise credit information publicity system; company websites).
PUBLISHED = ("91350100M000100Y43", "91330100799655058B", "9144030071526726XG")


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert validate_uscc(code.lower()) == code


@pytest.mark.parametrize("code", PUBLISHED)
def test_one_changed_character_is_caught(code: str) -> None:
    for i in range(18):
        for char in ("0", "A", "Y"):
            if code[i] != char:
                changed = code[:i] + char + code[i + 1 :]
                assert not valid_uscc(changed), changed


def test_bad_codes_name_the_field() -> None:
    with pytest.raises(ValidationError, match="check character should be '3'") as error:
        validate_uscc("91350100M000100Y44")
    assert error.value.field == "uscc"
    with pytest.raises(ValidationError, match="18 characters"):
        validate_uscc("9135010")
    with pytest.raises(ValidationError, match="not allowed"):
        validate_uscc("91350100M000100I43")


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=USCC_CHARS, min_size=17, max_size=17))
def test_any_seventeen_characters_get_one_check_character(first17: str) -> None:
    valid = [c for c in USCC_CHARS if valid_uscc(first17 + c)]
    assert len(valid) == 1


def _applicant() -> dict[str, Any]:
    return copy.deepcopy(generate_business(7).applicant)


def test_a_generated_applicant_parses() -> None:
    a = parse_applicant(_applicant())
    assert a.uscc[:2] == "91" and a.request.amount > 0 and a.shareholders
    assert set(a.related_by_account()) >= {s.account for s in a.shareholders}


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("uscc",), "91350100M000100Y44", "uscc"),
        (("industry",), "mining", "industry"),
        (("founded",), "2020-13-01", "founded"),
        (("shareholders", 1, "share"), "0.9", "shareholders"),
        (("shareholders", 0, "share"), "abc", "shareholders[0].share"),
        (("request", "amount"), "12.345", "request.amount"),
        (("request", "annual_rate"), "12", "request.annual_rate"),
        (("request", "term_months"), 0, "request.term_months"),
        (("request", "annual_rate"), "NaN", "request.annual_rate"),
        (("shareholders", 0, "share"), "Infinity", "shareholders[0].share"),
        (("debts",), [{"lender": "x"}], "debts[0].principal"),
        (
            ("tax_filings",),
            [{"period": "2025Q1", "declared_sales": 1.5}],
            "tax_filings[0].declared_sales",
        ),
    ],
)
def test_bad_applicant_fields_are_named(path: tuple[Any, ...], value: Any, field: str) -> None:
    data = _applicant()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError) as error:
        parse_applicant(data)
    assert error.value.field == field


def test_statement_gb18030_with_credit_and_debit_columns() -> None:
    text = (
        "交易日期,收入金额,支出金额,余额,对方户名,对方账号,用途\n"
        '2025/03/01,"1,200.50",,5200.50,厦门鑫源贸易有限公司,3500001,货款\n'
        "20250302,,300.00,4900.50,,,现金支取\n"
    )
    rows = read_statement(text.encode("gb18030"))
    assert [(r.id, r.amount, r.balance) for r in rows] == [
        ("R2", 120050, 520050),
        ("R3", -30000, 490050),
    ]
    assert rows[0].counterparty == "厦门鑫源贸易有限公司" and rows[1].memo == "现金支取"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2\n", "no date column"),
        ("交易日期,摘要\n2025-01-01,x\n", "amount column"),
        ("交易日期,交易金额\n2025-01-01,abc\n", "line 2 amount"),
        ("交易日期,交易金额\n2025-02-30,1\n", "line 2 date"),
        ("交易流水号,交易日期,交易金额\nA,2025-01-01,1\nA,2025-01-02,1\n", "appears twice"),
        ("交易日期,交易金额\n", "no transactions"),
        ("交易日期,交易金额\n2025-01-01,1e999999\n", "not an amount"),
        ("交易日期,交易金额\n0001-01-01,1\n", "outside"),
        ("交易日期,交易金额\n2001-01-01,1\n2025-01-01,1\n", "at most 3660"),
        ('交易日期,交易金额\n2025-01-01,"1\x00"\n', "not an amount"),
        ("交易日期,交易金额,摘要\n2025-01-01,1," + "x" * 200_000 + "\n", "readable CSV"),
    ],
)
def test_bad_statements_say_where(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        read_statement(text)


def test_generated_statement_reads_back_exactly() -> None:
    case = generate_business(3, months=12)
    rows = read_statement(case.statement_csv().encode("utf-8"))
    assert [r.id for r in rows] == [t["id"] for t in case.transactions]
    assert sum(r.amount for r in rows) == sum(t["amount"] for t in case.transactions)
    assert all(r.balance == t["balance"] for r, t in zip(rows, case.transactions, strict=True))


def test_generator_is_deterministic_and_plants_what_it_says() -> None:
    a, b = generate_business(11, signs=SIGNS), generate_business(11, signs=SIGNS)
    assert a.statement_csv() == b.statement_csv() and a.applicant == b.applicant
    assert a.planted == frozenset(SIGNS)
    assert a.planted_rows["round_tripping"] and a.planted_rows["cash_withdrawals"]
    clean = generate_business(11, signs=())
    assert clean.planted == frozenset() and clean.statement_csv() != a.statement_csv()
    with pytest.raises(ValidationError, match="unknown signs"):
        generate_business(1, signs=("fraud",))
