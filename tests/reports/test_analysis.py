"""The analysis: facts trace to rows, coverage uses the lending schedule, flags find signs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.lending.schedule import generate_schedule
from puhui.lending.terms import LoanTerms
from puhui.population.business import SIGNS, generate_business
from puhui.rate import Rate
from puhui.reports.analysis import Analysis, analyse
from puhui.reports.applicant import parse_applicant
from puhui.reports.statement import read_statement


def _analyse(seed: int, **kw: object) -> tuple[Analysis, frozenset[str], dict[str, list[str]]]:
    case = generate_business(seed, **kw)  # type: ignore[arg-type]
    a = analyse(parse_applicant(case.applicant), read_statement(case.statement_csv()))
    return a, case.planted, case.planted_rows


def test_monthly_revenue_and_expense_add_up_from_their_rows() -> None:
    a, _, _ = _analyse(5, signs=())
    amounts = {c.txn.id: c.txn.amount for c in a.rows}
    assert len(a.monthly) == 24
    for m in a.monthly:
        rev = a.facts[f"revenue.{m['month']}"]
        assert rev.value == sum(amounts[r] for r in rev.rows) > 0
        exp = a.facts[f"expense.{m['month']}"]
        assert exp.value == -sum(amounts[r] for r in exp.rows)
    total = a.facts["revenue.total"]
    assert total.value == sum(m["revenue"] for m in a.monthly)
    every_row = {c.txn.id for c in a.rows}
    for fact in a.facts.values():
        assert set(fact.rows) <= every_row, fact.id


def test_new_loan_payment_is_the_lending_schedule() -> None:
    a, _, _ = _analyse(9, signs=())
    req = a.applicant.request
    from decimal import Decimal

    schedule = generate_schedule(
        LoanTerms(
            Decimal(req.amount) / 100,
            Rate.of(req.annual_rate),
            req.term_months,
            date.fromordinal(a.end.toordinal() + 1),
        )
    )
    first = schedule.installments[:12]
    assert a.value("loan.payment") == -(-sum(i.total for i in first) // len(first))
    assert a.value("loan.total_interest") == schedule.total_interest
    dscr = a.value("cashflow.monthly") / (a.value("debt.service") + a.value("loan.payment"))
    assert a.value("dscr") == round(dscr, 2)


def test_capacity_keeps_coverage_at_the_target() -> None:
    a, _, _ = _analyse(2, signs=())
    capacity = a.value("loan.capacity")
    if capacity:
        per_fen = a.value("loan.payment") / a.value("loan.amount")
        dscr = a.value("cashflow.monthly") / (a.value("debt.service") + capacity * per_fen)
        assert dscr >= 1.25 - 1e-9


@pytest.mark.parametrize("sign", SIGNS)
def test_each_planted_sign_is_flagged_with_its_rows(sign: str) -> None:
    a, _, planted_rows = _analyse(21, signs=(sign,))
    flags = {f["code"]: f for f in a.flags}
    assert sign in flags, a.flags
    assert set(flags) & set(SIGNS) == {sign}
    if planted_rows.get(sign):
        assert set(planted_rows[sign]) <= set(flags[sign]["rows"])


def test_a_clean_applicant_raises_no_sign() -> None:
    for seed in range(30, 36):
        a, _, _ = _analyse(seed, signs=())
        assert not {f["code"] for f in a.flags} & set(SIGNS), seed


def test_grade_has_reasons_and_moves_with_signs() -> None:
    clean, _, _ = _analyse(40, signs=())
    bad, _, _ = _analyse(40, signs=SIGNS)
    assert clean.grade["grade"] in "ABCDE" and 0 < clean.grade["pd"] < 1
    assert bad.grade["pd"] > clean.grade["pd"]
    assert bad.grade["reasons"] and all(r["zh"] and r["en"] for r in bad.grade["reasons"])


def test_same_inputs_same_facts() -> None:
    a, _, _ = _analyse(8)
    b, _, _ = _analyse(8)
    assert a.to_dict() == b.to_dict()


def test_embeddings_categorise_rows_no_rule_knows() -> None:
    from puhui.reports.categorise import categorise
    from puhui.reports.statement import Transaction

    memos = [
        (10_000, "Customer payment, invoice 123", "sales"),
        (-10_000, "Office rent March", "rent"),
        (-10_000, "Staff salary", "payroll"),
        (-10_000, "Electricity bill", "utilities"),
        (-10_000, "Loan installment", "loan_repayment"),
    ]
    rows = [
        Transaction(f"T{i}", date(2025, 1, 1), amount, None, "某公司", "35001", memo)
        for i, (amount, memo, _) in enumerate(memos)
    ]
    by_rules = categorise(rows, set())
    assert [c.method for c in by_rules] == ["default"] * len(rows)
    by_meaning = categorise(rows, set(), embeddings=True)
    assert [c.category for c in by_meaning] == [want for _, _, want in memos]
    assert {c.method for c in by_meaning} == {"embedding"}


_ROW = st.tuples(
    st.integers(0, 400),  # day offset
    st.integers(-5_000_000, 5_000_000).filter(lambda v: v != 0),
    st.sampled_from(["", "厦门某某有限公司", "银联商务股份有限公司", "某小额贷款有限公司"]),
    st.sampled_from(["", "35001", "35002"]),
    st.sampled_from(["货款", "转账", "现金支取", "贷款发放", "贷款还款", "代发工资", "?", ""]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=60))
def test_any_statement_analyses_and_every_row_lands_in_one_category(rows: list[Any]) -> None:
    from datetime import timedelta

    from puhui.reports.statement import Transaction

    applicant = parse_applicant(generate_business(1, months=12).applicant)
    txns = [
        Transaction(f"T{i}", date(2025, 1, 1) + timedelta(days=day), amount, None, cp, acct, memo)
        for i, (day, amount, cp, acct, memo) in enumerate(rows)
    ]
    a = analyse(applicant, txns)
    assert [c.txn.id for c in a.rows] == [t.id for t in txns]
    amounts = {t.id: t.amount for t in txns}
    net = 0
    for c in a.categories:
        fact = a.facts[c["fact"]]
        signs = {amounts[r] > 0 for r in fact.rows}
        assert len(signs) == 1, c  # a category holds money in or money out, never both
        net += fact.value if signs.pop() else -fact.value
    assert net == sum(amounts.values())
    assert a.grade["grade"] in "ABCDE" and a.value("loan.capacity") >= 0
    every = {t.id for t in txns}
    assert all(set(f.rows) <= every for f in a.facts.values())
